#!/usr/bin/env bash
# CI stage: a rotating subset of the VRRP interoperability matrix (kad against keepalived 2.2.7 and
# FRR's vrrpd): 6 cells chosen by the day number, always a keepalived cell of each version and an
# FRR cell; the seed is printed (VRRP_MATRIX_SEED=N repeats a run); and kad's GARP/NA bursts
# compared with keepalived's. About 5 minutes. The full matrix is scripts/vrrp-matrix.sh --full
# (about 30 minutes, not part of CI).
set -euo pipefail
cd "$(dirname "$0")/../.."
CI=true exec bash scripts/vrrp-matrix.sh
