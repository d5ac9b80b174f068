#!/usr/bin/env python3
"""The sweep table of benchmarks/RESULTS.md from a `tollgate bench --sweep … --out DIR` folder.

    python3 benchmarks/bench/sweep_table.py benchmarks/out/qqp-even-sweep

One row per threshold and curve (threshold alone, guard, verifier): semantic hits, correct, wrong,
precision with its 95 % Wilson interval, correct hits vs achievable (with its interval) and the
achievable count, the refusals (another class / same class) and the hits served from a
lower-ranked candidate after a refusal. Each curve's default threshold is in bold. Then the curves
compared at equal hit ratio (only where the 95 % intervals separate is a side claimed).
"""
import json
import math
import os
import sys

NAMES = {"alone": "threshold alone", "guard": "threshold + guard", "verifier": "verifier + guard", "gateway": "the gateway's"}


def wilson(k, n, z=1.96):
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h


def main():
    d = json.load(open(os.path.join(sys.argv[1], "report.json")))
    defaults = d.get("default_thresholds") or {}
    print("| threshold | curve | semantic hits | correct | wrong | precision [95 % CI] | hits vs achievable [95 % CI] | achievable | refused other / same | hits after a refusal (wrong) |")
    print("|---:|---|---:|---:|---:|---|---|---:|---|---|")
    points = sorted(d["points"], key=lambda p: (p["threshold"], list(NAMES).index(p.get("curve", "guard" if p["guard"] else "alone"))))
    for p in points:
        s = p["summary"]
        curve = p.get("curve", "guard" if p["guard"] else "alone")
        default = defaults.get(curve, d["default_threshold"])
        t = f"{p['threshold']:.2f}" + (" **(default)**" if abs(p["threshold"] - default) < 1e-9 else "")
        correct, wrong = s["semantic_correct"]["count"], s["semantic_wrong"]["count"]
        n = correct + wrong
        prec = correct / n if n else float("nan")
        lo, hi = wilson(correct, n)
        ha = s["hits_of_achievable"]
        achievable = s["achievable"]["count"]
        hlo, hhi = wilson(round(ha["value"] * achievable), achievable) if ha.get("value") is not None else (float("nan"), float("nan"))
        g = s["guard_refusals"]
        refused = f"{g['other_class']} / {g['same_class']}" if p["guard"] else "—"
        after = f"{g.get('hits_after_refusal', '?')} ({g.get('wrong_after_refusal', '?')})" if p["guard"] else "—"
        hv = f"{ha['value']:.3f} [{hlo:.3f}, {hhi:.3f}]" if ha.get("value") is not None else "n/a"
        print(f"| {t} | {NAMES.get(curve, curve)} | {s['semantic_hits']} | {correct} | {wrong} | {prec:.3f} [{lo:.3f}, {hi:.3f}] | "
              f"{hv} | {achievable} | {refused} | {after} |")
    print()
    comparisons = d.get("comparisons") or {}
    if not comparisons and d.get("guard_vs_threshold_alone"):
        comparisons = {"guard_vs_threshold_alone": d["guard_vs_threshold_alone"]}
    for name, v in comparisons.items():
        print(f"{name}: compared points {v['compared']}; above {len(v['above'])}, within the 95 % intervals {len(v['within_intervals'])}, below {len(v['below'])}")


if __name__ == "__main__":
    main()
