#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (THREADLINE_FUZZ=ON, AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs each for a bounded time on a copy of its seed corpus.
#
#   tests/fuzz/run-fuzzers.sh [seconds per target, default 60] [target ...]
#
# Needs clang-14 and libclang-rt-14-dev (Debian 12). Exits non-zero when a target finds a crash or
# a broken invariant; the input is left in build/fuzz/findings/<target>/ — fix the code, then commit
# the input under tests/fuzz/regressions/<target>/ so CTest replays it in every build.
# Prints one JSON line per target: executions, seconds, corpus size, findings.
# THREADLINE_FUZZ_BUILD_ONLY=1 builds the targets and runs nothing.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(socketmode eventsreceiver mrkdwn api)
    [ -f engine/files/filedetect.h ] && targets+=(files)
fi
build=${THREADLINE_FUZZ_BUILD:-build/fuzz}
jobs=${THREADLINE_FUZZ_JOBS:-2}

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON \
    -DTHREADLINE_FUZZ=ON -DTHREADLINE_BUILD_GUI=OFF -DCMAKE_CXX_COMPILER=clang++-14 "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$jobs" --target "${targets[@]/#/fuzz_}"
# THREADLINE_FUZZ_BUILD_ONLY=1: build the targets and stop (CI builds them while other phases run).
[ "${THREADLINE_FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

status=0
for t in "${targets[@]}"; do
    work="$build/work/$t"
    findings="$build/findings/$t"
    rm -rf "$work"
    mkdir -p "$work" "$findings"
    cp tests/fuzz/corpus/"$t"/* "$work"/
    [ -d tests/fuzz/regressions/"$t" ] && cp tests/fuzz/regressions/"$t"/* "$work"/
    log="$build/fuzz-$t.log"
    set +e
    QT_LOGGING_RULES='*.debug=false;*.info=false;*.warning=false' \
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$findings/" "$work" >"$log" 2>&1
    rc=$?
    set -e
    execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
    found=$(find "$findings" -type f | wc -l)
    corpus=$(find "$work" -type f | wc -l)
    printf '{"target":"%s","seconds":%s,"executions":%s,"corpus":%s,"findings":%s,"exit":%s}\n' \
        "$t" "$seconds" "${execs:-0}" "$corpus" "$found" "$rc"
    if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
        echo "fuzz_$t found a problem; log: $log, input(s): $findings" >&2
        tail -40 "$log" >&2
        status=1
    fi
done
exit $status
