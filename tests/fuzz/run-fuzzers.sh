#!/bin/sh
# Runs libFuzzer targets for a bounded time and prints one line per target.
#   run-fuzzers.sh smoke|run BUILD_DIR CORPUS_DIR SECONDS RUNS TARGET...
# smoke: each target fuzzes a fresh copy of corpus/<target> in
#        BUILD_DIR/smoke/<target>, so the committed seeds never grow.
# run:   each target adds what it finds to BUILD_DIR/corpus/<target> and
#        reads corpus/<target> as a second, read-only corpus.
# RUNS of -1 means no limit on runs. Exits 1 if any target failed (crash,
# leak, timeout, sanitizer report or failed invariant); its crashing input
# is in BUILD_DIR/artifacts/ and its log in BUILD_DIR/logs/.
set -u

mode=$1 build=$2 corpus=$3 seconds=$4 runs=$5
shift 5

mkdir -p "$build/artifacts" "$build/logs"
failed=0

for t in "$@"; do
    log="$build/logs/$t.$mode.log"
    seeds="$corpus/$t"
    case $mode in
    smoke)
        work="$build/smoke/$t"
        rm -rf "$work"
        mkdir -p "$work"
        if [ -d "$seeds" ]; then
            cp "$seeds"/* "$work"/ 2>/dev/null || true
        fi
        set -- "$work"
        ;;
    run)
        work="$build/corpus/$t"
        mkdir -p "$work"
        if [ -d "$seeds" ]; then
            set -- "$work" "$seeds"
        else
            set -- "$work"
        fi
        ;;
    *)
        echo "run-fuzzers.sh: unknown mode $mode" >&2
        exit 2
        ;;
    esac
    before=$(ls "$work" | wc -l)
    runs_flag=
    if [ "$runs" != "-1" ]; then
        runs_flag="-runs=$runs"
    fi

    "$build/$t" -max_total_time="$seconds" $runs_flag -timeout=10 \
        -artifact_prefix="$build/artifacts/$t-" "$@" >"$log" 2>&1
    rc=$?

    done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1)
    nruns=$(echo "$done_line" | awk '{print $2}')
    secs=$(echo "$done_line" | awk '{print $5}')
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
    after=$(ls "$work" | wc -l)
    if [ $rc -eq 0 ] && [ -n "$done_line" ]; then
        printf '%s: ok, %s runs in %s s, cov %s, corpus %s -> %s\n' \
            "$t" "$nruns" "$secs" "${cov:-?}" "$before" "$after"
    else
        failed=1
        printf '%s: FAILED (exit %s), log %s\n' "$t" "$rc" "$log"
        grep -E 'ERROR|invariant failed|SUMMARY|Test unit written|artifact_prefix' "$log" | head -n 20
        echo "---- last lines of $log ----"
        tail -n 30 "$log"
    fi
done

exit $failed
