#!/usr/bin/env python3
"""Streaming time-to-first-byte for benchmarks/stream/run.sh (Python 3 stdlib only).

  ttfb.py run --direct-port P --gateway-port Q [--n 1000] [--warmup 100]
              [--gateway-header 'x-tollgate-cache: off'] [--json OUT]
      N streamed chat requests straight to the mock and N through the gateway,
      alternating one and one (which side goes first alternates too) over two
      keep-alive connections (http.client). Request i has the body
        {"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user",
         "content":"Tell me about lighthouses number <i>"}]}
      on both sides, so both get the same answer (the mock's answer is a
      function of the request) and every gateway call is a new prompt.
      Per request: TTFB = from just before sending the request to the arrival
      of the first byte of the response body (the first SSE event), and total =
      to the end of the body. Prints a markdown table (p50/p90/p99/max of each
      and the gateway - direct differences); --json writes the numbers.

  ttfb.py free-port
      Prints a free TCP port on 127.0.0.1.

TTFB is read with HTTPResponse.read1(), which returns as soon as the first
chunk of the (chunked) body is in, without waiting for more.
"""

import argparse
import http.client
import json
import math
import socket
import statistics
import sys
import time

PROMPT = "Tell me about lighthouses number {i}"


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


def body_for(i):
    return json.dumps({"model": "gpt-4o-mini", "stream": True,
                       "messages": [{"role": "user", "content": PROMPT.format(i=i)}]},
                      separators=(",", ":")).encode()


class Client:
    """One keep-alive HTTP/1.1 connection that POSTs streamed chat requests."""

    def __init__(self, name, port, extra_headers):
        self.name = name
        self.port = port
        self.headers = {"Content-Type": "application/json", "Accept": "text/event-stream", "Connection": "keep-alive"}
        self.headers.update(extra_headers)
        self.conn = None
        self.reconnects = 0
        self.cache_header_values = {}
        self.connect()

    def connect(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        self.conn.connect()
        # Small writes (the request) go out at once, as with any HTTP client.
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _once(self, body):
        perf = time.perf_counter_ns
        t0 = perf()
        self.conn.request("POST", "/v1/chat/completions", body=body, headers=self.headers)
        resp = self.conn.getresponse()
        first = resp.read1()  # the first body bytes (the first SSE event, or part of it)
        t1 = perf()
        rest = resp.read()
        t2 = perf()
        return resp, first, rest, t0, t1, t2

    def stream(self, i):
        body = body_for(i)
        try:
            resp, first, rest, t0, t1, t2 = self._once(body)
        except (http.client.HTTPException, ConnectionError):
            # The server closed the keep-alive connection: reconnect once and retry
            # (the failed attempt is not timed).
            self.reconnects += 1
            self.connect()
            resp, first, rest, t0, t1, t2 = self._once(body)
        data = first + rest
        if resp.status != 200:
            raise SystemExit(f"{self.name} (port {self.port}): HTTP {resp.status}: {data[:300]!r}")
        if not first:
            raise SystemExit(f"{self.name}: empty response body")
        if not first.startswith(b"data: "):
            raise SystemExit(f"{self.name}: the body does not start with an SSE event: {data[:200]!r}")
        if not data.rstrip().endswith(b"data: [DONE]"):
            raise SystemExit(f"{self.name}: the stream did not end with data: [DONE]: ...{data[-200:]!r}")
        v = resp.getheader("x-tollgate-cache")
        if v is not None:
            self.cache_header_values[v] = self.cache_header_values.get(v, 0) + 1
        events = data.count(b"\n\ndata: ") + 1
        return (t1 - t0) / 1000.0, (t2 - t0) / 1000.0, len(data), events, len(first)


def parse_header(h):
    name, sep, value = h.partition(":")
    if not name.strip() or not sep:
        raise SystemExit(f"bad header {h!r}: want 'Name: value'")
    return name.strip(), value.strip()


def cmd_run(a):
    direct = Client("direct", a.direct_port, {})
    gateway = Client("gateway", a.gateway_port, dict(parse_header(h) for h in a.gateway_header))

    for i in range(a.warmup):
        direct.stream(i)
        gateway.stream(i)
    direct.cache_header_values.clear()
    gateway.cache_header_values.clear()

    d_ttfb, g_ttfb, d_total, g_total, diff_ttfb, diff_total = [], [], [], [], [], []
    d_bytes, g_bytes, d_events, g_events, d_first, g_first = [], [], [], [], [], []
    started = time.time()
    for j in range(a.n):
        i = a.warmup + j  # a new prompt each time, the same one on both sides
        if j % 2 == 0:
            d = direct.stream(i)
            g = gateway.stream(i)
        else:
            g = gateway.stream(i)
            d = direct.stream(i)
        d_ttfb.append(d[0]); d_total.append(d[1]); d_bytes.append(d[2]); d_events.append(d[3]); d_first.append(d[4])
        g_ttfb.append(g[0]); g_total.append(g[1]); g_bytes.append(g[2]); g_events.append(g[3]); g_first.append(g[4])
        diff_ttfb.append(g[0] - d[0])
        diff_total.append(g[1] - d[1])
    elapsed = time.time() - started

    r = {
        "n": a.n,
        "warmup": a.warmup,
        "seconds": elapsed,
        "direct": {"ttfb": describe(d_ttfb), "total": describe(d_total)},
        "gateway": {"ttfb": describe(g_ttfb), "total": describe(g_total)},
        "paired_diff": {"ttfb": describe(diff_ttfb), "total": describe(diff_total)},
        "body_bytes": {"direct_mean": statistics.fmean(d_bytes), "gateway_mean": statistics.fmean(g_bytes)},
        "events": {"direct_mean": statistics.fmean(d_events), "gateway_mean": statistics.fmean(g_events)},
        "first_read_bytes": {"direct_mean": statistics.fmean(d_first), "gateway_mean": statistics.fmean(g_first)},
        "gateway_cache_header_values": gateway.cache_header_values,
        "reconnects": {"direct": direct.reconnects, "gateway": gateway.reconnects},
    }
    for m in ("ttfb", "total"):
        for p in ("p50", "p99"):
            r[f"added_{m}_{p}_us"] = r["gateway"][m][f"{p}_us"] - r["direct"][m][f"{p}_us"]
    if a.json:
        with open(a.json, "w") as f:
            json.dump(r, f, indent=2)
    print(markdown(r, a.target_us))
    return 0


def markdown(r, target_us):
    lines = [
        f"{r['n']} streamed requests each way after {r['warmup']} warm-up pairs, alternating "
        f"direct/gateway on two keep-alive connections ({r['seconds']:.0f} s).",
        "",
        "| | p50 | p90 | p99 | max | mean |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m, label in (("ttfb", "TTFB"), ("total", "total")):
        for side in ("direct", "gateway"):
            d = r[side][m]
            lines.append(f"| {label} {side} | {fmt_us(d['p50_us'])} | {fmt_us(d['p90_us'])} | {fmt_us(d['p99_us'])} | "
                         f"{fmt_us(d['max_us'])} | {fmt_us(d['mean_us'])} |")
        lines.append(f"| **{label} added** (gateway − direct) | **{fmt_us(r['gateway'][m]['p50_us'] - r['direct'][m]['p50_us'])}** | "
                     f"{fmt_us(r['gateway'][m]['p90_us'] - r['direct'][m]['p90_us'])} | "
                     f"**{fmt_us(r['gateway'][m]['p99_us'] - r['direct'][m]['p99_us'])}** | | "
                     f"{fmt_us(r['gateway'][m]['mean_us'] - r['direct'][m]['mean_us'])} |")
        pd = r["paired_diff"][m]
        lines.append(f"| {label} per-pair difference | {fmt_us(pd['p50_us'])} | {fmt_us(pd['p90_us'])} | "
                     f"{fmt_us(pd['p99_us'])} | {fmt_us(pd['max_us'])} | {fmt_us(pd['mean_us'])} |")
    added = r["added_ttfb_p99_us"]
    verdict = "met" if added <= target_us else "NOT met"
    lines += [
        "",
        f"Target: at most {fmt_us(target_us)} added to TTFB at p99 — **{verdict}** "
        f"(p99 gateway − p99 direct = {fmt_us(added)}).",
        "",
        f"Mean body: direct {r['body_bytes']['direct_mean']:.0f} B in {r['events']['direct_mean']:.1f} events, "
        f"gateway {r['body_bytes']['gateway_mean']:.0f} B in {r['events']['gateway_mean']:.1f} events; "
        f"first read {r['first_read_bytes']['direct_mean']:.0f} B / {r['first_read_bytes']['gateway_mean']:.0f} B. "
        f"x-tollgate-cache values seen: {r['gateway_cache_header_values'] or 'none'}. "
        f"Reconnects: {r['reconnects']}.",
    ]
    return "\n".join(lines)


def cmd_free_port(_a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--direct-port", type=int, required=True)
    r.add_argument("--gateway-port", type=int, required=True)
    r.add_argument("--n", type=int, default=1000)
    r.add_argument("--warmup", type=int, default=100)
    r.add_argument("--gateway-header", action="append", default=[])
    r.add_argument("--target-us", type=float, default=1000.0, help="TTFB p99 budget in µs (default 1000)")
    r.add_argument("--json")
    r.set_defaults(func=cmd_run)
    f = sub.add_parser("free-port")
    f.set_defaults(func=cmd_free_port)
    a = p.parse_args()
    return a.func(a)


if __name__ == "__main__":
    sys.exit(main())
