#!/usr/bin/env bash
# CI stage: one cell of the BFD benchmark (100 ms x 3, track_bfd master, peer bfdd killed), kad
# and keepalived side by side, so the benchmark script keeps working (about 40 s at load 20).
# The full run is scripts/bench-bfd.sh (about 15 minutes, not part of CI).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q -p kad
KAD="${CARGO_TARGET_DIR:-target}/debug/kad" exec bash scripts/bench-bfd.sh --smoke
