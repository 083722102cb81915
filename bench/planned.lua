-- wrk: requests built before the clock starts, so that wrk's Lua work
-- does not take CPU from the server. A script ends with
--   dofile(os.getenv("GH_BENCH_DIR") .. "/planned.lua")(build)
-- where build(tid, i) returns the i-th raw request of wrk thread tid
-- (GH_BENCH_PER_THREAD of them); done() reports as report.lua does.
return function(build)
  local threads, reqs, n = {}, {}, 0

  function setup(thread)
    thread:set("tid", #threads)
    table.insert(threads, thread)
  end

  function init(args)
    for i = 1, tonumber(os.getenv("GH_BENCH_PER_THREAD")) do
      reqs[i] = build(tid, i)
    end
  end

  function request()
    n = n + 1
    return reqs[n] or error("bench/run planned too few requests")
  end

  done = dofile(os.getenv("GH_BENCH_DIR") .. "/report.lua")
end
