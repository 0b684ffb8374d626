#!/usr/bin/env bash
# CI stage: a short chaos soak (90 s of faults; about 2.5 minutes with start-up and the final
# grace). The seed is printed; `scripts/chaos-soak.sh SECONDS SEED` replays it, longer runs
# are for the closing notes (30-60 min).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash scripts/chaos-soak.sh 90
