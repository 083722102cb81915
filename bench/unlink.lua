-- wrk: each request unlinks a distinct seeded user. Thread t sends the keys
-- BASE + t * STRIDE + GH_BENCH_OFFSET + 1, 2, ... GH_BENCH_PER_THREAD
-- (bench/run seeds them; the warm-up and the measured run use different
-- offsets). Requests are built before the clock starts (planned.lua).
local BASE, STRIDE = 1000000000, 10000000

dofile(os.getenv("GH_BENCH_DIR") .. "/planned.lua")(function(tid, i)
  local key = BASE + tid * STRIDE + tonumber(os.getenv("GH_BENCH_OFFSET")) + i
  local body = '{"userKey":' .. key .. ',"referrer":"UNLINK"}'
  return "POST " .. wrk.path .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"] ..
    "\r\nAuthorization: Basic " .. os.getenv("GH_BENCH_AUTH") ..
    "\r\nContent-Type: application/json\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end)
