#!/usr/bin/env python3
"""Markdown report of run_scale.sh: RESULT lines in, one table per N out, ratios at equal recall.

  scale_report.py RAW_FILE "DATE, load" COMMIT
"""
import sys


def parse(path):
    rows = []
    for line in open(path):
        if line.startswith("RESULT "):
            kv = dict(t.split("=", 1) for t in line.split()[1:] if "=" in t)
            for k in ("p50_ms", "p99_ms", "mean_ms", "recall1", "mem_ratio"):
                if k in kv:
                    kv[k] = float(kv[k])
            kv["n"] = int(kv["n"])
            rows.append(kv)
    return rows


def label(r):
    i = r["impl"]
    if i == "tollgate-ivf" or i == "faiss-ivf":
        return f"{i} nlist={r['nlist']} nprobe={r['nprobe']}" + (" (default)" if r.get("default") == "1" else "")
    if i == "faiss-hnsw":
        return f"{i} M={r['m']} efSearch={r['ef']}"
    return i


def cheapest(rows, impl, recall):
    """The fastest (p50) setting of impl whose recall@1 is at least `recall`."""
    ok = [r for r in rows if r["impl"] == impl and r["recall1"] >= recall - 1e-9]
    return min(ok, key=lambda r: r["p50_ms"]) if ok else None


def main():
    rows = parse(sys.argv[1])
    out = [f"# Approximate index at scale (issue 16) — {sys.argv[2]}, commit {sys.argv[3]}", ""]
    with open("/proc/cpuinfo") as f:
        cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    out.append(f"Machine: {cpu}; one query at a time, one thread (OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1, "
               "faiss.omp_set_num_threads(1)), taskset one core. recall@1 = top-1 equals the exact flat top-1.")
    out.append("")
    for n in sorted({r["n"] for r in rows}):
        rs = [r for r in rows if r["n"] == n]
        out += [f"## N = {n:,}", "", "| setting | p50 ms | p99 ms | recall@1 | memory / raw fp32 | build s |",
                "|---|---:|---:|---:|---:|---:|"]
        for r in rs:
            out.append(f"| {label(r)} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {r['recall1']:.3f} | "
                       f"{r.get('mem_ratio', 0):.3f} | {r.get('build_s', '')} |")
        out.append("")
        flat = next((r for r in rs if r["impl"] == "tollgate-flat"), None)
        default = next((r for r in rs if r["impl"] == "tollgate-ivf" and r.get("default") == "1"), None)
        if default and flat:
            out.append(f"- Tollgate default vs its flat scan: p50 {default['p50_ms']:.3f} vs {flat['p50_ms']:.3f} ms "
                       f"(×{flat['p50_ms'] / default['p50_ms']:.1f} faster), recall@1 {default['recall1']:.3f}")
        targets = [("Tollgate default recall", default["recall1"]) if default else None, ("recall@1 ≥ 0.99", 0.99)]
        for name, rec in [t for t in targets if t]:
            t = cheapest(rs, "tollgate-ivf", rec) or (flat if flat and flat["recall1"] >= rec else None)
            cells = []
            for impl in ("faiss-ivf", "faiss-hnsw"):
                o = cheapest(rs, impl, rec)
                if o and t:
                    cells.append(f"{impl} {label(o).split(' ', 1)[1]} {o['p50_ms']:.3f} ms (recall {o['recall1']:.3f}): "
                                 f"Tollgate / FAISS = ×{t['p50_ms'] / o['p50_ms']:.2f}")
                elif any(r["impl"] == impl for r in rs):
                    cells.append(f"{impl}: no setting reaches it")
            if t:
                out.append(f"- At {name} ({rec:.3f}): Tollgate {label(t)} {t['p50_ms']:.3f} ms (recall {t['recall1']:.3f}); "
                           + "; ".join(cells))
            else:
                out.append(f"- At {name}: no Tollgate setting reaches it")
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
