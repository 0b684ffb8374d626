#!/usr/bin/env bash
# The whole test suite, as CI runs it: dependencies, formatting, lints, unit/property/simulation
# tests, the keepalived oracle, end-to-end namespace tests, bounded fuzzing and the IPVS VM.
# Prints one closing line "stages: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
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

# Every test that cannot run here (no root, a missing tool or sample) appends a line to this
# file (the kad-skip dev crate, tests/skip/): under CI=true such a test fails instead.
logs="${CARGO_TARGET_DIR:-target}"
mkdir -p "$logs"
export KAD_SKIP_LOG
KAD_SKIP_LOG="$(realpath "$logs")/skipped-tests.txt"
: >"$KAD_SKIP_LOG"

# The number of skipped tests so far, and which.
skip_summary() {
    local n
    n=$(wc -l <"$KAD_SKIP_LOG")
    echo "skipped tests: $n${CI:+ (CI=$CI)}"
    [ "$n" -eq 0 ] || sed 's/^/  /' "$KAD_SKIP_LOG"
}

unit_tests() {
    local rc=0
    cargo test --workspace -q || rc=1
    skip_summary
    return $rc
}

# Each fuzz target for FUZZ_SECONDS from its corpus (fuzz/corpus/<target>; the run's additions
# go to the first directory, outside the repository). Fails when nightly or cargo-fuzz is
# missing, when no target ran, or when one found a crash.
fuzz_all() {
    local rc=0 t targets ran=0
    if ! targets=$(cargo +nightly fuzz list --fuzz-dir fuzz); then
        echo "fuzz: cargo +nightly fuzz is not available (rustup toolchain install nightly;" \
            "cargo install cargo-fuzz)"
        return 1
    fi
    for t in $targets; do
        echo "fuzz: $t for ${FUZZ_SECONDS}s"
        local work="$logs/fuzz-corpus/$t"
        mkdir -p "$work" "fuzz/corpus/$t"
        if cargo +nightly fuzz run --fuzz-dir fuzz "$t" "$work" "fuzz/corpus/$t" -- \
            -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -print_final_stats=1 \
            >"$logs/fuzz-$t.log" 2>&1; then
            ran=$((ran + 1))
        else
            tail -40 "$logs/fuzz-$t.log"
            rc=1
        fi
        grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$logs/fuzz-$t.log" | tail -1
    done
    echo "fuzz: $ran targets ran clean"
    [ "$ran" -gt 0 ] || rc=1
    return $rc
}

stage deps bash scripts/deps.sh
stage fmt cargo fmt --all -- --check
stage clippy cargo clippy --workspace --all-targets -q -- -D warnings
stage tests unit_tests
stage fuzz fuzz_all
for extra in scripts/test.d/*.sh; do
    [ -e "$extra" ] || continue
    stage "$(basename "$extra" .sh)" bash "$extra"
done

skip_summary
[ ${#failures[@]} -gt 0 ] && echo "failed stages: ${failures[*]}"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
