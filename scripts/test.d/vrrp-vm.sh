#!/usr/bin/env bash
# CI stage: VRRP on the kinds of interface the host kernel lacks, inside Debian's kernel under qemu
# (bins/kad/tests/vrrp_vm/): a vrrp_instance on a VRF slave and use_ipvlan, keepalived against
# keepalived first (the harness), then kad against keepalived. Uses the debug kad built by the
# test stage. About 5 minutes (TCG); the VM is killed after KAD_VM_TIMEOUT (600 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q -p kad
kad="${CARGO_TARGET_DIR:-target}/debug/kad"
exec bash bins/kad/tests/vrrp_vm/vm_vrrp.sh "$kad"
