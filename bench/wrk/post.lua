-- wrk script: POST one JSON GraphQL body, optionally with a bearer token.
--   BENCH_BODY_FILE  path of the JSON request body (required)
--   BENCH_TOKEN      access token; sent as "Authorization: Bearer <token>" when set
-- The token comes from the environment, not the command line, so `ps` does not show it.
-- done() prints one machine-readable line (BENCH_RESULT ...) that bench/run.sh parses;
-- latencies there are in microseconds.

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file == nil or body_file == "" then
  error("BENCH_BODY_FILE is not set")
end
local f = assert(io.open(body_file, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/graphql-response+json, application/json"

local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d bytes=%d errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
