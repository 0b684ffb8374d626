#!/usr/bin/env bash
# The chaos soak (bins/kad/tests/chaos.rs): four VRRP routers in namespaces on one LAN (kad on
# three, keepalived 2.2.7 on one), a VRRPv2 IPv4 and a VRRPv3 IPv6 instance in a sync group
# with a track_script, and a seeded random schedule of faults (SIGKILL and restart of a router
# or of kad's VRRP child, SIGSTOP/SIGCONT, link down/up, nftables partition and loss, SIGHUP
# storms with invalid configurations, VIPs deleted by hand, a hanging track script). Prints
# the schedule and the figures: time with no VIP holder, two holders and the wrong holder
# once the grace after each fault has passed, deaths, respawns, the final state.
#
# Usage: scripts/chaos-soak.sh [SECONDS [SEED]]    (default 120 s, a seed from the clock)
# The same SEED replays the same schedule. Needs root, ip netns, nft, keepalived.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
export CHAOS_SECS="$secs"
[ -n "${2:-}" ] && export CHAOS_SEED="$2"
cargo test -q -p kad --test chaos --no-run
exec cargo test -q -p kad --test chaos -- --ignored --nocapture --test-threads 1
