"""Independent NumPy implementation of the all-MiniLM-L6-v2 forward pass.

Used by make_reference.py (in float64, as the correctness reference for the
Swift embedder) and by numpy_embed_bench.py (in float32, as the speed
baseline). Follows HuggingFace `BertModel` + sentence-transformers
mean pooling + Normalize:

  x = word_emb[ids] + pos_emb[0..n) + type_emb[0]; x = LN(x)
  per layer: q,k,v = x W^T + b; attention per head (d=32, scale 1/sqrt(32));
             x = LN(x + ctx Wo^T + bo); h = gelu_erf(x Wi^T + bi);
             x = LN(x + h Wout^T + bout)
  out = normalize(mean_tokens(x))
"""
import json
import math
import os

import numpy as np
from safetensors.numpy import load_file

LN_EPS = 1e-12


def load_weights(model_dir, dtype=np.float32):
    w = load_file(os.path.join(model_dir, "model.safetensors"))
    w = {k: v.astype(dtype) for k, v in w.items() if v.dtype == np.float32}
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    return w, cfg


_erf_exact = np.frompyfunc(math.erf, 1, 1)


def erf_exact(x):
    return _erf_exact(x).astype(x.dtype)


def erf_fast(x):
    # Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7), vectorised NumPy only.
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t
                - 0.284496736) * t + 0.254829592) * t * np.exp(-a * a)
    return s * y


def layer_norm(x, g, b):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + LN_EPS) * g + b


def forward(w, cfg, ids, erf=erf_exact):
    """ids: list of token ids incl. [CLS]/[SEP]. Returns the L2-normalised
    mean-pooled sentence embedding (hidden_size floats)."""
    H = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    d = H // nh
    n = len(ids)
    ids = np.asarray(ids, dtype=np.int64)
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][:n]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    scale = x.dtype.type(1.0 / math.sqrt(d))
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        q = x @ w[p + "attention.self.query.weight"].T + w[p + "attention.self.query.bias"]
        k = x @ w[p + "attention.self.key.weight"].T + w[p + "attention.self.key.bias"]
        v = x @ w[p + "attention.self.value.weight"].T + w[p + "attention.self.value.bias"]
        q = q.reshape(n, nh, d).transpose(1, 0, 2)
        k = k.reshape(n, nh, d).transpose(1, 0, 2)
        v = v.reshape(n, nh, d).transpose(1, 0, 2)
        s = (q @ k.transpose(0, 2, 1)) * scale          # (nh, n, n)
        s = s - s.max(axis=-1, keepdims=True)
        e = np.exp(s)
        a = e / e.sum(axis=-1, keepdims=True)
        ctx = (a @ v).transpose(1, 0, 2).reshape(n, H)
        o = ctx @ w[p + "attention.output.dense.weight"].T + w[p + "attention.output.dense.bias"]
        x = layer_norm(x + o, w[p + "attention.output.LayerNorm.weight"],
                       w[p + "attention.output.LayerNorm.bias"])
        h = x @ w[p + "intermediate.dense.weight"].T + w[p + "intermediate.dense.bias"]
        h = 0.5 * h * (1.0 + erf(h / math.sqrt(2.0)))
        o = h @ w[p + "output.dense.weight"].T + w[p + "output.dense.bias"]
        x = layer_norm(x + o, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    pooled = x.mean(axis=0)
    return pooled / max(np.linalg.norm(pooled), 1e-12)
