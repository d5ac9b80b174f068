#!/usr/bin/env python3
"""Writes random texts and their HuggingFace `tokenizers` ids (truncation 256, no padding) to a JSON file,
for the opt-in Swift test that compares the WordPiece tokenizer on them:

  .venv/bin/python benchmarks/embedder/tokenizer_fuzz.py /tmp/tokfuzz.json [COUNT] [SEED]
  TOLLGATE_TOKENIZER_FUZZ=/tmp/tokfuzz.json swift test --filter fuzz
"""
import json
import os
import random
import sys

from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = os.environ.get("TOLLGATE_MODEL_DIR", os.path.join(ROOT, ".models", "all-MiniLM-L6-v2"))
out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/tokfuzz.json"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)

RANGES = [
    (0x20, 0x7E, 30), (0x00, 0x1F, 2), (0x7F, 0xFF, 4), (0x100, 0x24F, 3), (0x250, 0x36F, 2),
    (0x370, 0x52F, 3), (0x590, 0x6FF, 2), (0x900, 0x97F, 1), (0xE00, 0xE7F, 1), (0x1100, 0x11FF, 1),
    (0x1AB0, 0x1AFF, 1), (0x1DC0, 0x1DFF, 1), (0x1E00, 0x1FFF, 2), (0x2000, 0x206F, 3), (0x2070, 0x22FF, 2),
    (0x2E00, 0x2E5D, 2), (0x3000, 0x30FF, 3), (0x3400, 0x4DBF, 1), (0x4E00, 0x9FFF, 4), (0xAC00, 0xD7A3, 2),
    (0xE000, 0xE0FF, 1), (0xF900, 0xFAFF, 1), (0xFB00, 0xFB4F, 1), (0xFE00, 0xFE6F, 2), (0xFF00, 0xFFEF, 2),
    (0xFFF0, 0xFFFF, 1), (0x10000, 0x1FFFF, 2), (0x1F300, 0x1FAFF, 4), (0x20000, 0x2FA1F, 1), (0xE0000, 0xE007F, 1),
    (0x0, 0x10FFFF, 2),
]
WEIGHTS = [w for _, _, w in RANGES]
WORDS = ["[SEP]", "[CLS]", "[MASK]", "[PAD]", "[UNK]", "[sep]", " ", " ", "  ", "\t", "\n", "hello", "Café",
         "un", "##", "naïve", "İ", "ß", "ΣΑΣ", "ﬁ", "e\u0301", "https://x.y/z?a=1", "1,000.5", "don't"]


def rand_char():
    lo, hi, _ = rng.choices(RANGES, WEIGHTS)[0]
    while True:
        c = rng.randint(lo, hi)
        if not 0xD800 <= c <= 0xDFFF:
            return chr(c)


def rand_text():
    parts = []
    for _ in range(rng.randint(0, 25)):
        if rng.random() < 0.25:
            parts.append(rng.choice(WORDS))
        else:
            parts.append("".join(rand_char() for _ in range(rng.randint(1, 8))))
        if rng.random() < 0.5:
            parts.append(" ")
    if rng.random() < 0.02:
        parts.append("x" * rng.randint(95, 110))
    return "".join(parts)


tok = Tokenizer.from_file(os.path.join(MODEL_DIR, "tokenizer.json"))
tok.no_padding()
tok.enable_truncation(max_length=256)
cases = []
for _ in range(count):
    t = rand_text()
    cases.append({"text": t, "ids": tok.encode(t).ids})
with open(out, "w") as f:
    json.dump({"cases": cases}, f, ensure_ascii=True)
print(f"wrote {len(cases)} cases to {out}")
