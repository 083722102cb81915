-- wrk: GETs with the bench user's bearer token.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("GH_BENCH_BEARER")
done = dofile(os.getenv("GH_BENCH_DIR") .. "/report.lua")
