#!/usr/bin/env bash
# Approximate index at scale (issue 16): Tollgate's IVF index (index-bench scale) against its own
# flat scan and FAISS IVF-Flat and HNSW (bench_ivf_faiss.py) on the same MiniLM-like vectors, for
# N = 10k, 100k and 1M, one query at a time, one thread, one core. Ratios at equal recall@1.
#
#   bash benchmarks/index/run_scale.sh
#
# Steps: embeds QQP questions with the real all-MiniLM-L6-v2 once (index-bench embed, ~4 min,
# into benchmarks/out/index-data/, git-ignored); then per N: index-bench scale writes the base and
# its exact top-1 ground truth and measures Tollgate; bench_ivf_faiss.py measures FAISS with the
# same number of lists. Report: stdout and benchmarks/out/index-scale-<date>.md.
# Knobs: NS="10000 100000 1000000" QUERIES=1000 CPU=1 TEXTS=24000 IMPLS=ivf,hnsw HNSW_MAX_N=1000000
#        NPROBES=... (Tollgate sweep) FAISS_NPROBES=... EFS=... INDEX_BENCH_BIN=... VENV=...
#        MODEL_DIR=.models/all-MiniLM-L6-v2 PAIRS=/work/shared/datasets/qqp_pairs.json
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NS=${NS:-"10000 100000 1000000"}
QUERIES=${QUERIES:-1000}
CPU=${CPU:-1}
TEXTS=${TEXTS:-24000}
IMPLS=${IMPLS:-ivf,hnsw}
HNSW_MAX_N=${HNSW_MAX_N:-1000000}
NPROBES=${NPROBES:-2,4,6,8,12,16,24,32,48}
FAISS_NPROBES=${FAISS_NPROBES:-1,2,4,6,8,12,16,24,32,48,64}
EFS=${EFS:-8,16,24,32,48,64,96,128,192,256}
VENV=${VENV:-$HERE/.venv}
MODEL_DIR=${MODEL_DIR:-$ROOT/.models/all-MiniLM-L6-v2}
PAIRS=${PAIRS:-/work/shared/datasets/qqp_pairs.json}
DATA=$ROOT/benchmarks/out/index-data
log() { printf '[index-scale] %s\n' "$*" >&2; }

if [ -z "${INDEX_BENCH_BIN:-}" ]; then
    (cd "$ROOT" && swift build -c release --product index-bench >&2)
    INDEX_BENCH_BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)/index-bench"
fi
PY="$VENV/bin/python"
if ! "$PY" -c "import numpy, faiss, threadpoolctl" 2>/dev/null; then
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install -q --disable-pip-version-check numpy faiss-cpu threadpoolctl >&2
fi
ONE=(env OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 taskset -c "$CPU")
PYONE=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 taskset -c "$CPU")
mkdir -p "$DATA"
if [ ! -s "$DATA/real.f32" ]; then
    log "embedding $TEXTS QQP questions with $MODEL_DIR"
    "${ONE[@]}" "$INDEX_BENCH_BIN" embed --pairs "$PAIRS" --model "$MODEL_DIR" --out "$DATA" --texts "$TEXTS" --queries "$QUERIES" >&2
fi
OUT_RAW=$(mktemp)
START="$(date -u +'%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $NS; do
    log "n=$n tollgate"
    "${ONE[@]}" "$INDEX_BENCH_BIN" scale --data "$DATA" --n "$n" --queries "$QUERIES" --nprobes "$NPROBES" ${SCALE_ARGS:-} | tee -a "$OUT_RAW" >&2
    nlist=$(grep "^RESULT impl=tollgate-ivf n=$n " "$OUT_RAW" | head -1 | grep -oE 'nlist=[0-9]+' | cut -d= -f2)
    [ "${nlist:-0}" -gt 0 ] || nlist=$(python3 -c "print(max(8, round(2 * $n ** 0.5)))")
    impls=$IMPLS
    [ "$n" -le "$HNSW_MAX_N" ] || impls=${impls//hnsw/}
    log "n=$n faiss ($impls, nlist $nlist)"
    "${PYONE[@]}" "$PY" "$HERE/bench_ivf_faiss.py" --data "$DATA" --n "$n" --nlist "$nlist" --queries "$QUERIES" \
        --nprobes "$FAISS_NPROBES" --efs "$EFS" --impl "$impls" | tee -a "$OUT_RAW" >&2
    rm -f "$DATA/base-$n.f32"
done
mkdir -p "$ROOT/benchmarks/out"
OUT="$ROOT/benchmarks/out/index-scale-$(date -u +%Y-%m-%d-%H%M%S).md"
python3 "$HERE/scale_report.py" "$OUT_RAW" "$START" "$(git -C "$ROOT" rev-parse --short HEAD)" | tee "$OUT"
cp "$OUT_RAW" "${OUT%.md}.raw"
log "written $OUT"
