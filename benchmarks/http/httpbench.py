#!/usr/bin/env python3
"""Helpers for benchmarks/http/run.sh (Python 3 stdlib only).

  httpbench.py miss --direct-port P --gateway-port Q [--n 2000] [--warmup 200]
                    [--body-file chat.json] [--gateway-header 'x-tollgate-cache: off']
                    [--json OUT]
      Miss-path latency: N sequential POSTs straight to the mock and N through
      the gateway, alternating one and one over two keep-alive connections so
      both see the same machine state. Prints a markdown table; --json writes
      the raw numbers.

  httpbench.py summarize --wrk RESULTS --meta META [--miss MISS_JSON]
      Turns run.sh's collected wrk RESULT lines, its key=value meta file and
      the miss JSON into the markdown report.

  httpbench.py free-port
      Prints a free TCP port on 127.0.0.1.
"""

import argparse
import http.client
import json
import math
import socket
import statistics
import sys
import time


# ---------------------------------------------------------------- percentiles

def percentile(sorted_values, p):
    """Nearest-rank percentile of an already sorted list (p in 0..100)."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100.0 * len(sorted_values)) - 1))
    return sorted_values[k]


def describe(values_us):
    s = sorted(values_us)
    return {
        "n": len(s),
        "p50_us": percentile(s, 50),
        "p90_us": percentile(s, 90),
        "p99_us": percentile(s, 99),
        "max_us": s[-1] if s else float("nan"),
        "mean_us": statistics.fmean(s) if s else float("nan"),
    }


def fmt_us(us):
    if us != us:  # nan
        return "n/a"
    if abs(us) >= 10000:
        return f"{us / 1000:.1f} ms"
    if abs(us) >= 1000:
        return f"{us / 1000:.2f} ms"
    return f"{us:.0f} µs"


# ---------------------------------------------------------------- miss path

class Client:
    """One keep-alive HTTP/1.1 connection that POSTs the same body."""

    def __init__(self, port, body, extra_headers):
        self.port = port
        self.body = body
        self.headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        self.headers.update(extra_headers)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cache_header_values = {}
        self.reconnects = 0

    def post(self, path="/v1/chat/completions"):
        t0 = time.perf_counter_ns()
        try:
            self.conn.request("POST", path, body=self.body, headers=self.headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except (http.client.HTTPException, ConnectionError):
            # The server closed the keep-alive connection: reconnect once
            # and retry (the failed attempt is not timed).
            self.reconnects += 1
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            t0 = time.perf_counter_ns()
            self.conn.request("POST", path, body=self.body, headers=self.headers)
            resp = self.conn.getresponse()
            data = resp.read()
        t1 = time.perf_counter_ns()
        if resp.status != 200:
            raise SystemExit(f"port {self.port}: HTTP {resp.status}: {data[:300]!r}")
        v = resp.getheader("x-tollgate-cache")
        if v is not None:
            self.cache_header_values[v] = self.cache_header_values.get(v, 0) + 1
        return (t1 - t0) / 1000.0, len(data)


def parse_header(h):
    name, _, value = h.partition(":")
    if not name.strip() or not _:
        raise SystemExit(f"bad header {h!r}: want 'Name: value'")
    return name.strip(), value.strip()


def cmd_miss(a):
    with open(a.body_file, "rb") as f:
        body = f.read()
    direct = Client(a.direct_port, body, {})
    gateway = Client(a.gateway_port, body, dict(parse_header(h) for h in a.gateway_header))

    for _ in range(a.warmup):
        direct.post()
        gateway.post()
    direct.cache_header_values.clear()
    gateway.cache_header_values.clear()

    d_lat, g_lat, diffs = [], [], []
    d_bytes = g_bytes = 0
    for i in range(a.n):
        # Alternate which goes first so neither always follows the other.
        if i % 2 == 0:
            d, d_bytes = direct.post()
            g, g_bytes = gateway.post()
        else:
            g, g_bytes = gateway.post()
            d, d_bytes = direct.post()
        d_lat.append(d)
        g_lat.append(g)
        diffs.append(g - d)

    hits = gateway.cache_header_values.get("hit", 0)
    result = {
        "n": a.n,
        "warmup": a.warmup,
        "direct": describe(d_lat),
        "gateway": describe(g_lat),
        "paired_diff_p50_us": percentile(sorted(diffs), 50),
        "direct_body_bytes": d_bytes,
        "gateway_body_bytes": g_bytes,
        "gateway_cache_header_values": gateway.cache_header_values,
        "reconnects": {"direct": direct.reconnects, "gateway": gateway.reconnects},
    }
    result["overhead_p50_us"] = result["gateway"]["p50_us"] - result["direct"]["p50_us"]
    result["overhead_p99_us"] = result["gateway"]["p99_us"] - result["direct"]["p99_us"]
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=2)
    print(miss_markdown(result))
    if hits:
        print(f"error: {hits} of the gateway's answers were cache hits; the miss path must not hit",
              file=sys.stderr)
        return 1
    return 0


def miss_markdown(r):
    d, g = r["direct"], r["gateway"]
    lines = [
        f"{r['n']} sequential POSTs each way (after {r['warmup']} warm-up each), "
        "alternating mock-direct and through-Tollgate on two keep-alive connections.",
        "",
        "| path | p50 | p90 | p99 | max | mean |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| mock direct | {fmt_us(d['p50_us'])} | {fmt_us(d['p90_us'])} | {fmt_us(d['p99_us'])} | {fmt_us(d['max_us'])} | {fmt_us(d['mean_us'])} |",
        f"| through Tollgate (cache off) | {fmt_us(g['p50_us'])} | {fmt_us(g['p90_us'])} | {fmt_us(g['p99_us'])} | {fmt_us(g['max_us'])} | {fmt_us(g['mean_us'])} |",
        f"| **Tollgate overhead** (difference) | **{fmt_us(r['overhead_p50_us'])}** | {fmt_us(g['p90_us'] - d['p90_us'])} | **{fmt_us(r['overhead_p99_us'])}** | | {fmt_us(g['mean_us'] - d['mean_us'])} |",
        "",
        f"Median of the per-pair differences: {fmt_us(r['paired_diff_p50_us'])}. "
        f"Response bodies: mock {r['direct_body_bytes']} B, Tollgate {r['gateway_body_bytes']} B. "
        f"x-tollgate-cache values seen: {r['gateway_cache_header_values'] or 'none'}.",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- summary

def cpu_per_request(r):
    """The server's CPU microseconds per answered request in one run, None if not recorded."""
    if "cpu_ms" not in r or int(r.get("requests", 0)) <= 0:
        return None
    return float(r["cpu_ms"]) * 1000 / int(r["requests"])


def parse_kv_line(line):
    out = {}
    for tok in line.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            out[k] = v
    return out


def cmd_summarize(a):
    meta = []
    with open(a.meta) as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                meta.append(tuple(line.split("=", 1)))
    metad = dict(meta)

    runs = []
    with open(a.wrk) as f:
        for line in f:
            if "RESULT" in line:
                runs.append(parse_kv_line(line))

    targets = []
    for r in runs:
        if r["target"] not in targets:
            targets.append(r["target"])

    out = []
    out.append(f"# Tollgate HTTP benchmark — {metad.get('date', '')}")
    out.append("")
    for k, v in meta:
        if k != "date":
            out.append(f"- {k}: {v}")
    out.append("")
    out.append("## Exact-hit throughput (wrk, loopback)")
    out.append("")
    out.append("Every request is the same POST, so after the warm-up each answer is an exact cache hit "
               "(bare-route: a fixed body of the same size, no cache at all).")
    out.append("")
    out.append("CPU/req is the server's own CPU time (user + system, all threads and worker processes, from "
               "/proc) over the run divided by the requests it answered: unlike req/s it hardly depends on what "
               "else runs on the machine, and on a saturated core req/s is its inverse.")
    out.append("")
    out.append("| round | target | req/s | p50 | p99 | requests | errors | bytes/resp | CPU/req |")
    out.append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in runs:
        errs = sum(int(r[k]) for k in ("connect_err", "read_err", "write_err", "status_err", "timeout_err"))
        bpr = int(r["bytes"]) / max(1, int(r["requests"]))
        cpu = cpu_per_request(r)
        out.append(f"| {r['round']} | {r['target']} | {float(r['rps']):,.0f} | {fmt_us(float(r['p50_us']))} | "
                   f"{fmt_us(float(r['p99_us']))} | {int(r['requests']):,} | {errs} | {bpr:.0f} | "
                   f"{fmt_us(cpu) if cpu is not None else '—'} |")
    out.append("")

    med = {}
    for t in targets:
        rs = [r for r in runs if r["target"] == t]
        med[t] = {
            "rps": statistics.median(float(r["rps"]) for r in rs),
            "p50": statistics.median(float(r["p50_us"]) for r in rs),
            "p99": statistics.median(float(r["p99_us"]) for r in rs),
            "cpu": statistics.median(c for c in (cpu_per_request(r) for r in rs) if c is not None)
                   if any(cpu_per_request(r) is not None for r in rs) else None,
            "n": len(rs),
            "errors": sum(int(r[k]) for r in rs for k in ("connect_err", "read_err", "write_err", "status_err", "timeout_err")),
        }
    out.append("Medians over the rounds:")
    out.append("")
    out.append("| target | median req/s | median p50 | median p99 | median CPU/req | rounds | errors |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for t in targets:
        m = med[t]
        cpu = fmt_us(m["cpu"]) if m["cpu"] is not None else "—"
        out.append(f"| {t} | {m['rps']:,.0f} | {fmt_us(m['p50'])} | {fmt_us(m['p99'])} | {cpu} | {m['n']} | {m['errors']} |")
    out.append("")
    if "tollgate" in med:
        tg = med["tollgate"]
        for other in ("routed", "bare", "nginx"):
            if other in med and med[other]["rps"] > 0:
                o = med[other]
                line = (f"- tollgate/{other}: req/s ×{tg['rps'] / o['rps']:.2f}, "
                        f"p50 ×{tg['p50'] / o['p50']:.2f}, p99 ×{tg['p99'] / o['p99']:.2f}")
                if tg["cpu"] and o["cpu"]:
                    line += f"; requests per CPU-second ×{o['cpu'] / tg['cpu']:.2f}"
                out.append(line)
        out.append("")

    if a.miss:
        with open(a.miss) as f:
            miss = json.load(f)
        out.append("## Miss path: Tollgate overhead over calling the mock directly")
        out.append("")
        out.append(miss_markdown(miss))
        out.append("")
    print("\n".join(out))
    return 0


def cmd_free_port(_a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    m = sub.add_parser("miss")
    m.add_argument("--direct-port", type=int, required=True)
    m.add_argument("--gateway-port", type=int, required=True)
    m.add_argument("--n", type=int, default=2000)
    m.add_argument("--warmup", type=int, default=200)
    m.add_argument("--body-file", required=True)
    m.add_argument("--gateway-header", action="append", default=[])
    m.add_argument("--json")
    m.set_defaults(func=cmd_miss)

    s = sub.add_parser("summarize")
    s.add_argument("--wrk", required=True)
    s.add_argument("--meta", required=True)
    s.add_argument("--miss")
    s.set_defaults(func=cmd_summarize)

    f = sub.add_parser("free-port")
    f.set_defaults(func=cmd_free_port)

    a = p.parse_args()
    return a.func(a)


if __name__ == "__main__":
    sys.exit(main())
