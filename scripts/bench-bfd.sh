#!/usr/bin/env bash
# kad vs keepalived as BFD trackers, side by side in one run, against the same peer (FRR 8.4's
# bfdd), in network namespaces this script creates (and always removes).
#
# Detection: a VRRP master (priority 150, the only router) tracks one bfd_instance with
#   `track_bfd` (weight 0: BFD down -> FAULT -> VIP removed). The peer's bfdd is SIGKILLed and
#   the time until the VIP is gone from the master's interface is measured by polling
#   `ip addr` (about 2 ms per poll). RFC 5880 §6.8.4: the session goes down Detect Mult x
#   the agreed interval after the LAST packet received, which left the peer 0.75-1 interval
#   (its jitter) before the kill at most, so theory is (mult - 1) .. mult intervals, plus the
#   event to the VRRP process and the netlink request. Cells: 100 ms x 3 and 10 ms x 3.
# CPU: BENCH_SESSIONS (100) sessions at 10 ms x 3 with bfdd, all Up; utime + stime of the
#   tracker's BFD child (its -b pid file) over BENCH_SECONDS, scaled to seconds per minute.
#
# Usage (as root): scripts/bench-bfd.sh [--smoke]
#   --smoke            one detection cell (100 ms x 3, 1 repetition) per implementation, < 60 s;
#                      exit 0 when every implementation removed the VIP within the detection
#                      time (3 x 100 ms) + 1 s for events, netlink and a loaded machine:
#                      a fallback to 1 s timers (3 s) fails it
# Environment:
#   KAD=PATH           kad binary (default: cargo build --release -p kad, then target/release/kad)
#   KEEPALIVED=PATH    keepalived binary (default /usr/sbin/keepalived)
#   IMPLS="kad keepalived"  which implementations to run
#   REPS=N             detection repetitions per cell (default 5)
#   BENCH_SECONDS=N    CPU measuring interval (default 60)
#   BENCH_SESSIONS=N   sessions for the CPU cell (default 100, at most 150)
#   BENCH_ONLY="detect cpu"  which parts to run
#   BENCH_KEEP=1       keep logs and configurations (the directory is printed)
# Needs: iproute2, frr (bfdd, vtysh), keepalived.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
    echo "bench-bfd: error: $*" >&2
    exit 1
}

SMOKE=0
case "${1:-}" in
--smoke) SMOKE=1 ;;
"") ;;
-h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
*) die "unknown argument $1" ;;
esac

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
BFDD=/usr/lib/frr/bfdd
[ -x "$BFDD" ] || die "$BFDD missing: run scripts/deps.sh"
KEEPALIVED="${KEEPALIVED:-/usr/sbin/keepalived}"
if [ -z "${KAD:-}" ]; then
    cargo build -q --release -p kad
    KAD="${CARGO_TARGET_DIR:-target}/release/kad"
fi
[ -x "$KAD" ] || die "no kad binary at $KAD"
KAD="$(realpath "$KAD")"
IMPLS="${IMPLS:-kad keepalived}"
REPS="${REPS:-5}"
BENCH_SECONDS="${BENCH_SECONDS:-60}"
BENCH_SESSIONS="${BENCH_SESSIONS:-100}"
BENCH_ONLY="${BENCH_ONLY:-detect cpu}"
[ "$BENCH_SESSIONS" -le 150 ] || die "BENCH_SESSIONS at most 150 (addresses 192.0.2.101-250)"
if [ "$SMOKE" = 1 ]; then
    REPS=1
    BENCH_ONLY=detect
fi

TAG="kbb$$"
WORK="$(mktemp -d /tmp/bench-bfd.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    ip netns del "${TAG}a" 2>/dev/null || true
    ip netns del "${TAG}b" 2>/dev/null || true
    if [ -n "${BENCH_KEEP:-}" ]; then echo "bench-bfd: logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Two namespaces joined by a veth pair: A (tracker, 192.0.2.1, and 192.0.2.101.. for the CPU
# cell: bfdd keys single-hop sessions by peer address) and B (bfdd, 192.0.2.2).
net_up() {
    ip netns add "${TAG}a"
    ip netns add "${TAG}b"
    ip -n "${TAG}a" link add eth0 type veth peer name eth0 netns "${TAG}b"
    ip -n "${TAG}a" addr add 192.0.2.1/24 dev eth0
    ip -n "${TAG}b" addr add 192.0.2.2/24 dev eth0
    for n in a b; do
        ip -n "${TAG}$n" link set lo up
        ip -n "${TAG}$n" link set eth0 up
    done
}

net_down() {
    # Everything still running in the namespaces (a tracker's children) was started here.
    for n in a b; do
        for p in $(ip netns pids "${TAG}$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    done
    ip netns del "${TAG}a" 2>/dev/null || true
    ip netns del "${TAG}b" 2>/dev/null || true
}

now_ns() { date +%s%N; }

# start_bfdd DIR PEERS_TEXT: bfdd in B; sets BFDD_PID.
start_bfdd() {
    local dir=$1
    rm -rf "$dir"
    mkdir -p "$dir"
    printf 'bfd\n%s!\n' "$2" >"$dir/bfdd.conf"
    chown -R frr:frr "$dir"
    ip netns exec "${TAG}b" "$BFDD" -f "$dir/bfdd.conf" -i "$dir/bfdd.pid" --vty_socket "$dir" \
        --bfdctl "$dir/bfdd.sock" -z "$dir/zserv.api" -A 127.0.0.1 --log "file:$dir/log" \
        >"$dir/stdout" 2>&1 &
    BFDD_PID=$!
    PIDS+=("$BFDD_PID")
}

frr_up_count() {
    local text
    text=$(ip netns exec "${TAG}b" vtysh --vty_socket "$1" -c 'show bfd peers json' 2>/dev/null || true)
    grep -o '"status":"up"' <<<"$text" | wc -l
}

# start_tracker IMPL DIR CONF: kad or keepalived in A; sets TRACKER_PID.
start_tracker() {
    local impl=$1 dir=$2 bin
    case "$impl" in
    kad) bin="$KAD" ;;
    keepalived) bin="$KEEPALIVED" ;;
    esac
    ip netns exec "${TAG}a" "$bin" -n -l -D -f "$3" -p "$dir/k.pid" -r "$dir/v.pid" \
        -c "$dir/c.pid" -b "$dir/b.pid" >"$dir/log" 2>&1 &
    TRACKER_PID=$!
    PIDS+=("$TRACKER_PID")
}

stop_pid() {
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# Not `| grep -q`: under pipefail, grep's early exit would fail `ip` with SIGPIPE.
has_vip() { [[ "$(ip -n "${TAG}a" -o addr show dev eth0)" == *"inet 192.0.2.100/"* ]]; }

bfd_instance() { # NAME PEER SRC INTERVAL_MS
    printf 'bfd_instance %s {\n  neighbor_ip %s\n  source_ip %s\n  min_rx %s\n  min_tx %s\n  multiplier 3\n}\n' \
        "$1" "$2" "$3" "$4" "$4"
}

frr_peer() { # PEER LOCAL INTERVAL_MS
    printf ' peer %s local-address %s\n  detect-multiplier 3\n  receive-interval %s\n  transmit-interval %s\n !\n' \
        "$1" "$2" "$3" "$3"
}

# detect_once IMPL INTERVAL_MS REP: one repetition; prints milliseconds or "fail".
detect_once() {
    local impl=$1 ms=$2 dir="$WORK/$1-$2-$3"
    mkdir -p "$dir"
    net_up
    {
        echo "global_defs { router_id bench }"
        bfd_instance b1 192.0.2.2 192.0.2.1 "$ms"
        printf 'vrrp_instance VI_1 {\n  state MASTER\n  interface eth0\n  virtual_router_id 51\n  priority 150\n  advert_int 1\n  track_bfd {\n    b1\n  }\n  virtual_ipaddress {\n    192.0.2.100/32\n  }\n}\n'
    } >"$dir/keepalived.conf"
    start_bfdd "$dir/frr" "$(frr_peer 192.0.2.1 192.0.2.2 "$ms")"
    local bfdd=$BFDD_PID
    start_tracker "$impl" "$dir" "$dir/keepalived.conf"
    local tracker=$TRACKER_PID
    local deadline=$(($(now_ns) + 30000000000)) out=fail
    while ! has_vip; do
        [ "$(now_ns)" -lt "$deadline" ] || break
        sleep 0.05
    done
    if has_vip; then
        sleep 1
        local t0
        t0=$(now_ns)
        kill -9 "$bfdd"
        while has_vip; do
            [ $(($(now_ns) - t0)) -lt 10000000000 ] || break
        done
        has_vip || out=$(awk -v d=$(($(now_ns) - t0)) 'BEGIN { printf "%.1f", d / 1e6 }')
    fi
    stop_pid "$bfdd"
    stop_pid "$tracker"
    net_down
    echo "$out"
}

stats() { # values... -> "median min max"
    printf '%s\n' "$@" | grep -v fail | sort -n | awk '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "fail"; exit }
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "median %.1f ms (min %.1f, max %.1f, n=%d)", m, v[1], v[NR], NR
        }'
}

smoke_ok=1
if [[ " $BENCH_ONLY " == *" detect "* ]]; then
    cells="100 10"
    [ "$SMOKE" = 1 ] && cells=100
    echo "== detection: peer SIGKILL -> VIP gone on the tracking master (REPS=$REPS) =="
    for ms in $cells; do
        lo=$((2 * ms))
        hi=$((3 * ms))
        for impl in $IMPLS; do
            vals=()
            for rep in $(seq "$REPS"); do
                vals+=("$(detect_once "$impl" "$ms" "$rep")")
            done
            echo "  ${ms} ms x 3  $(printf '%-10s' "$impl")  $(stats "${vals[@]}")   theory ${lo}-${hi} ms + event + netlink   [${vals[*]}]"
            if [ "$SMOKE" = 1 ]; then
                for v in "${vals[@]}"; do
                    if [ "$v" = fail ] || awk -v v="$v" -v hi="$hi" 'BEGIN { exit !(v > hi + 1000) }'; then
                        smoke_ok=0
                    fi
                done
            fi
        done
    done
fi

if [[ " $BENCH_ONLY " == *" cpu "* ]]; then
    echo "== CPU: $BENCH_SESSIONS sessions at 10 ms x 3, BFD child over ${BENCH_SECONDS} s =="
    for impl in $IMPLS; do
        dir="$WORK/cpu-$impl"
        mkdir -p "$dir"
        net_up
        peers=""
        {
            echo "global_defs { router_id bench }"
            for i in $(seq "$BENCH_SESSIONS"); do
                ip -n "${TAG}a" addr add "192.0.2.$((100 + i))/24" dev eth0
                bfd_instance "b$i" 192.0.2.2 "192.0.2.$((100 + i))" 10
            done
        } >"$dir/keepalived.conf"
        for i in $(seq "$BENCH_SESSIONS"); do
            peers+="$(frr_peer "192.0.2.$((100 + i))" 192.0.2.2 10)"$'\n'
        done
        start_bfdd "$dir/frr" "$peers"
        bfdd=$BFDD_PID
        start_tracker "$impl" "$dir" "$dir/keepalived.conf"
        tracker=$TRACKER_PID
        deadline=$(($(date +%s) + 60))
        while [ "$(frr_up_count "$dir/frr")" -lt "$BENCH_SESSIONS" ] && [ "$(date +%s)" -lt "$deadline" ]; do
            sleep 0.5
        done
        up=$(frr_up_count "$dir/frr")
        sleep 2
        child=$(cat "$dir/b.pid")
        ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
        t0=$(ticks "$child")
        sleep "$BENCH_SECONDS"
        t1=$(ticks "$child")
        up_after=$(frr_up_count "$dir/frr")
        hz=$(getconf CLK_TCK)
        per_min=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$BENCH_SECONDS" 'BEGIN { printf "%.2f", d / hz * 60 / s }')
        echo "  $(printf '%-10s' "$impl")  ${per_min} s CPU per minute   (sessions up: $up before, $up_after after)"
        stop_pid "$bfdd"
        stop_pid "$tracker"
        net_down
    done
fi

if [ "$SMOKE" = 1 ] && [ "$smoke_ok" = 0 ]; then
    die "an implementation did not remove the VIP within 3 x 100 ms + 1 s"
fi
