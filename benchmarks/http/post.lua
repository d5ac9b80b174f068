-- wrk script for benchmarks/http/run.sh: POST the same chat request on every
-- call (an exact cache hit after the first) and print one machine-readable
-- RESULT line at the end.
--
-- The body is read from $CHAT_BODY_FILE (run.sh sets it to chat.json);
-- without it the same request is used inline.

local body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is the capital of France?"}]}'
local path = os.getenv("CHAT_BODY_FILE")
if path and path ~= "" then
    local f = assert(io.open(path, "rb"))
    body = f:read("*a")
    f:close()
end

wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "RESULT requests=%d duration_us=%d bytes=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.1f connect_err=%d read_err=%d write_err=%d status_err=%d timeout_err=%d\n",
        summary.requests, summary.duration, summary.bytes,
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(90), latency:percentile(99),
        latency:percentile(99.9), latency.max, latency.mean,
        e.connect, e.read, e.write, e.status, e.timeout))
end
