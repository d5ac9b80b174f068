"""`GET /metrics` read by Prometheus's own parser (`prometheus_client`) against a live Tollgate
(run by `make test`).

Checks what a scrape sees: every family has `# HELP` and `# TYPE`; the counters known at start
(requests by route and cache result, cost and tokens by provider, model and tenant, saved
dollars) read 0 before the first request; sample values carry no float noise; the gateway's own
latency is a histogram by route and cache result; `HEAD /metrics` answers 200.
"""
import json
import os
import re
import sys
import tempfile
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from openai_client_test import check, results, start  # noqa: E402 - shared harness


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers["Content-Type"]
        return r.read().decode()


def families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def sample(fams, family, name, **labels):
    for s in fams[family].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    raise AssertionError(f"no sample {name}{labels} in {family}: {[(s.name, s.labels) for s in fams[family].samples]}")


def chat(port, content, model="gpt-4o-mini"):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": content}]}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def main():
    tmp = tempfile.mkdtemp(prefix="tollgate-metrics-")
    mock, mock_port = start(["mock-provider", "--port", "0"])
    config = os.path.join(tmp, "tollgate.yaml")
    with open(config, "w") as f:
        f.write(f"""
listen: {{ host: 127.0.0.1, port: 0 }}
data_dir: {tmp}/data
cache: {{ semantic: {{ enabled: false }} }}
providers:
  - name: budget
    kind: openai
    base_url: http://127.0.0.1:{mock_port}/v1
    models:
      - {{ name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.60, capabilities: [stream, tools, json] }}
""")
    gateway, port = start(["serve", "--config", config])
    try:
        def known_counters_start_at_zero():
            fams = families(scrape(port))
            assert sample(fams, "tollgate_requests", "tollgate_requests_total", route="/v1/chat/completions", cache="miss", status="200") == 0
            assert sample(fams, "tollgate_cost_usd", "tollgate_cost_usd_total", provider="budget", model="gpt-4o-mini", tenant="default") == 0
            assert sample(fams, "tollgate_tokens", "tollgate_tokens_total", provider="budget", model="gpt-4o-mini", tenant="default", direction="in") == 0
            assert sample(fams, "tollgate_saved_usd", "tollgate_saved_usd_total") == 0
            assert sample(fams, "tollgate_build_info", "tollgate_build_info") == 1

        check("counters known at start are exported at 0", known_counters_start_at_zero)

        for i in range(7):
            assert chat(port, f"metrics question {i}") == 200
        for i in range(3):
            assert chat(port, f"metrics question {i}") == 200
        assert chat(port, "who serves this?", model="no-such-model") == 404

        def every_family_is_documented():
            text = scrape(port)
            fams = families(text)
            assert len(fams) >= 10, sorted(fams)
            undocumented = [n for n, f in fams.items() if not f.documentation.strip()]
            assert not undocumented, undocumented
            for name in fams:
                assert re.search(rf"^# TYPE {name}(_total)? ", text, re.M), name
            assert "stored entries' own bytes" in fams["tollgate_cache_bytes"].documentation

        check("every family has # HELP text and # TYPE (prometheus_client parser)", every_family_is_documented)

        def no_float_noise():
            text = scrape(port)
            for line in text.splitlines():
                if line.startswith("#") or not line:
                    continue
                value = line.rsplit(" ", 1)[1]
                if value in ("+Inf", "-Inf", "NaN"):
                    continue
                digits = re.sub(r"e.*$", "", value.lstrip("-")).replace(".", "").lstrip("0")
                assert len(digits) <= 15, f"float noise: {line}"
                assert float(value) == round(float(value), 9), f"not rounded to 1e-9: {line}"
            fams = families(text)
            cost = sample(fams, "tollgate_cost_usd", "tollgate_cost_usd_total", provider="budget", model="gpt-4o-mini", tenant="default")
            saved = sample(fams, "tollgate_saved_usd", "tollgate_saved_usd_total")
            assert cost > 0 and saved > 0, (cost, saved)

        check("sample values carry no float noise; cost and savings are counted", no_float_noise)

        def latency_histogram_by_route_and_cache():
            fams = families(scrape(port))
            h = fams["tollgate_request_duration_seconds"]
            assert h.type == "histogram", h.type
            assert sample(fams, "tollgate_request_duration_seconds", "tollgate_request_duration_seconds_count", route="/v1/chat/completions", cache="miss") == 7
            assert sample(fams, "tollgate_request_duration_seconds", "tollgate_request_duration_seconds_count", route="/v1/chat/completions", cache="hit") == 3
            assert sample(fams, "tollgate_requests", "tollgate_requests_total", route="/v1/chat/completions", cache="none", status="404") == 1
            assert sample(fams, "tollgate_request_duration_seconds", "tollgate_request_duration_seconds_bucket", route="/v1/chat/completions", cache="hit", le="+Inf") == 3

        check("the gateway's own latency is a histogram by route and cache result", latency_histogram_by_route_and_cache)

        def head_is_200():
            req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", method="HEAD")
            with urllib.request.urlopen(req) as r:
                assert r.status == 200 and r.read() == b""

        check("HEAD /metrics answers 200 with no body", head_is_200)
    finally:
        for p in (gateway, mock):
            p.terminate()
            p.wait(timeout=30)
    print(f"metrics: {results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
