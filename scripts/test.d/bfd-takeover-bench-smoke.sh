#!/usr/bin/env bash
# CI stage: one BFD-assisted takeover (kad pair, advert_int 1, BFD 10 ms x 3, master killed),
# measured on the wire, so the benchmark script keeps working and the takeover stays under
# 500 ms. The full run is scripts/bench-bfd-takeover.sh (about 4 minutes, not part of CI).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q -p kad
KAD="${CARGO_TARGET_DIR:-target}/debug/kad" exec bash scripts/bench-bfd-takeover.sh --smoke
