#!/usr/bin/env python3
"""How many of a bench run's "wrong" semantic hits are really wrong, from wrong hits read by people.

QQP labels only the pairs it sampled, so a hit on an unlabelled duplicate counts as wrong. Readers
went through wrong hits of QQP odd-row runs and said, for each, whether the two prompts ask the
same question (`qqp-odd-wrong-hits-read.tsv`, keyed by workload line numbers so no QQP text is in
the repository; the workload comes from `tollgate bench import`, see benchmarks/RESULTS.md).

The run's wrong hits are split into similarity strata (below / at or above `--split`). In a
stratum whose pairs were all read, the count is exact; otherwise the share read as truly wrong is
scaled to the stratum (the pairs read are a random sample of it) and its 95 % Wilson interval is
carried over. Prints, per reader, the truly wrong hits as a share of all semantic hits.

    python3 benchmarks/labelnoise/estimate.py benchmarks/out/qqp-odd-0.93/ [--split 0.93]
"""
import argparse
import csv
import json
import math
import os


def wilson(k, n, z=1.96):
    if n == 0:
        return 0.0, 1.0
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("run", help="a `tollgate bench --out` folder of one run (report.json, wrong-hits.jsonl)")
    ap.add_argument("--read", default=os.path.join(here, "qqp-odd-wrong-hits-read.tsv"))
    ap.add_argument("--split", type=float, default=0.93, help="similarity that separates the two strata")
    a = ap.parse_args()

    report = json.load(open(os.path.join(a.run, "report.json")))
    summary = report["run"]["summary"]
    hits = summary["semantic_hits"]
    wrong = [json.loads(line) for line in open(os.path.join(a.run, "wrong-hits.jsonl")) if line.strip()]
    read = {}
    with open(a.read) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            read[(int(r["query_line"]), int(r["cached_line"]))] = (r["same_question_reader1"], r["same_question_reader2"])

    print(f"{a.run}: threshold {report['run']['threshold']}, {hits} semantic hits, {len(wrong)} wrong by the labels")
    strata = [("below", [w for w in wrong if w["similarity"] < a.split]), ("at or above", [w for w in wrong if w["similarity"] >= a.split])]
    for reader, name in ((0, "reader 1"), (1, "reader 2"), (None, "either reader")):
        est = lo = hi = 0.0
        parts = []
        for label, rows in strata:
            if not rows:
                continue
            verdicts = []
            for w in rows:
                v = read.get((w["query_line"], w["cached_line"]))
                if v is None:
                    continue
                different = (v[0] == "n" or v[1] == "n") if reader is None else v[reader] == "n"
                verdicts.append(different)
            k, n = sum(verdicts), len(verdicts)
            if n == 0:
                raise SystemExit(f"no pair read among the {len(rows)} wrong hits {label} {a.split}")
            if n == len(rows):
                est += k
                lo += k
                hi += k
            else:
                wl, wh = wilson(k, n)
                est += len(rows) * k / n
                lo += len(rows) * wl
                hi += len(rows) * wh
            parts.append(f"{label} {a.split}: {k} of {n} read are different questions ({len(rows)} wrong hits{', all read' if n == len(rows) else ''})")
        print(f"  {name}: truly wrong ≈ {est:.1f} = {100 * est / hits:.2f} % of semantic hits "
              f"[{100 * lo / hits:.2f} %, {100 * hi / hits:.2f} %]; " + "; ".join(parts))


if __name__ == "__main__":
    main()
