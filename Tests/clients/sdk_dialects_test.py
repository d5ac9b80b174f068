"""The official `anthropic` SDK and the `openai` SDK's Responses API against a live Tollgate
(run by `make test`).

One gateway in front of two mock upstreams — an OpenAI-kind one serving `gpt-4o-mini` and an
Anthropic-kind one serving `claude-haiku` — so that every check runs against both upstream kinds:
Messages (sync, async, stream, tools round trip, count_tokens, error classes), Responses (sync,
stream, structured output through `responses.parse`, `previous_response_id`, retrieve), and the
cross-dialect cache: one question paid for once, served as a hit in all three dialects. LangChain's
`ChatAnthropic` (langchain-anthropic), when installed, on misses and hits, whole and streamed.
"""
import asyncio
import json
import os
import sys
import tempfile
import urllib.request

import anthropic
import openai
import pydantic

from openai_client_test import check, mock_requests, results, start  # noqa: E402 - shared harness

MODELS = {"gpt-4o-mini": "openai upstream", "claude-haiku": "anthropic upstream"}
WEATHER = {"name": "get_weather", "description": "The weather in a city",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def main():
    tmp = tempfile.mkdtemp(prefix="tollgate-sdk-")
    oa_mock, oa_port = start(["mock-provider", "--port", "0"])
    an_mock, an_port = start(["mock-provider", "--port", "0", "--flavor", "anthropic"])
    config = os.path.join(tmp, "tollgate.yaml")
    with open(config, "w") as f:
        f.write(f"""
listen: {{ host: 127.0.0.1, port: 0 }}
data_dir: {tmp}/data
cache: {{ semantic: {{ enabled: false }} }}
providers:
  - name: budget
    kind: openai
    base_url: http://127.0.0.1:{oa_port}/v1
    models:
      - {{ name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.60, capabilities: [stream, tools, json] }}
  - name: claude
    kind: anthropic
    base_url: http://127.0.0.1:{an_port}/v1
    models:
      - {{ name: claude-haiku, input_usd_per_mtok: 0.80, output_usd_per_mtok: 4.0, capabilities: [stream, tools, json] }}
keys:
  - {{ key_env: SDK_TEST_KEY, tenant: sdk }}
""")
    env = dict(os.environ, SDK_TEST_KEY="sk-tollgate-sdk-test")
    gateway, port = start(["serve", "--config", config], env=env)
    base = f"http://127.0.0.1:{port}"
    ant = anthropic.Anthropic(base_url=base, api_key="sk-tollgate-sdk-test", max_retries=0)
    oai = openai.OpenAI(base_url=base + "/v1", api_key="sk-tollgate-sdk-test", max_retries=0)
    upstream = lambda: mock_requests(oa_port) + mock_requests(an_port)  # noqa: E731
    try:
        for model, kind in MODELS.items():
            run_messages(ant, model, kind, upstream)
            run_responses(oai, model, kind, upstream)
        run_cross_dialect(ant, oai, upstream)
        for model, kind in MODELS.items():
            run_langchain(base, model, kind, upstream)
        run_errors(base)
    finally:
        for p in (gateway, oa_mock, an_mock):
            p.terminate()
            p.wait(timeout=20)
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


def run_messages(ant, model, kind, upstream):
    q = f"Which river runs through Vienna? ({kind})"

    def create_then_hit():
        raw = ant.messages.with_raw_response.create(model=model, max_tokens=200, messages=[{"role": "user", "content": q}])
        m = raw.parse()
        assert raw.headers["x-tollgate-cache"] == "miss", raw.headers["x-tollgate-cache"]
        assert m.type == "message" and m.role == "assistant" and m.stop_reason == "end_turn", m
        assert "Vienna" in m.content[0].text and m.usage.output_tokens > 0, m
        calls = upstream()
        raw2 = ant.messages.with_raw_response.create(model=model, max_tokens=200, messages=[{"role": "user", "content": [{"type": "text", "text": q}]}])
        assert raw2.headers["x-tollgate-cache"] == "hit", "a text block is the same request as a string"
        assert raw2.parse().content[0].text == m.content[0].text
        assert upstream() == calls, "a hit must not reach an upstream"
    check(f"messages.create miss then hit ({kind})", create_then_hit)

    def stream_miss_and_hit():
        prompt = [{"role": "user", "content": f"Name three colours of the rainbow ({kind})"}]
        texts = []
        for expected in ("miss", "hit"):
            with ant.messages.stream(model=model, max_tokens=100, messages=prompt) as s:
                assert s.response.headers["x-tollgate-cache"] == expected, s.response.headers["x-tollgate-cache"]
                text = "".join(s.text_stream)
                final = s.get_final_message()
            assert final.stop_reason == "end_turn" and final.content[0].text == text and final.usage.output_tokens > 0, final
            texts.append(text)
        assert texts[0] == texts[1] and "rainbow" in texts[0], texts
    check(f"messages.stream miss then replayed hit ({kind})", stream_miss_and_hit)

    def async_client():
        async def go():
            client = anthropic.AsyncAnthropic(base_url=ant.base_url, api_key="sk-tollgate-sdk-test", max_retries=0)
            m = await client.messages.create(model=model, max_tokens=50, system="Be brief.", messages=[{"role": "user", "content": f"Async hello ({kind})"}])
            await client.close()
            return m
        m = asyncio.run(go())
        assert "Async hello" in m.content[0].text, m
    check(f"AsyncAnthropic messages.create ({kind})", async_client)

    def tools_round_trip():
        first = ant.messages.create(model=model, max_tokens=200, tools=[WEATHER], messages=[{"role": "user", "content": f"Weather in Oslo? ({kind})"}])
        assert first.stop_reason == "tool_use", first
        use = next(b for b in first.content if b.type == "tool_use")
        assert use.name == "get_weather" and isinstance(use.input, dict), use
        second = ant.messages.create(model=model, max_tokens=200, tools=[WEATHER], messages=[
            {"role": "user", "content": f"Weather in Oslo? ({kind})"},
            {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "Sunny, 21 C"}]},
        ])
        assert second.stop_reason == "end_turn" and second.content[0].type == "text", second
    check(f"messages tools round trip ({kind})", tools_round_trip)

    def count_tokens():
        n = ant.messages.count_tokens(model=model, messages=[{"role": "user", "content": "How many tokens is this sentence?"}])
        assert 0 < n.input_tokens < 100, n
    check(f"messages.count_tokens ({kind})", count_tokens)


class City(pydantic.BaseModel):
    name: str
    population: int


def run_responses(oai, model, kind, upstream):
    def create_then_hit():
        raw = oai.responses.with_raw_response.create(model=model, input=f"What is the tallest mountain in Japan? ({kind})", instructions="Answer in one line.")
        r = raw.parse()
        assert raw.headers["x-tollgate-cache"] == "miss"
        assert r.status == "completed" and r.id.startswith("resp_") and "tallest mountain" in r.output_text, r
        assert r.usage.input_tokens > 0 and r.usage.output_tokens > 0, r.usage
        calls = upstream()
        raw2 = oai.responses.with_raw_response.create(model=model, input=f"What is the tallest mountain in Japan? ({kind})", instructions="Answer in one line.")
        r2 = raw2.parse()
        assert raw2.headers["x-tollgate-cache"] == "hit" and r2.output_text == r.output_text and r2.id != r.id
        assert upstream() == calls
        got = oai.responses.retrieve(r.id)
        assert got.id == r.id and got.output_text == r.output_text
    check(f"responses.create miss, hit, retrieve ({kind})", create_then_hit)

    def stream():
        types, text = [], ""
        with oai.responses.stream(model=model, input=f"Count to three ({kind})") as s:
            for event in s:
                types.append(event.type)
                if event.type == "response.output_text.delta":
                    text += event.delta
            final = s.get_final_response()
        assert types[0] == "response.created" and types[-1] == "response.completed", types
        assert "response.output_item.added" in types and "response.output_text.done" in types, types
        assert final.output_text == text and "Count to three" in text, (final.output_text, text)
    check(f"responses.stream events ({kind})", stream)

    def previous_response():
        first = oai.responses.create(model=model, input=f"My name is Ada. ({kind})")
        follow = oai.responses.create(model=model, input="What is my name?", previous_response_id=first.id)
        fresh = oai.responses.create(model=model, input="What is my name?")
        assert follow.previous_response_id == first.id
        assert follow.output_text != fresh.output_text, "the follow-up carries the earlier turns, so it is another request"
        again = oai.responses.create(model=model, input="What is my name?", previous_response_id=first.id)
        assert again.output_text == follow.output_text, "the same conversation is the same cache entry"
    check(f"responses previous_response_id ({kind})", previous_response)

    def tools():
        tool = {"type": "function", "name": "get_weather", "parameters": WEATHER["input_schema"]}
        r = oai.responses.create(model=model, input=f"Weather in Lima? ({kind})", tools=[tool])
        call = next(i for i in r.output if i.type == "function_call")
        assert call.name == "get_weather" and json.loads(call.arguments) is not None, call
        r2 = oai.responses.create(model=model, previous_response_id=r.id, tools=[tool],
                                  input=[{"type": "function_call_output", "call_id": call.call_id, "output": "Cloudy"}])
        assert r2.output_text, r2
    check(f"responses function call round trip ({kind})", tools)

    def parse():
        r = oai.responses.parse(model=model, input=f"Describe Lyon as a city record. ({kind})", text_format=City)
        assert isinstance(r.output_parsed, City) and r.output_parsed.name, r.output_parsed
        # The same through chat completions: response_format reaches an Anthropic upstream too
        # (as a forced tool), it is never dropped.
        c = oai.chat.completions.parse(model=model, messages=[{"role": "user", "content": f"Paris as a city record ({kind})"}], response_format=City)
        assert isinstance(c.choices[0].message.parsed, City), c.choices[0].message
    check(f"structured output: responses.parse and chat.completions.parse ({kind})", parse)

    def parse_stream():
        with oai.responses.stream(model=model, input=f"Rome as a city record, streamed ({kind})", text_format=City) as s:
            for _ in s:
                pass
            final = s.get_final_response()
        assert isinstance(final.output_parsed, City), final.output_text
    check(f"structured output streamed ({kind})", parse_stream)


def run_cross_dialect(ant, oai, upstream):
    def one_entry_three_dialects():
        q = "Cross-dialect: what is the boiling point of water at sea level?"
        raw = oai.chat.completions.with_raw_response.create(model="claude-haiku", max_tokens=300, messages=[{"role": "user", "content": q}])
        assert raw.headers["x-tollgate-cache"] == "miss"
        text = raw.parse().choices[0].message.content
        calls = upstream()
        m = ant.messages.with_raw_response.create(model="claude-haiku", max_tokens=300, messages=[{"role": "user", "content": q}])
        assert m.headers["x-tollgate-cache"] == "hit", m.headers["x-tollgate-cache"]
        assert m.parse().content[0].text == text
        r = oai.responses.with_raw_response.create(model="claude-haiku", max_output_tokens=300, input=q)
        assert r.headers["x-tollgate-cache"] == "hit", r.headers["x-tollgate-cache"]
        assert r.parse().output_text == text
        assert upstream() == calls, "answered once, served in three dialects"
    check("cross-dialect: one entry for chat, messages and responses", one_entry_three_dialects)

    def models():
        assert oai.models.retrieve("gpt-4o-mini").id == "gpt-4o-mini"
        try:
            oai.models.retrieve("no-such-model")
            raise AssertionError("expected NotFoundError")
        except openai.NotFoundError:
            pass
    check("models.retrieve", models)


def text_of(message):
    """A LangChain message's text (a property in langchain-core 1.x, a method before)."""
    t = message.text
    return t() if callable(t) and not isinstance(t, str) else str(t)


def run_langchain(base, model, kind, upstream):
    try:
        from langchain_anthropic import ChatAnthropic
    except ImportError:
        check("langchain-anthropic installed (make venv)", lambda: (_ for _ in ()).throw(AssertionError("pip install langchain-anthropic")))
        return
    llm = ChatAnthropic(model=model, base_url=base, api_key="sk-tollgate-sdk-test", max_retries=0, max_tokens=200)

    def invoke_miss_then_hit():
        q = f"LangChain: which sea does the Danube flow into? ({kind})"
        calls = upstream()
        first = llm.invoke(q)
        assert upstream() == calls + 1, "a miss reaches the upstream once"
        assert "Danube" in text_of(first) and first.usage_metadata["output_tokens"] > 0, first
        second = llm.invoke(q)
        assert upstream() == calls + 1, "a hit must not reach an upstream"
        assert text_of(second) == text_of(first), (text_of(second), text_of(first))
    check(f"langchain ChatAnthropic.invoke miss then hit ({kind})", invoke_miss_then_hit)

    def stream_miss_then_hit():
        q = f"LangChain: name two moons of Jupiter, streamed ({kind})"
        calls = upstream()
        texts = []
        for _ in ("miss", "hit"):
            chunks = list(llm.stream(q))
            assert len(chunks) > 1, "a stream of several chunks"
            texts.append("".join(text_of(c) for c in chunks))
        assert upstream() == calls + 1, "the second stream is replayed from the cache"
        assert texts[0] == texts[1] and "moons of Jupiter" in texts[0], texts
    check(f"langchain ChatAnthropic.stream miss then replayed hit ({kind})", stream_miss_then_hit)


def run_errors(base):
    def anthropic_error_classes():
        good = anthropic.Anthropic(base_url=base, api_key="sk-tollgate-sdk-test", max_retries=0)
        bad = anthropic.Anthropic(base_url=base, api_key="wrong-key", max_retries=0)
        for fn, cls in [
            (lambda: bad.messages.create(model="claude-haiku", max_tokens=10, messages=[{"role": "user", "content": "hi"}]), anthropic.AuthenticationError),
            (lambda: good.messages.create(model="no-such-model", max_tokens=10, messages=[{"role": "user", "content": "hi"}]), anthropic.NotFoundError),
            (lambda: good.messages.create(model="claude-haiku", max_tokens=0, messages=[{"role": "user", "content": "hi"}]), anthropic.BadRequestError),
            (lambda: good.messages.create(model="claude-haiku", max_tokens=10, messages=[]), anthropic.BadRequestError),
        ]:
            try:
                fn()
                raise AssertionError(f"expected {cls.__name__}")
            except cls as e:
                assert e.body["type"] == "error" and e.body["error"]["message"], e.body
    check("anthropic SDK error classes and Anthropic's error shape", anthropic_error_classes)

    def responses_errors():
        oai = openai.OpenAI(base_url=base + "/v1", api_key="sk-tollgate-sdk-test", max_retries=0)
        try:
            oai.responses.create(model="gpt-4o-mini", input="hi", previous_response_id="resp_missing")
            raise AssertionError("expected BadRequestError")
        except openai.BadRequestError as e:
            assert e.body["param"] == "previous_response_id", e.body
        try:
            openai.OpenAI(base_url=base + "/v1", api_key="nope", max_retries=0).responses.create(model="gpt-4o-mini", input="hi")
            raise AssertionError("expected AuthenticationError")
        except openai.AuthenticationError:
            pass
        req = urllib.request.Request(base + "/v1/models")
        try:
            urllib.request.urlopen(req)
            raise AssertionError("GET /v1/models without a key must be a 401 when keys are configured")
        except urllib.error.HTTPError as e:
            assert e.code == 401
    check("responses errors, models need a key", responses_errors)


if __name__ == "__main__":
    main()
