#!/usr/bin/env python3
"""Cosines for the guard's own labelled pairs (Tests/GuardTests/*Cases*.swift), so guard-eval can
show them beside the public sets: data/own_set.tsv, `a \t b \t label \t cosine` (label 1 = paraphrase).

    OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python scripts/own_set.py --model MODEL_DIR
"""
import argparse
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pair_cosines import MiniLM  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRING = r'"((?:[^"\\]|\\.)*)"'
CASE = re.compile(r'\.init\(' + STRING + r', ' + STRING + r'(?:, \.(\w+))?\)')


def unescape(s):
    s = re.sub(r'\\u\{([0-9A-Fa-f]+)\}', lambda m: chr(int(m.group(1), 16)), s)
    return s.replace('\\"', '"').replace('\\\\', '\\')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", default=os.path.join(ROOT, "data", "own_set.tsv"))
    args = ap.parse_args()
    rows = []
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests", "GuardTests", "*Cases*.swift"))):
        for m in CASE.finditer(open(path, encoding="utf-8").read()):
            rows.append((unescape(m.group(1)), unescape(m.group(2)), 0 if m.group(3) else 1))
    model = MiniLM(args.model)
    texts = sorted({t for a, b, _ in rows for t in (a, b)})
    emb = model.embed(texts)
    pos = {t: i for i, t in enumerate(texts)}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for a, b, label in rows:
            f.write(f"{a}\t{b}\t{label}\t{float(emb[pos[a]] @ emb[pos[b]]):.6f}\n")
    print(f"wrote {args.out}: {len(rows)} pairs, {sum(r[2] for r in rows)} paraphrases", file=sys.stderr)


if __name__ == "__main__":
    main()
