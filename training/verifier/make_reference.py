"""Writes fixtures/verifier/reference.json: the PyTorch verifier's ids, token types and logits on a few pairs.

The model is loaded exactly as Swift loads it: word embeddings from all-MiniLM-L6-v2's model.safetensors, the
rest from the exported fp16 models/verifier/pair-verifier.safetensors, widened to float32. The forward runs in
float64 so that the reference is not itself a float32 approximation.

    python make_reference.py --model-dir .models/all-MiniLM-L6-v2 --verifier models/verifier/pair-verifier.safetensors
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402

from model import PairEncoder, PairVerifier, collate, load_verifier  # noqa: E402

PAIRS = [
    ("How do I reverse a list in Python?", "How can I reverse a list in Python?"),
    ("What is 7 divided by 2?", "What is 2 divided by 7?"),
    ("Subtract 3 from 10", "Subtract 10 from 3"),
    ("Book a table for 2 at 8 pm", "Book a table for 8 at 2 pm"),
    ("What's the weather in Paris today?", "What's the weather in Paris tomorrow?"),
    ("What did I spend last month?", "what did i spend this month??"),
    ("Explain the difference between TCP and UDP.", "How do TCP and UDP differ?"),
    ("", "Hello"),
    ("Ünïcödé café — naïve résumé 東京", "Unicode cafe naive resume Tokyo"),
    (" ".join(["The quick brown fox jumps over the lazy dog."] * 8), "A fox jumps over a dog."),
    (" ".join(["caching gateway"] * 40), " ".join(["semantic cache for LLM APIs"] * 20)),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=".models/all-MiniLM-L6-v2")
    ap.add_argument("--verifier", default="models/verifier/pair-verifier.safetensors")
    ap.add_argument("--out", default="fixtures/verifier/reference.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    model = PairVerifier()
    load_verifier(model, str(Path(args.model_dir) / "model.safetensors"), args.verifier)
    model = model.double().eval()
    enc = PairEncoder(str(Path(args.model_dir) / "tokenizer.json"), 64)
    cases = []
    with torch.no_grad():
        for a, b in PAIRS:
            ids, types = enc.pair(a, b)
            i, t, m = collate([(ids, types)])
            z = float(model(i, t, m)[0])
            cases.append({"a": a, "b": b, "ids": ids, "token_types": types, "logit": z,
                          "probability": 1 / (1 + torch.exp(torch.tensor(-z)).item())})
            print(f"{z:+.4f}  {a[:40]!r} / {b[:40]!r}  ({len(ids)} ids)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    json.dump({"model": "tollgate-pair-verifier-1", "max_tokens": 64, "cases": cases}, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
