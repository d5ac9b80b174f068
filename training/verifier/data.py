"""The verifier's data recipe (issue 15): which pairs train, which tune, which are held out.

Only data whose terms allow shipping weights is trained on:
  - PAWS-Wiki dev.tsv ("may be freely used for any purpose"): split by SEED into train 85 % / tune 15 %.
    PAWS test.tsv is held out and read once, at the end (evaluate.py --paws-test).
  - GPTCache mock_data.json (MIT), 999 paraphrase pairs: split by SEED 85 / 15 as well. It has no negatives,
    so each origin is also paired with the most word-overlapping *other* item's paraphrase, as a negative.
  - Pairs from generate_pairs.py (our own templates, fixed seed): gen_train for training; gen_eval (held-out
    vocabulary, templates and a whole family) only for evaluation.
QQP (qqp_pairs.json, Quora's terms: evaluation only) is NEVER training data. Its even rows may tune the
serving threshold; its odd rows are read once for the final report.
"""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

SEED = 15
DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"  # /work/shared/datasets next to the repo


def datasets_dir() -> Path:
    import os

    return Path(os.environ.get("TOLLGATE_DATASETS", DATASETS))


Pair = tuple  # (a, b, label, source)


def read_paws(name: str) -> list[Pair]:
    rows = []
    with open(datasets_dir() / "paws_wiki" / name, newline="") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            rows.append((r["sentence1"], r["sentence2"], int(r["label"]), "paws"))
    return rows


def split(rows: list, seed: int, frac_train: float = 0.85) -> tuple[list, list]:
    idx = list(range(len(rows)))
    random.Random(seed).shuffle(idx)
    k = int(round(len(rows) * frac_train))
    return [rows[i] for i in idx[:k]], [rows[i] for i in idx[k:]]


def words(s: str) -> set:
    return set(re.findall(r"[a-z0-9]+", s.lower()))


def gptcache_pairs(items: list[dict]) -> list[Pair]:
    out = []
    ws = [words(it["origin"]) | words(it["similar"]) for it in items]
    for i, it in enumerate(items):
        out.append((it["origin"], it["similar"], 1, "gptcache"))
        best, best_j = -1.0, None
        for j in range(len(items)):
            if j == i:
                continue
            inter = len(ws[i] & ws[j])
            score = inter / (len(ws[i] | ws[j]) or 1)
            if score > best:
                best, best_j = score, j
        out.append((it["origin"], items[best_j]["similar"], 0, "gptcache-neg"))
    return out


def read_generated(path: Path) -> list[Pair]:
    rows = []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            rows.append((r["a"], r["b"], int(r["label"]), "gen-" + r["family"]))
    return rows


def load_splits(gen_dir: Path, seed: int = SEED) -> dict[str, list[Pair]]:
    paws_train, paws_tune = split(read_paws("dev.tsv"), seed)
    items = json.load(open(datasets_dir() / "gptcache_mock_data.json"))
    gi_train, gi_tune = split(items, seed)
    gen_train = read_generated(gen_dir / "gen_train.jsonl")
    gen_eval = read_generated(gen_dir / "gen_eval.jsonl")
    return {
        "train": paws_train + gptcache_pairs(gi_train) + gen_train,
        "paws_train": paws_train,
        "gptcache_train": gptcache_pairs(gi_train),
        "gen_train": gen_train,
        "tune": paws_tune + gptcache_pairs(gi_tune),
        "tune_paws": paws_tune,
        "tune_gptcache": gptcache_pairs(gi_tune),
        "tune_paws_clean": [p for p, inf in zip(paws_tune, paws_tune_inferable(paws_train, paws_tune)) if not inf],
        "gen_eval": gen_eval,
        "issue": read_generated(gen_dir / "issue_examples.jsonl"),
    }


def paws_tune_inferable(paws_train: list[Pair], paws_tune: list[Pair]) -> list[bool]:
    """PAWS dev groups pairs around shared sentences, so the seeded split by pair leaks: a tune pair (a, b) whose
    label follows from two train pairs (a, x) and (x, b) by transitivity (both paraphrases → 1, one → 0) is
    'inferable'. The tune figures are also reported on the other pairs (no such path through the train split)."""
    from collections import defaultdict

    nb = defaultdict(dict)
    for a, b, l, _ in paws_train:
        nb[a][b] = l
        nb[b][a] = l
    out = []
    for a, b, *_ in paws_tune:
        out.append(any(b in nb[x] and (l1 + nb[x][b] >= 1) for x, l1 in nb[a].items()))
    return out


def read_qqp(parity: int) -> list[Pair]:
    """QQP rows of one parity (0 = even, tuning; 1 = odd, final report). Never for training."""
    rows = json.load(open(datasets_dir() / "qqp_pairs.json"))
    return [(r["text_a"], r["text_b"], int(r["label"]), "qqp") for i, r in enumerate(rows) if i % 2 == parity]
