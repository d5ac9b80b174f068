#!/usr/bin/env python3
"""Cosine top-1 over N x 384 unit vectors with numpy and FAISS, per query, the
same measurement as index-bench (benchmarks/index-bench/main.swift).

  bench_numpy_faiss.py --n 100000 [--queries 200] [--warmup 20] [--seed 42]
                       [--impl numpy,faiss] [--dim 384] [--noise 0.03] [--info]

  numpy: s = M @ q (float32, C-contiguous: one cblas_sgemv) then argmax(s).
  faiss: IndexFlatIP over the same rows, index.search(q[None, :], k=1).

Both run single-threaded: set OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1
before starting Python (run.sh does); this script also calls
threadpoolctl.threadpool_limits(1) and faiss.omp_set_num_threads(1).

Rows are standard normal float32 (numpy's PCG64 seeded with --seed),
normalised; each query is a stored row plus noise, normalised, so its top-1 is
known and the RESULT line counts the hits (correct=). The values differ from
index-bench's (another generator); the timing does not depend on them.

Prints '#' comment lines (BLAS kernels in use) and one RESULT line per impl:
  RESULT impl=numpy n=100000 dim=384 queries=200 median_ms=... p90_ms=... ...
"""

import argparse
import gc
import math
import os
import sys
import time

import numpy as np


def median(sorted_values):
    c = len(sorted_values)
    return sorted_values[c // 2] if c % 2 == 1 else (sorted_values[c // 2 - 1] + sorted_values[c // 2]) / 2


def percentile(sorted_values, p):
    """Nearest-rank percentile (p in 0..100) of a sorted list, as index-bench."""
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100.0 * len(sorted_values)) - 1))
    return sorted_values[k]


def make_rows(n, dim, seed, chunk=65536):
    rng = np.random.default_rng(seed)
    m = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, chunk):
        block = rng.standard_normal((min(chunk, n - start), dim), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        m[start:start + len(block)] = block
    return m


def make_queries(m, count, seed, noise):
    rng = np.random.default_rng(seed ^ 0x5155455259534545)
    rows = rng.integers(0, m.shape[0], size=count)
    q = m[rows] + noise * rng.standard_normal((count, m.shape[1]), dtype=np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return np.ascontiguousarray(q, dtype=np.float32), rows


def result_line(impl, a, times_ms, correct, build_s, extra=""):
    s = sorted(times_ms)
    mean = sum(s) / len(s)
    return (f"RESULT impl={impl} n={a.n} dim={a.dim} queries={a.queries} median_ms={median(s):.4f} "
            f"p90_ms={percentile(s, 90):.4f} mean_ms={mean:.4f} min_ms={s[0]:.4f} max_ms={s[-1]:.4f} "
            f"correct={correct}/{a.queries} build_s={build_s:.2f} seed={a.seed}{extra}")


def time_queries(search, queries, expected, warmup):
    for i in range(warmup):
        search(queries[i])
    times, correct = [], 0
    perf = time.perf_counter_ns
    for i in range(warmup, len(queries)):
        q = queries[i]
        t0 = perf()
        best = search(q)
        t1 = perf()
        times.append((t1 - t0) / 1e6)
        correct += int(best == expected[i])
    return times, correct


def blas_info():
    """The BLAS/OpenMP libraries loaded in this process, as threadpoolctl sees them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["threadpoolctl not installed"]
    out = []
    for lib in threadpool_info():
        name = os.path.basename(lib.get("filepath", "?"))
        out.append(f"{lib.get('internal_api')} {name} version={lib.get('version')} "
                   f"architecture={lib.get('architecture', '-')} threads={lib.get('num_threads')} "
                   f"threading={lib.get('threading_layer', '-')}")
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--noise", type=float, default=0.03)
    p.add_argument("--impl", default="numpy,faiss", help="comma-separated: numpy, faiss")
    p.add_argument("--info", action="store_true", help="print the BLAS kernels in use (threadpoolctl) and exit")
    a = p.parse_args()
    impls = [x.strip() for x in a.impl.split(",") if x.strip()]
    for impl in impls:
        if impl not in ("numpy", "faiss"):
            raise SystemExit(f"unknown impl {impl!r}")

    faiss = None
    if "faiss" in impls or a.info:
        import faiss  # noqa: F811  (imported here so that numpy-only runs do not load FAISS's libraries)
        faiss.omp_set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass

    env = " ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in
                   ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"))
    try:  # numpy advises huge pages (madvise MADV_HUGEPAGE) for its large arrays unless told not to
        from numpy._core.multiarray import _get_madvise_hugepage
        hugepage = f"numpy madvise hugepage {_get_madvise_hugepage()}; "
    except ImportError:
        hugepage = ""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            hugepage += f"THP {f.read().strip()}; "
    except OSError:
        pass
    print(f"# numpy {np.__version__}" + (f", faiss {faiss.__version__}" if faiss else "") + f"; {hugepage}{env}")
    if faiss is not None:
        opts = faiss.get_compile_options() if hasattr(faiss, "get_compile_options") else "?"
        print(f"# faiss compile options: {opts.strip()}; omp threads {faiss.omp_get_max_threads()}")
    for line in blas_info():
        print(f"# loaded: {line}")
    if a.info:
        return 0

    t0 = time.perf_counter()
    m = make_rows(a.n, a.dim, a.seed)
    build_s = time.perf_counter() - t0
    allq, rows = make_queries(m, a.warmup + a.queries, a.seed, a.noise)
    print(f"# n={a.n} dim={a.dim} queries={a.queries} warmup={a.warmup} seed={a.seed} rows built in {build_s:.2f} s")
    sys.stdout.flush()

    for impl in impls:
        if impl == "numpy":
            assert m.flags["C_CONTIGUOUS"] and m.dtype == np.float32

            def search(q, m=m):
                return int(np.argmax(m @ q))

            times, correct = time_queries(search, allq, rows, a.warmup)
            print(result_line("numpy", a, times, correct, build_s))
        else:
            t1 = time.perf_counter()
            index = faiss.IndexFlatIP(a.dim)
            index.add(m)
            add_s = time.perf_counter() - t1
            qs = allq.reshape(len(allq), 1, a.dim)  # one (1, dim) array per query, made before timing

            def search(q, index=index):
                _, ids = index.search(q, 1)
                return int(ids[0, 0])

            times, correct = time_queries(search, qs, rows, a.warmup)
            print(result_line("faiss", a, times, correct, build_s + add_s))
            del index
            gc.collect()
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
