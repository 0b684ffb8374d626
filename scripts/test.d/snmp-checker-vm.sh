#!/usr/bin/env bash
# CI stage: KEEPALIVED-MIB's checker tables (enable_snmp_checker) walked under keepalived 2.2.7
# and under kad on real IPVS, inside Debian's kernel under qemu (the host kernel has no IPVS,
# and keepalived's checker process exits without it), with Debian's snmpd as AgentX master;
# then realServerWeight written with snmpset under each. See
# bins/kad/tests/snmp/vm_checker_inner.sh. Uses the debug kad built by the test stage.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q -p kad
kad="${CARGO_TARGET_DIR:-target}/debug/kad"
exec bash bins/kad/tests/snmp/vm_checker_walk.sh "$kad"
