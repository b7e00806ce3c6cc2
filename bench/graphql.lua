-- wrk script for bench/bank.sh: the GraphQL deposit mutation (POST /graphql
-- with variables), cycling through the account ids in the file named after
-- "--". A GraphQL error comes with HTTP 200, so responses with "errors"
-- are counted apart.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local ids, i, failed = {}, 0, 0

function init(args)
  for line in io.lines(args[1]) do
    ids[#ids + 1] = line
  end
  i = math.random(#ids)
end

function request()
  i = i % #ids + 1
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" },
    '{"query":"mutation D($id: String!, $amount: Int64) { deposit(id: $id, amount: $amount) { balance } }",' ..
    '"variables":{"id":"' .. ids[i] .. '","amount":1}}')
end

function response(status, headers, body)
  if status == 200 and string.find(body, '"errors"', 1, true) then
    failed = failed + 1
    wrk.thread:set("failed", failed)
  end
end

function done(summary, latency, requests)
  local gql = 0
  for _, t in ipairs(threads) do
    gql = gql + (t:get("failed") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d non2xx=%d graphql_errors=%d socket_errors=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, e.status, gql, e.connect + e.read + e.write + e.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3))
end
