-- wrk script of bench/cmd/harness: replays, in rotation, the requests of
-- the file named after "--", one a line: METHOD<TAB>PATH[<TAB>JSON BODY].
local reqs, i = {}, 0

function init(args)
  for line in io.lines(args[1]) do
    local m, p, b = line:match("^(%S+)\t([^\t]+)\t?(.*)$")
    if b == nil or b == "" then
      reqs[#reqs + 1] = wrk.format(m, p)
    else
      reqs[#reqs + 1] = wrk.format(m, p, { ["Content-Type"] = "application/json" }, b)
    end
  end
  i = math.random(#reqs) - 1
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d non2xx=%d socket_errors=%d seconds=%.3f p50_ms=%.3f p99_ms=%.3f\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
