#!/usr/bin/env bash
# Generated requests against the live binary: schemathesis reads openapi.yaml and sends what
# it generates from it (examples, the schema's edges, random bodies) to a gateway in front of a
# mock provider, for at most ST_SECONDS (default 150). Every answer must have a documented status,
# the documented content type and an error body of the documented shape, and no 5xx but the
# documented upstream ones, and a method a route does not take a 405 with `Allow`; the gateway
# must still answer /healthz afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TOLLGATE_BIN:-$PWD/.build/debug/tollgate}
ST=${ST:-.venv-fuzz/bin/st}
seconds=${ST_SECONDS:-150}
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

# Waits for "listening on http://HOST:PORT" in a log and prints the port.
port_of() {
  for _ in $(seq 1 300); do
    p=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$1" 2>/dev/null | head -1 | sed 's/.*://') || true
    if [ -n "$p" ]; then echo "$p"; return 0; fi
    sleep 0.1  # polling a log under a 30 s deadline
  done
  echo "no listening line in $1" >&2; cat "$1" >&2; return 1
}

"$BIN" mock-provider --port 0 > "$dir/mock.out" 2> "$dir/mock.err" & pids+=($!)
mock=$(port_of "$dir/mock.out")
cat > "$dir/tollgate.yaml" <<YAML
listen: { host: 127.0.0.1, port: 0 }
data_dir: $dir/data
cache: { semantic: { enabled: true, embedder: hashing } }
limits: { max_body_bytes: 1048576 }
providers:
  - name: mock
    kind: openai
    base_url: http://127.0.0.1:$mock/v1
    models:
      - { name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.6, context_window: 128000, capabilities: [stream, tools, json, vision] }
      - { name: text-embedding-3-small, input_usd_per_mtok: 0.02, output_usd_per_mtok: 0, context_window: 8192 }
YAML
"$BIN" serve --config "$dir/tollgate.yaml" > "$dir/gw.out" 2> "$dir/gw.err" & gw_pid=$!; pids+=($gw_pid)
gw=$(port_of "$dir/gw.out")
echo "schemathesis: gateway on $gw (mock $mock), up to ${seconds}s"

status=0
"$ST" run openapi.yaml --url "http://127.0.0.1:$gw" --max-time "$seconds" --workers 1 --seed 1 \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,unsupported_method \
  --generation-database none --request-timeout 30 --warnings off || status=$?

if ! kill -0 "$gw_pid" 2>/dev/null; then echo "schemathesis: the gateway died"; tail -20 "$dir/gw.err"; exit 1; fi
curl -sf "http://127.0.0.1:$gw/healthz" > /dev/null || { echo "schemathesis: /healthz failed afterwards"; exit 1; }
errors=$(grep -c '"level":"error"' "$dir/gw.err" || true)
echo "schemathesis: gateway up afterwards; $errors error log lines"
[ "$errors" = 0 ] || { grep '"level":"error"' "$dir/gw.err" | head -5; status=1; }
exit $status
