"""The official `openai` Python client against a live Tollgate (run by `make test`).

Starts `tollgate mock-provider` and `tollgate serve` on free loopback ports, then checks what an
application sees through the SDK: the answer's content, that a repeat is a cache hit served
without an upstream call, and that errors arrive as the SDK's typed exceptions.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

import openai

BIN = os.environ.get("TOLLGATE_BIN", ".build/debug/tollgate")
results = {"passed": 0, "failed": 0}


def start(args, env=None):
    """Starts a tollgate process and returns (process, port) once it says it listens."""
    proc = subprocess.Popen([BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    deadline = time.monotonic() + 60  # a deadline for a busy machine, not a wait
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"listening on http://[\d.]+:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    raise RuntimeError(f"{args[0]} did not start")


def mock_requests(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_mock/stats") as r:
        return json.load(r)["requests"]


def check(name, fn):
    try:
        fn()
        results["passed"] += 1
        print(f"ok   {name}")
    except Exception as e:  # noqa: BLE001 - report every failure and go on
        results["failed"] += 1
        print(f"FAIL {name}: {e!r}")


def main():
    tmp = tempfile.mkdtemp(prefix="tollgate-client-")
    mock, mock_port = start(["mock-provider", "--port", "0"])
    config = os.path.join(tmp, "tollgate.yaml")
    with open(config, "w") as f:
        f.write(f"""
listen: {{ host: 127.0.0.1, port: 0 }}
data_dir: {tmp}/data
providers:
  - name: budget
    kind: openai
    base_url: http://127.0.0.1:{mock_port}/v1
    models:
      - {{ name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.60, capabilities: [stream, tools, json] }}
""")
    gateway, port = start(["serve", "--config", config])
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused", max_retries=0)
    try:
        messages = [{"role": "user", "content": "What is the capital of France?"}]

        def first_and_repeat():
            raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=messages)
            first = raw.parse()
            assert raw.headers["x-tollgate-cache"] == "miss", raw.headers["x-tollgate-cache"]
            assert "capital of France" in first.choices[0].message.content
            assert first.usage.prompt_tokens > 0 and first.usage.completion_tokens > 0
            calls = mock_requests(mock_port)
            raw2 = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=messages)
            second = raw2.parse()
            assert raw2.headers["x-tollgate-cache"] == "hit", raw2.headers["x-tollgate-cache"]
            assert raw2.headers["x-tollgate-cost-usd"] == "0.000000"
            assert float(raw2.headers["x-tollgate-saved-usd"]) > 0
            assert second.choices[0].message.content == first.choices[0].message.content
            assert mock_requests(mock_port) == calls, "the repeat reached the upstream"

        def reordered_parameters_hit():
            a = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=messages, temperature=0.5, seed=7)
            b = client.chat.completions.with_raw_response.create(seed=7, temperature=0.5, messages=messages, model="gpt-4o-mini")
            assert a.headers["x-tollgate-cache"] == "miss"
            assert b.headers["x-tollgate-cache"] == "hit"

        def unknown_model_is_404():
            try:
                client.chat.completions.create(model="no-such-model", messages=messages)
            except openai.NotFoundError as e:
                assert e.body["code"] == "model_not_found", e.body
            else:
                raise AssertionError("expected NotFoundError")

        def bad_request_names_param():
            try:
                client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "wizard", "content": "hi"}])
            except openai.BadRequestError as e:
                assert e.body["param"] == "messages[0].role", e.body
            else:
                raise AssertionError("expected BadRequestError")

        def models_list():
            ids = [m.id for m in client.models.list()]
            assert "gpt-4o-mini" in ids and "auto" in ids, ids

        def streaming_miss_then_hit():
            story = [{"role": "user", "content": "Tell me a short story about a lighthouse"}]
            calls = mock_requests(mock_port)
            with client.chat.completions.with_streaming_response.create(model="gpt-4o-mini", messages=story, stream=True) as raw:
                assert raw.headers["x-tollgate-cache"] == "miss", raw.headers["x-tollgate-cache"]
                chunks = list(raw.parse())
            assert len(chunks) > 3, f"expected several chunks, got {len(chunks)}"
            streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
            assert "lighthouse" in streamed
            assert mock_requests(mock_port) == calls + 1
            with client.chat.completions.with_streaming_response.create(model="gpt-4o-mini", messages=story, stream=True,
                                                                       stream_options={"include_usage": True}) as raw:
                assert raw.headers["x-tollgate-cache"] == "hit", raw.headers["x-tollgate-cache"]
                again = list(raw.parse())
            assert "".join(c.choices[0].delta.content or "" for c in again if c.choices) == streamed
            assert again[-1].usage is not None and again[-1].usage.completion_tokens > 0
            whole = client.chat.completions.create(model="gpt-4o-mini", messages=story)
            assert whole.choices[0].message.content == streamed, "the JSON answer equals the streamed one"
            assert mock_requests(mock_port) == calls + 1, "repeats reached the upstream"

        check("first call is a miss, the repeat a hit with no upstream call", first_and_repeat)
        check("stream=True: a miss streams chunks, the repeat is a hit, JSON gets the same text", streaming_miss_then_hit)
        check("same parameters in another order hit the same entry", reordered_parameters_hit)
        check("unknown model raises NotFoundError (404, model_not_found)", unknown_model_is_404)
        check("invalid role raises BadRequestError naming the param", bad_request_names_param)
        check("models.list() has the configured names and auto", models_list)
        cut_mock, cut_port = start(["mock-provider", "--port", "0", "--cut-stream-after", "3"])
        cut_config = os.path.join(tmp, "cut.yaml")
        with open(cut_config, "w") as f:
            f.write(f"""
listen: {{ host: 127.0.0.1, port: 0 }}
data_dir: {tmp}/cut-data
providers:
  - {{ name: flaky, kind: openai, base_url: "http://127.0.0.1:{cut_port}/v1", models: [{{ name: gpt-4o-mini, capabilities: [stream] }}] }}
""")
        cut_gateway, cut_gateway_port = start(["serve", "--config", cut_config])
        cut_client = openai.OpenAI(base_url=f"http://127.0.0.1:{cut_gateway_port}/v1", api_key="unused", max_retries=0)

        def cut_stream_is_an_error_and_not_cached():
            for attempt in range(2):
                try:
                    list(cut_client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True))
                except openai.APIError as e:
                    assert "stream" in str(e).lower(), e
                else:
                    raise AssertionError("a cut stream must surface as an error")
            assert mock_requests(cut_port) == 2, "the second attempt must not be served from a cut stream"

        check("a stream cut by the upstream raises APIError and is not cached", cut_stream_is_an_error_and_not_cached)
        for p in (cut_gateway, cut_mock):
            p.terminate()
            p.wait(timeout=30)
        # `make run`'s gateway: the embedded default, offline against the bundled fixtures.
        default, default_port = start(["serve", "--port", "0", "--data-dir", os.path.join(tmp, "default-data")])
        offline = openai.OpenAI(base_url=f"http://127.0.0.1:{default_port}/v1", api_key="unused", max_retries=0)

        def default_gateway_serves_fixtures():
            ask = lambda q: offline.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])
            raw = ask("What is the capital of Australia?")
            assert raw.headers["x-tollgate-cache"] == "hit", raw.headers["x-tollgate-cache"]
            assert raw.headers["x-tollgate-provider"] == "openai-demo"
            assert "Canberra" in raw.parse().choices[0].message.content
            para = ask("What city is the capital of Australia?")  # cosine 0.951
            assert para.headers["x-tollgate-cache"] == "semantic-hit", para.headers["x-tollgate-cache"]
            assert "Canberra" in para.parse().choices[0].message.content
            with offline.chat.completions.with_streaming_response.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "What is the capital of Australia?"}], stream=True) as s:
                assert "Canberra" in "".join(c.choices[0].delta.content or "" for c in s.parse() if c.choices)
            try:
                offline.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Recite the tax code of Atlantis"}])
            except openai.APIStatusError as e:
                assert e.status_code == 404 and e.body["code"] == "offline_no_fixture", e.body
            else:
                raise AssertionError("expected 404 offline_no_fixture")

        def offline_miss_is_not_retried():
            # The SDK's default retries (2): a 5xx would be sent 3 times; an offline miss once.
            retrying = openai.OpenAI(base_url=f"http://127.0.0.1:{default_port}/v1", api_key="unused")
            stats = lambda: json.load(urllib.request.urlopen(f"http://127.0.0.1:{default_port}/admin/stats"))["total"]
            before = stats()
            try:
                retrying.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "How many moons does Atlantis have?"}])
            except openai.NotFoundError as e:
                message = e.body["message"]
                assert e.body["code"] == "offline_no_fixture", e.body
                assert "tenant `default`" in message and "--record" in message and "--config" in message, message
                assert "similarity" in message, message
            else:
                raise AssertionError("expected NotFoundError offline_no_fixture")
            after = stats()
            assert after["requests"] - before["requests"] == 1, (before, after)
            assert after["misses"] - before["misses"] == 1, (before, after)

        check("the default gateway answers from bundled fixtures (hit, semantic hit, stream, 404)", default_gateway_serves_fixtures)
        check("an offline miss is a 404 the SDK sends once (no retries), naming tenant and similarity", offline_miss_is_not_retried)
        default.terminate()
        default.wait(timeout=30)
    finally:
        for p in (gateway, mock):
            p.terminate()
            p.wait(timeout=30)
    print(f"openai client: {results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
