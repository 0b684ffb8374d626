#!/bin/bash
# kad's checker child against real IPVS: boots the IPVS test VM (scripts/vm/run-in-vm.sh) and
# runs vm_inner.sh there with the kad binary. Usage (from the repository root, after
# `cargo build -p kad`): bins/kad/tests/checker_e2e/vm_checker.sh [PATH_TO_KAD]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
kad=${1:-${CARGO_TARGET_DIR:-$root/target}/debug/kad}
[ -x "$kad" ] || { echo "no kad binary at $kad (cargo build -p kad)"; exit 2; }
# The same boot also runs BFD_CHECK's test (bins/kad/tests/bfd_vm/vm_bfd_check.sh).
exec "$root/scripts/vm/run-in-vm.sh" --timeout "${KAD_VM_TIMEOUT:-300}" \
  --file "$kad:/kad/bin/kad" --file "$here/vm_inner.sh:/kad/bin/vm_inner.sh" \
  --file "$root/bins/kad/tests/bfd_vm/vm_bfd_check.sh:/kad/bin/vm_bfd_check.sh" \
  -- sh -c '/kad/bin/vm_inner.sh && /kad/bin/vm_bfd_check.sh'
