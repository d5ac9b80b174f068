"""The console (`GET /console`) in a real browser: Debian's headless Chromium driven by Playwright.

Starts `tollgate mock-provider` and a gateway with the semantic layer, sends a known mix of exact
hits, a semantic hit, misses and a near miss, then opens /console, enters the admin key and checks
the rendered DOM: the figures equal /admin/stats, the review queue has a row for the semantic hit
with both prompts, and "Mark wrong" purges its entry. Saves a 1280x800 screenshot
(`--screenshot PATH`, default a temporary file). Uses /usr/bin/chromium (`make deps` installs it);
Playwright's own browsers are never downloaded.
"""
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request

from playwright.sync_api import sync_playwright

from openai_client_test import start  # noqa: E402 - shared harness

BIN = os.environ.get("TOLLGATE_BIN", ".build/debug/tollgate")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
MODEL_DIR = os.path.abspath(os.environ.get("TOLLGATE_MODEL_DIR", ".models/all-MiniLM-L6-v2"))
ADMIN_KEY = "console-admin-key"
USER_KEY = "console-user-key"
results = {"passed": 0, "failed": 0}


def call(url, body=None, key=None):
    """(status, headers, parsed JSON or text) of one request."""
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            text = r.read().decode()
            return r.status, dict(r.headers), json.loads(text) if text.startswith("{") else text
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def check(name, fn):
    try:
        fn()
        results["passed"] += 1
        print(f"ok   {name}")
    except Exception as e:  # noqa: BLE001 - report every failure and go on
        results["failed"] += 1
        print(f"FAIL {name}: {e!r}")


def main():
    screenshot = sys.argv[sys.argv.index("--screenshot") + 1] if "--screenshot" in sys.argv else os.path.join(tempfile.gettempdir(), "tollgate-console.png")
    tmp = tempfile.mkdtemp(prefix="tollgate-console-")
    mock, mock_port = start(["mock-provider", "--port", "0"])
    config = os.path.join(tmp, "tollgate.yaml")
    with open(config, "w") as f:
        f.write(f"""
listen: {{ host: 127.0.0.1, port: 0 }}
data_dir: {tmp}/data
cache: {{ semantic: {{ enabled: true, embedder: minilm, model_dir: {MODEL_DIR} }} }}
observability: {{ keep_prompts: true }}
keys:
  - {{ key_env: TG_CONSOLE_USER, tenant: shop }}
  - {{ key_env: TG_CONSOLE_ADMIN, tenant: ops, admin: true }}
providers:
  - name: budget
    kind: openai
    base_url: http://127.0.0.1:{mock_port}/v1
    models:
      - {{ name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.60, capabilities: [stream, tools, json] }}
""")
    env = dict(os.environ, TG_CONSOLE_USER=USER_KEY, TG_CONSOLE_ADMIN=ADMIN_KEY)
    gateway, port = start(["serve", "--config", config], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        # The known mix: 3 exact hits, 1 semantic hit, 4 misses (one a near miss the guard refuses).
        mix = [("What is the capital of France?", "miss"), ("What is the capital of France?", "hit"),
               ("What's the capital city of France?", "semantic-hit"), ("Convert 10 miles to kilometers", "miss"),
               ("Convert 12 miles to kilometers", "miss"), ("Name three rivers in Europe", "miss"),
               ("Name three rivers in Europe", "hit"), ("Name three rivers in Europe", "hit")]
        for prompt, expected in mix:
            status, headers, _ = call(base + "/v1/chat/completions", {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]}, USER_KEY)
            got = headers.get("x-tollgate-cache")
            assert status == 200 and got == expected, f"{prompt!r}: {status} {got}, expected {expected}"
        _, _, stats = call(base + "/admin/stats", key=ADMIN_KEY)
        # The similarity a candidate needs by default: with the verifier (the default), its candidate gate.
        gate = float(call(base + "/admin/timeseries", key=ADMIN_KEY)[2]["semantic_threshold"])
        assert stats["total"]["requests"] == 8 and stats["total"]["semantic_hits"] == 1, stats["total"]

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            # Deadlines, not synchronisation: every wait below ends as soon as its condition holds;
            # the long bound is for a machine busy with other builds.
            page.set_default_timeout(120_000)
            requested, script_errors = [], []
            page.on("request", lambda r: requested.append(r.url))
            page.on("pageerror", lambda e: script_errors.append(str(e)))
            page.on("response", lambda r: script_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("console", lambda m: script_errors.append(m.text) if m.type == "error" else None)
            page.goto(base + "/console")

            def opens_with_the_key():
                page.fill("#admin-key", ADMIN_KEY)
                page.click("#open")
                # A selector, not a JS predicate: the page's CSP (script-src 'self') forbids the eval a predicate needs.
                page.wait_for_selector("body[data-renders]", state="attached")
                assert page.is_visible("#main")
                assert page.evaluate(f"sessionStorage.getItem('tollgate-admin-key')") == ADMIN_KEY
                assert page.evaluate("localStorage.length") == 0 and page.context.cookies() == [], "the key stays in sessionStorage only"

            def figures_equal_admin_stats():
                t = stats["total"]
                for id_, value in [("stat-requests", t["requests"]), ("stat-hits", t["hits"]), ("stat-semantic-hits", t["semantic_hits"]),
                                   ("stat-misses", t["misses"])]:
                    assert page.inner_text("#" + id_) == str(value), f"{id_}: {page.inner_text('#' + id_)} != {value}"
                assert page.inner_text("#stat-hit-ratio") == f"{float(t['hit_ratio']) * 100:.1f}%"
                saved = float(t["saved_usd"])
                assert saved > 0
                assert page.inner_text("#stat-saved") == (f"${saved:.6f}" if abs(saved) < 0.01 else f"${saved:.2f}")
                assert page.inner_text("#stat-entries") == f"{t['entries']} entries"
                shop = page.locator('#table-tenants tr[data-tenant="shop"] td')
                assert shop.nth(1).inner_text() == str(stats["tenants"]["shop"]["requests"])
                assert page.locator('#table-providers tr[data-provider="budget"]').count() == 1
                assert page.inner_text('#table-providers tr[data-provider="budget"] td.breaker') == stats["providers"]["budget"]["breaker"] == "closed"
                assert page.locator('#table-models tr[data-model="gpt-4o-mini"] td').nth(1).inner_text() == str(stats["models"]["gpt-4o-mini"]["entries"])

            def plots_are_drawn():
                assert page.locator("#chart-timeline svg rect").count() >= 3, "exact, semantic and miss bars"
                assert page.locator("#chart-timeline svg polyline").count() == 1, "the saved-dollars line"
                assert page.locator("#similarity-svg rect").count() >= 2, "hits and near misses in the similarity histogram"
                assert gate == 0.90, f"the verifier's candidate gate, got {gate}"
                assert page.text_content("#similarity-svg .marker-label") == f"threshold {gate:.2f}", "where the default threshold cuts"

            def review_row_for_the_semantic_hit():
                row = page.locator("#table-review tbody tr", has_text="What's the capital city of France?")
                assert row.count() == 1
                assert row.locator("td.cached").inner_text() == "What is the capital of France?"
                assert float(row.locator("td.similarity").inner_text()) > 0.8
                assert "verifier: p = " in row.inner_text(), "the default's verifier decided"

            check("the page opens with the admin key", opens_with_the_key)
            check("figures equal /admin/stats", figures_equal_admin_stats)
            check("plots are drawn in SVG", plots_are_drawn)
            check("a review row for the semantic hit", review_row_for_the_semantic_hit)
            page.screenshot(path=screenshot)
            print(f"screenshot: {screenshot}")

            def mark_wrong_purges_the_entry():
                before = call(base + "/admin/stats", key=ADMIN_KEY)[2]["total"]["entries"]
                row = page.locator("#table-review tbody tr", has_text="What's the capital city of France?")
                row_id = row.get_attribute("id")
                row.locator("button.mark-wrong").click()
                page.wait_for_selector(f"#{row_id}.marked-wrong")
                assert "purged" in page.inner_text(f"#{row_id} td.mark")
                after = call(base + "/admin/stats", key=ADMIN_KEY)[2]["total"]
                assert after["entries"] == before - 1, (before, after["entries"])
                assert page.inner_text("#stat-entries") == f"{after['entries']} entries"
                _, headers, _ = call(base + "/v1/chat/completions", {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is the capital of France?"}]}, USER_KEY)
                assert headers.get("x-tollgate-cache") == "miss", "the purged answer is not served again"
                _, _, review = call(base + "/admin/review", key=ADMIN_KEY)
                assert review["items"][0]["mark"] == "wrong" and review["items"][0]["purged"] is True

            def nothing_fetched_from_elsewhere():
                outside = [u for u in requested if not u.startswith(base + "/")]
                assert not outside, outside
                assert any(u.endswith("/console/plots.js") for u in requested)

            def no_script_errors():
                assert not script_errors, script_errors
                assert "error" not in (page.get_attribute("#status", "class") or ""), page.inner_text("#status")

            check("marking the hit wrong purges its entry", mark_wrong_purges_the_entry)
            check("no request leaves the gateway's origin", nothing_fetched_from_elsewhere)
            check("no script errors, no error status", no_script_errors)
            browser.close()
    finally:
        gateway.terminate()
        mock.terminate()
        gateway.wait(timeout=30)
        mock.wait(timeout=30)
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
