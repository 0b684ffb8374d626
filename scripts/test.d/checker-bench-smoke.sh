#!/usr/bin/env bash
# CI stage: the checker benchmark at its smoke size (200 TCP_CHECK + 20 HTTP_GET, 15 s each),
# kad and keepalived side by side in the VM, so the benchmark script keeps working. Debug builds:
# the figures here only show the script runs end to end; the reported ones come from
# `scripts/bench-checker.sh` with release builds (README, "Benchmarks").
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q -p kad -p kad-examples --bin kad --bin tcp_sink
tgt="${CARGO_TARGET_DIR:-target}/debug"
KAD="$tgt/kad" TCP_SINK="$tgt/tcp_sink" exec bash scripts/bench-checker.sh --smoke
