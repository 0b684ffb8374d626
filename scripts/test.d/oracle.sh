#!/usr/bin/env bash
# Stage "oracle": the recorded keepalived verdicts for the configuration corpus are still what
# the installed keepalived says. (kad's own agreement with keepalived is checked by
# bins/kad/tests/oracle.rs in the "tests" stage.)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/oracle-verdicts.sh --check
