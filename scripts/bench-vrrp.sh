#!/usr/bin/env bash
# kad vs keepalived as VRRP routers, side by side in one run: failover time, resident memory and
# CPU time, on veth/bridge LANs in network namespaces this script creates (and always removes).
#
# Both implementations run with the same flags (-n -l -f CONF -p -r -c) and the same
# configuration; the backup is always the same implementation as the master, so the failover
# figures measure that implementation's takeover.
#
# Failover time, measured on the wire by dumpcap on the LAN's bridge (kernel timestamps):
#   kill  (SIGKILL of every process of the master, which is stopped first so that no child can
#          say goodbye): the master's LAST advert -> the backup's FIRST advert. RFC 5798 §6.4.2:
#          the backup's Master_Down_Timer restarts on each advert and fires
#          Master_Down_Interval = 3 x Advertisement_Interval + Skew_Time later, and a new master
#          sends its first advert at once (§6.4.2 "If the Master_Down_Timer fires").
#   term  (SIGTERM of the master's parent process): the master's priority-0 advert -> the
#          backup's FIRST advert; RFC 5798 §6.4.2: a backup receiving priority 0 sets
#          Master_Down_Timer to Skew_Time.
#   Skew_Time = ((256 - priority) x Advertisement_Interval) / 256 (RFC 5798 §6.1; RFC 3768's
#   (256 - priority) / 256 s is the same with the v2 interval of 1 s). The backup has priority
#   100, the master 150. "theory" is printed beside each cell; "over" is median - theory.
#   Cells: VRRPv2 advert_int 1 (IPv4), VRRPv3 advert_int 0.1 (IPv4 and IPv6), kill and term.
#
# Memory: RSS and PSS (/proc/PID/smaps_rollup) summed over the router's whole process tree
#   (every process in its namespace: the parent and its VRRP child), master and backup, with 1
#   instance and with BENCH_INSTANCES (1,000) instances: VRRPv2, advert_int 1, 250 VRIDs per
#   interface on 4 interfaces, each on its own bridge, one VIP per instance (192.0.2.VRID/32 on
#   every interface: IPv4 has only three documentation /24s, and the VIPs are on distinct links).
# CPU: utime + stime of each tree (/proc/PID/stat) over BENCH_SECONDS with the 1,000 instances
#   converged (one router master of all, the other backup of all), scaled to seconds per minute.
#
# Sweep (--sweep): memory only, at SWEEP_SIZES (1 10 100 1000) instances of the same
#   VRRPv2 configuration as the 1,000-instance cell, for every implementation in one run. For
#   each size and router: RSS, PSS and VmHWM (/proc/PID/status, the peak resident set since
#   exec, so start-up's peak) summed over the process tree; then per-instance slopes between
#   the smallest and the largest size, kad/keepalived ratios, and an SVG chart of the master's
#   PSS and VmHWM against size (SWEEP_SVG, default docs/footprint-vrrp.svg; the numbers go to
#   the same path with .tsv) drawn by scripts/footprint-chart.py.
#
# Usage (as root): scripts/bench-vrrp.sh [--smoke | --sweep]
#   --smoke            one tiny cell (VRRPv3 0.1 s IPv4 kill, 1 repetition), < 60 s; exit 0 when
#                      every implementation failed over within 3 x Master_Down_Interval
#   --sweep            the memory sweep above, about 2 minutes
# Environment:
#   KAD=PATH           kad binary (default: cargo build --release -p kad, then target/release/kad)
#   KEEPALIVED=PATH    keepalived binary (default /usr/sbin/keepalived)
#   IMPLS="kad keepalived"  which implementations to run (in this order)
#   BENCH_QUICK=1      3 repetitions, BENCH_SECONDS=15
#   REPS=N             failover repetitions per cell (default 7)
#   BENCH_SECONDS=N    CPU measuring interval (default 60)
#   BENCH_INSTANCES=N  instances for the memory/CPU cells (default 1000, at most 4 x 250)
#   BENCH_ONLY="failover memory"  which parts to run (failover, memory; memory includes CPU)
#   BENCH_KEEP=DIR     keep logs, configurations and captures in DIR
#   SWEEP_SIZES="1 10 100 1000", SWEEP_SVG=docs/footprint-vrrp.svg  (--sweep)
# Needs: iproute2, dumpcap and tshark (Debian: tshark), keepalived.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
    echo "bench-vrrp: error: $*" >&2
    exit 1
}

SMOKE=0
SWEEP=0
case "${1:-}" in
--smoke) SMOKE=1 ;;
--sweep) SWEEP=1 ;;
"") ;;
-h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
*) die "unknown argument '$1' (try --help)" ;;
esac

[ "$(id -u)" -eq 0 ] || die "run me as root: I create network namespaces"
for tool in ip dumpcap tshark awk; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (Debian: apt-get install iproute2 tshark)"
done

QUICK=${BENCH_QUICK:-0}
REPS=${REPS:-$([ "$QUICK" = 1 ] && echo 3 || echo 7)}
BENCH_SECONDS=${BENCH_SECONDS:-$([ "$QUICK" = 1 ] && echo 15 || echo 60)}
BENCH_INSTANCES=${BENCH_INSTANCES:-1000}
BENCH_ONLY=${BENCH_ONLY:-failover memory}
IMPLS=${IMPLS:-kad keepalived}
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
if [ "$BENCH_INSTANCES" -lt 1 ] || [ "$BENCH_INSTANCES" -gt 1000 ]; then die "BENCH_INSTANCES must be 1..1000"; fi
if [ "$SMOKE" = 1 ]; then
    REPS=1
    BENCH_ONLY=failover
fi
SWEEP_SIZES=${SWEEP_SIZES:-1 10 100 1000}
SWEEP_SVG=${SWEEP_SVG:-docs/footprint-vrrp.svg}
if [ "$SWEEP" = 1 ]; then
    BENCH_ONLY=sweep
    command -v python3 >/dev/null 2>&1 || die "'python3' is missing (it draws the chart)"
    for n in $SWEEP_SIZES; do
        if [ "$n" -lt 1 ] || [ "$n" -gt 1000 ]; then die "SWEEP_SIZES must be within 1..1000"; fi
    done
fi

declare -A BIN
for impl in $IMPLS; do
    case $impl in
    kad)
        if [ -z "${KAD:-}" ]; then
            echo "bench-vrrp: building kad (cargo build --release -p kad)"
            cargo build --release -q -p kad
            KAD="${CARGO_TARGET_DIR:-target}/release/kad"
        fi
        BIN[kad]=$(realpath "$KAD")
        ;;
    keepalived) BIN[keepalived]=$KEEPALIVED ;;
    *) die "unknown implementation '$impl' in IMPLS (kad, keepalived)" ;;
    esac
    [ -x "${BIN[$impl]}" ] || die "$impl binary ${BIN[$impl]} is not executable"
done
# Debian's keepalived package may run a system keepalived on the host; it is not ours to stop,
# and it cannot see our namespaces' links anyway.

P="kad-bench-$$"
LAN="$P-lan"
tmp=$(mktemp -d /tmp/kad-bench.XXXXXX)
namespaces=()
bg_pids=()
status=0

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local rc=$? p ns
    trap - EXIT INT TERM
    set +e
    disown -a # no "Killed" job reports for what is killed below
    for p in "${bg_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    for ns in "${namespaces[@]}"; do kill_ns "$ns"; done
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
    if [ -n "${BENCH_KEEP:-}" ]; then mkdir -p "$BENCH_KEEP" && cp -r "$tmp"/. "$BENCH_KEEP"/; fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench-vrrp: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

now_us() { echo "${EPOCHREALTIME/./}"; }

# nap SECONDS: a sleep during which SIGINT/SIGTERM run their trap at once (bash defers a trap
# until the foreground command ends; `wait` it interrupts).
nap() {
    sleep "$1" &
    wait "$!"
}

# kill_ns NS [SIGNAL]: every process in NS; SIGKILL after SIGSTOP so that none reacts first.
kill_ns() {
    local pids
    pids=$(ip netns pids "$1" 2>/dev/null | tr '\n' ' ')
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086 # one word per pid
    kill -STOP $pids 2>/dev/null || true
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    local deadline=$(($(now_us) + 5000000))
    while [ -n "$(ip netns pids "$1" 2>/dev/null)" ] && [ "$(now_us)" -lt "$deadline" ]; do sleep 0.02; done
}

# --- network ----------------------------------------------------------------------------------
new_ns() {
    ip netns add "$1"
    namespaces+=("$1")
    ip -n "$1" link set lo up
    # No duplicate address detection: a tentative link-local address cannot source VRRPv3 IPv6.
    ip netns exec "$1" sh -c 'sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0'
}

# make_lan NLINKS: the LAN namespace with bridges br0..br(N-1), multicast snooping off so that
# every advert reaches every port.
make_lan() {
    local i
    new_ns "$LAN"
    for ((i = 0; i < $1; i++)); do
        ip -n "$LAN" link add "br$i" type bridge mcast_snooping 0
        ip -n "$LAN" link set "br$i" up
    done
}

# make_router NAME INDEX NLINKS: eth0..eth(N-1), ethI on brI, addresses 192.0.2.(250+INDEX)/24
# and 2001:db8::INDEX/64 on eth0 and 198.51.100.(10*I+INDEX)/24 on the others. (192.0.2.1-250 are
# the 1,000-instance cells' VIPs; keepalived deletes a configured VIP it finds at start-up, so a
# VIP equal to the interface's own address would leave the interface without one.)
make_router() {
    local ns="$P-$1" i
    new_ns "$ns"
    for ((i = 0; i < $3; i++)); do
        ip -n "$LAN" link add "$1-$i" type veth peer name "eth$i" netns "$ns"
        ip -n "$LAN" link set "$1-$i" master "br$i" up
        if [ "$i" -eq 0 ]; then
            ip -n "$ns" addr add "192.0.2.$((250 + $2))/24" dev eth0
            ip -n "$ns" addr add "2001:db8::$2/64" dev eth0
        else
            ip -n "$ns" addr add "198.51.100.$((10 * i + $2))/24" dev "eth$i"
        fi
        ip -n "$ns" link set "eth$i" up
    done
}

teardown_net() {
    local ns
    for ns in "${namespaces[@]}"; do kill_ns "$ns"; done
    for ns in "${namespaces[@]}"; do ip netns del "$ns"; done
    namespaces=()
}

# --- daemons ----------------------------------------------------------------------------------
# start IMPL ROUTER CONF: runs the implementation in the router's namespace, with its pid files
# and log beside CONF (fresh ones: a SIGKILLed daemon's stale pid file makes keepalived refuse to
# start, "daemon is already running"); sets $started.
start() {
    local d="${3%.conf}"
    mkdir -p "$d"
    rm -f "$d/pid" "$d/vrrp.pid" "$d/checkers.pid"
    ip netns exec "$P-$2" "${BIN[$1]}" -n -l -f "$3" -p "$d/pid" -r "$d/vrrp.pid" -c "$d/checkers.pid" \
        >>"$d/$1.log" 2>&1 &
    started=$!
    disown "$started"
}

# count_vips ROUTER FAMILY: how many addresses of the VIP ranges the router holds.
count_vips() {
    if [ "$2" = 6 ]; then
        ip -n "$P-$1" -6 -o addr show 2>/dev/null | grep -c ' inet6 2001:db8::100/' || true
    else
        ip -n "$P-$1" -4 -o addr show 2>/dev/null | grep -c -E ' inet 192\.0\.2\.(100/24|[0-9]+/32) ' || true
    fi
}

# wait_vips ROUTER FAMILY WANT TIMEOUT_S: until the router holds exactly WANT VIPs.
wait_vips() {
    local deadline=$(($(now_us) + $4 * 1000000))
    while [ "$(count_vips "$1" "$2")" != "$3" ]; do
        [ "$(now_us)" -lt "$deadline" ] || return 1
        sleep 0.01
    done
}

# --- configurations ---------------------------------------------------------------------------
# conf_one ROLE VERSION FAMILY ADVERT_INT: the failover pair's configuration.
conf_one() {
    local state=BACKUP prio=100 vip=192.0.2.100/24
    [ "$1" = a ] && state=MASTER prio=150
    [ "$3" = 6 ] && vip=2001:db8::100/64
    cat <<CONF
global_defs {
    router_id bench_$1
}

vrrp_instance VI_1 {
    state $state
    interface eth0
    version $2
    virtual_router_id 51
    priority $prio
    advert_int $4
    virtual_ipaddress {
        $vip
    }
}
CONF
}

# conf_many ROLE N: N VRRPv2 instances, advert_int 1, 250 VRIDs per interface.
conf_many() {
    local state=BACKUP prio=100 n i link vrid
    [ "$1" = a ] && state=MASTER prio=150
    printf 'global_defs {\n    router_id bench_%s\n}\n' "$1"
    for ((n = 0; n < $2; n++)); do
        link=$((n / 250))
        vrid=$((n % 250 + 1))
        printf 'vrrp_instance VI_%d {\n    state %s\n    interface eth%d\n    virtual_router_id %d\n    priority %d\n    advert_int 1\n    virtual_ipaddress {\n        192.0.2.%d/32\n    }\n}\n' \
            "$n" "$state" "$link" "$vrid" "$prio" "$vrid"
    done
}

# theory_ms VERSION ADVERT_INT MODE: Master_Down_Interval (kill) or Skew_Time (term) of the
# priority-100 backup, RFC 5798 §6.1.
theory_ms() {
    awk -v a="$2" -v m="$3" 'BEGIN { skew = (256 - 100) * a / 256; printf "%.1f", (m == "kill" ? 3 * a + skew : skew) * 1000 }'
}

# --- failover -------------------------------------------------------------------------------
# failover_rep IMPL VERSION FAMILY ADVERT_INT MODE REP: prints the measured time in ms, or
# "fail: reason".
failover_rep() {
    local impl=$1 ver=$2 fam=$3 adv=$4 mode=$5 rep=$6
    local cell="$tmp/failover/$impl-v$ver-ip$fam-$mode-$rep" cap pid_a pid_b="" src_a src_b cap_pid
    local timeout_s
    mkdir -p "$cell"
    timeout_s=$(awk -v a="$adv" 'BEGIN { printf "%d", 3 * (3 * a + 1) + 2 }')
    conf_one a "$ver" "$fam" "$adv" >"$cell/a.conf"
    conf_one b "$ver" "$fam" "$adv" >"$cell/b.conf"
    # Leftovers of the previous repetition: a killed master keeps its VIP in the kernel.
    ip -n "$P-a" addr del 192.0.2.100/24 dev eth0 2>/dev/null || true
    ip -n "$P-a" addr del 2001:db8::100/64 dev eth0 2>/dev/null || true
    ip -n "$P-b" addr del 192.0.2.100/24 dev eth0 2>/dev/null || true
    ip -n "$P-b" addr del 2001:db8::100/64 dev eth0 2>/dev/null || true

    cap="$cell/wire.pcapng"
    ip netns exec "$LAN" dumpcap -i br0 -f "ip proto 112 or ip6 proto 112" -w "$cap" >"$cell/dumpcap.log" 2>&1 &
    cap_pid=$!
    bg_pids+=("$cap_pid")
    local deadline=$(($(now_us) + 10000000))
    until grep -q "Capturing on" "$cell/dumpcap.log" 2>/dev/null; do
        [ "$(now_us)" -lt "$deadline" ] || { kill "$cap_pid"; echo "fail: dumpcap did not start"; return; }
        sleep 0.02
    done

    # The master first (state MASTER: it takes the VIP at once), then the backup, so that no
    # start-up race makes the backup master for a moment.
    start "$impl" a "$cell/a.conf"
    pid_a=$started
    if wait_vips a "$fam" 1 "$timeout_s"; then
        start "$impl" b "$cell/b.conf"
        pid_b=$started
        # Let the backup hear a few adverts before the master goes.
        sleep "$(awk -v a="$adv" 'BEGIN { print (2 * a < 1 ? 1 : 2 * a) }')"
    fi
    if ! wait_vips a "$fam" 1 1 || ! wait_vips b "$fam" 0 1 || [ -z "$(ip netns pids "$P-b")" ]; then
        kill_ns "$P-a"
        kill_ns "$P-b"
        kill -INT "$cap_pid"
        wait "$cap_pid" 2>/dev/null || true
        echo "fail: the priority-150 router did not become the only master; its log ends: $(tail -n 1 "$cell/a/$impl.log" 2>/dev/null)"
        return
    fi

    if [ "$mode" = kill ]; then
        kill_ns "$P-a"
    else
        kill -TERM "$pid_a"
    fi
    if ! wait_vips b "$fam" 1 "$timeout_s"; then
        kill_ns "$P-a"
        kill_ns "$P-b"
        kill -INT "$cap_pid"
        wait "$cap_pid" 2>/dev/null || true
        echo "fail: the backup did not take the VIP within ${timeout_s} s; its log ends: $(tail -n 1 "$cell/b/$impl.log" 2>/dev/null)"
        return
    fi
    # The new master's adverts, and for term the old one's goodbye, are on the wire by now; but
    # dumpcap's ring hands packets over only when a block fills or times out, and a SIGINT
    # loses the block in progress, so wait past that timeout.
    sleep "$(awk -v a="$adv" 'BEGIN { print 2 * a + 1 }')"
    kill -INT "$cap_pid"
    wait "$cap_pid" 2>/dev/null || true
    kill_ns "$P-a"
    kill_ns "$P-b"
    : "$pid_b"

    if [ "$fam" = 6 ]; then
        src_a=$(cat "$tmp/lla-a")
        src_b=$(cat "$tmp/lla-b")
    else
        src_a=192.0.2.251
        src_b=192.0.2.252
    fi
    tshark -r "$cap" -T fields -E separator=' ' -e frame.time_epoch -e ip.src -e ipv6.src -e vrrp.prio \
        -Y "vrrp.virt_rtr_id == 51" >"$cell/adverts.txt" 2>"$cell/tshark.log" || true
    awk -v A="$src_a" -v B="$src_b" -v mode="$mode" '
        # Fields: time, ip.src, ipv6.src, prio (ip.src is empty for IPv6, which shifts them).
        { if (NF == 3) { t = $1; s = $2; p = $3 } else { t = $1; s = $2; p = $NF } }
        s == A && p > 0 { last_a = t }
        s == A && p == 0 && zero_a == "" { zero_a = t }
        s == B && p > 0 { b[nb++] = t }
        END {
            ref = (mode == "kill" ? last_a : zero_a)
            if (ref == "") { print "fail: no " (mode == "kill" ? "advert" : "priority-0 advert") " from the master on the wire"; exit }
            for (i = 0; i < nb; i++) if (b[i] > ref) { printf "%.1f\n", (b[i] - ref) * 1000; exit }
            print "fail: no advert from the new master on the wire"
        }' "$cell/adverts.txt"
}

# stats: median and max of the numbers on stdin, "median max"; "- -" if none.
stats() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "- -"; exit }
        m = (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)
        printf "%.1f %.1f\n", m, v[NR] }'
}

declare -A FO_MED FO_MAX FO_FAIL
run_failover() {
    local cells=("2 4 1 kill" "2 4 1 term" "3 4 0.1 kill" "3 4 0.1 term" "3 6 0.1 kill" "3 6 0.1 term")
    [ "$SMOKE" = 1 ] && cells=("3 4 0.1 kill")
    make_lan 1
    make_router a 1 1
    make_router b 2 1
    ip -n "$P-a" -6 -o addr show dev eth0 scope link | awk '{ sub("/.*", "", $4); print $4 }' >"$tmp/lla-a"
    ip -n "$P-b" -6 -o addr show dev eth0 scope link | awk '{ sub("/.*", "", $4); print $4 }' >"$tmp/lla-b"
    local c impl r out key
    for c in "${cells[@]}"; do
        read -r ver fam adv mode <<<"$c"
        for impl in $IMPLS; do
            key="$impl $c"
            : >"$tmp/samples"
            FO_FAIL[$key]=0
            for ((r = 1; r <= REPS; r++)); do
                # In the background and waited for, so that a signal stops the run at once.
                failover_rep "$impl" "$ver" "$fam" "$adv" "$mode" "$r" >"$tmp/rep.out" &
                bg_pids+=("$!")
                wait "$!" || true
                out=$(cat "$tmp/rep.out")
                printf 'failover %-10s v%s IPv%s advert_int %-3s %-4s rep %d: %s%s\n' \
                    "$impl" "$ver" "$fam" "$adv" "$mode" "$r" "$out" "$([[ $out == fail* ]] || echo ' ms')"
                if [[ $out == fail* ]]; then
                    FO_FAIL[$key]=$((FO_FAIL[$key] + 1))
                else
                    echo "$out" >>"$tmp/samples"
                fi
            done
            local med max
            read -r med max < <(stats <"$tmp/samples")
            FO_MED[$key]=$med
            FO_MAX[$key]=$max
        done
    done
    teardown_net
}

print_failover() {
    local cells=("2 4 1 kill" "2 4 1 term" "3 4 0.1 kill" "3 4 0.1 term" "3 6 0.1 kill" "3 6 0.1 term")
    [ "$SMOKE" = 1 ] && cells=("3 4 0.1 kill")
    echo
    echo "Failover time, ms, on the wire; median and max of $REPS; over = median - theory"
    echo "  kill: master's last advert -> backup's first advert (theory: 3 x advert_int + skew)"
    echo "  term: master's priority-0 advert -> backup's first advert (theory: skew)"
    local impl c key th ver fam adv mode line
    line=$(printf "%-22s %8s" "cell" "theory")
    for impl in $IMPLS; do line+=$(printf " | %-10s %8s %8s %7s" "$impl" median max over); done
    [ "$IMPLS" = "kad keepalived" ] && line+=" | kad/keepalived"
    echo "$line"
    for c in "${cells[@]}"; do
        read -r ver fam adv mode <<<"$c"
        th=$(theory_ms "$ver" "$adv" "$mode")
        line=$(printf "%-22s %8s" "v$ver $adv s IPv$fam $mode" "$th")
        for impl in $IMPLS; do
            key="$impl $c"
            local over="-" fails=""
            [ "${FO_MED[$key]}" = - ] || over=$(awk -v m="${FO_MED[$key]}" -v t="$th" 'BEGIN { printf "%+.1f", m - t }')
            [ "${FO_FAIL[$key]}" -eq 0 ] || fails=" (${FO_FAIL[$key]} failed)"
            line+=$(printf " | %-10s %8s %8s %7s" "" "${FO_MED[$key]}" "${FO_MAX[$key]}" "$over")$fails
        done
        if [ "$IMPLS" = "kad keepalived" ]; then
            line+=" | "$(awk -v k="${FO_MED[kad $c]}" -v e="${FO_MED[keepalived $c]}" \
                'BEGIN { if (k == "-" || e == "-" || e == 0) print "-"; else printf "%.3f", k / e }')
        fi
        echo "$line"
    done
}

# --- memory and CPU -------------------------------------------------------------------------
# tree_mem ROUTER: "RSS_kB PSS_kB NPROC HWM_kB" summed over every process in the router's
# namespace (HWM: each process's VmHWM, its peak resident set since exec).
tree_mem() {
    local p rss=0 pss=0 n=0 hwm=0 r s h
    for p in $(ip netns pids "$P-$1"); do
        read -r r s < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { s = $2 } END { print r + 0, s + 0 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo "0 0")
        h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
        rss=$((rss + r))
        pss=$((pss + s))
        hwm=$((hwm + ${h:-0}))
        n=$((n + 1))
    done
    echo "$rss $pss $n $hwm"
}

# tree_ticks ROUTER: utime + stime, in clock ticks, summed over the router's processes.
tree_ticks() {
    local p t=0 v
    for p in $(ip netns pids "$P-$1"); do
        # Fields after the ")" of comm: state is field 3, utime 14, stime 15.
        v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }') || v=0
        t=$((t + ${v:-0}))
    done
    echo "$t"
}

declare -A MEM CPU
# load_cell IMPL N WITH_CPU: master + backup with N instances; fills MEM[impl N a|b] and CPU.
load_cell() {
    local impl=$1 n=$2 cpu=$3 links=$(((${2} + 249) / 250)) d="$tmp/load/$1-$2"
    mkdir -p "$d"
    make_lan "$links"
    make_router a 1 "$links"
    make_router b 2 "$links"
    if [ "$n" -eq 1 ] && [ "$SWEEP" = 0 ]; then
        conf_one a 2 4 1 >"$d/a.conf"
        conf_one b 2 4 1 >"$d/b.conf"
    else
        conf_many a "$n" >"$d/a.conf"
        conf_many b "$n" >"$d/b.conf"
    fi
    start "$impl" a "$d/a.conf"
    wait_vips a 4 "$n" 60 || true
    start "$impl" b "$d/b.conf"
    # The backup's first Master_Down_Interval, then start-up work (gratuitous ARPs, the first
    # adverts' allocations) settles.
    nap 5
    if ! wait_vips a 4 "$n" 1 || ! wait_vips b 4 0 5; then
        echo "load $impl $n instances: FAILED to converge (master holds $(count_vips a 4) of $n VIPs, backup $(count_vips b 4)); master's log ends: $(tail -n 1 "$d/a/$impl.log" 2>/dev/null)"
        MEM[$impl $n a]="- - - -"
        MEM[$impl $n b]="- - - -"
        status=1
        teardown_net
        return
    fi
    MEM[$impl $n a]=$(tree_mem a)
    MEM[$impl $n b]=$(tree_mem b)
    printf 'load %-10s %4d instances: master RSS/PSS %s kB (%s processes), backup %s kB (%s processes)\n' "$impl" "$n" \
        "$(cut -d' ' -f1,2 <<<"${MEM[$impl $n a]}" | tr ' ' /)" "$(cut -d' ' -f3 <<<"${MEM[$impl $n a]}")" \
        "$(cut -d' ' -f1,2 <<<"${MEM[$impl $n b]}" | tr ' ' /)" "$(cut -d' ' -f3 <<<"${MEM[$impl $n b]}")"
    if [ "$cpu" = 1 ]; then
        local a0 b0 a1 b1 t0 t1 hz
        hz=$(getconf CLK_TCK)
        a0=$(tree_ticks a)
        b0=$(tree_ticks b)
        t0=$(now_us)
        nap "$BENCH_SECONDS"
        a1=$(tree_ticks a)
        b1=$(tree_ticks b)
        t1=$(now_us)
        local still
        still=$(count_vips a 4)
        [ "$still" = "$n" ] || echo "load $impl: WARNING: the master holds $still of $n VIPs after the CPU interval"
        CPU[$impl $n a]=$(awk -v d=$((a1 - a0)) -v hz="$hz" -v us=$((t1 - t0)) 'BEGIN { printf "%.2f", d / hz * 60e6 / us }')
        CPU[$impl $n b]=$(awk -v d=$((b1 - b0)) -v hz="$hz" -v us=$((t1 - t0)) 'BEGIN { printf "%.2f", d / hz * 60e6 / us }')
        printf 'load %-10s %4d instances: CPU s/min master %s, backup %s (over %d s)\n' "$impl" "$n" \
            "${CPU[$impl $n a]}" "${CPU[$impl $n b]}" "$BENCH_SECONDS"
    fi
    teardown_net
}

run_load() {
    local impl
    for impl in $IMPLS; do
        load_cell "$impl" 1 0
        [ "$BENCH_INSTANCES" -eq 1 ] || load_cell "$impl" "$BENCH_INSTANCES" 1
    done
}

ratio() { awk -v k="$1" -v e="$2" 'BEGIN { if (k == "-" || e == "-" || e + 0 == 0) print "-"; else printf "%.2f", k / e }'; }

print_load() {
    local n role impl line key rss pss np
    local sizes=(1)
    [ "$BENCH_INSTANCES" -eq 1 ] || sizes+=("$BENCH_INSTANCES")
    echo
    echo "Resident memory, kB, summed over the process tree (RSS / PSS; processes)"
    line=$(printf "%-24s" "cell")
    for impl in $IMPLS; do line+=$(printf " | %-10s %8s %8s %2s" "$impl" RSS PSS n); done
    [ "$IMPLS" = "kad keepalived" ] && line+=" | kad/keepalived RSS  PSS"
    echo "$line"
    for n in "${sizes[@]}"; do
        for role in a b; do
            line=$(printf "%-24s" "$n instance$([ "$n" -eq 1 ] || echo s), $([ $role = a ] && echo master || echo backup)")
            for impl in $IMPLS; do
                read -r rss pss np _ <<<"${MEM[$impl $n $role]:-- - - -}"
                line+=$(printf " | %-10s %8s %8s %2s" "" "$rss" "$pss" "$np")
            done
            if [ "$IMPLS" = "kad keepalived" ]; then
                local kr kp er ep
                read -r kr kp _ <<<"${MEM[kad $n $role]:-- - -}"
                read -r er ep _ <<<"${MEM[keepalived $n $role]:-- - -}"
                line+=$(printf " | %19s %5s" "$(ratio "$kr" "$er")" "$(ratio "$kp" "$ep")")
            fi
            echo "$line"
        done
    done
    [ "$BENCH_INSTANCES" -eq 1 ] && return
    echo
    echo "CPU time, s per minute (utime + stime of the tree over $BENCH_SECONDS s), $BENCH_INSTANCES instances, advert_int 1"
    line=$(printf "%-24s" "role")
    for impl in $IMPLS; do line+=$(printf " | %-10s %8s" "$impl" "s/min"); done
    [ "$IMPLS" = "kad keepalived" ] && line+=" | kad/keepalived"
    echo "$line"
    for role in a b; do
        n=$BENCH_INSTANCES
        line=$(printf "%-24s" "$([ $role = a ] && echo master || echo backup)")
        for impl in $IMPLS; do line+=$(printf " | %-10s %8s" "" "${CPU[$impl $n $role]:--}"); done
        [ "$IMPLS" = "kad keepalived" ] && line+=$(printf " | %14s" "$(ratio "${CPU[kad $n $role]:--}" "${CPU[keepalived $n $role]:--}")")
        echo "$line"
    done
}

# --- sweep ----------------------------------------------------------------------------------
run_sweep() {
    local impl n
    for impl in $IMPLS; do
        for n in $SWEEP_SIZES; do load_cell "$impl" "$n" 0; done
    done
}

# slope A_KB B_KB N_A N_B: bytes per instance between two sizes.
slope() { awk -v a="$1" -v b="$2" -v x="$3" -v y="$4" 'BEGIN { if (a == "-" || b == "-" || y == x) print "-"; else printf "%.0f", (b - a) * 1024 / (y - x) }'; }

print_sweep() {
    local n role impl line rss pss np hwm first last
    first=$(tr ' ' '\n' <<<"$SWEEP_SIZES" | grep . | sort -n | head -n 1)
    last=$(tr ' ' '\n' <<<"$SWEEP_SIZES" | grep . | sort -n | tail -n 1)
    echo
    echo "Memory sweep, kB, summed over the process tree (RSS / PSS / VmHWM); VRRPv2 advert_int 1"
    line=$(printf "%-22s" "cell")
    for impl in $IMPLS; do line+=$(printf " | %-10s %7s %7s %7s" "$impl" RSS PSS VmHWM); done
    [ "$IMPLS" = "kad keepalived" ] && line+=" | kad/keepalived RSS  PSS VmHWM"
    echo "$line"
    for role in a b; do
        for n in $SWEEP_SIZES; do
            line=$(printf "%-22s" "$n, $([ $role = a ] && echo master || echo backup)")
            for impl in $IMPLS; do
                read -r rss pss np hwm <<<"${MEM[$impl $n $role]:-- - - -}"
                line+=$(printf " | %-10s %7s %7s %7s" "" "$rss" "$pss" "$hwm")
            done
            if [ "$IMPLS" = "kad keepalived" ]; then
                local kr kp kh er ep eh
                read -r kr kp _ kh <<<"${MEM[kad $n $role]:-- - - -}"
                read -r er ep _ eh <<<"${MEM[keepalived $n $role]:-- - - -}"
                line+=$(printf " | %18s %5s %5s" "$(ratio "$kr" "$er")" "$(ratio "$kp" "$ep")" "$(ratio "$kh" "$eh")")
            fi
            echo "$line"
        done
    done
    [ "$first" != "$last" ] || return 0
    echo
    echo "Growth per instance, bytes, from $first to $last instances (RSS / PSS / VmHWM)"
    for role in a b; do
        line=$(printf "%-22s" "$([ $role = a ] && echo master || echo backup)")
        for impl in $IMPLS; do
            local r0 p0 h0 r1 p1 h1
            read -r r0 p0 _ h0 <<<"${MEM[$impl $first $role]:-- - - -}"
            read -r r1 p1 _ h1 <<<"${MEM[$impl $last $role]:-- - - -}"
            line+=$(printf " | %-10s %7s %7s %7s" "$impl" "$(slope "$r0" "$r1" "$first" "$last")" \
                "$(slope "$p0" "$p1" "$first" "$last")" "$(slope "$h0" "$h1" "$first" "$last")")
        done
        echo "$line"
    done
    local tsv="${SWEEP_SVG%.svg}.tsv"
    mkdir -p "$(dirname "$SWEEP_SVG")"
    : >"$tsv"
    for impl in $IMPLS; do
        for n in $SWEEP_SIZES; do
            read -r rss pss _ hwm <<<"${MEM[$impl $n a]:-- - - -}"
            printf '%s\t%s\t%s\t%s\t%s\n' "$impl" "$n" "$rss" "$pss" "$hwm" >>"$tsv"
        done
    done
    scripts/footprint-chart.py --data "$tsv" --out "$SWEEP_SVG" --xlabel "VRRP instances" \
        --title "VRRP router (master), process tree: kad vs keepalived 2.2.7"
    echo
    echo "chart: $SWEEP_SVG (data: $tsv)"
}

# --- main -------------------------------------------------------------------------------------
echo "bench-vrrp: $(date -u '+%F %T UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for impl in $IMPLS; do echo "  $impl: ${BIN[$impl]}"; done
echo "  repetitions $REPS, CPU interval ${BENCH_SECONDS} s, $BENCH_INSTANCES instances; parts: $BENCH_ONLY"

[[ " $BENCH_ONLY " == *" failover "* ]] && run_failover
[[ " $BENCH_ONLY " == *" memory "* ]] && run_load
[[ " $BENCH_ONLY " == *" sweep "* ]] && run_sweep

echo
echo "==== results ($(date -u '+%F %T UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg))"
if [[ " $BENCH_ONLY " == *" failover "* ]]; then
    print_failover
    for key in "${!FO_FAIL[@]}"; do [ "${FO_FAIL[$key]}" -eq 0 ] || status=1; done
fi
[[ " $BENCH_ONLY " == *" memory "* ]] && print_load
[[ " $BENCH_ONLY " == *" sweep "* ]] && print_sweep
if [ "$status" -ne 0 ]; then
    echo "bench-vrrp: some repetitions failed (see above)" >&2
fi
exit "$status"
