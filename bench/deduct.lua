-- wrk: each request deducts 1 point from one of the bench wallets (a
-- token each, in GH_BENCH_WALLET_TOKENS), with an Idempotency-Key of its
-- own, as a careful client sends. Requests are built before the clock
-- starts (planned.lua).
local tokens

dofile(os.getenv("GH_BENCH_DIR") .. "/planned.lua")(function(tid, i)
  if tokens == nil then
    tokens = {}
    for t in string.gmatch(os.getenv("GH_BENCH_WALLET_TOKENS"), "[^,]+") do
      tokens[#tokens + 1] = t
    end
  end
  local body = '{"amount":1,"reason":"bench"}'
  return "POST " .. wrk.path .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"] ..
    "\r\nContent-Type: application/json\r\nContent-Length: " .. #body ..
    "\r\nAuthorization: Bearer " .. tokens[(i + tid) % #tokens + 1] ..
    "\r\nIdempotency-Key: w" .. os.getenv("GH_BENCH_OFFSET") .. "-" .. tid .. "-" .. i ..
    "\r\n\r\n" .. body
end)
