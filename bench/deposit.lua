-- wrk script for bench/bank.sh: POST /accounts/{id}/deposit {"amount":1},
-- cycling through the account ids in the file named after "--".
local ids, i = {}, 0

function init(args)
  for line in io.lines(args[1]) do
    ids[#ids + 1] = line
  end
  i = math.random(#ids)
end

function request()
  i = i % #ids + 1
  return wrk.format("POST", "/accounts/" .. ids[i] .. "/deposit",
    { ["Content-Type"] = "application/json" }, '{"amount":1}')
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d non2xx=%d socket_errors=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3))
end
