-- wrk: each request unlinks a distinct seeded user. Thread t sends the keys
-- BASE + t * STRIDE + GH_BENCH_OFFSET + 1, 2, ... GH_BENCH_PER_THREAD
-- (bench/run seeds them; the warm-up and the measured run use different
-- offsets).
-- Requests are built before the clock starts, so that wrk's own Lua work
-- does not take CPU from the server being measured.
local BASE, STRIDE = 1000000000, 10000000
local threads, reqs, n = {}, {}, 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local first = BASE + tid * STRIDE + tonumber(os.getenv("GH_BENCH_OFFSET"))
  local count = tonumber(os.getenv("GH_BENCH_PER_THREAD"))
  local head = "POST " .. wrk.path .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"] ..
    "\r\nAuthorization: Basic " .. os.getenv("GH_BENCH_AUTH") ..
    "\r\nContent-Type: application/json\r\nContent-Length: "
  for i = 1, count do
    local body = '{"userKey":' .. (first + i) .. ',"referrer":"UNLINK"}'
    reqs[i] = head .. #body .. "\r\n\r\n" .. body
  end
end

function request()
  n = n + 1
  return reqs[n] or error("bench/run seeded too few users")
end

done = dofile(os.getenv("GH_BENCH_DIR") .. "/report.lua")
