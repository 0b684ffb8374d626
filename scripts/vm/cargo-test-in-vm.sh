#!/usr/bin/env bash
# Builds a crate's cargo test executables on the host and runs them, one after the other, inside
# one boot of the IPVS test VM (run-in-vm.sh). See scripts/vm/README.md.
#
#   cargo-test-in-vm.sh [-p PACKAGE] [--match GLOB] [--all] [--timeout SECONDS] [-- TEST-ARGS...]
#
#   -p PACKAGE       the crate (default keepalive-ipvs)
#   --match GLOB     integration-test targets to run, by target name (default: vm_*)
#   --all            every test executable of the crate: unit tests and all integration tests
#   --timeout S      kill the VM after S seconds (default 420)
#   TEST-ARGS        passed to every test executable after --test-threads=1 (e.g. a name filter)
#
# The executables are the ordinary dynamically linked ones `cargo test` builds (so CI's earlier
# `cargo test --workspace` build is reused, not rebuilt with other flags); run-in-vm.sh copies the
# glibc libraries `ldd` lists beside them. Exit status: 0 when every executable passed.
set -euo pipefail
# One compound command: bash reads it whole before running it, so editing this file while a
# run is under way cannot derail that run.
{

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$here/lib.sh"

package=keepalive-ipvs
match='vm_*'
all=0
timeout_s=${KAD_VM_TIMEOUT:-420}
while [ $# -gt 0 ]; do
    case $1 in
    -p | --package) package=$2; shift 2 ;;
    --match) match=$2; shift 2 ;;
    --all) all=1; shift ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --) shift; break ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) kadvm_die "unknown argument $1 (see --help)" ;;
    esac
done

cd "$here/../.."
json=$(mktemp "${TMPDIR:-/tmp}/kad-vm-cargo.XXXXXX")
runner=$(mktemp "${TMPDIR:-/tmp}/kad-vm-runner.XXXXXX")
trap 'rm -f "$json" "$runner"' EXIT
kadvm_log "building the test executables of $package"
cargo test -p "$package" --no-run --message-format=json-render-diagnostics >"$json"

# One JSON object a line; pick the artifacts that carry an executable and the test profile.
names=()
exes=()
while IFS=$'\t' read -r kind name exe; do
    # shellcheck disable=SC2053 # --match is a glob on purpose
    case $kind in
    test) [ "$all" = 1 ] || [[ $name == $match ]] || continue ;;
    *) [ "$all" = 1 ] || continue ;;
    esac
    names+=("$name")
    exes+=("$exe")
done < <(grep '"reason":"compiler-artifact"' "$json" | grep -E '"profile":\{[^}]*"test":true\}' | grep -v '"executable":null' |
    sed -E 's/.*"target":\{"kind":\["([^"]*)"[^}]*"name":"([^"]*)".*"executable":"([^"]*)".*/\1\t\2\t\3/')

if [ ${#exes[@]} -eq 0 ]; then
    kadvm_log "no test executable of $package matches '$match'"
    exit 1
fi

# The runner executes each binary in turn, prints cargo's own summary for each, and fails when
# any failed. Names are plain target names, so no quoting is needed for them.
extra=""
for a in "$@"; do extra="$extra $(kadvm_shquote "$a")"; done
{
    echo 'rc=0; failed=""'
    for n in "${names[@]}"; do
        echo "echo '=== vm test: $n'"
        echo "/kad/tests/$n --test-threads=1$extra || { rc=1; failed=\"\$failed $n\"; }"
    done
    cat <<'EOF'
[ "$rc" = 0 ] || echo "=== vm tests failed:$failed"
exit $rc
EOF
} >"$runner"

args=(--timeout "$timeout_s" --file "$runner:/kad/run-tests.sh")
for i in "${!exes[@]}"; do args+=(--file "${exes[$i]}:/kad/tests/${names[$i]}"); done
for v in PROPTEST_CASES RUST_LOG RUST_BACKTRACE KAD_VM_TEST_VERBOSE; do
    [ -n "${!v:-}" ] && args+=(--env "$v=${!v}")
done
[ -n "${RUST_BACKTRACE:-}" ] || args+=(--env RUST_BACKTRACE=1)
kadvm_log "running ${names[*]} in the VM"
# Not exec: the EXIT trap must still remove the temporary files.
status=0
"$here/run-in-vm.sh" "${args[@]}" -- sh /kad/run-tests.sh || status=$?
exit "$status"
}
