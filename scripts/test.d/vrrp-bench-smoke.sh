#!/usr/bin/env bash
# CI stage: one cell of the VRRP benchmark (VRRPv3 advert_int 0.1, IPv4, master killed), kad and
# keepalived side by side, so the benchmark script keeps working. The full run is
# scripts/bench-vrrp.sh (about 11 minutes, not part of CI).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q -p kad
KAD="${CARGO_TARGET_DIR:-target}/debug/kad" exec bash scripts/bench-vrrp.sh --smoke
