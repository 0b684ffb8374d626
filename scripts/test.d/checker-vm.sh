#!/usr/bin/env bash
# CI stage: kad's checker child against real IPVS inside Debian's kernel under qemu (the host
# kernel has no IPVS): real servers up and down, quorum, SIGTERM emptying the table,
# net_namespace_ipvs; in the same boot, BFD_CHECK taking a real server out of IPVS and back
# (bins/kad/tests/bfd_vm/vm_bfd_check.sh: 47 s of the VM's time at load 15 on 2 cores).
# Uses the debug kad built by the test stage.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q -p kad
kad="${CARGO_TARGET_DIR:-target}/debug/kad"
exec bash bins/kad/tests/checker_e2e/vm_checker.sh "$kad"
