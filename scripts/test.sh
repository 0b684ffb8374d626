#!/usr/bin/env bash
# The whole test suite, as CI runs it: dependencies, formatting, lints, unit/property/simulation
# tests, the keepalived oracle, end-to-end namespace tests, bounded fuzzing and the IPVS VM.
# Prints one closing line "stages: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-45}
passed=0
failed=0
failures=()

stage() {
    local name=$1
    shift
    echo "=== $name"
    local t0=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        echo "=== $name: ok ($((SECONDS - t0)) s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "=== $name: FAILED ($((SECONDS - t0)) s)"
    fi
}

fuzz_all() {
    local rc=0 t logs="${CARGO_TARGET_DIR:-target}"
    mkdir -p "$logs"
    for t in $(cargo +nightly fuzz list --fuzz-dir fuzz 2>/dev/null); do
        echo "fuzz: $t for ${FUZZ_SECONDS}s"
        cargo +nightly fuzz run --fuzz-dir fuzz "$t" -- -max_total_time="$FUZZ_SECONDS" \
            -rss_limit_mb=2048 -print_final_stats=1 >"$logs/fuzz-$t.log" 2>&1 || {
            tail -40 "$logs/fuzz-$t.log"
            rc=1
        }
        grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$logs/fuzz-$t.log" | tail -1
    done
    return $rc
}

stage deps bash scripts/deps.sh
stage fmt cargo fmt --all -- --check
stage clippy cargo clippy --workspace --all-targets -q -- -D warnings
stage tests cargo test --workspace -q
stage fuzz fuzz_all
for extra in scripts/test.d/*.sh; do
    [ -e "$extra" ] || continue
    stage "$(basename "$extra" .sh)" bash "$extra"
done

[ ${#failures[@]} -gt 0 ] && echo "failed stages: ${failures[*]}"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
