-- report.lua - prepended by bench/run.py to every wrk script of `make bench`.
--
-- Counts the HTTP statuses each wrk thread sees and, when the run is done,
-- prints one line "BENCH {json}" with requests, duration, socket errors,
-- statuses and latency percentiles (microseconds) for bench/run.py to read.
-- A scenario script may define its own request(); it must not redefine
-- setup(), response() or done().  Parameters arrive as the global table P,
-- written by bench/run.py above this file.

local threads = {}
local next_thread = 0

function setup(thread)
   thread:set("thread_no", next_thread)
   next_thread = next_thread + 1
   table.insert(threads, thread)
end

statuses = {}

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local counts = {}
   for _, t in ipairs(threads) do
      for status, n in pairs(t:get("statuses")) do
         counts[status] = (counts[status] or 0) + n
      end
   end
   local parts = {}
   for status, n in pairs(counts) do
      table.insert(parts, string.format('"%d": %d', status, n))
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"statuses": {%s}, "latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ", "),
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.max, latency.mean))
end

-- Helpers for scenario scripts.

-- The query string that authenticates as the benchmark user.
function auth_query()
   return "user_email=" .. P.email .. "&user_token=" .. P.token
end

-- A random element of a non-empty list.
function pick(list)
   return list[math.random(#list)]
end
