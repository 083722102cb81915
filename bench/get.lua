-- wrk: plain GETs, reporting in bench/run's format.
done = dofile(os.getenv("GH_BENCH_DIR") .. "/report.lua")
