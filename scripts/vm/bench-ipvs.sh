#!/usr/bin/env bash
# Benchmark in the IPVS test VM: time to install SERVICES x DESTS real servers from an empty
# table and to apply a 1% change, by kad's reconciler, by `ipvsadm --restore` and by keepalived
# (when installed on the host; it is copied in), measured in the same VM run
# (ipvs/tests/vm_bench.rs, release build). See scripts/vm/README.md.
#
#   bench-ipvs.sh [SERVICES [DESTS]]     (default 10000 4)
#
# Figures are under TCG emulation: absolute times are several times those of real hardware;
# compare the ratios.
set -euo pipefail
# One compound command: bash reads it whole before running it, so editing this file while a
# run is under way cannot derail that run.
{

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$here/lib.sh"
services=${1:-10000}
dests=${2:-4}

cd "$here/../.."
json=$(mktemp "${TMPDIR:-/tmp}/kad-vm-bench.XXXXXX")
log=$(mktemp "${TMPDIR:-/tmp}/kad-vm-bench-log.XXXXXX")
trap 'rm -f "$json" "$log"' EXIT
kadvm_log "building vm_bench (release)"
cargo test -p keepalive-ipvs --release --test vm_bench --no-run --message-format=json-render-diagnostics >"$json"
exe=$(grep '"reason":"compiler-artifact"' "$json" | grep '"name":"vm_bench"' |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
[ -n "$exe" ] || kadvm_die "no vm_bench executable in cargo's output"

extra=()
if command -v keepalived >/dev/null; then extra+=(--file "$(command -v keepalived):/usr/sbin/keepalived"); fi
"$here/run-in-vm.sh" --timeout "${KAD_VM_TIMEOUT:-1500}" --mem 2048 --log "$log" "${extra[@]}" \
    --env KAD_BENCH_SERVICES="$services" --env KAD_BENCH_DESTS="$dests" \
    -- "$exe" --ignored --exact bench_install_and_one_percent_change --nocapture --test-threads=1
echo
echo "== IPVS benchmark ($(sed -n 's/.*BENCH table: //p' "$log"), Debian $(cat "$(kadvm_prepare_kernel)/version") under qemu TCG)"
sed -n 's/^BENCH \(kad\|ipvsadm\|keepalived\|ratios\)/\1/p' "$log"
exit
}
