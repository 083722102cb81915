-- wrk: each request deducts 1 point from one of the bench wallets (a
-- token each, in GH_BENCH_WALLET_TOKENS), with an Idempotency-Key of its
-- own, as a careful client sends. Requests are built before the clock
-- starts, so that wrk's Lua work does not take CPU from the server.
local threads, reqs, n = {}, {}, 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local tokens = {}
  for t in string.gmatch(os.getenv("GH_BENCH_WALLET_TOKENS"), "[^,]+") do
    tokens[#tokens + 1] = t
  end
  local offset = os.getenv("GH_BENCH_OFFSET")
  local body = '{"amount":1,"reason":"bench"}'
  local head = "POST " .. wrk.path .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"] ..
    "\r\nContent-Type: application/json\r\nContent-Length: " .. #body
  for i = 1, tonumber(os.getenv("GH_BENCH_PER_THREAD")) do
    reqs[i] = head .. "\r\nAuthorization: Bearer " .. tokens[(i + tid) % #tokens + 1] ..
      "\r\nIdempotency-Key: w" .. offset .. "-" .. tid .. "-" .. i .. "\r\n\r\n" .. body
  end
end

function request()
  n = n + 1
  return reqs[n] or error("bench/run planned too few requests")
end

done = dofile(os.getenv("GH_BENCH_DIR") .. "/report.lua")
