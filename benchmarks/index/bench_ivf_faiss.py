#!/usr/bin/env python3
"""FAISS IVF-Flat and HNSW on the same vectors as `index-bench scale` (issue 16).

  bench_ivf_faiss.py --data benchmarks/out/index-data --n 100000 --nlist 632
                     [--nprobes 1,2,4,8,16,32] [--efs 16,32,64,128] [--hnsw-m 32]
                     [--queries 1000] [--warmup 50] [--impl ivf,hnsw]

Reads base-N.f32 (N x 384), queries.f32 and gt-N.i32 (the exact top-1 that
index-bench computed), searches one query at a time with one thread
(faiss.omp_set_num_threads(1); run with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1)
and prints one RESULT line per setting:

  RESULT impl=faiss-ivf n=... nlist=... nprobe=... p50_ms=... p99_ms=... recall1=... build_s=...
  RESULT impl=faiss-hnsw n=... m=32 ef=... p50_ms=... p99_ms=... recall1=... build_s=...

IVF-Flat trains on a random sample of 24 rows per list (as Tollgate's index) with
8 k-means iterations, inner product metric. HNSW: IndexHNSWFlat, inner product,
efConstruction 40, built with one thread too.
"""
import argparse
import math
import sys
import time

import numpy as np


def pct(sorted_values, p):
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100.0 * len(sorted_values)) - 1))
    return sorted_values[k]


def median(s):
    c = len(s)
    return s[c // 2] if c % 2 == 1 else (s[c // 2 - 1] + s[c // 2]) / 2


def timed(search, queries, gt, warmup):
    for i in range(min(warmup, len(queries))):
        search(queries[i])
    times, hits = [], 0
    perf = time.perf_counter_ns
    for i in range(len(queries)):
        q = queries[i]
        t0 = perf()
        best = search(q)
        t1 = perf()
        times.append((t1 - t0) / 1e6)
        hits += int(best == gt[i])
    s = sorted(times)
    return median(s), pct(s, 99), sum(s) / len(s), hits / len(queries)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--nlist", type=int, required=True)
    p.add_argument("--nprobes", default="1,2,4,8,12,16,24,32,48,64")
    p.add_argument("--efs", default="16,24,32,48,64,96,128,192,256")
    p.add_argument("--hnsw-m", type=int, default=32)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--impl", default="ivf,hnsw")
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    import faiss
    faiss.omp_set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass
    d = 384
    base = np.fromfile(f"{a.data}/base-{a.n}.f32", dtype=np.float32).reshape(-1, d)
    assert base.shape[0] == a.n, base.shape
    queries = np.fromfile(f"{a.data}/queries.f32", dtype=np.float32).reshape(-1, d)
    gt = np.fromfile(f"{a.data}/gt-{a.n}.i32", dtype=np.int32)
    queries = queries[: min(a.queries, len(gt))]
    gt = gt[: len(queries)]
    qs = queries.reshape(len(queries), 1, d)
    raw = a.n * d * 4
    print(f"# faiss {faiss.__version__}, n={a.n} queries={len(queries)} omp threads {faiss.omp_get_max_threads()}")
    sys.stdout.flush()
    impls = a.impl.split(",")
    if "ivf" in impls:
        t0 = time.perf_counter()
        quantizer = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFFlat(quantizer, d, a.nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.niter = 8
        index.cp.spherical = True
        rng = np.random.default_rng(a.seed)
        sample = base[np.sort(rng.choice(a.n, size=min(a.n, 24 * a.nlist), replace=False))]
        index.cp.max_points_per_centroid = 1 << 30
        index.train(sample)
        index.add(base)
        build = time.perf_counter() - t0
        mem = raw + a.n * 8 + a.nlist * d * 4  # vectors + int64 ids + centroids
        for nprobe in [int(x) for x in a.nprobes.split(",") if x and int(x) <= a.nlist]:
            index.nprobe = nprobe

            def search(q, index=index):
                return int(index.search(q, 1)[1][0, 0])

            p50, p99, mean, rec = timed(search, qs, gt, a.warmup)
            print(f"RESULT impl=faiss-ivf n={a.n} nlist={a.nlist} nprobe={nprobe} p50_ms={p50:.4f} p99_ms={p99:.4f} "
                  f"mean_ms={mean:.4f} recall1={rec:.4f} mem_ratio={mem / raw:.3f} build_s={build:.1f}")
            sys.stdout.flush()
        del index, quantizer
    if "hnsw" in impls:
        t0 = time.perf_counter()
        index = faiss.IndexHNSWFlat(d, a.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 40
        index.add(base)
        build = time.perf_counter() - t0
        mem = raw + a.n * a.hnsw_m * 2 * 4 * 1.05  # vectors + level-0 links (2M int32) + upper levels (~5 %)
        for ef in [int(x) for x in a.efs.split(",") if x]:
            index.hnsw.efSearch = ef

            def search(q, index=index):
                return int(index.search(q, 1)[1][0, 0])

            p50, p99, mean, rec = timed(search, qs, gt, a.warmup)
            print(f"RESULT impl=faiss-hnsw n={a.n} m={a.hnsw_m} ef={ef} p50_ms={p50:.4f} p99_ms={p99:.4f} "
                  f"mean_ms={mean:.4f} recall1={rec:.4f} mem_ratio={mem / raw:.3f} build_s={build:.1f}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
