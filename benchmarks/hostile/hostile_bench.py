#!/usr/bin/env python3
"""Hostile-load benchmark: exact-hit latency of a healthy client on a quiet gateway, then the
same client while, for --seconds, the gateway is under slowloris connections (one header byte
every few seconds), idle connections, oversized prompts and large embeddings batches.

Reports p50/p99 of both phases and how many attack connections the *server* closed (EOF or
reset seen by the attacker) before the end of the run. Loopback only.

    python3 benchmarks/hostile/hostile_bench.py --bin .build/debug/tollgate --seconds 30
"""
import argparse, asyncio, http.client, json, multiprocessing, os, re, subprocess, sys, tempfile, time

def start(cmd, log):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(log, "w"), text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = p.stdout.readline()
        m = re.search(r"listening on http://[0-9.]+:(\d+)", line or "")
        if m:
            return p, int(m.group(1))
    raise SystemExit(f"{cmd} did not start; see {log}")

def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))] if xs else float("nan")

BODY = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hostile bench: the healthy question"}]})

def healthy(port, seconds, out):
    """One keep-alive client asking the same (cached) question as fast as it is answered."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    end = time.time() + seconds
    while time.time() < end:
        t = time.perf_counter()
        try:
            c.request("POST", "/v1/chat/completions", BODY, {"Content-Type": "application/json"})
            r = c.getresponse(); r.read()
            ok = r.status == 200 and r.getheader("x-tollgate-cache") == "hit"
        except Exception:
            ok = False
            c.close(); c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out.append(((time.perf_counter() - t) * 1000, ok))

async def slowloris(port, n, seconds, every, closed):
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10000
    async def one(i):
        try:
            r, w = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            closed["refused"] += 1; return
        end = time.time() + seconds; k = 0
        try:
            while time.time() < end:
                w.write(head[k % len(head):k % len(head) + 1]); await w.drain(); k += 1
                try:
                    data = await asyncio.wait_for(r.read(1024), timeout=every)
                    if not data:
                        closed["slowloris"] += 1; return
                except asyncio.TimeoutError:
                    pass
        except (ConnectionError, OSError):
            closed["slowloris"] += 1; return
        closed["slowloris_open"] += 1
        w.close()
    await asyncio.gather(*(one(i) for i in range(n)))

async def idle(port, n, seconds, closed):
    async def one():
        try:
            r, w = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            closed["refused"] += 1; return
        try:
            data = await asyncio.wait_for(r.read(), timeout=seconds)
            closed["idle"] += 1  # EOF from the server
        except asyncio.TimeoutError:
            closed["idle_open"] += 1
        except (ConnectionError, OSError):
            closed["idle"] += 1
        w.close()
    await asyncio.gather(*(one() for _ in range(n)))

def flood(port, seconds, stats, path, body):
    end = time.time() + seconds
    while time.time() < end:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            c.request("POST", path, body, {"Content-Type": "application/json"})
            r = c.getresponse(); r.read(); c.close()
            stats[r.status] = stats.get(r.status, 0) + 1
        except Exception as e:
            stats[type(e).__name__] = stats.get(type(e).__name__, 0) + 1

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/tollgate")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--slowloris", type=int, default=500)
    ap.add_argument("--idle", type=int, default=200)
    ap.add_argument("--model-dir", default=".models/all-MiniLM-L6-v2")
    ap.add_argument("--attacks", default="slowloris,idle,oversized,embeddings", help="which attacks to run, comma-separated")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="hostile-")
    mock, mport = start([a.bin, "mock-provider", "--port", "0"], f"{d}/mock.log")
    embedder = f"embedder: minilm, model_dir: {os.path.abspath(a.model_dir)}" if os.path.isdir(a.model_dir) else "embedder: hashing"
    cfg = f"""listen: {{ host: 127.0.0.1, port: 0 }}
data_dir: {d}/data
cache: {{ semantic: {{ enabled: true, {embedder} }} }}
limits: {{ header_timeout_ms: 10000, body_timeout_ms: 30000, idle_timeout_ms: 75000, max_connections: 1024 }}
providers:
  - {{ name: mock, kind: openai, base_url: 'http://127.0.0.1:{mport}/v1', models: [{{ name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.6, context_window: 128000 }}] }}
"""
    open(f"{d}/t.yaml", "w").write(cfg)
    gw, port = start([a.bin, "serve", "--config", f"{d}/t.yaml"], f"{d}/gw.log")
    try:
        c = http.client.HTTPConnection("127.0.0.1", port); c.request("POST", "/v1/chat/completions", BODY, {"Content-Type": "application/json"}); c.getresponse().read()
        quiet = []; healthy(port, min(10, a.seconds), quiet)
        closed = {"slowloris": 0, "slowloris_open": 0, "idle": 0, "idle_open": 0, "refused": 0}
        huge = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x " * 1_900_000}]})  # ~3.8 MB, ~950 K tokens
        batch = json.dumps({"model": "all-MiniLM-L6-v2", "input": [f"sentence number {i} about hostile load" for i in range(256)]})
        # Separate processes, so the attackers' Python does not hold the healthy client's GIL.
        mgr = multiprocessing.Manager()
        loud, big, emb = mgr.list(), mgr.dict(), mgr.dict()
        chosen = set(a.attacks.split(","))
        threads = [multiprocessing.Process(target=healthy, args=(port, a.seconds, loud))]
        if "oversized" in chosen: threads.append(multiprocessing.Process(target=flood, args=(port, a.seconds, big, "/v1/chat/completions", huge)))
        if "embeddings" in chosen: threads.append(multiprocessing.Process(target=flood, args=(port, a.seconds, emb, "/v1/embeddings", batch)))
        for t in threads: t.start()
        # The attackers wait past the server's timeouts (+5 s) for it to close them.
        async def attacks():
            await asyncio.gather(slowloris(port, a.slowloris if "slowloris" in chosen else 0, a.seconds + 5, 3.0, closed),
                                 idle(port, a.idle if "idle" in chosen else 0, a.seconds + 5, closed))
        asyncio.run(attacks())
        for t in threads: t.join()
        alive = gw.poll() is None
        loud, big, emb = list(loud), dict(big), dict(emb)
        q = [ms for ms, ok in quiet if ok]; l = [ms for ms, ok in loud if ok]
        print(json.dumps({
            "quiet": {"requests": len(quiet), "ok": len(q), "p50_ms": round(pct(q, 50), 2), "p99_ms": round(pct(q, 99), 2)},
            "under_attack": {"requests": len(loud), "ok": len(l), "p50_ms": round(pct(l, 50), 2), "p99_ms": round(pct(l, 99), 2)},
            "attack_connections": closed, "oversized_prompt_statuses": big, "embeddings_batch_statuses": emb,
            "gateway_alive": alive, "seconds": a.seconds, "attacks": sorted(chosen)}, indent=2))
    finally:
        gw.terminate(); mock.terminate()

if __name__ == "__main__":
    main()
