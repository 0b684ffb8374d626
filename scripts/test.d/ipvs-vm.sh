#!/usr/bin/env bash
# CI stage: keepalive-ipvs's in-kernel tests (ipvs/tests/vm_*.rs) inside Debian's stock kernel
# under qemu, since the host kernel has no IPVS. One VM boot runs every vm_* test executable.
# Budget: about 10 s to boot plus the tests; the VM is killed after KAD_VM_TIMEOUT (420 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash scripts/vm/cargo-test-in-vm.sh -p keepalive-ipvs --match 'vm_*' --timeout "${KAD_VM_TIMEOUT:-420}"
