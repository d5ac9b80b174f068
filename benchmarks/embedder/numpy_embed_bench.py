#!/usr/bin/env python3
"""NumPy timing baseline for the Swift embedder: ms per embedding at 5, 20 and 100 tokens with the float32
NumPy forward pass of benchmarks/embedder/numpy_bert.py (vectorised erf approximation for GELU, NumPy's own OpenBLAS). `--exact-erf` uses math.erf per
element instead (much slower; shown only to size the cost of a naive GELU).

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 taskset -c 1 \
      .venv/bin/python benchmarks/embedder/numpy_embed_bench.py [MODEL_DIR] [--rounds N]
"""
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_bert  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
rounds = 7
erf = numpy_bert.erf_fast
erf_name = "vectorised A&S 7.1.26 erf"
if "--exact-erf" in args:  # math.erf element by element: the naive (slow) way to get exact GELU in NumPy
    args.remove("--exact-erf")
    erf = numpy_bert.erf_exact
    erf_name = "math.erf per element (np.frompyfunc)"
if "--rounds" in args:
    i = args.index("--rounds")
    rounds = int(args[i + 1])
    del args[i:i + 2]
model_dir = args[0] if args else os.environ.get(
    "TOLLGATE_MODEL_DIR", os.path.join(ROOT, ".models", "all-MiniLM-L6-v2"))

w, cfg = numpy_bert.load_weights(model_dir, np.float32)
# Pre-transpose nothing: x @ W.T on a C-contiguous W is a BLAS sgemm with transB, like the Swift code.
print(f"model: {model_dir}  numpy {np.__version__}  OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}"
      f"  rounds: {rounds}  GELU: {erf_name}")

ids_pool = [101] + [2000 + (i * 37) % 20000 for i in range(300)]


def per_call(fn, budget=0.25):
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t
        if dt >= budget / 4:
            n = max(1, int(n * budget / dt))
            break
        n *= 2
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        out.append((time.perf_counter() - t) / n)
    return out


print("tokens   numpy ms (median / min)")
for n in (5, 20, 100):
    ids = ids_pool[: n - 1] + [102]
    emb = numpy_bert.forward(w, cfg, ids, erf=erf)
    assert emb.dtype == np.float32, emb.dtype and emb.shape == (384,)
    for _ in range(3):
        numpy_bert.forward(w, cfg, ids, erf=erf)
    ts = per_call(lambda: numpy_bert.forward(w, cfg, ids, erf=erf))
    print(f"{n:6d}  {statistics.median(ts) * 1000:8.3f} / {min(ts) * 1000:8.3f}")
