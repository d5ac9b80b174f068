#!/usr/bin/env python3
"""Writes fixtures/embedder/reference.json: for each test text, the token ids
from HuggingFace `tokenizers` (tokenizer.json, truncation at 256 like the
sentence-transformers model, no padding) and the sentence embedding from an
independent float64 NumPy forward pass (benchmarks/embedder/numpy_bert.py).

Usage: .venv/bin/python benchmarks/embedder/make_reference.py [MODEL_DIR] [OUT]
Needs: pip install tokenizers safetensors numpy
"""
import json
import os
import sys

import numpy as np
from tokenizers import Tokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_bert  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "TOLLGATE_MODEL_DIR", os.path.join(ROOT, ".models", "all-MiniLM-L6-v2"))
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "fixtures", "embedder", "reference.json")
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length

LONG_EN = (
    "Caching gateways sit between applications and large language model APIs. "
    "When a request arrives, the gateway canonicalises it, looks it up in an exact cache, "
    "and, failing that, in a semantic cache keyed by sentence embeddings. "
    "A hit saves both latency and money; a miss is forwarded to the cheapest healthy provider, "
    "and the answer is stored with a time-to-live. ")
TEXTS = [
    "",
    "a",
    "Hello, world!",
    "How do I reset my password?",
    "What is the procedure to change my password?",
    "The weather in Paris is sunny today.",
    "The cat sits outside",
    "The new movie is awesome",
    "Café Crème brûlée à la mode",
    "naïve façade coöperate résumé Ångström e\u0301\u0327 ǅungla",
    "我喜欢吃北京烤鸭。今天天气很好！",
    "東京は日本の首都です。ひらがなとカタカナ、漢字。",
    "안녕하세요 세계, 반갑습니다",
    "func add(_ a: Int, _ b: Int) -> Int {\n\treturn a + b\n}",
    "def f(x):\n    return [i**2 for i in range(x) if i % 2 == 0]  # squares",
    "SELECT * FROM users WHERE id = 42 AND name LIKE '%bob%';",
    '{"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}], "temperature": 0.7}',
    "I love pizza 🍕🍕 so much 😀👍🏽 🥰 🫠",
    "family: 👨\u200d👩\u200d👧\u200d👦 flags 🇫🇷🇯🇵 ❤️ ✔︎",
    "!!!???...---***((()))[[]]{{}}<<>>@@##$$%%^^&&~~``||\\\\//;;::,,''\"\"",
    "3.14159 2,718 1e-9 0x1F 42nd 1/2 ½ ²³ ١٢٣ 1,000,000.00 $19.99 €5 ¥100",
    "ThIs Is A mIxEd CaSe SeNtEnCe WITH ACRONYMS like NASA, GPU and iPhone",
    "Visit https://example.com/path/to/page?query=1&lang=en#section or mailto:someone@example.org",
    "line one\n\tline two\r\nline three\u00a0non-breaking\u2003em-space\u3000ideographic\x0bvt\x85nel",
    "   \t\n  ",
    "abc\x00def\x07ghi\u200bjkl\ufeffmno\ufffdpqr\u00adstu\ue000vwx",
    "ΣΊΣΥΦΟΣ και Привет, мир! İstanbul ĞÜŞ",
    "مرحبا بالعالم שלום עולם",
    "नमस्ते दुनिया สวัสดีชาวโลก",
    "“Smart quotes” — em dash… ‘single’ «guillemets» ¿Qué? ¡Sí! ‹›",
    "∑_{i=1}^{n} x_i ≤ √2 · π ≈ 3.14 ± 0.01 → ∞ ∀x∈ℝ",
    "ＡＢＣ１２３！ ｶﾀｶﾅ ﬁﬂ ① Ⅻ",
    "hello [SEP] world [MASK]x and [cls] lowercase [UNK][PAD]end",
    "##hash ##tags #swift @mention",
    "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopic",
    "a" * 150 + " end " + "b" * 100 + " " + "c" * 101,
    "x\u2e43y x\u08e3y x\u2e42y x\u0d3by \uf900\U0002f800 \U00020000",
    "You are a helpful assistant. Summarize the following article in three bullet points:",
    LONG_EN * 4,
    "人工智能正在改变世界。" * 30,
    " ".join(f"word{i}" for i in range(300)),
]


def main():
    tok = Tokenizer.from_file(os.path.join(MODEL_DIR, "tokenizer.json"))
    # tokenizer.json ships truncation=128 and fixed padding to 128; the
    # sentence-transformers model (max_seq_length 256) overrides both.
    tok.no_padding()
    tok.enable_truncation(max_length=MAX_TOKENS)
    w, cfg = numpy_bert.load_weights(MODEL_DIR, np.float64)
    cases = []
    for text in TEXTS:
        enc = tok.encode(text)
        ids = enc.ids
        assert len(ids) <= MAX_TOKENS and ids[0] == 101 and ids[-1] == 102
        emb = numpy_bert.forward(w, cfg, ids)
        cases.append({
            "text": text,
            "tokens": enc.tokens,
            "ids": ids,
            "embedding": [round(float(x), 6) for x in emb],
        })
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({
            "model": "all-MiniLM-L6-v2",
            "max_tokens": MAX_TOKENS,
            "generator": "benchmarks/embedder/make_reference.py (tokenizers %s, numpy %s, float64 forward pass)"
                         % (__import__("tokenizers").__version__, np.__version__),
            "cases": cases,
        }, f, ensure_ascii=True, separators=(",", ":"))
    print(f"wrote {len(cases)} cases to {OUT} ({os.path.getsize(OUT)} bytes)")
    for c in cases:
        print(len(c["ids"]), repr(c["text"][:50]), c["tokens"][:12])


if __name__ == "__main__":
    main()
