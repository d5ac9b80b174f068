#!/usr/bin/env bash
# Tollgate HTTP benchmark (issue 2): exact-hit throughput/latency of Tollgate,
# nginx proxy_cache, a bare Hummingbird route and Tollgate with its event-loop fast path off
# (TOLLGATE_FAST_PATH=off: hits through the router), side by side in one run with
# wrk on loopback; then the miss-path overhead of Tollgate over calling the
# mock upstream directly.
#
#   bash benchmarks/http/run.sh
#
# Markdown goes to stdout and to benchmarks/out/http-<date>.md; progress goes
# to stderr. Knobs (environment):
#   ROUNDS=3 DURATION=10s CONNS=16 THREADS=1 WARM_DURATION=2s
#   MISS_N=2000 MISS_WARMUP=200
#   SERVER_CPU=0 CLIENT_CPU=1          taskset cores for servers / load generators
#   NIO_LOOPS=1                        NIO_SINGLETON_GROUP_LOOP_COUNT for the Swift servers
#   TOLLGATE_BIN=path                  use this binary, skip building Tollgate
#   BARE_ROUTE_BIN=path                use this binary, skip building bare-route
#   KEEP_WORK=1                        keep the temp dir (configs, logs) afterwards
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARM_DURATION=${WARM_DURATION:-2s}
CONNS=${CONNS:-16}
THREADS=${THREADS:-1}
MISS_N=${MISS_N:-2000}
MISS_WARMUP=${MISS_WARMUP:-200}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
NIO_LOOPS=${NIO_LOOPS:-1}

CHAT_BODY_FILE="$HERE/chat.json"
export CHAT_BODY_FILE
PY="$HERE/httpbench.py"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------ tools
need=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
command -v taskset >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing: ${need[*]} (apt-get install -y ${need[*]})"
    log "installing ${need[*]}"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v python3 >/dev/null || die "python3 is needed"

ncpu=$(nproc --all)
if [ "$ncpu" -lt 2 ]; then
    log "only $ncpu core: servers and load generator share core 0"
    SERVER_CPU=0 CLIENT_CPU=0
fi
SERVER_PIN=(taskset -c "$SERVER_CPU")  # used as a plain command prefix, so $! is the server itself
CLIENT_PIN=(taskset -c "$CLIENT_CPU")

# ------------------------------------------------------------------ build
if [ -n "${TOLLGATE_BIN:-}" ]; then
    [ -x "$TOLLGATE_BIN" ] || die "TOLLGATE_BIN=$TOLLGATE_BIN is not executable"
else
    log "building tollgate (release)"
    (cd "$ROOT" && swift build -c release --product tollgate >&2)
    TOLLGATE_BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)/tollgate"
fi
if [ -n "${BARE_ROUTE_BIN:-}" ]; then
    [ -x "$BARE_ROUTE_BIN" ] || die "BARE_ROUTE_BIN=$BARE_ROUTE_BIN is not executable"
else
    log "building bare-route (release)"
    swift build -c release --package-path "$HERE/bare-route" >&2
    BARE_ROUTE_BIN="$(swift build -c release --package-path "$HERE/bare-route" --show-bin-path)/bare-route"
fi

# ------------------------------------------------------------------ processes
# Anything else using the CPU (a build, say) skews every number: note it.
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
busy=$(ps -eo stat=,comm= | awk '$1 ~ /^R/ && $2 != "ps" && $2 != "awk"' | wc -l)
if [ "$busy" -gt 1 ]; then
    log "warning: $busy processes are running on the CPU right now (load $LOAD_START): numbers will be noisy"
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-bench.XXXXXX")
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
        log "logs and configs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 "$PY" free-port; }

# wait_port NAME PID PORT: until PORT accepts a connection (30 s at most).
wait_port() {
    local name=$1 pid=$2 port=$3
    for _ in $(seq 300); do
        kill -0 "$pid" 2>/dev/null || { tail -n 30 "$WORK/$name.log" >&2 || true; die "$name exited during start-up"; }
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    tail -n 30 "$WORK/$name.log" >&2 || true
    die "$name did not listen on $port within 30 s"
}

# post URL OUTPREFIX [curl args...]: one POST of the chat body; prints "CODE BYTES".
post() {
    local url=$1 out=$2; shift 2
    curl -sS --noproxy '*' -o "$out.body" -D "$out.headers" -w '%{http_code} %{size_download}\n' \
        -H 'Content-Type: application/json' --data-binary "@$CHAT_BODY_FILE" "$@" "$url"
}
header_value() { # header_value FILE NAME
    grep -i "^$2:" "$1" | tail -n1 | cut -d: -f2- | tr -d ' \r' || true
}

MOCK_PORT=$(free_port)
log "mock-provider on $MOCK_PORT"
"${SERVER_PIN[@]}" "$TOLLGATE_BIN" mock-provider --port "$MOCK_PORT" --latency-ms 0 >"$WORK/mock.log" 2>&1 &
MOCK_PID=$!; PIDS+=("$MOCK_PID")
wait_port mock "$MOCK_PID" "$MOCK_PORT"

TG_PORT=$(free_port)
mkdir -p "$WORK/tollgate-data"
cat >"$WORK/tollgate.yaml" <<YAML
listen: { host: 127.0.0.1, port: $TG_PORT }
data_dir: $WORK/tollgate-data
cache: { ttl_seconds: 86400 }
providers:
  - name: mock
    kind: openai
    base_url: http://127.0.0.1:$MOCK_PORT/v1
    models:
      - { name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.60, context_window: 128000, capabilities: [stream, tools, json, vision] }
YAML
log "tollgate serve on $TG_PORT"
NIO_SINGLETON_GROUP_LOOP_COUNT=$NIO_LOOPS "${SERVER_PIN[@]}" "$TOLLGATE_BIN" serve --config "$WORK/tollgate.yaml" \
    >"$WORK/tollgate.log" 2>&1 &
TG_PID=$!; PIDS+=("$TG_PID")
for _ in $(seq 300); do
    grep -q 'tollgate listening on http://127.0.0.1:' "$WORK/tollgate.log" 2>/dev/null && break
    kill -0 "$TG_PID" 2>/dev/null || { tail -n 30 "$WORK/tollgate.log" >&2; die "tollgate serve exited during start-up"; }
    sleep 0.1
done
announced=$(grep -o 'tollgate listening on http://127.0.0.1:[0-9]*' "$WORK/tollgate.log" | head -n1 | sed 's/.*://' || true)
[ -n "$announced" ] || die "tollgate serve never printed 'tollgate listening on http://127.0.0.1:PORT'"
[ "$announced" = "$TG_PORT" ] || { log "tollgate announced port $announced (config said $TG_PORT)"; TG_PORT=$announced; }
wait_port tollgate "$TG_PID" "$TG_PORT"

# The same gateway with the event-loop fast path off (TOLLGATE_FAST_PATH=off): exact hits go
# through the router, as before 2026-12-04. Its own data dir, warmed like the first.
RT_PORT=$(free_port)
mkdir -p "$WORK/routed-data"
sed -e "s|port: $TG_PORT|port: $RT_PORT|" -e "s|data_dir: $WORK/tollgate-data|data_dir: $WORK/routed-data|" "$WORK/tollgate.yaml" >"$WORK/routed.yaml"
log "tollgate serve (fast path off) on $RT_PORT"
TOLLGATE_FAST_PATH=off NIO_SINGLETON_GROUP_LOOP_COUNT=$NIO_LOOPS "${SERVER_PIN[@]}" "$TOLLGATE_BIN" serve --config "$WORK/routed.yaml" \
    >"$WORK/routed.log" 2>&1 &
RT_PID=$!; PIDS+=("$RT_PID")
wait_port routed "$RT_PID" "$RT_PORT"

NGX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root root;"
sed -e "s|@PREFIX@|$WORK/nginx|g" -e "s|@LISTEN_PORT@|$NGX_PORT|g" \
    -e "s|@UPSTREAM_PORT@|$MOCK_PORT|g" -e "s|@USER_LINE@|$user_line|g" \
    "$HERE/nginx.conf.template" >"$WORK/nginx/nginx.conf"
"$NGINX" -t -q -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >&2 \
    || die "nginx -t failed for $WORK/nginx/nginx.conf"
log "nginx on $NGX_PORT"
"${SERVER_PIN[@]}" "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
NGX_PID=$!; PIDS+=("$NGX_PID")
wait_port nginx "$NGX_PID" "$NGX_PORT"

# ------------------------------------------------------------------ warm and check
TG_URL="http://127.0.0.1:$TG_PORT/v1/chat/completions"
NGX_URL="http://127.0.0.1:$NGX_PORT/v1/chat/completions"

read -r code _ < <(post "$TG_URL" "$WORK/tg1")
[ "$code" = 200 ] || { cat "$WORK/tg1.body" >&2; die "tollgate first request: HTTP $code"; }
read -r code TG_BYTES < <(post "$TG_URL" "$WORK/tg2")
[ "$code" = 200 ] || die "tollgate second request: HTTP $code"
[ "$(header_value "$WORK/tg2.headers" x-tollgate-cache)" = hit ] \
    || { cat "$WORK/tg2.headers" >&2; die "tollgate's second answer is not 'x-tollgate-cache: hit'"; }
log "tollgate hit answer: $TG_BYTES bytes"

RT_URL="http://127.0.0.1:$RT_PORT/v1/chat/completions"
read -r code _ < <(post "$RT_URL" "$WORK/rt1")
[ "$code" = 200 ] || { cat "$WORK/rt1.body" >&2; die "tollgate (fast path off) first request: HTTP $code"; }
read -r code _ < <(post "$RT_URL" "$WORK/rt2")
[ "$(header_value "$WORK/rt2.headers" x-tollgate-cache)" = hit ] || die "tollgate (fast path off): second answer is not a hit"

read -r code _ < <(post "$NGX_URL" "$WORK/ngx1")
[ "$code" = 200 ] || { cat "$WORK/ngx1.body" >&2; die "nginx first request: HTTP $code"; }
read -r code NGX_BYTES < <(post "$NGX_URL" "$WORK/ngx2")
[ "$code" = 200 ] || die "nginx second request: HTTP $code"
[ "$(header_value "$WORK/ngx2.headers" x-cache-status)" = HIT ] \
    || { cat "$WORK/ngx2.headers" >&2; die "nginx's second answer is not 'X-Cache-Status: HIT'"; }
log "nginx hit answer: $NGX_BYTES bytes"

BARE_PORT=$(free_port)
log "bare-route on $BARE_PORT (body $TG_BYTES bytes)"
NIO_SINGLETON_GROUP_LOOP_COUNT=$NIO_LOOPS "${SERVER_PIN[@]}" "$BARE_ROUTE_BIN" --port "$BARE_PORT" --body-bytes "$TG_BYTES" \
    >"$WORK/bare.log" 2>&1 &
BARE_PID=$!; PIDS+=("$BARE_PID")
wait_port bare "$BARE_PID" "$BARE_PORT"
BARE_URL="http://127.0.0.1:$BARE_PORT/v1/chat/completions"
read -r code BARE_BYTES < <(post "$BARE_URL" "$WORK/bare1")
[ "$code" = 200 ] && [ "$BARE_BYTES" = "$TG_BYTES" ] || die "bare-route: HTTP $code, $BARE_BYTES bytes (want 200, $TG_BYTES)"

mock_stats() { curl -sS --noproxy '*' -m 5 "http://127.0.0.1:$MOCK_PORT/_mock/stats" 2>/dev/null || echo "(no stats)"; }

# ------------------------------------------------------------------ exact hits
declare -A URL=([tollgate]=$TG_URL [routed]=$RT_URL [nginx]=$NGX_URL [bare]=$BARE_URL)
TARGETS=(tollgate routed nginx bare)
WRK_RESULTS="$WORK/wrk.results"; : >"$WRK_RESULTS"

# cpu_ticks PID...: user + system CPU time (clock ticks) of these processes and their children
# processes (nginx's workers), all threads included.
cpu_ticks() {
    local total=0 pid
    for pid in "$@" $(for p in "$@"; do pgrep -P "$p" || true; done); do
        [ -r "/proc/$pid/stat" ] || continue
        # Fields 14 and 15 (utime, stime), counted after the command name's closing parenthesis.
        total=$(( total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}') ))
    done
    echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)
declare -A SERVER_PID=([tollgate]=$TG_PID [routed]=$RT_PID [nginx]=$NGX_PID [bare]=$BARE_PID)

run_wrk() { # run_wrk DURATION URL LOGFILE
    "${CLIENT_PIN[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$1" --timeout 5s --latency -s "$HERE/post.lua" "$2" >"$3" 2>&1 \
        || { cat "$3" >&2; die "wrk failed against $2"; }
}

for t in "${TARGETS[@]}"; do
    log "wrk warm-up $WARM_DURATION: $t"
    run_wrk "$WARM_DURATION" "${URL[$t]}" "$WORK/wrk-warm-$t.log"
done
stats_before=$(mock_stats)
for r in $(seq "$ROUNDS"); do
    for i in "${!TARGETS[@]}"; do
        # Rotate the order each round so no target always runs first or last.
        t=${TARGETS[$(( (i + r - 1) % ${#TARGETS[@]} ))]}
        log "round $r/$ROUNDS: wrk -t$THREADS -c$CONNS -d$DURATION -> $t"
        cpu_before=$(cpu_ticks "${SERVER_PID[$t]}")
        run_wrk "$DURATION" "${URL[$t]}" "$WORK/wrk-$r-$t.log"
        cpu_after=$(cpu_ticks "${SERVER_PID[$t]}")
        line=$(grep '^RESULT ' "$WORK/wrk-$r-$t.log") || { cat "$WORK/wrk-$r-$t.log" >&2; die "no RESULT line from wrk"; }
        # The server's CPU time over the run (a 10 ms tick; the run lasts seconds).
        echo "round=$r target=$t $line cpu_ms=$(( (cpu_after - cpu_before) * 1000 / CLK_TCK ))" >>"$WRK_RESULTS"
        log "  $(echo "$line" | grep -oE '(rps|p50_us|p99_us)=[0-9.]+' | tr '\n' ' ')"
    done
done
stats_after=$(mock_stats)
if [ "$stats_before" = "$stats_after" ]; then
    upstream_note="unchanged during the measured hit runs (no upstream call): $stats_after"
else
    upstream_note="CHANGED during the hit runs (some requests reached the mock): before $stats_before, after $stats_after"
    log "warning: mock stats $upstream_note"
fi
# Both caches must still answer hits after the runs.
post "$TG_URL" "$WORK/tg3" >/dev/null
post "$NGX_URL" "$WORK/ngx3" >/dev/null
after_hits="tollgate x-tollgate-cache=$(header_value "$WORK/tg3.headers" x-tollgate-cache), nginx X-Cache-Status=$(header_value "$WORK/ngx3.headers" x-cache-status)"

# ------------------------------------------------------------------ miss path
log "miss path: $MISS_N requests each, mock direct vs tollgate with x-tollgate-cache: off"
"${CLIENT_PIN[@]}" python3 "$PY" miss --direct-port "$MOCK_PORT" --gateway-port "$TG_PORT" \
    --n "$MISS_N" --warmup "$MISS_WARMUP" --body-file "$CHAT_BODY_FILE" \
    --gateway-header 'x-tollgate-cache: off' --json "$WORK/miss.json" >"$WORK/miss.md" \
    || { cat "$WORK/miss.md" >&2; die "miss-path run failed"; }

# ------------------------------------------------------------------ report
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)
[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n1)" ] && commit="$commit (+ uncommitted changes)"
{
    echo "date=$(date -u +'%Y-%m-%d %H:%M:%S UTC')"
    echo "commit=$commit"
    echo "machine=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $ncpu cores, $(uname -sr)"
    echo "tools=$(swift --version 2>&1 | head -n1); $("$NGINX" -v 2>&1); $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
    echo "pinning=servers (mock, tollgate, nginx, bare-route) taskset -c $SERVER_CPU; wrk and the Python client taskset -c $CLIENT_CPU; NIO_SINGLETON_GROUP_LOOP_COUNT=$NIO_LOOPS for the Swift servers; nginx 1 worker"
    echo "wrk=-t$THREADS -c$CONNS -d$DURATION, $ROUNDS rounds per target in rotating order after a $WARM_DURATION warm-up each; POST $(wc -c <"$CHAT_BODY_FILE") B body (chat.json)"
    echo "response bodies=tollgate hit $TG_BYTES B, nginx hit $NGX_BYTES B, bare-route $BARE_BYTES B"
    echo "mock /_mock/stats=$upstream_note"
    echo "after the runs=$after_hits"
    echo "load average (1/5/15 min)=$LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (other CPU load skews the numbers)"
} >"$WORK/meta"

mkdir -p "$ROOT/benchmarks/out"
OUT="$ROOT/benchmarks/out/http-$(date -u +%Y-%m-%d-%H%M%S).md"
python3 "$PY" summarize --wrk "$WRK_RESULTS" --meta "$WORK/meta" --miss "$WORK/miss.json" | tee "$OUT"
log "written $OUT"
