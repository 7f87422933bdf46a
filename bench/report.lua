-- wrk's summary as one machine-readable line, for bench/run.py (wrk's --latency has no p95).
-- With BENCH_BUST set, every request's address ends in a query string of its own
-- (?bench=<thread>-<n>), so that no request finds the page in the portal's cache.
local bust = os.getenv("BENCH_BUST")
local threads = 0
counter = 0

setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

if bust then
  request = function()
    counter = counter + 1
    return wrk.format(nil, wrk.path .. "?bench=" .. thread_id .. "-" .. counter)
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d seconds=%.3f p50_us=%d p95_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
