"""Precision / recall on QQP pairs for rules "cosine ≥ c and verifier p ≥ t" (from evaluate.py --dump)."""
import sys

import numpy as np

d = np.load(sys.argv[1])
cos, lg, y = d["cos"], d["logits"], d["labels"]
p = 1 / (1 + np.exp(-lg))
pos = (y == 1).sum()
print(f"{len(y)} pairs, {pos} duplicates")
print("rule                          served  precision  recall")
for c in [0.80, 0.85, 0.88, 0.90, 0.92, 0.93, 0.95]:
    for t in [None, 0.05, 0.2, 0.5, 0.8, 0.95]:
        m = (cos >= c) if t is None else (cos >= c) & (p >= t)
        tp = int((m & (y == 1)).sum())
        n = int(m.sum())
        print(f"cos ≥ {c:.2f} {'alone   ' if t is None else f'& p ≥ {t:.2f}'}     {n:6d}     {tp / max(n, 1):.3f}   {tp / pos:.3f}")
