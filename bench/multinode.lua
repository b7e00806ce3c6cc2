-- wrk script for bench/multinode.sh: deposits (amount 2) and withdrawals
-- (amount 1, one request in four) over REST or GraphQL, cycling through
-- the account ids in the file named after "--", and a log line for every
-- response, so the script can check each acknowledged command against the
-- event store:
--
--   wrk … -s bench/multinode.lua URL -- IDS_FILE rest|graphql LOG_PREFIX
--
-- Log lines (LOG_PREFIX-<thread>.log): "ok ID POSITION" (written: the
-- response carries the event's position), "no STATUS" (refused: no event,
-- e.g. insufficient funds), "unk STATUS" (unknown: an error that may
-- follow a write).
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

local ids, i, n, mode, log = {}, 0, 0, "rest", nil

function init(args)
  for line in io.lines(args[1]) do
    ids[#ids + 1] = line
  end
  mode = args[2]
  log = io.open(args[3] .. "-" .. tid .. ".log", "w")
  log:setvbuf("line")
  i = math.random(#ids)
end

function request()
  i = i % #ids + 1
  n = n + 1
  local op, amount = "deposit", 2
  if n % 4 == 0 then op, amount = "withdraw", 1 end
  if mode == "graphql" then
    return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" },
      '{"query":"mutation M($id: String!, $amount: Int64) { ' .. op .. '(id: $id, amount: $amount) { id position } }",' ..
      '"variables":{"id":"' .. ids[i] .. '","amount":' .. amount .. '}}')
  end
  return wrk.format("POST", "/accounts/" .. ids[i] .. "/" .. op,
    { ["Content-Type"] = "application/json" }, '{"amount":' .. amount .. '}')
end

function response(status, headers, body)
  local id, pos = string.match(body, '"id":"([^"]+)".-"position":(%d+)')
  if status == 200 and id and pos and not string.find(body, '"errors"', 1, true) then
    log:write("ok ", id, " ", pos, "\n")
  elseif (status >= 400 and status < 500) or string.find(body, '"FAILED_PRECONDITION"', 1, true) or string.find(body, '"ABORTED"', 1, true) then
    log:write("no ", status, "\n")
  else
    log:write("unk ", status, "\n")
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d non2xx=%d connect_errors=%d io_errors=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, e.status, e.connect, e.read + e.write + e.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
