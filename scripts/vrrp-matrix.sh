#!/usr/bin/env bash
# The VRRP interoperability matrix (bins/kad/tests/vrrp_matrix.rs): kad against keepalived 2.2.7
# and FRR's vrrpd in network namespaces, every cell an election, SIGKILL and SIGTERM failovers and
# two preemptions, captured and decoded by tshark.
#
#   scripts/vrrp-matrix.sh                 a subset: seed = today's day number (or $VRRP_MATRIX_SEED),
#                                          $VRRP_MATRIX_COUNT cells (default 6)
#   scripts/vrrp-matrix.sh --full          every cell (about 30 minutes), then rewrites the table
#                                          between the vrrp-matrix markers in README.md
#   scripts/vrrp-matrix.sh --cells A,B     the cells whose names contain A or B
#                                          (names: v3-ipv6-mcast-noauth-vmac-frr-kadbackup)
# Needs root, keepalived, frr and tshark (scripts/deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

full=0
case "${1:-}" in
--full) full=1 ;;
--cells) export VRRP_MATRIX_FILTER="${2:?--cells needs a list}" ;;
"") ;;
*)
    echo "usage: $0 [--full | --cells A,B]" >&2
    exit 2
    ;;
esac

table=$(mktemp)
trap 'rm -f "$table"' EXIT
export VRRP_MATRIX_TABLE="$table"
export VRRP_MATRIX_COUNT="${VRRP_MATRIX_COUNT:-6}"
[ "$full" -eq 1 ] && export VRRP_MATRIX=full

rc=0
cargo test -q -p kad --test vrrp_matrix -- --ignored --nocapture --test-threads 1 || rc=$?

# The table is rewritten whatever the outcome: a failed cell shows as such.
if [ "$full" -eq 1 ] && [ -s "$table" ]; then
    python3 - "$table" README.md <<'PY'
import sys
table, readme = sys.argv[1], sys.argv[2]
new = open(table, encoding="utf-8").read().rstrip("\n") + "\n"
text = open(readme, encoding="utf-8").read()
begin, end = "<!-- vrrp-matrix begin -->\n", "<!-- vrrp-matrix end -->"
a, b = text.index(begin) + len(begin), text.index(end)
open(readme, "w", encoding="utf-8").write(text[:a] + new + text[b:])
PY
    echo "vrrp-matrix: README.md's table rewritten"
fi
exit "$rc"
