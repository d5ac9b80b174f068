"""Trains the pair verifier on one CPU thread and exports it as fp16 safetensors.

    python train.py --model-dir .models/all-MiniLM-L6-v2 --gen-dir .verifier-data --out models/verifier [--recipe v2 --init-verifier v1.safetensors …]
v2 (the Makefile recipe): starts from v1's exported weights, PAWS dev-train repeated, gen_train_v2.jsonl (generate_v2.py).
Steps: generate_pairs.py output + data.py recipe → fine-tune MiniLM-L6 as a cross-encoder (word embeddings
frozen: the file does not ship them; Swift takes them from the embedder's model.safetensors) for a fixed
time/step budget → evaluate on the tune split and the held-out generated set → write
OUT/pair-verifier.safetensors (fp16) and OUT/train-log.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402

from data import SEED, load_splits  # noqa: E402
from model import PairEncoder, PairVerifier, collate, export_names, load_minilm, load_verifier  # noqa: E402


def auc(scores, labels) -> float:
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels)
    order = s.argsort()
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    # average ranks of ties
    _, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks)
    ranks = (sums / counts)[inv]
    npos, nneg = (y == 1).sum(), (y == 0).sum()
    if npos == 0 or nneg == 0:
        return float("nan")
    return float((ranks[y == 1].sum() - npos * (npos + 1) / 2) / (npos * nneg))


@torch.no_grad()
def predict(model, enc: PairEncoder, pairs, batch=64) -> np.ndarray:
    model.eval()
    feats = [enc.pair(a, b) for a, b, *_ in pairs]
    order = sorted(range(len(feats)), key=lambda i: len(feats[i][0]))
    out = np.zeros(len(feats), dtype=np.float32)
    for s in range(0, len(order), batch):
        idx = order[s : s + batch]
        ids, types, mask = collate([feats[i] for i in idx])
        out[idx] = model(ids, types, mask).float().numpy()
    return out


def report(name, logits, pairs) -> dict:
    labels = np.array([p[2] for p in pairs])
    prob = 1 / (1 + np.exp(-logits))
    pred = prob >= 0.5
    tp = int((pred & (labels == 1)).sum())
    fp = int((pred & (labels == 0)).sum())
    fn = int((~pred & (labels == 1)).sum())
    r = {"set": name, "n": len(pairs), "accuracy": float((pred == (labels == 1)).mean()), "auc": auc(logits, labels),
         "precision@0.5": tp / max(tp + fp, 1), "recall@0.5": tp / max(tp + fn, 1)}
    print(json.dumps(r))
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=".models/all-MiniLM-L6-v2")
    ap.add_argument("--gen-dir", default=".verifier-data")
    ap.add_argument("--out", default="models/verifier")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--steps", type=int, default=0, help="0 = as many as --minutes allows (measured)")
    ap.add_argument("--minutes", type=float, default=38.0, help="training time budget")
    ap.add_argument("--measure", action="store_true", help="time 10 steps and stop")
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--recipe", choices=["v1", "v2"], default="v1",
                    help="v2: PAWS dev-train repeated, gen_train_v2.jsonl (generate_v2.py), part of v1's gen_train")
    ap.add_argument("--init-verifier", help="start from this exported verifier (fp16 file) instead of MiniLM")
    ap.add_argument("--paws-repeat", type=int, default=2, help="v2: copies of PAWS dev-train per pass")
    ap.add_argument("--v1-gen-frac", type=float, default=0.25, help="v2: share of v1's gen_train kept")
    ap.add_argument("--flip", type=float, default=0.5, help="v2: probability of presenting a pair as (b, a)")
    ap.add_argument("--drop", default="", help="v2: comma-separated sources of gen_train_v2 to leave out (e.g. paws-swap)")
    ap.add_argument("--boost", default="", help="v2: family:copies,… — extra copies of gen_train_v2 families")
    ap.add_argument("--balance", action="store_true", help="weight the loss so both labels weigh the same in total")
    ap.add_argument("--eval-every", type=int, default=0, help="tune-split figures every N steps (logged)")
    ap.add_argument("--eval-only-tune", action="store_true", help="skip the held-out generated set at the end")
    args = ap.parse_args()

    torch.set_num_threads(1)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    model_dir = Path(args.model_dir)
    enc = PairEncoder(str(model_dir / "tokenizer.json"), args.max_len)
    splits = load_splits(Path(args.gen_dir), args.seed)
    train = splits["train"]
    if args.recipe == "v2":
        from data import gptcache_pairs, read_generated
        import json as _json

        parts = splits["paws_train"] * args.paws_repeat + splits["gptcache_train"]
        v1gen = splits["gen_train"]
        keep = random.Random(args.seed + 1).sample(range(len(v1gen)), int(len(v1gen) * args.v1_gen_frac))
        parts += [v1gen[i] for i in sorted(keep)]
        drop = {"gen-" + d for d in args.drop.split(",") if d}
        v2 = [p for p in read_generated(Path(args.gen_dir) / "gen_train_v2.jsonl") if p[3] not in drop]
        boost = {"gen-gen-" + k: int(n) for k, n in (x.split(":") for x in args.boost.split(",") if x)}
        parts += [p for p in v2 for _ in range(boost.get(p[3], 1))]
        train = parts
    print({k: len(v) for k, v in splits.items()}, "training pairs", len(train),
          "positive", sum(p[2] for p in train))

    model = PairVerifier()
    load_minilm(model, str(model_dir / "model.safetensors"))
    if args.init_verifier:
        load_verifier(model, str(model_dir / "model.safetensors"), args.init_verifier)
        print("initialised from", args.init_verifier)
    model.word.weight.requires_grad_(False)
    head = [p for n, p in model.named_parameters() if n.startswith("head_")]
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head_")]
    no_decay = lambda n: n.endswith("bias") or ".ln" in n or n.startswith("ln.")  # noqa: E731
    body_decay = [p for n, p in model.named_parameters()
                  if p.requires_grad and not n.startswith("head_") and not no_decay(n)]
    body_nodecay = [p for n, p in model.named_parameters()
                    if p.requires_grad and not n.startswith("head_") and no_decay(n)]
    assert len(body_decay) + len(body_nodecay) == len(body)
    opt = torch.optim.AdamW([
        {"params": body_decay, "lr": args.lr, "weight_decay": 0.01},
        {"params": body_nodecay, "lr": args.lr, "weight_decay": 0.0},
        {"params": head, "lr": args.head_lr, "weight_decay": 0.01},
    ])

    feats = [enc.pair(a, b) for a, b, *_ in train]
    feats_flip = [enc.pair(b, a) for a, b, *_ in train] if args.recipe == "v2" and args.flip > 0 else None
    labels = torch.tensor([p[2] for p in train], dtype=torch.float32)
    npos = float(labels.sum())
    pos_weight = torch.tensor((len(train) - npos) / npos if args.balance else 1.0)
    rng = random.Random(args.seed)

    def batches():
        # length-bucketed shuffled batches: shuffle, sort chunks of 50 batches by length, shuffle batches
        while True:
            idx = list(range(len(train)))
            rng.shuffle(idx)
            chunk = args.batch * 50
            out = []
            for s in range(0, len(idx), chunk):
                part = sorted(idx[s : s + chunk], key=lambda i: len(feats[i][0]))
                out += [part[j : j + args.batch] for j in range(0, len(part), args.batch)]
            rng.shuffle(out)
            yield from out

    it = batches()

    def step():
        b = next(it)
        if feats_flip is not None:
            ids, types, mask = collate([feats_flip[i] if rng.random() < args.flip else feats[i] for i in b])
        else:
            ids, types, mask = collate([feats[i] for i in b])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(ids, types, mask), labels[b],
                                                                    pos_weight=pos_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    model.train()
    t0 = time.time()
    for _ in range(10):
        step()
    per_step = (time.time() - t0) / 10
    print(f"measured {per_step:.3f} s/step (batch {args.batch}, one thread)")
    if args.measure:
        return
    # Schedule: linear warm-up over the first `warmup` steps, then linear decay to 0 by the end of the
    # budget — by step count with --steps, else by wall-clock time (the machine is shared: a step count
    # sized from one measurement would overrun when other jobs take the CPU). The log records the steps.
    total = args.steps or 10**9
    budget_s = args.minutes * 60
    warmup = args.warmup
    base = [g["lr"] for g in opt.param_groups]
    print(f"training for {'%d steps' % total if args.steps else '%.0f min' % args.minutes}, {len(train)} pairs")
    log, t0, ema, s = [], time.time(), None, 10
    while s < total:
        done = (s / total) if args.steps else (time.time() - t0) / budget_s
        if done >= 1:
            break
        f = min((s + 1) / warmup, 1.0 - done)
        for g, lr in zip(opt.param_groups, base):
            g["lr"] = lr * f
        loss = step()
        ema = loss if ema is None else 0.98 * ema + 0.02 * loss
        if args.eval_every and s % args.eval_every == 0 and s > 10:
            te = time.time()
            r = report(f"step {s} tune PAWS only", predict(model, enc, splits["tune_paws"]), splits["tune_paws"])
            r2 = report(f"step {s} tune GPTCache only", predict(model, enc, splits["tune_gptcache"]), splits["tune_gptcache"])
            log.append({"step": s, "tune_paws": r, "tune_gptcache": r2})
            model.train()
            t0 += time.time() - te  # evaluation time is not training time
        if s % 50 == 0:
            el = time.time() - t0
            print(f"step {s} loss {ema:.4f} {el / 60:.1f} min lr×{f:.3f}", flush=True)
            log.append({"step": s, "loss": ema, "minutes": el / 60})
        s += 1
    total = s
    train_minutes = (time.time() - t0) / 60 + per_step * 10 / 60

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from safetensors.torch import save_file

    state = model.state_dict()
    tensors = {hf: state[ours].detach().to(torch.float16).contiguous() for hf, ours in export_names().items()}
    meta = {"format": "tollgate-pair-verifier-1", "base": "all-MiniLM-L6-v2",
            "base_sha256": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            "max_tokens": str(args.max_len), "pooling": "mean", "head": "dense-tanh-linear",
            "input": "[CLS] a [SEP] b [SEP], token types 0/1", "seed": str(args.seed), "steps": str(total)}
    save_file(tensors, str(out / "pair-verifier.safetensors"), metadata=meta)
    torch.save(model.state_dict(), "/tmp/pair-verifier-fp32.pt")

    results = [report("tune (PAWS dev 15% + GPTCache 15%)", predict(model, enc, splits["tune"]), splits["tune"]),
               report("tune PAWS only", predict(model, enc, splits["tune_paws"]), splits["tune_paws"]),
               ] + ([] if args.eval_only_tune else
                    [report("held-out generated", predict(model, enc, splits["gen_eval"]), splits["gen_eval"])])
    iss = splits["issue"]
    pi = 1 / (1 + np.exp(-predict(model, enc, iss)))
    issue = [{"a": a, "b": b, "label": l, "p": float(p)} for (a, b, l, _), p in zip(iss, pi)]
    for r in issue:
        print(r)
    json.dump({"args": vars(args), "per_step_s": per_step, "steps": total, "train_minutes": train_minutes,
               "train_pairs": len(train), "loss": log, "results": results, "issue_examples": issue},
              open(out / "train-log.json", "w"), indent=1)


if __name__ == "__main__":
    main()
