#!/usr/bin/env bash
# kad vs keepalived as BFD trackers, side by side in one run, against the same peers (FRR 8.4's
# bfdd, keepalived 2.2.7, kad), in network namespaces this script creates (and always removes).
# The machine may be shared: every cell is the median of REPS runs and the load average is
# printed with each.
#
# Detection: a VRRP master (priority 150, the only router) tracks one bfd_instance with
#   `track_bfd` (weight 0: BFD down -> FAULT -> VIP removed). The peer's BFD process is
#   SIGKILLed; `ip -ts monitor address` stamps the VIP's removal. RFC 5880 §6.8.4: the session
#   goes down Detect Mult x the agreed interval (the detection time D) after the LAST packet
#   received, which left the peer 0.75-1 interval (its jitter) before the kill at most, so
#   "latency" (kill -> VIP gone) is (mult - 1) .. mult intervals plus the event to the VRRP
#   process and the netlink request. "Over" answers the issue's goal (within 2 ms of the
#   detection time): tshark stamps the peer's last packet as it arrives, and
#   over = (VIP gone - last packet) - D = latency - (D - time from the last packet to the
#   kill), i.e. everything the tracker adds to the protocol's own detection time.
#   "bfd over" splits it: tshark also stamps the tracker's first Down packet (diag 1, sent
#   when its detection timer expires), so (that packet - last packet) - D is the BFD
#   process's own lateness, the rest is the event to the VRRP process, the netlink request
#   and `ip monitor` reading it. keepalived sends its Down at its next transmit time, not
#   when the timer expires, so its "bfd over" also holds up to one interval.
#   Cells: 100 ms x 3 and 10 ms x 3, each peer, each tracker.
# CPU and memory: BENCH_SESSIONS (100) sessions at 10 ms x 3 with bfdd, all Up; utime + stime
#   of the tracker's BFD child (its -b pid file) over BENCH_SECONDS in three slices, scaled to
#   seconds per minute (the median slice), and its VmRSS; RSS per session = (RSS with N sessions - RSS with 1) / (N - 1), the
#   1-session RSS being the median over the detection runs. Ratios are kad / keepalived, and
#   kad / FRR's bfdd, whose CPU is measured in the same slices at the other end of the same
#   sessions. The load average is printed next to every figure: on a shared machine compare
#   a rerun only at a similar load.
#
# Usage (as root): scripts/bench-bfd.sh [--smoke]
#   --smoke            one detection cell (100 ms x 3, 1 repetition) per implementation, < 60 s;
#                      exit 0 when every implementation removed the VIP within the detection
#                      time (3 x 100 ms) + 1 s for events, netlink and a loaded machine:
#                      a fallback to 1 s timers (3 s) fails it
# Environment:
#   KAD=PATH           kad binary (default: cargo build --release -p kad, then target/release/kad)
#   KEEPALIVED=PATH    keepalived binary (default /usr/sbin/keepalived)
#   IMPLS="kad keepalived"  which implementations to run as the tracker
#   PEERS="frr keepalived kad"  which peers the detection cells use (FRR's bfdd, or the BFD
#                      process of a keepalived / kad with one bfd_instance)
#   REPS=N             detection repetitions per cell (default 5)
#   CELLS="100 10"     the detection cells' intervals, ms
#   BENCH_SECONDS=N    CPU measuring interval (default 60)
#   BENCH_SESSIONS=N   sessions for the CPU cell (default 100, at most 150)
#   BENCH_ONLY="detect cpu"  which parts to run
#   BENCH_KEEP=1       keep logs and configurations (the directory is printed)
#   RT=N               SCHED_RR priority of every BFD and VRRP process, bfdd included (default
#                      50, keepalived's own bfd_rt_priority / vrrp_rt_priority; 0: none), so a
#                      shared, loaded machine delays neither side; the detection cells need it
#                      at 10 ms
# Needs: iproute2, frr (bfdd, vtysh), keepalived; tshark for "over" (else it prints n/a).
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
PEERS="${PEERS:-frr keepalived kad}"
REPS="${REPS:-5}"
BENCH_SECONDS="${BENCH_SECONDS:-60}"
BENCH_SESSIONS="${BENCH_SESSIONS:-100}"
BENCH_ONLY="${BENCH_ONLY:-detect cpu}"
RT="${RT:-50}"
[ "$BENCH_SESSIONS" -le 150 ] || die "BENCH_SESSIONS at most 150 (addresses 192.0.2.101-250)"
if [ "$SMOKE" = 1 ]; then
    REPS=1
    BENCH_ONLY=detect
    PEERS=frr
fi
TSHARK=$(command -v tshark || true)
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

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
    local chrt=()
    [ "$RT" -gt 0 ] && chrt=(chrt -r "$RT")
    ip netns exec "${TAG}b" "${chrt[@]}" "$BFDD" -f "$dir/bfdd.conf" -i "$dir/bfdd.pid" --vty_socket "$dir" \
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

# start_daemon NS IMPL DIR CONF: kad or keepalived in namespace NS; sets DAEMON_PID.
start_daemon() {
    local ns=$1 impl=$2 dir=$3 bin
    case "$impl" in
    kad) bin="$KAD" ;;
    keepalived) bin="$KEEPALIVED" ;;
    esac
    ip netns exec "$ns" "$bin" -n -l -D -f "$4" -p "$dir/k.pid" -r "$dir/v.pid" \
        -c "$dir/c.pid" -b "$dir/b.pid" >"$dir/log" 2>&1 &
    DAEMON_PID=$!
    PIDS+=("$DAEMON_PID")
}

# start_tracker IMPL DIR CONF: kad or keepalived in A; sets TRACKER_PID.
start_tracker() {
    start_daemon "${TAG}a" "$@"
    TRACKER_PID=$DAEMON_PID
}

# wait_file FILE: until FILE exists and is not empty (at most 20 s).
wait_file() {
    local i=0
    while [ ! -s "$1" ] && [ $i -lt 200 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -s "$1" ]
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

stop_pid() {
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# Not `| grep -q`: under pipefail, grep's early exit would fail `ip` with SIGPIPE.
has_vip() { [[ "$(ip -n "${TAG}a" -o addr show dev eth0)" == *"inet 192.0.2.100/"* ]]; }

global_defs() { # ROUTER_ID
    if [ "$RT" -gt 0 ]; then
        # keepalived's default RLIMIT_RTTIME (10 ms of CPU without blocking) kills a real-time
        # VRRP process at start on a loaded machine; 1 s keeps the limit's purpose.
        printf 'global_defs {\n  router_id %s\n  bfd_rt_priority %s\n  vrrp_rt_priority %s\n  bfd_rlimit_rttime 1000000\n  vrrp_rlimit_rttime 1000000\n}\n' \
            "$1" "$RT" "$RT"
    else
        printf 'global_defs {\n  router_id %s\n}\n' "$1"
    fi
}

bfd_instance() { # NAME PEER SRC INTERVAL_MS
    printf 'bfd_instance %s {\n  neighbor_ip %s\n  source_ip %s\n  min_rx %s\n  min_tx %s\n  multiplier 3\n}\n' \
        "$1" "$2" "$3" "$4" "$4"
}

frr_peer() { # PEER LOCAL INTERVAL_MS
    printf ' peer %s local-address %s\n  detect-multiplier 3\n  receive-interval %s\n  transmit-interval %s\n !\n' \
        "$1" "$2" "$3" "$3"
}

# detect_once IMPL PEER INTERVAL_MS REP: one repetition; prints "LATENCY OVER RSS" (ms, ms,
# kB of the tracker's BFD child), "LATENCY n/a RSS" without tshark, or "fail".
detect_once() {
    local impl=$1 peer=$2 ms=$3 dir="$WORK/$1-$2-$3-$4"
    mkdir -p "$dir/peer"
    net_up
    {
        global_defs bench
        bfd_instance b1 192.0.2.2 192.0.2.1 "$ms"
        printf 'vrrp_instance VI_1 {\n  state MASTER\n  interface eth0\n  virtual_router_id 51\n  priority 150\n  advert_int 1\n  track_bfd {\n    b1\n  }\n  virtual_ipaddress {\n    192.0.2.100/32\n  }\n}\n'
    } >"$dir/keepalived.conf"
    # The peer's BFD process, and what to SIGKILL: bfdd, or the peer daemon's BFD child (then
    # its parent, which would respawn it).
    local kill_first kill_then="" out=fail
    if [ "$peer" = frr ]; then
        start_bfdd "$dir/frr" "$(frr_peer 192.0.2.1 192.0.2.2 "$ms")"
        kill_first=$BFDD_PID
    else
        {
            global_defs peer
            bfd_instance b1 192.0.2.1 192.0.2.2 "$ms"
        } >"$dir/peer/keepalived.conf"
        start_daemon "${TAG}b" "$peer" "$dir/peer" "$dir/peer/keepalived.conf"
        kill_then=$DAEMON_PID
        wait_file "$dir/peer/b.pid" || {
            stop_pid "$kill_then"
            net_down
            echo fail
            return
        }
        kill_first=$(cat "$dir/peer/b.pid")
    fi
    start_tracker "$impl" "$dir" "$dir/keepalived.conf"
    local tracker=$TRACKER_PID
    local deadline=$(($(now_ns) + 30000000000))
    while ! has_vip; do
        [ "$(now_ns)" -lt "$deadline" ] || break
        sleep 0.05
    done
    if has_vip; then
        sleep 1
        local rss cap="" mon t0
        rss=$(rss_kb "$(cat "$dir/b.pid")")
        if [ -n "$TSHARK" ]; then
            # Both directions: the peer's packets (the last one heard) and the tracker's (its
            # first Down, diag 1, says when its detection timer expired).
            # And its VRRP adverts: the priority 0 one says when its VRRP process acted.
            ip netns exec "${TAG}a" "$TSHARK" -i eth0 -l -n -f "udp dst port 3784 or ip proto 112" \
                -T fields -E separator=, -e frame.time_epoch -e ip.src -e bfd.sta -e bfd.diag -e vrrp.prio \
                >"$dir/cap" 2>"$dir/cap.err" &
            cap=$!
            PIDS+=("$cap")
            local i=0
            while ! grep -qs "Capturing on" "$dir/cap.err" && [ $i -lt 200 ]; do
                sleep 0.05
                i=$((i + 1))
            done
            sleep 0.3
        fi
        # `ip monitor` stamps a change when it reads it: at the daemons' real-time priority,
        # so a loaded machine does not delay the stamp (tshark's stamps are the kernel's).
        local chrt=()
        [ "$RT" -gt 0 ] && chrt=(chrt -r "$RT")
        "${chrt[@]}" ip -n "${TAG}a" -ts monitor address >"$dir/mon" 2>&1 &
        mon=$!
        PIDS+=("$mon")
        sleep 0.2
        # No fork between the time stamp and the kill (a `$(date)` costs milliseconds on a
        # loaded machine, all counted as latency).
        t0=${EPOCHREALTIME/[.,]/}000
        kill -9 "$kill_first"
        [ -n "$kill_then" ] && kill -9 "$kill_then"
        while has_vip; do
            [ $(($(now_ns) - t0)) -lt 10000000000 ] || break
            sleep 0.001
        done
        if ! has_vip; then
            # tshark runs at normal priority: on a loaded machine it needs a moment to hand
            # over the tracker's Down packet before SIGINT.
            sleep 0.5
            stop_pid "$mon"
            [ -n "$cap" ] && { kill -INT "$cap" 2>/dev/null; wait "$cap" 2>/dev/null || true; }
            # "[2026-12-07T13:40:01.123456] Deleted 2: eth0    inet 192.0.2.100/32 ..."
            local gone
            gone=$(grep -m1 'Deleted.*inet 192.0.2.100/' "$dir/mon" | sed -n 's/^\[\([^]]*\)\].*/\1/p')
            if [ -n "$gone" ]; then
                gone=$(date -d "$gone" +%s.%N)
                # The peer's last packet is the last one captured from it at all, not the
                # last before t0: the kill lands after t0, by milliseconds on a loaded
                # machine, and at 10 ms the peer often sent once more in between, which
                # counted whole intervals into "over" (the 8-13 ms of the last run). The
                # tracker's detection: its first packet with state Down (1) and diag 1
                # (Control Detection Time Expired) after that.
                local last="" down="" prio0=""
                if [ -n "$cap" ]; then
                    read -r last down prio0 < <(awk -F, -v g="$gone" '
                        $2 == "192.0.2.2" && $3 != "" && $1 <= g { l = $1; d = ""; v = "" }
                        $2 == "192.0.2.1" && l != "" && d == "" && $3 ~ /^(0x0*)?1$/ && $4 ~ /^(0x0*)?1$/ { d = $1 }
                        $2 == "192.0.2.1" && l != "" && v == "" && $5 == "0" { v = $1 }
                        END { print l, (d == "" ? "-" : d), (v == "" ? "-" : v) }' "$dir/cap")
                fi
                out=$(awk -v g="$gone" -v t0="$t0" -v l="$last" -v dn="$down" -v v="$prio0" -v d=$((3 * ms)) -v r="$rss" 'BEGIN {
                    lat = (g - t0 / 1e9) * 1000
                    if (l == "") { printf "%.1f n/a n/a %d n/a", lat, r; exit }
                    bfd = (dn == "-" || dn == "") ? "n/a" : sprintf("%.2f", (dn - l) * 1000 - d)
                    vr = (v == "-" || v == "") ? "n/a" : sprintf("%.2f", (v - l) * 1000 - d)
                    printf "%.1f %.2f %s %d %s", lat, (g - l) * 1000 - d, bfd, r, vr }')
            fi
        fi
    fi
    stop_pid "$kill_first"
    [ -n "$kill_then" ] && stop_pid "$kill_then"
    stop_pid "$tracker"
    net_down
    echo "$out"
}

stats() { # values... -> "median (min..max, n=N)"; DIGITS decimals (default 1)
    printf '%s\n' "$@" | grep -v -e fail -e n/a | sort -n | awk -v p="${DIGITS:-1}" '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "n/a"; exit }
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            f = "%." p "f"
            printf f " (" f ".." f ", n=%d)", m, v[1], v[NR], NR
        }'
}

median() { # values... -> the median alone
    printf '%s\n' "$@" | grep -v -e fail -e n/a | sort -n | awk '
        { v[NR] = $1 }
        END { if (NR == 0) print ""; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "bench-bfd: $(nproc) CPUs, load average $(loadavg) at start; SCHED_RR priority ${RT} (0: none)"
smoke_ok=1
declare -A RSS1=()
if [[ " $BENCH_ONLY " == *" detect "* ]]; then
    cells="${CELLS:-100 10}"
    [ "$SMOKE" = 1 ] && cells=100
    echo "== detection: peer's BFD SIGKILLed -> VIP gone on the tracking master (REPS=$REPS; ms, median (min..max)) =="
    echo "   latency = kill -> VIP gone; over = (VIP gone - last packet received) - detection time;"
    echo "   bfd over = (tracker's first Down/diag 1 packet - last packet received) - detection time,"
    echo "   both stamped by the capture: the BFD process's own lateness, without event and netlink"
    for ms in $cells; do
        lo=$((2 * ms))
        hi=$((3 * ms))
        for peer in $PEERS; do
            for impl in $IMPLS; do
                lats=() overs=() bfds=() raw=()
                for rep in $(seq "$REPS"); do
                    r=$(detect_once "$impl" "$peer" "$ms" "$rep")
                    raw+=("${r// //}")
                    read -r lat over bfd rss _ <<<"$r"
                    lats+=("$lat")
                    overs+=("${over:-fail}")
                    bfds+=("${bfd:-fail}")
                    [ -n "${rss:-}" ] && RSS1[$impl]+="$rss "
                done
                printf '  %3s ms x 3  peer %-10s tracker %-10s latency %-26s over %-28s bfd over %-28s theory %s-%s + event + netlink  load %s\n' \
                    "$ms" "$peer" "$impl" "$(stats "${lats[@]}")" "$(DIGITS=2 stats "${overs[@]}")" \
                    "$(DIGITS=2 stats "${bfds[@]}")" "$lo" "$hi" "$(loadavg)"
                echo "      runs (latency/over/bfd over/rss kB/priority 0 advert over): ${raw[*]}"
                if [ "$SMOKE" = 1 ]; then
                    for v in "${lats[@]}"; do
                        # Theory (the detection time's upper end) plus a second of slack.
                        if [ "$v" = fail ] || awk -v v="$v" -v hi="$hi" 'BEGIN { exit !(v > hi + 1000) }'; then
                            smoke_ok=0
                        fi
                    done
                fi
            done
        done
    done
fi

if [[ " $BENCH_ONLY " == *" cpu "* ]]; then
    echo "== CPU: $BENCH_SESSIONS sessions at 10 ms x 3, BFD child over ${BENCH_SECONDS} s =="
    declare -A CPU=() PER=()
    FRR_CPU=()
    for impl in $IMPLS; do
        dir="$WORK/cpu-$impl"
        mkdir -p "$dir"
        net_up
        peers=""
        {
            global_defs bench
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
        # A BFD child that died (and was respawned) during the cell is reported, not a crash
        # of this script under `set -e`.
        ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo "BFD child $1 of $impl died during the CPU cell" >&2; }
        hz=$(getconf CLK_TCK)
        # Three slices of BENCH_SECONDS / 3: the median slice, so that another build's burst
        # on the shared machine does not decide the figure.
        slice=$(awk -v s="$BENCH_SECONDS" 'BEGIN { print s / 3 }')
        mins=() frr_mins=()
        load0=$(loadavg)
        per_minute() { awk -v d="$1" -v hz="$hz" -v s="$slice" 'BEGIN { printf "%.2f", d / hz * 60 / s }'; }
        for _ in 1 2 3; do
            t0=$(ticks "$child")
            f0=$(ticks "$bfdd")
            sleep "$slice"
            t1=$(ticks "$child")
            f1=$(ticks "$bfdd")
            mins+=("$(per_minute $((t1 - t0)))")
            frr_mins+=("$(per_minute $((f1 - f0)))")
        done
        up_after=$(frr_up_count "$dir/frr")
        per_min=$(median "${mins[@]}")
        rss=$(rss_kb "$child")
        read -ra ones <<<"${RSS1[$impl]:-}"
        one=$(median "${ones[@]}")
        per=$(awk -v a="$rss" -v b="$one" -v n="$BENCH_SESSIONS" 'BEGIN { if (b == "") print "n/a"; else printf "%.1f", (a - b) / (n - 1) }')
        CPU[$impl]=$per_min
        PER[$impl]=$per
        # bfdd serves the same sessions at the other end: FRR's cost for the same work.
        FRR_CPU+=("$(median "${frr_mins[@]}")")
        echo "  $(printf '%-10s' "$impl")  ${per_min} s CPU per minute (slices: ${mins[*]})   RSS ${rss} kB (1 session: ${one:-n/a} kB; ${per} kB per session)   sessions up: $up before, $up_after after   load average $load0 before, $(loadavg) after"
        echo "  $(printf '%-10s' "frr bfdd")  $(median "${frr_mins[@]}") s CPU per minute (slices: ${frr_mins[*]}), the peer of $impl's sessions"
        stop_pid "$bfdd"
        stop_pid "$tracker"
        net_down
    done
    if [ -n "${CPU[kad]:-}" ] && [ -n "${CPU[keepalived]:-}" ]; then
        awk -v a="${CPU[kad]}" -v b="${CPU[keepalived]}" -v c="${PER[kad]}" -v d="${PER[keepalived]}" 'BEGIN {
            printf "  kad / keepalived: CPU %.2f", (b > 0 ? a / b : 0)
            if (c != "n/a" && d != "n/a" && d > 0) printf ", RSS per session %.2f", c / d
            printf "\n" }'
    fi
    frr=$(median "${FRR_CPU[@]}")
    if [ -n "${CPU[kad]:-}" ] && [ -n "$frr" ]; then
        awk -v a="${CPU[kad]}" -v f="$frr" -v l="$(loadavg)" 'BEGIN {
            printf "  kad / FRR bfdd: CPU %.2f (bfdd: median over the cells; load average %s)\n", (f > 0 ? a / f : 0), l }'
    fi
fi
echo "bench-bfd: load average $(loadavg) at the end"

if [ "$SMOKE" = 1 ] && [ "$smoke_ok" = 0 ]; then
    die "an implementation did not remove the VIP within 3 x 100 ms + 1 s"
fi
