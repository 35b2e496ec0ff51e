-- Replays precomputed requests: wrk thread N reads "<prefix>.N", one request per line
-- ("METHOD<TAB>path<TAB>body"), and sends each once, in order. It counts the answers
-- by their "result" so the benchmark can check that accepted requests were accepted.
-- args: <prefix> <api key>
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local headers = {
    ["Authorization"] = "Bearer " .. args[2],
    ["Content-Type"] = "application/json",
  }
  requests = {}
  for line in io.lines(args[1] .. "." .. id) do
    local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    if body == "" then body = nil end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  spare = wrk.format("GET", "/api/v1/noop")
  nxt, reserved = 1, 0  -- the next request to send; how many are promised
  accepted, rejected, suspended, not_active, ok, other, exhausted = 0, 0, 0, 0, 0, 0, 0
end

-- wrk asks delay() before each request, then request(). A connection goes on only if a
-- fresh request is left for it; the others wait out the run, so when the requests run out
-- none is lost in flight and none is sent twice (a resent code would be a replay).
function delay()
  if reserved < #requests then
    reserved = reserved + 1
    return 0
  end
  exhausted = 1
  return 3600 * 1000
end

function request()
  if nxt > reserved then
    -- wrk calls request() once before the run to check the script: send nothing real.
    return spare
  end
  nxt = nxt + 1
  return requests[nxt - 1]
end

function response(status, headers, body)
  if status ~= 200 then
    other = other + 1
  elseif body:find('"result":"accepted"', 1, true) then
    accepted = accepted + 1
  elseif body:find('"result":"rejected"', 1, true) then
    rejected = rejected + 1
  elseif body:find('"result":"suspended"', 1, true) then
    suspended = suspended + 1
  elseif body:find('"result":"not_active"', 1, true) then
    not_active = not_active + 1
  elseif body:find('"ok":true', 1, true) then
    ok = ok + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = {accepted = 0, rejected = 0, suspended = 0, not_active = 0, ok = 0,
                  other = 0, exhausted = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,' ..
    '"accepted":%d,"rejected":%d,"suspended":%d,"not_active":%d,"ok":%d,"other":%d,' ..
    '"exhausted":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status,
    totals.accepted, totals.rejected, totals.suspended, totals.not_active, totals.ok,
    totals.other, totals.exhausted))
end
