-- POST the hook request body, one bearer token per request (each token's jti is used once).
-- wrk -s bench/wrk_post.lua URL -- BODY_FILE TOKEN_FILE THREADS PATH
--   TOKEN_FILE: one JWT per line; the lines are dealt out between wrk threads, no token is
--   sent twice. When a thread runs out it repeats its last token (the service answers 401,
--   counted as "exhausted"; the harness then rejects the run). "-" = send no token rotation
--   (the first line, or none if the file is "-", is sent on every request: the floor).
-- done() prints one line "BENCH_JSON {...}" with counts and latency percentiles (microseconds).

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local body, path, tokens, ntok, idx, fixed
status_counts = {}
exhausted = 0

local function read_all(name)
  local f = assert(io.open(name, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

function init(args)
  body = read_all(args[1])
  local token_file = args[2]
  local nthreads = tonumber(args[3])
  path = args[4]
  tokens, ntok, idx = {}, 0, 0
  fixed = nil
  if token_file ~= "-" then
    local i = 0
    for line in io.lines(token_file) do
      if line ~= "" then
        if i % nthreads == tid then
          ntok = ntok + 1
          tokens[ntok] = line
        end
        i = i + 1
      end
    end
  end
  if args[5] == "fixed" then
    fixed = tokens[1]
  end
end

function request()
  local headers = {["Content-Type"] = "application/json"}
  local tok = fixed
  if tok == nil and ntok > 0 then
    idx = idx + 1
    if idx > ntok then
      exhausted = exhausted + 1
      idx = ntok
    end
    tok = tokens[idx]
  end
  if tok ~= nil then
    headers["Authorization"] = "Bearer " .. tok
  end
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  local key = tostring(status)
  status_counts[key] = (status_counts[key] or 0) + 1
end

function done(summary, latency, requests)
  local statuses, total_exhausted = {}, 0
  for _, thread in ipairs(threads) do
    total_exhausted = total_exhausted + (thread:get("exhausted") or 0)
    local counts = thread:get("status_counts") or {}
    for k, v in pairs(counts) do
      statuses[k] = (statuses[k] or 0) + v
    end
  end
  local parts = {}
  for k, v in pairs(statuses) do
    table.insert(parts, string.format('"%s":%d', k, v))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d},' ..
    '"exhausted":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max,
    total_exhausted, table.concat(parts, ",")))
end
