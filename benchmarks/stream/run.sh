#!/usr/bin/env bash
# Tollgate streaming benchmark: time to first byte (the first SSE event) and total time of a
# streamed chat completion, straight to the mock upstream vs through `tollgate serve` with
# `x-tollgate-cache: off` (every call goes upstream). Target: ≤ 1 ms added to TTFB at p99.
#
#   bash benchmarks/stream/run.sh
#
# Markdown goes to stdout and to benchmarks/out/stream-<date>.md; progress goes to stderr.
# Knobs (environment):
#   N=1000 WARMUP=100            measured requests per side / warm-up pairs
#   CHUNK_DELAY_MS=1             mock-provider --chunk-delay-ms (between SSE events)
#   SERVER_CPU=0                 taskset core of tollgate serve
#   MOCK_CPU=0                   taskset core of the mock (same core as the gateway by default)
#   CLIENT_CPU=1                 taskset core of the Python client
#   NIO_LOOPS=1                  NIO_SINGLETON_GROUP_LOOP_COUNT for both Swift servers
#   TARGET_US=1000               the TTFB p99 budget
#   TOLLGATE_BIN=path            use this binary (default .build/release/tollgate, built if missing)
#   KEEP_WORK=1                  keep the temp dir (config, logs, JSON) afterwards
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

N=${N:-1000}
WARMUP=${WARMUP:-100}
CHUNK_DELAY_MS=${CHUNK_DELAY_MS:-1}
SERVER_CPU=${SERVER_CPU:-0}
MOCK_CPU=${MOCK_CPU:-$SERVER_CPU}
CLIENT_CPU=${CLIENT_CPU:-1}
NIO_LOOPS=${NIO_LOOPS:-1}
TARGET_US=${TARGET_US:-1000}
PY="$HERE/ttfb.py"

log() { printf '[stream] %s\n' "$*" >&2; }
die() { printf '[stream] error: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 is needed"
command -v taskset >/dev/null || die "taskset is needed (apt-get install util-linux)"
ncpu=$(nproc --all)
if [ "$ncpu" -lt 2 ]; then
    log "only $ncpu core: everything on core 0"
    SERVER_CPU=0 MOCK_CPU=0 CLIENT_CPU=0
fi

# ------------------------------------------------------------------ build
# A binary too old for this benchmark: its mock-provider has no --chunk-delay-ms.
knows_chunk_delay() { "$1" mock-provider --help 2>&1 | grep -q -- '--chunk-delay-ms'; }
build_tollgate() {
    log "building tollgate (release)"
    (cd "$ROOT" && swift build -c release --product tollgate >&2)
    TOLLGATE_BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)/tollgate"
}
if [ -n "${TOLLGATE_BIN:-}" ]; then
    [ -x "$TOLLGATE_BIN" ] || die "TOLLGATE_BIN=$TOLLGATE_BIN is not executable"
    knows_chunk_delay "$TOLLGATE_BIN" || die "TOLLGATE_BIN=$TOLLGATE_BIN: its mock-provider has no --chunk-delay-ms (too old)"
elif [ -x "$ROOT/.build/release/tollgate" ]; then
    TOLLGATE_BIN="$ROOT/.build/release/tollgate"
    knows_chunk_delay "$TOLLGATE_BIN" || { log "$TOLLGATE_BIN predates --chunk-delay-ms"; build_tollgate; }
else
    build_tollgate
fi
log "tollgate: $TOLLGATE_BIN (built $(date -u -r "$TOLLGATE_BIN" +'%Y-%m-%d %H:%M UTC'))"

# ------------------------------------------------------------------ processes
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
UPTIME_START=$(uptime)
busy=$(ps -eo stat=,comm= | awk '$1 ~ /^R/ && $2 != "ps" && $2 != "awk"' | wc -l)
if [ "$busy" -gt 1 ]; then
    log "warning: $busy processes are running on the CPU right now (load $LOAD_START): numbers will be noisy"
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-stream.XXXXXX")
PIDS=()
cleanup() {
    local rc=$?
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "${KEEP_WORK:-0}" = 1 ] || [ "$rc" != 0 ]; then
        log "logs and config kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# announced_port NAME PID PATTERN: waits (30 s at most) for the process to print
# "PATTERN http://127.0.0.1:PORT" in $WORK/NAME.log and prints PORT.
announced_port() {
    local name=$1 pid=$2 pattern=$3 port
    for _ in $(seq 300); do
        port=$(grep -o "$pattern http://127.0.0.1:[0-9]*" "$WORK/$name.log" 2>/dev/null | head -n1 | sed 's/.*://' || true)
        if [ -n "$port" ]; then echo "$port"; return 0; fi
        kill -0 "$pid" 2>/dev/null || { tail -n 30 "$WORK/$name.log" >&2 || true; die "$name exited during start-up"; }
        sleep 0.1
    done
    tail -n 30 "$WORK/$name.log" >&2 || true
    die "$name did not print '$pattern http://127.0.0.1:PORT' within 30 s"
}

log "mock-provider --chunk-delay-ms $CHUNK_DELAY_MS on core $MOCK_CPU"
NIO_SINGLETON_GROUP_LOOP_COUNT=$NIO_LOOPS taskset -c "$MOCK_CPU" "$TOLLGATE_BIN" mock-provider --port 0 --chunk-delay-ms "$CHUNK_DELAY_MS" \
    >"$WORK/mock.log" 2>&1 &
MOCK_PID=$!; PIDS+=("$MOCK_PID")
MOCK_PORT=$(announced_port mock "$MOCK_PID" 'mock-provider (openai) listening on')
log "mock on $MOCK_PORT"

mkdir -p "$WORK/data"
cat >"$WORK/tollgate.yaml" <<YAML
listen: { host: 127.0.0.1, port: 0 }
data_dir: $WORK/data
cache: { semantic: { enabled: false } }
providers:
  - name: mock
    kind: openai
    base_url: http://127.0.0.1:$MOCK_PORT/v1
    models:
      - { name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.60, capabilities: [stream] }
YAML
log "tollgate serve on core $SERVER_CPU"
NIO_SINGLETON_GROUP_LOOP_COUNT=$NIO_LOOPS taskset -c "$SERVER_CPU" "$TOLLGATE_BIN" serve --config "$WORK/tollgate.yaml" \
    >"$WORK/tollgate.log" 2>&1 &
TG_PID=$!; PIDS+=("$TG_PID")
TG_PORT=$(announced_port tollgate "$TG_PID" 'tollgate listening on')
log "tollgate on $TG_PORT"

# ------------------------------------------------------------------ measure
log "$N streamed requests each way after $WARMUP warm-up pairs (client on core $CLIENT_CPU)"
taskset -c "$CLIENT_CPU" python3 "$PY" run --direct-port "$MOCK_PORT" --gateway-port "$TG_PORT" \
    --n "$N" --warmup "$WARMUP" --gateway-header 'x-tollgate-cache: off' --target-us "$TARGET_US" \
    --json "$WORK/ttfb.json" >"$WORK/ttfb.md" \
    || { cat "$WORK/ttfb.md" >&2; die "the measurement failed"; }
mock_stats=$(python3 -c "
import json, sys, urllib.request
print(urllib.request.urlopen('http://127.0.0.1:$MOCK_PORT/_mock/stats', timeout=5).read().decode())" 2>/dev/null || echo "(no stats)")

# ------------------------------------------------------------------ report
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)
[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n1)" ] && commit="$commit (+ uncommitted changes)"
mkdir -p "$ROOT/benchmarks/out"
OUT="$ROOT/benchmarks/out/stream-$(date -u +%Y-%m-%d-%H%M%S).md"
{
    echo "# Tollgate streaming TTFB — $(date -u +'%Y-%m-%d %H:%M:%S UTC')"
    echo
    echo "- commit: $commit"
    echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $ncpu cores, $(uname -sr); $(python3 --version 2>&1)"
    echo "- mock: \`tollgate mock-provider --port 0 --chunk-delay-ms $CHUNK_DELAY_MS\` on core $MOCK_CPU; gateway: \`tollgate serve\` (exact cache on, semantic off; requests carry \`x-tollgate-cache: off\`) on core $SERVER_CPU; NIO_SINGLETON_GROUP_LOOP_COUNT=$NIO_LOOPS; Python client (http.client, keep-alive, TCP_NODELAY) on core $CLIENT_CPU"
    echo "- mock /_mock/stats after the run: $mock_stats (expect $(( 2 * (N + WARMUP) )) requests)"
    echo "- load: \`$UPTIME_START\` at the start; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end (other CPU load skews p99)"
    echo
    cat "$WORK/ttfb.md"
} | tee "$OUT"
log "written $OUT"
