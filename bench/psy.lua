-- wrk: each request submits the psy-test (version 1, every first option)
-- as one of the bench's psy users (a token each, in GH_BENCH_PSY_TOKENS),
-- with a client_submission_id of its own, so each is a new submission.
-- Requests are built before the clock starts, so that wrk's Lua work does
-- not take CPU from the server.
local threads, reqs, n = {}, {}, 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local tokens, answers = {}, {}
  for t in string.gmatch(os.getenv("GH_BENCH_PSY_TOKENS"), "[^,]+") do
    tokens[#tokens + 1] = t
  end
  for q = 101, 110 do
    answers[#answers + 1] = '{"question_id":"' .. q .. '","option_id":"' .. (q * 10 + 1) .. '"}'
  end
  local list = "[" .. table.concat(answers, ",") .. "]"
  local offset = os.getenv("GH_BENCH_OFFSET")
  for i = 1, tonumber(os.getenv("GH_BENCH_PER_THREAD")) do
    local body = '{"client_submission_id":"w' .. offset .. "-" .. tid .. "-" .. i ..
      '","answers":' .. list .. "}"
    reqs[i] = "POST " .. wrk.path .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"] ..
      "\r\nContent-Type: application/json\r\nContent-Length: " .. #body ..
      "\r\nAuthorization: Bearer " .. tokens[(i + tid) % #tokens + 1] .. "\r\n\r\n" .. body
  end
end

function request()
  n = n + 1
  return reqs[n] or error("bench/run planned too few requests")
end

done = dofile(os.getenv("GH_BENCH_DIR") .. "/report.lua")
