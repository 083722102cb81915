-- wrk: each request submits the psy-test (version 1, every first option)
-- as one of the bench's psy users (a token each, in GH_BENCH_PSY_TOKENS),
-- with a client_submission_id of its own, so each is a new submission.
local tokens, answers

local function prepare()
  tokens, answers = {}, {}
  for t in string.gmatch(os.getenv("GH_BENCH_PSY_TOKENS"), "[^,]+") do
    tokens[#tokens + 1] = t
  end
  for q = 101, 110 do
    answers[#answers + 1] = '{"question_id":"' .. q .. '","option_id":"' .. (q * 10 + 1) .. '"}'
  end
  answers = "[" .. table.concat(answers, ",") .. "]"
end

dofile(os.getenv("GH_BENCH_DIR") .. "/planned.lua")(function(tid, i)
  if tokens == nil then prepare() end
  local body = '{"client_submission_id":"w' .. os.getenv("GH_BENCH_OFFSET") .. "-" .. tid ..
    "-" .. i .. '","answers":' .. answers .. "}"
  return "POST " .. wrk.path .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"] ..
    "\r\nContent-Type: application/json\r\nContent-Length: " .. #body ..
    "\r\nAuthorization: Bearer " .. tokens[(i + tid) % #tokens + 1] .. "\r\n\r\n" .. body
end)
