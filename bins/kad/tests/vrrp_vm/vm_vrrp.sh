#!/bin/bash
# VRRP on the kinds of interface the host kernel lacks, in Debian's kernel under qemu
# (scripts/vm/run-in-vm.sh): a vrrp_instance on a VRF slave and use_ipvlan, kad against
# keepalived 2.2.7 (see vm_inner.sh). Usage (from the repository root, after
# `cargo build -p kad`): bins/kad/tests/vrrp_vm/vm_vrrp.sh [PATH_TO_KAD]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
kad=${1:-${CARGO_TARGET_DIR:-$root/target}/debug/kad}
[ -x "$kad" ] || { echo "no kad binary at $kad (cargo build -p kad)"; exit 2; }
[ -x /usr/sbin/keepalived ] || { echo "no /usr/sbin/keepalived (scripts/deps.sh installs it)"; exit 2; }
exec "$root/scripts/vm/run-in-vm.sh" --timeout "${KAD_VM_TIMEOUT:-600}" \
    --file "$kad:/kad/bin/kad" --file /usr/sbin/keepalived:/kad/bin/keepalived -- "$here/vm_inner.sh"
