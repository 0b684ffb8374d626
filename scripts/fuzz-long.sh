#!/usr/bin/env bash
# Long fuzzing: every fuzz target (or those named) for SECONDS each, one after the other,
# starting from the corpus kept in the repository (fuzz/corpus/<target>/, small: hand-made
# seeds and the kernel's own bytes). The run's corpus grows in target/fuzz-long/<target>/,
# never in the repository; --update-corpus merges into fuzz/corpus/<target>/ only the inputs
# that add coverage (libFuzzer -merge=1), keeping the kept corpus small.
#
# Usage: scripts/fuzz-long.sh [--update-corpus] SECONDS [TARGET...]
#   e.g. scripts/fuzz-long.sh 3600            one hour per target
#        scripts/fuzz-long.sh 600 smtp_reply  ten minutes of one
# A crash leaves its input in fuzz/artifacts/<target>/ (reproduce with
# `cargo +nightly fuzz run --fuzz-dir fuzz <target> <file>`); the script goes on with the next
# target and exits non-zero at the end. Prints one line per target: runs, coverage, crashes.
# Needs nightly and cargo-fuzz (rustup toolchain install nightly; cargo install cargo-fuzz).
set -uo pipefail
cd "$(dirname "$0")/.."

update=0
if [ "${1:-}" = --update-corpus ]; then
    update=1
    shift
fi
secs=${1:-}
case "$secs" in
'' | *[!0-9]*)
    sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir fuzz) || {
        echo "fuzz-long: cargo +nightly fuzz is not available" >&2
        exit 1
    }
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz-long: no targets" >&2; exit 1; }

work="${CARGO_TARGET_DIR:-target}/fuzz-long"
failed=()
for t in "${targets[@]}"; do
    mkdir -p "$work/$t" "fuzz/corpus/$t"
    log="$work/$t.log"
    echo "fuzz-long: $t for ${secs}s (log $log)"
    t0=$SECONDS
    cargo +nightly fuzz run --fuzz-dir fuzz "$t" "$work/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
    crashes=$(grep -cE '^==[0-9]+==|panicked at|deadly signal' "$log")
    echo "fuzz-long: $t: $((SECONDS - t0)) s, ${runs:-?} runs, coverage ${cov:-?}, exit $rc, crash lines $crashes"
    if [ $rc -ne 0 ]; then
        failed+=("$t")
        grep -E 'panicked at|Test unit written|SUMMARY' "$log" | head -5
    elif [ $update = 1 ]; then
        # Into the first directory: what the second adds to its coverage (new files named by hash).
        cargo +nightly fuzz run --fuzz-dir fuzz "$t" "fuzz/corpus/$t" "$work/$t" -- -merge=1 \
            >"$work/$t.merge.log" 2>&1 || echo "fuzz-long: $t: merge failed ($work/$t.merge.log)"
        echo "fuzz-long: $t: fuzz/corpus/$t holds $(find "fuzz/corpus/$t" -type f | wc -l) inputs," \
            "$(du -sh "fuzz/corpus/$t" | cut -f1)"
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz-long: crashes in: ${failed[*]}"
    exit 1
fi
echo "fuzz-long: ${#targets[@]} targets clean"
