"""10-minute soak: a steady request rate (hits and misses) through Tollgate against the mock,
RSS sampled every 10 s. Pass: 0 errors, and RSS after warm-up stays within ±10 % of its median.

Usage: python3 soak.py --bin .build/release/tollgate [--minutes 10] [--rate 200] [--miss-share 0.2]
"""
import argparse, http.client, json, os, re, statistics, subprocess, sys, tempfile, threading, time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tollgate_procs import start  # noqa: E402


def rss_kib(pid):
    """(anonymous, file-backed) resident KiB. The file-backed part is LMDB's memory map: it grows
    with the cache by design, so the leak check uses the anonymous part (heap, stacks)."""
    anon = file_ = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                anon = int(line.split()[1])
            elif line.startswith("RssFile:"):
                file_ = int(line.split()[1])
    return anon, file_


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/tollgate")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=float, default=200, help="requests per second")
    ap.add_argument("--miss-share", type=float, default=0.2)
    ap.add_argument("--warmup", type=float, default=60, help="seconds before RSS counts")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="tollgate-soak-")
    mock, mport = start(a.bin, ["mock-provider", "--port", "0"])
    cfg = os.path.join(tmp, "soak.yaml")
    with open(cfg, "w") as f:
        f.write(f"""listen: {{ host: 127.0.0.1, port: 0 }}
data_dir: {tmp}/data
cache: {{ semantic: {{ enabled: false }} }}
providers:
  - {{ name: mock, kind: openai, base_url: "http://127.0.0.1:{mport}/v1", models: [{{ name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.6, capabilities: [stream] }}] }}
""")
    gw, gport = start(a.bin, ["serve", "--config", cfg])
    conn = http.client.HTTPConnection("127.0.0.1", gport)
    errors, counts, samples = 0, {}, []
    start_t = time.monotonic()
    end_t = start_t + a.minutes * 60
    next_sample = start_t
    i = 0
    hot = 500  # prompts reused for hits
    try:
        while time.monotonic() < end_t:
            now = time.monotonic()
            if now >= next_sample:
                samples.append((now - start_t, rss_kib(gw.pid)))
                next_sample += 10
            miss = (i * 7919 % 1000) / 1000 < a.miss_share
            prompt = f"soak miss {i}" if miss else f"soak hot {i % hot}"
            stream = i % 5 == 0
            body = json.dumps({"model": "gpt-4o-mini", "stream": stream, "messages": [{"role": "user", "content": prompt}]})
            try:
                conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                counts[r.getheader("x-tollgate-cache")] = counts.get(r.getheader("x-tollgate-cache"), 0) + 1
                if r.status != 200:
                    errors += 1
            except Exception:
                errors += 1
                conn = http.client.HTTPConnection("127.0.0.1", gport)
            i += 1
            delay = start_t + i / a.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing the load, not synchronisation
    finally:
        gw.terminate(); mock.terminate()
        gw.wait(); mock.wait()
    after = [anon for t, (anon, _) in samples if t >= a.warmup]
    med = statistics.median(after) if after else 0
    spread = max(abs(k - med) / med for k in after) if after else 0
    print(f"requests {i}, errors {errors}, results {counts}, achieved {i / (a.minutes * 60):.0f} req/s")
    print("RSS samples (s: anon + file MiB): " + ", ".join(f"{t:.0f}:{an / 1024:.1f}+{fi / 1024:.1f}" for t, (an, fi) in samples))
    print(f"after {a.warmup:.0f} s warm-up: median anonymous RSS {med / 1024:.1f} MiB, max deviation {spread * 100:.1f} % (target ≤ 10 %); "
          f"file-backed (LMDB map) {samples[0][1][1] / 1024:.1f} → {samples[-1][1][1] / 1024:.1f} MiB as the cache grew")
    print("PASS" if errors == 0 and spread <= 0.10 else "FAIL")
    return 0 if errors == 0 and spread <= 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
