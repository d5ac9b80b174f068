#!/usr/bin/env bash
# Tollgate index benchmark: cosine top-1 over N × 384 unit vectors, ms per query, single-threaded on
# one core: Tollgate's VectorMatrix (index-bench, cblas_sgemv + argmax) against numpy (M @ q +
# argmax) and FAISS IndexFlatIP (search k=1), for N = 10k, 100k and 1M in one run, in interleaved
# rounds. Target: at 100k, tollgate ≤ 1.1 × numpy.
#
#   bash benchmarks/index/run.sh
#
# Markdown goes to stdout and to benchmarks/out/index-<date>.md; progress goes to stderr.
# Knobs (environment):
#   NS="10000 100000 1000000"   the sizes
#   ROUNDS=3                     rounds; each runs every size and every impl (order rotates)
#   QUERIES=200 WARMUP=20 SEED=42
#   CPU=1                        taskset core for every run
#   INDEX_BENCH_BIN=path         use this binary, skip `swift build -c release --product index-bench`
#   VENV=path                    the Python venv (default benchmarks/index/.venv, made if missing)
#
# Single-threaded: OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1 for every run (bench_numpy_faiss.py
# also calls faiss.omp_set_num_threads(1) and threadpoolctl's threadpool_limits(1)). The numpy and
# FAISS runs get `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` (their bundled OpenBLAS picks its own
# kernel); index-bench runs in the environment as it is, like the gateway would.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

NS=${NS:-"10000 100000 1000000"}
ROUNDS=${ROUNDS:-3}
QUERIES=${QUERIES:-200}
WARMUP=${WARMUP:-20}
SEED=${SEED:-42}
CPU=${CPU:-1}
VENV=${VENV:-$HERE/.venv}

log() { printf '[index] %s\n' "$*" >&2; }
die() { printf '[index] error: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 is needed"
command -v taskset >/dev/null || die "taskset is needed (apt-get install util-linux)"
[ "$CPU" -lt "$(nproc --all)" ] || die "CPU=$CPU: this machine has $(nproc --all) cores"

# ------------------------------------------------------------------ build and venv
if [ -n "${INDEX_BENCH_BIN:-}" ]; then
    [ -x "$INDEX_BENCH_BIN" ] || die "INDEX_BENCH_BIN=$INDEX_BENCH_BIN is not executable"
else
    log "building index-bench (release)"
    (cd "$ROOT" && swift build -c release --product index-bench >&2)
    INDEX_BENCH_BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)/index-bench"
fi
PY="$VENV/bin/python"
if ! "$PY" -c "import numpy, faiss, threadpoolctl" 2>/dev/null; then
    log "making the venv $VENV (numpy, faiss-cpu, threadpoolctl)"
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install -q --disable-pip-version-check numpy faiss-cpu threadpoolctl >&2
fi

# Every run: one core, one thread.
ONE_THREAD=(env OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 taskset -c "$CPU")
# numpy and FAISS: without the machine's OpenBLAS overrides, so their OpenBLAS picks its own kernel.
PY_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 taskset -c "$CPU")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-index.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results"; : >"$RESULTS"

UPTIME_START=$(uptime)
busy=$(ps -eo stat=,comm= | awk '$1 ~ /^R/ && $2 != "ps" && $2 != "awk"' | wc -l)
[ "$busy" -le 1 ] || log "warning: $busy processes are running on the CPU right now ($UPTIME_START): numbers will be noisy"

# What each side's BLAS is (kernel chosen by OpenBLAS, threads).
"${PY_ENV[@]}" "$PY" "$HERE/bench_numpy_faiss.py" --n 1 --info >"$WORK/py-info" 2>&1 || { cat "$WORK/py-info" >&2; die "bench_numpy_faiss.py --info failed"; }
"${ONE_THREAD[@]}" "$INDEX_BENCH_BIN" --n 16 --queries 1 --warmup 0 >"$WORK/tg-info" 2>&1 || { cat "$WORK/tg-info" >&2; die "index-bench failed"; }

run_one() { # run_one IMPL N ROUND
    local impl=$1 n=$2 r=$3 out="$WORK/run-$1-$2-$3.log"
    # stdout (comments and the RESULT line) to the log; stderr (errors, index-bench's build
    # progress) straight to ours.
    case $impl in
        tollgate) "${ONE_THREAD[@]}" "$INDEX_BENCH_BIN" --n "$n" --queries "$QUERIES" --warmup "$WARMUP" --seed "$SEED" >"$out" ;;
        numpy|faiss) "${PY_ENV[@]}" "$PY" "$HERE/bench_numpy_faiss.py" --impl "$impl" --n "$n" --queries "$QUERIES" \
                         --warmup "$WARMUP" --seed "$SEED" >"$out" ;;
    esac || { cat "$out" >&2; die "$impl n=$n failed"; }
    local line
    line=$(grep "^RESULT impl=$impl " "$out") || { cat "$out" >&2; die "no RESULT line from $impl n=$n"; }
    echo "round=$r $line" >>"$RESULTS"
    log "  $(echo "$line" | grep -oE '(impl|n|median_ms|p90_ms|correct)=[^ ]+' | tr '\n' ' ')"
}

IMPLS=(tollgate numpy faiss)
for r in $(seq "$ROUNDS"); do
    for n in $NS; do
        for i in "${!IMPLS[@]}"; do
            impl=${IMPLS[$(( (i + r - 1) % ${#IMPLS[@]} ))]}  # rotate the order every round
            log "round $r/$ROUNDS n=$n $impl"
            run_one "$impl" "$n" "$r"
        done
    done
done

# ------------------------------------------------------------------ report
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)
[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n1)" ] && commit="$commit (+ uncommitted changes)"
{
    echo "date=$(date -u +'%Y-%m-%d %H:%M:%S UTC')"
    echo "commit=$commit"
    echo "machine=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc --all) cores, $(uname -sr)"
    echo "setup=$QUERIES timed queries after $WARMUP warm-up queries per run, dim 384, seed $SEED; $ROUNDS rounds, each runs every N and every impl (order rotates); every run a fresh process on core $CPU (taskset), OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1"
    echo "index-bench=$INDEX_BENCH_BIN (built $(date -u -r "$INDEX_BENCH_BIN" +'%Y-%m-%d %H:%M UTC'))"
    echo "tollgate BLAS=$(grep '^# BLAS' "$WORK/tg-info" | sed 's/^# BLAS: //')"
    grep '^# numpy' "$WORK/py-info" | sed 's/^# /python=/'
    grep '^# faiss' "$WORK/py-info" | sed 's/^# /faiss=/'
    grep '^# loaded' "$WORK/py-info" | sed 's/^# loaded: /python loaded=/'
    echo "load=\`$UPTIME_START\` at the start; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
} >"$WORK/meta"

mkdir -p "$ROOT/benchmarks/out"
OUT="$ROOT/benchmarks/out/index-$(date -u +%Y-%m-%d-%H%M%S).md"
python3 - "$RESULTS" "$WORK/meta" <<'PY' | tee "$OUT"
import statistics, sys

runs = []
for line in open(sys.argv[1]):
    kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
    runs.append(kv)
meta = [l.rstrip("\n").split("=", 1) for l in open(sys.argv[2]) if "=" in l]

def fmt(ms):
    return f"{ms:.3f}" if ms < 10 else f"{ms:.2f}"

out = [f"# Tollgate index benchmark — {dict(meta).get('date', '')}", ""]
out += [f"- {k}: {v}" for k, v in meta if k != "date"]
out += ["", "Cosine top-1 over N × 384 float32 unit vectors, one query at a time: tollgate = "
        "`VectorMatrix.top(q, k: 1)` (cblas_sgemv + argmax), numpy = `int(np.argmax(M @ q))`, "
        "faiss = `IndexFlatIP.search(q, 1)`. Medians over the rounds of each run's median (and p90) per query.", ""]
impls = ["tollgate", "numpy", "faiss"]
ns = sorted({int(r["n"]) for r in runs})
med = {}
for n in ns:
    for impl in impls:
        rs = [r for r in runs if int(r["n"]) == n and r["impl"] == impl]
        if rs:
            med[(n, impl)] = {
                "median": statistics.median(float(r["median_ms"]) for r in rs),
                "p90": statistics.median(float(r["p90_ms"]) for r in rs),
                "rounds": len(rs),
                "correct": ", ".join(sorted({r["correct"] for r in rs})),
            }
out.append("| N | tollgate median ms | numpy median ms | faiss median ms | tollgate/numpy | tollgate/faiss | "
           "p90 ms (tollgate / numpy / faiss) | correct (t / n / f) | rounds |")
out.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
for n in ns:
    m = {impl: med.get((n, impl)) for impl in impls}
    def cell(impl, key="median"):
        return fmt(m[impl][key]) if m[impl] else "n/a"
    def ratio(other):
        return f"×{m['tollgate']['median'] / m[other]['median']:.2f}" if m["tollgate"] and m[other] else "n/a"
    out.append(f"| {n:,} | {cell('tollgate')} | {cell('numpy')} | {cell('faiss')} | {ratio('numpy')} | {ratio('faiss')} | "
               f"{cell('tollgate', 'p90')} / {cell('numpy', 'p90')} / {cell('faiss', 'p90')} | "
               f"{' / '.join(m[i]['correct'] if m[i] else 'n/a' for i in impls)} | "
               f"{min(m[i]['rounds'] for i in impls if m[i])} |")
out.append("")
if (100000, "tollgate") in med and (100000, "numpy") in med:
    r = med[(100000, "tollgate")]["median"] / med[(100000, "numpy")]["median"]
    out.append(f"Target at N = 100,000: tollgate ≤ 1.1 × numpy — **{'met' if r <= 1.1 else 'NOT met'}** (×{r:.2f}).")
    out.append("")
out += ["Every run (ms per query):", "",
        "| round | N | impl | median | p90 | mean | min | max | correct | build s |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |"]
for r in runs:
    out.append(f"| {r['round']} | {int(r['n']):,} | {r['impl']} | {fmt(float(r['median_ms']))} | {fmt(float(r['p90_ms']))} | "
               f"{fmt(float(r['mean_ms']))} | {fmt(float(r['min_ms']))} | {fmt(float(r['max_ms']))} | {r['correct']} | {r['build_s']} |")
print("\n".join(out))
PY
log "written $OUT"
