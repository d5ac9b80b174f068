"""Shared tier benchmark: a real PostgreSQL (scripts/pg.sh), a mock provider and three nodes.

1. Exact hit served from PostgreSQL (the node's LMDB does not have the key) vs from LMDB, in one
   run: node B runs with `follow: false`, so the first request for each key is read from
   PostgreSQL (and then copied into LMDB, off the response path) and the second, once the copy
   is there, is an LMDB hit.
2. Time from a write on node A to a semantic hit on node C (`follow: true`): A answers a new
   prompt (a miss); from that answer, C's index is polled until the vector arrives, then a
   reworded prompt is sent to C and must be a semantic hit.

Usage: python3 benchmarks/shared/shared_bench.py --bin .build/release/tollgate [--keys 2000] [--trials 100]
"""
import argparse, http.client, json, os, re, statistics, subprocess, sys, tempfile, threading, time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tollgate_procs import start  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Client:
    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port)

    def chat(self, prompt):
        body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]})
        t = time.perf_counter_ns()
        self.c.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        r = self.c.getresponse()
        r.read()
        return (time.perf_counter_ns() - t) / 1000, r.status, r.getheader("x-tollgate-cache")

    def metric(self, pattern):
        self.c.request("GET", "/metrics")
        text = self.c.getresponse().read().decode()
        m = re.search(pattern, text, re.M)
        return float(m.group(1)) if m else 0.0

    def vectors(self):
        """Rows in the node's vectors table (from /metrics: a constant-time count, unlike /admin/stats)."""
        self.c.request("GET", "/metrics")
        text = self.c.getresponse().read().decode()
        m = re.search(r"^tollgate_cache_vectors (\d+)", text, re.M)
        return int(m.group(1)) if m else -1


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q / 100 * len(xs)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/tollgate")
    ap.add_argument("--keys", type=int, default=2000)
    ap.add_argument("--trials", type=int, default=100)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="tollgate-shared-bench-")
    os.chmod(tmp, 0o755)  # the server runs as the postgres user when we are root
    pg = os.path.join(tmp, "pg")
    url = subprocess.check_output(["bash", os.path.join(ROOT, "scripts/pg.sh"), "start", pg], text=True).strip()
    procs = []
    try:
        mock, mport = start(a.bin, ["mock-provider", "--port", "0"])
        procs.append(mock)
        env = dict(os.environ, TOLLGATE_PG_URL=url, OPENBLAS_NUM_THREADS="1")
        model = os.path.join(ROOT, ".models/all-MiniLM-L6-v2")

        def node(name, follow, semantic):
            d = os.path.join(tmp, name)
            os.makedirs(d)
            sem = f"{{ enabled: true, embedder: minilm, model_dir: {model} }}" if semantic else "{ enabled: false }"
            cfg = (f"listen: {{ host: 127.0.0.1, port: 0 }}\ndata_dir: {d}/data\n"
                   f"cache: {{ semantic: {sem}, shared: {{ kind: postgres, url_env: TOLLGATE_PG_URL, follow: {str(follow).lower()} }} }}\n"
                   f"providers:\n  - name: mock\n    kind: openai\n    base_url: http://127.0.0.1:{mport}/v1\n"
                   f"    models: [{{ name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.6 }}]\n")
            open(f"{d}/c.yaml", "w").write(cfg)
            p, port = start(a.bin, ["serve", "--config", f"{d}/c.yaml", "--log-level", "warning"], env)
            procs.append(p)
            return port

        # Part 1: exact hits, PostgreSQL vs LMDB.
        pa = node("a", True, True)
        pb = node("b", False, False)
        A, B = Client(pa), Client(pb)
        prompts = [f"Shared bench question {i}: what happened in year {1000 + i}?" for i in range(a.keys)]
        for p in prompts:
            assert A.chat(p)[2] == "miss"
        psql_env = dict(os.environ, PGPASSWORD=open(f"{pg}/password").read())
        port = open(f"{pg}/port").read().strip()
        while int(subprocess.check_output(["psql", "-h", "127.0.0.1", "-p", port, "-U", "tollgate", "-d", "tollgate", "-Atqc",
                                           "SELECT count(*) FROM tollgate_entries"], env=psql_env, text=True)) < a.keys:
            time.sleep(0.05)  # the writer is still draining its queue
        for p in prompts[:50]:  # warm-up: connections, code paths (not counted)
            B.chat(p); B.chat(p)
        pg_hits_before = B.metric(r'^tollgate_shared_events_total\{event="hit"\} ([\d.]+)')
        from_pg, from_lmdb = [], []
        for p in prompts[50:]:
            us, st, cache = B.chat(p)
            assert st == 200 and cache == "hit", (st, cache)
            from_pg.append(us)
            while B.metric(r"^tollgate_cache_entries ([\d.]+)") < len(from_pg) + 50:
                pass  # the copy into B's LMDB happens after the answer (not timed)
            us, st, cache = B.chat(p)
            assert st == 200 and cache == "hit", (st, cache)
            from_lmdb.append(us)
        n = len(from_pg)
        pg_hits = B.metric(r'^tollgate_shared_events_total\{event="hit"\} ([\d.]+)') - pg_hits_before
        print(f"node B served {pg_hits:.0f} hits from PostgreSQL for {n} first requests (the second of each pair came from LMDB: {pg_hits == n})")
        print(f"exact hit over HTTP, {n} keys, client-measured latency (µs):")
        print(f"  from LMDB        p50 {pct(from_lmdb, 50):8.0f}  p99 {pct(from_lmdb, 99):8.0f}")
        print(f"  from PostgreSQL  p50 {pct(from_pg, 50):8.0f}  p99 {pct(from_pg, 99):8.0f}")
        print(f"  ratio PG/LMDB    p50 {pct(from_pg, 50) / pct(from_lmdb, 50):8.2f}  p99 {pct(from_pg, 99) / pct(from_lmdb, 99):8.2f}")

        # Part 2: a write on A becomes a semantic hit on C.
        t0 = time.perf_counter()
        pc = node("c", True, True)
        W, C, Cpoll = Client(pa), Client(pc), Client(pc)
        while Cpoll.vectors() < a.keys:
            time.sleep(0.01)  # C's warm start: it copies the part-1 entries first
        print(f"warm start: node C started empty and had all {a.keys} entries and vectors after {time.perf_counter() - t0:.2f} s")
        visible, served, hits = [], [], 0
        for i in range(a.trials):
            base = Cpoll.vectors()
            _, st, cache = W.chat(f"What is the history of the lighthouse on island number {i}?")
            assert cache == "miss", cache
            t0 = time.perf_counter_ns()
            while Cpoll.vectors() <= base:
                time.sleep(0.0005)  # poll every 0.5 ms: the measurement is the time until the vector is there
            visible.append((time.perf_counter_ns() - t0) / 1e6)
            _, st, cache = C.chat(f"What's the history of the lighthouse on island number {i}?")
            served.append((time.perf_counter_ns() - t0) / 1e6)
            hits += cache == "semantic-hit"
        print(f"write on node A → semantic hit on node C, {a.trials} trials (ms):")
        print(f"  vector in C's index  p50 {pct(visible, 50):7.1f}  p99 {pct(visible, 99):7.1f}  max {max(visible):7.1f}")
        print(f"  semantic hit served  p50 {pct(served, 50):7.1f}  p99 {pct(served, 99):7.1f}  max {max(served):7.1f}")
        print(f"  semantic hits: {hits}/{a.trials}")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        subprocess.run(["bash", os.path.join(ROOT, "scripts/pg.sh"), "stop", pg])


if __name__ == "__main__":
    main()
