#!/usr/bin/env python3
"""The sweep table of benchmarks/RESULTS.md from a `tollgate bench --sweep … --out DIR` folder.

    python3 benchmarks/bench/sweep_table.py benchmarks/out/qqp-odd-sweep-v3

One row per threshold and curve: semantic hits, correct, wrong, precision, correct hits vs
achievable (and the achievable count), the guard's refusals (another class / same class) and the
hits served from a lower-ranked candidate after a refusal. The default threshold is in bold.
"""
import json
import os
import sys


def main():
    d = json.load(open(os.path.join(sys.argv[1], "report.json")))
    default = d["default_threshold"]
    print("| threshold | guard | semantic hits | correct | wrong | precision | hits vs achievable | achievable | refused other / same | hits after a refusal (wrong) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|---|")
    for p in d["points"]:
        s = p["summary"]
        t = f"{p['threshold']:.2f}" + (" **(default)**" if abs(p["threshold"] - default) < 1e-9 else "")
        correct, wrong = s["semantic_correct"]["count"], s["semantic_wrong"]["count"]
        prec = correct / (correct + wrong) if correct + wrong else float("nan")
        g = s["guard_refusals"]
        refused = f"{g['other_class']} / {g['same_class']}" if p["guard"] else "—"
        after = f"{g.get('hits_after_refusal', '?')} ({g.get('wrong_after_refusal', '?')})" if p["guard"] else "—"
        print(f"| {t} | {'on' if p['guard'] else 'off'} | {s['semantic_hits']} | {correct} | {wrong} | {prec:.3f} | "
              f"{s['hits_of_achievable']['value']:.3f} | {s['achievable']['count']} | {refused} | {after} |")
    print()
    print(f"guard above threshold alone, outside the 95 % intervals, at every compared point: {d['guard_above_threshold_alone']}")
    v = d.get("guard_vs_threshold_alone")
    if v:
        print(f"compared points: {v['compared']}; above {len(v['above'])}, within the intervals {len(v['within_intervals'])}, below {len(v['below'])}")


if __name__ == "__main__":
    main()
