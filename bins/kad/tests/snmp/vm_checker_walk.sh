#!/bin/bash
# KEEPALIVED-MIB's checker tables against keepalived 2.2.7, on real IPVS: boots the IPVS test
# VM (scripts/vm/run-in-vm.sh; the host kernel has no IPVS, without which keepalived's checker
# process exits) and runs vm_checker_inner.sh there with kad, keepalived, Debian's snmpd,
# snmpwalk and snmpset, and the MIB files. Usage (from the repository root, after
# `cargo build -p kad`): bins/kad/tests/snmp/vm_checker_walk.sh [PATH_TO_KAD]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
kad=${1:-${CARGO_TARGET_DIR:-$root/target}/debug/kad}
[ -x "$kad" ] || { echo "no kad binary at $kad (cargo build -p kad)"; exit 2; }
for f in /usr/sbin/keepalived /usr/sbin/snmpd /usr/bin/snmpbulkwalk /usr/bin/snmpset \
         /usr/share/snmp/mibs/KEEPALIVED-MIB.txt; do
    [ -e "$f" ] || { echo "missing $f (scripts/deps.sh installs it)"; exit 2; }
done
files=(--file "$kad:/kad/bin/kad" --file /usr/sbin/keepalived:/kad/bin/keepalived
       --file /usr/sbin/snmpd:/kad/bin/snmpd 
       --file /usr/bin/snmpset:/usr/bin/snmpset --file /usr/bin/snmpbulkwalk:/usr/bin/snmpbulkwalk
       --file /usr/share/snmp/mibs/KEEPALIVED-MIB.txt:/kad/mibs/KEEPALIVED-MIB.txt)
for m in "$here"/mibs/*.txt; do files+=(--file "$m:/kad/mibs/$(basename "$m")"); done
exec "$root/scripts/vm/run-in-vm.sh" --timeout "${KAD_VM_TIMEOUT:-300}" "${files[@]}" \
    -- "$here/vm_checker_inner.sh"
