"""Evaluates the exported verifier (loaded as Swift loads it: fp16 file + MiniLM word embeddings).

    python evaluate.py --model-dir M --gen-dir D --verifier models/verifier/pair-verifier.safetensors [--final]

Without --final: the tune split (PAWS dev 15 % + GPTCache 15 %), the held-out generated set, the issue's
examples, and QQP EVEN rows (a fixed sample) for tuning the serving threshold: the pairs the verifier would
see in the cache (MiniLM cosine ≥ --gate) are scored, and the threshold table is printed next to cosine-only
thresholds on the same rows.
With --final (run ONCE, after tuning): PAWS test.tsv and QQP ODD rows (same-size sample), at --threshold.
Writes a JSON summary to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import random
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402

from data import SEED, load_splits, read_paws, read_qqp  # noqa: E402
from model import CLS_ID, SEP_ID, PairEncoder, PairVerifier, collate, load_verifier  # noqa: E402
from train import auc, predict, report  # noqa: E402


@torch.no_grad()
def embed(model: PairVerifier, enc: PairEncoder, texts: list[str], batch=128) -> np.ndarray:
    """all-MiniLM-L6-v2 sentence embeddings (the verifier's layers are fine-tuned, so use a fresh MiniLM)."""
    feats = [([CLS_ID] + enc.ids(t)[:254] + [SEP_ID],) for t in texts]
    feats = [(f[0], [0] * len(f[0])) for f in feats]
    order = sorted(range(len(texts)), key=lambda i: len(feats[i][0]))
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for s in range(0, len(order), batch):
        idx = order[s : s + batch]
        ids, types, mask = collate([feats[i] for i in idx])
        x = model.word(ids) + model.position(torch.arange(ids.shape[1]))[None] + model.token_type(types)
        x = model.ln(x)
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in model.layers:
            x = layer(x, bias)
        m = mask[..., None].float()
        v = (x * m).sum(1) / m.sum(1)
        out[idx] = torch.nn.functional.normalize(v, dim=-1).numpy()
    return out


def pr(pred, labels):
    tp = int((pred & (labels == 1)).sum())
    fp = int((pred & (labels == 0)).sum())
    return tp, fp, tp / max(tp + fp, 1), tp / max(int((labels == 1).sum()), 1)


def qqp_table(name, rows, cos, logits, gate, thresholds, cos_thresholds):
    labels = np.array([r[2] for r in rows])
    prob = 1 / (1 + np.exp(-logits))
    out = {"set": name, "n": len(rows), "positives": int(labels.sum()), "gate": gate,
           "auc_verifier_in_gate": auc(logits[cos >= gate], labels[cos >= gate]),
           "auc_cosine_in_gate": auc(cos[cos >= gate], labels[cos >= gate]),
           "in_gate": int((cos >= gate).sum()), "cosine_only": [], "verifier": []}
    for t in cos_thresholds:
        tp, fp, p, r = pr(cos >= t, labels)
        out["cosine_only"].append({"cosine": t, "served": tp + fp, "precision": p, "recall": r})
    for t in thresholds:
        tp, fp, p, r = pr((cos >= gate) & (prob >= t), labels)
        out["verifier"].append({"p": t, "served": tp + fp, "precision": p, "recall": r})
    print(f"{name}: {len(rows)} pairs, {int((cos >= gate).sum())} at cosine ≥ {gate}; "
          f"AUC in gate: verifier {out['auc_verifier_in_gate']:.3f}, cosine {out['auc_cosine_in_gate']:.3f}")
    for c in out["cosine_only"]:
        print(f"  cosine ≥ {c['cosine']:.2f} alone: served {c['served']}, precision {c['precision']:.3f}, recall {c['recall']:.3f}")
    for c in out["verifier"]:
        print(f"  cosine ≥ {gate} & p ≥ {c['p']:.2f}: served {c['served']}, precision {c['precision']:.3f}, recall {c['recall']:.3f}")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=".models/all-MiniLM-L6-v2")
    ap.add_argument("--gen-dir", default=".verifier-data")
    ap.add_argument("--verifier", default="models/verifier/pair-verifier.safetensors")
    ap.add_argument("--gate", type=float, default=0.80)
    ap.add_argument("--qqp-sample", type=int, default=6000)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--final", action="store_true")
    ap.add_argument("--out", default="/tmp/verifier-eval.json")
    ap.add_argument("--qqp-only", action="store_true", help="skip the tune / generated sets")
    ap.add_argument("--dump", help="write the QQP pairs' cosines, logits and labels here (.npz)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    md = Path(args.model_dir)
    enc = PairEncoder(str(md / "tokenizer.json"), 64)
    ver = PairVerifier()
    load_verifier(ver, str(md / "model.safetensors"), args.verifier)
    ver.eval()
    base = PairVerifier()
    from model import load_minilm

    load_minilm(base, str(md / "model.safetensors"))
    base.eval()
    results = {"args": vars(args)}
    thresholds = [0.3, 0.5, 0.7, 0.8, 0.9, 0.95]
    cos_thresholds = [0.85, 0.90, 0.93, 0.95]

    if args.qqp_only:
        parity, name = (1, "QQP odd rows (final report, once)") if args.final else (0, "QQP even rows (tuning)")
    elif not args.final:
        splits = load_splits(Path(args.gen_dir), SEED)
        results["sets"] = [report("tune (PAWS dev 15% + GPTCache 15%)", predict(ver, enc, splits["tune"]), splits["tune"]),
                           report("tune PAWS only", predict(ver, enc, splits["tune_paws"]), splits["tune_paws"]),
                           report("tune PAWS, not inferable from train pairs", predict(ver, enc, splits["tune_paws_clean"]),
                                  splits["tune_paws_clean"]),
                           report("tune GPTCache only", predict(ver, enc, splits["tune_gptcache"]), splits["tune_gptcache"]),
                           report("held-out generated", predict(ver, enc, splits["gen_eval"]), splits["gen_eval"])]
        fam = {}
        ge = splits["gen_eval"]
        lg = predict(ver, enc, ge)
        for f in sorted({r[3] for r in ge}):
            idx = [i for i, r in enumerate(ge) if r[3] == f]
            y = np.array([ge[i][2] for i in idx])
            fam[f] = {"n": len(idx), "accuracy": float(((lg[idx] >= 0) == (y == 1)).mean())}
        results["held_out_by_family"] = fam
        print(json.dumps(fam))
        iss = splits["issue"]
        pi = 1 / (1 + np.exp(-predict(ver, enc, iss)))
        results["issue"] = [{"a": a, "b": b, "label": l, "p": float(p)} for (a, b, l, _), p in zip(iss, pi)]
        for r in results["issue"]:
            print(f"  p={r['p']:.3f} label={r['label']}  {r['a']} / {r['b']}")
        parity, name = 0, "QQP even rows (tuning)"
    else:
        paws = read_paws("test.tsv")
        results["sets"] = [report("PAWS test (held out, once)", predict(ver, enc, paws), paws)]
        parity, name = 1, "QQP odd rows (final report, once)"

    rows = read_qqp(parity)
    rows = random.Random(SEED).sample(rows, min(args.qqp_sample, len(rows)))
    cache = Path(f"/tmp/verifier-qqp-cos-{parity}-{len(rows)}.npy")  # MiniLM cosines do not depend on the verifier
    if cache.exists():
        cos = np.load(cache)
    else:
        ea = embed(base, enc, [r[0] for r in rows])
        eb = embed(base, enc, [r[1] for r in rows])
        cos = (ea * eb).sum(1)
        np.save(cache, cos)
    logits = np.full(len(rows), -20.0, dtype=np.float32)
    gi = np.nonzero(cos >= min(args.gate, 0.80))[0]
    logits[gi] = predict(ver, enc, [rows[i] for i in gi])
    if args.dump:
        np.savez(args.dump, cos=cos, logits=logits, labels=np.array([r[2] for r in rows]))
    results["qqp"] = qqp_table(name, rows, cos, logits, args.gate, thresholds if not args.final else [args.threshold],
                               cos_thresholds)
    json.dump(results, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
