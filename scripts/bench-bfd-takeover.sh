#!/usr/bin/env bash
# BFD-assisted VRRP takeover (kad's `bfd_takeover`, issue #20) against VRRP alone, kad and
# keepalived side by side in one run, on a veth/bridge LAN in network namespaces this script
# creates (and always removes).
#
# The pair: VRRPv2, advert_int 1, IPv4, master priority 150 (state MASTER), backup 100, VIP
# 192.0.2.100. Cells:
#   kad+bfd      both kad, with --ext-config giving VI_1 `bfd_takeover { min_rx 10 min_tx 10
#                multiplier 3 }`; theory: the backup's session declares the master down one
#                detection time (3 x 10 ms) after the master's last BFD packet.
#   kad          both kad, VRRP alone; theory: Master_Down_Interval = 3 x 1 s + skew
#                (256 - 100) / 256 s = 3609.4 ms after the master's last advert.
#   keepalived   both Debian's keepalived 2.2.7, VRRP alone (same theory).
# In the kad+bfd cell both routers run with `vrrp_rt_priority 50` and `bfd_rt_priority 50`
# (keepalived's own keywords), as an operator running 10 ms sessions would; the VRRP-only cells
# run without (keepalived's real-time VRRP child, with its default `vrrp_rlimit_rttime`, is
# killed and respawned on a loaded machine).
#
# Failover time, measured on the wire by dumpcap on the LAN's bridge (kernel timestamps): from
# the master's LAST packet of any kind (VRRP or BFD; every process of the master is SIGSTOPped
# then SIGKILLed, so nothing says goodbye) to the backup's FIRST VRRP advert, which a new master
# sends at once (RFC 5798 §6.4.2).
#
# Usage (as root): scripts/bench-bfd-takeover.sh [--smoke]
#   --smoke            the kad+bfd cell once, < 60 s; exit 0 when the backup took over within
#                      500 ms of the master's last packet
# Environment:
#   KAD=PATH           kad binary (default: cargo build --release -p kad, then target/release/kad)
#   KEEPALIVED=PATH    keepalived binary (default /usr/sbin/keepalived)
#   CELLS="kad+bfd kad keepalived"  which cells to run (in this order)
#   REPS=N             repetitions per cell (default 5)
#   BENCH_KEEP=DIR     keep logs, configurations and captures in DIR
# Needs: iproute2, dumpcap and tshark (Debian: tshark), keepalived.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
    echo "bench-bfd-takeover: error: $*" >&2
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
*) die "unknown argument '$1' (try --help)" ;;
esac

[ "$(id -u)" -eq 0 ] || die "run me as root: I create network namespaces"
for tool in ip dumpcap tshark awk; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (Debian: apt-get install iproute2 tshark)"
done

REPS=${REPS:-5}
CELLS=${CELLS:-kad+bfd kad keepalived}
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
if [ "$SMOKE" = 1 ]; then
    REPS=1
    CELLS=kad+bfd
fi
if [[ " $CELLS " == *" kad"* ]] && [ -z "${KAD:-}" ]; then
    echo "bench-bfd-takeover: building kad (cargo build --release -p kad)"
    cargo build --release -q -p kad
    KAD="${CARGO_TARGET_DIR:-target}/release/kad"
fi
[[ " $CELLS " != *" kad"* ]] || [ -x "$KAD" ] || die "kad binary $KAD is not executable"
[[ " $CELLS " != *" keepalived "* ]] || [ -x "$KEEPALIVED" ] || die "keepalived binary $KEEPALIVED is not executable"
if [ -n "${KAD:-}" ]; then KAD=$(realpath "$KAD"); fi

P="kad-btko-$$"
LAN="$P-lan"
tmp=$(mktemp -d /tmp/kad-btko.XXXXXX)
namespaces=()
bg_pids=()

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local rc=$? p ns
    trap - EXIT INT TERM
    set +e
    disown -a
    for p in "${bg_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    for ns in "${namespaces[@]}"; do kill_ns "$ns"; done
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
    if [ -n "${BENCH_KEEP:-}" ]; then mkdir -p "$BENCH_KEEP" && cp -r "$tmp"/. "$BENCH_KEEP"/; fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench-bfd-takeover: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

now_us() { echo "${EPOCHREALTIME/./}"; }

# kill_ns NS: every process in NS; SIGKILL after SIGSTOP so that none reacts first.
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

new_ns() {
    ip netns add "$1"
    namespaces+=("$1")
    ip -n "$1" link set lo up
}

# The LAN: a bridge and routers a (192.0.2.1) and b (192.0.2.2).
new_ns "$LAN"
ip -n "$LAN" link add br0 type bridge mcast_snooping 0
ip -n "$LAN" link set br0 up
idx=1
for r in a b; do
    new_ns "$P-$r"
    ip -n "$LAN" link add "v$r" type veth peer name eth0 netns "$P-$r"
    ip -n "$LAN" link set "v$r" master br0 up
    ip -n "$P-$r" addr add "192.0.2.$idx/24" dev eth0
    ip -n "$P-$r" link set eth0 up
    idx=$((idx + 1))
done

# conf ROLE CELL: the pair's keepalived.conf.
conf() {
    local state=BACKUP prio=100 rt=""
    [ "$1" = a ] && state=MASTER prio=150
    [ "$2" = kad+bfd ] && rt=$'    vrrp_rt_priority 50\n    bfd_rt_priority 50\n'
    cat <<CONF
global_defs {
    router_id bench_$1
$rt}

vrrp_instance VI_1 {
    state $state
    interface eth0
    virtual_router_id 51
    priority $prio
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
CONF
}

EXT='vrrp_instance VI_1 {
    bfd_takeover {
        min_rx 10
        min_tx 10
        multiplier 3
    }
}'

has_vip() { ip -n "$P-$1" -4 -o addr show dev eth0 | grep -q ' inet 192\.0\.2\.100/'; }

# wait_vip ROUTER WANT(yes|no) TIMEOUT_S
wait_vip() {
    local deadline=$(($(now_us) + $3 * 1000000))
    while true; do
        if has_vip "$1"; then [ "$2" = yes ] && return 0; else [ "$2" = no ] && return 0; fi
        [ "$(now_us)" -lt "$deadline" ] || return 1
        sleep 0.01
    done
}

# start CELL ROUTER DIR: the router's daemon, fresh pid files.
start() {
    local d=$3 bin args=()
    mkdir -p "$d"
    rm -f "$d"/*.pid
    conf "$2" "$1" >"$d/keepalived.conf"
    case $1 in
    kad+bfd)
        bin=$KAD
        printf '%s\n' "$EXT" >"$d/kad-ext.conf"
        args=(--ext-config "$d/kad-ext.conf")
        ;;
    kad) bin=$KAD ;;
    keepalived) bin=$KEEPALIVED ;;
    esac
    ip netns exec "$P-$2" "$bin" -n -l -D -f "$d/keepalived.conf" -p "$d/k.pid" -r "$d/v.pid" \
        -c "$d/c.pid" -b "$d/b.pid" "${args[@]}" >>"$d/log" 2>&1 &
    disown "$!"
}

# rep CELL N: prints the failover time in ms, or "fail: reason".
rep() {
    local cell=$1 d="$tmp/$1-$2" cap cap_pid
    mkdir -p "$d"
    ip -n "$P-a" addr del 192.0.2.100/24 dev eth0 2>/dev/null || true
    ip -n "$P-b" addr del 192.0.2.100/24 dev eth0 2>/dev/null || true
    cap="$d/wire.pcapng"
    ip netns exec "$LAN" dumpcap -i br0 -f "ip proto 112 or udp port 3784" -w "$cap" >"$d/dumpcap.log" 2>&1 &
    cap_pid=$!
    bg_pids+=("$cap_pid")
    local deadline=$(($(now_us) + 10000000))
    until grep -q "Capturing on" "$d/dumpcap.log" 2>/dev/null; do
        [ "$(now_us)" -lt "$deadline" ] || { echo "fail: dumpcap did not start"; return; }
        sleep 0.02
    done
    start "$cell" a "$d/a"
    if ! wait_vip a yes 15; then
        echo "fail: the master never took the VIP"
        return
    fi
    start "$cell" b "$d/b"
    # The backup hears adverts and, with BFD, brings its session Up (both ends send every
    # second while Down).
    sleep 5
    if ! has_vip a || has_vip b; then
        echo "fail: the priority-150 router is not the only master"
        return
    fi
    if [ "$cell" = kad+bfd ] && ! grep -q "session 192.0.2.2 -> 192.0.2.1 Entering Up state" "$d/b/log"; then
        echo "fail: the backup's BFD session never came Up"
        return
    fi
    kill_ns "$P-a"
    if ! wait_vip b yes 10; then
        echo "fail: the backup did not take the VIP"
        return
    fi
    # dumpcap hands packets over when a block fills or times out: wait past that.
    sleep 2
    kill -INT "$cap_pid"
    wait "$cap_pid" 2>/dev/null || true
    kill_ns "$P-b"
    tshark -r "$cap" -T fields -E separator=' ' -e frame.time_epoch -e ip.src -e _ws.col.Protocol \
        >"$d/packets.txt" 2>"$d/tshark.log" || true
    # Two passes: the master's very last packet first, then the backup's first advert after
    # it. Adverts of the backup before that are false takeovers (a BFD Down while the master
    # lived), counted in $tmp/false.
    awk -v false_file="$tmp/false" '
        NR == FNR { if ($2 == "192.0.2.1") last_a = $1; next }
        $2 == "192.0.2.2" && $3 == "VRRP" {
            if ($1 > last_a) { if (first_b == "") first_b = $1 } else if (!seen[$1]++) early++
        }
        END {
            if (early) print early >>false_file
            if (last_a == "") { print "fail: nothing from the master on the wire"; exit }
            if (first_b == "") { print "fail: no advert from the new master on the wire"; exit }
            printf "%.1f\n", (first_b - last_a) * 1000
        }' "$d/packets.txt" "$d/packets.txt"
}

stats() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "- - -"; exit }
        m = (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)
        printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }'
}

theory() { [ "$1" = kad+bfd ] && echo 30.0 || echo 3609.4; }

declare -A MED MIN MAX FAILS
declare -A FALSE
for cell in $CELLS; do
    : >"$tmp/samples"
    : >"$tmp/false"
    FAILS[$cell]=0
    for ((r = 1; r <= REPS; r++)); do
        out=$(rep "$cell" "$r")
        printf 'failover %-10s rep %d: %s%s\n' "$cell" "$r" "$out" "$([[ $out == fail* ]] || echo ' ms')"
        if [[ $out == fail* ]]; then
            FAILS[$cell]=$((FAILS[$cell] + 1))
        else
            echo "$out" >>"$tmp/samples"
        fi
    done
    FALSE[$cell]=$(awk '{ n += $1 } END { print n + 0 }' "$tmp/false")
    read -r med min max < <(stats <"$tmp/samples")
    MED[$cell]=$med
    MIN[$cell]=$min
    MAX[$cell]=$max
done

echo
echo "Failover time, ms, on the wire (master's last packet -> backup's first advert); VRRPv2"
echo "advert_int 1, IPv4; median (min-max) of $REPS; over = median - theory"
echo "false: adverts of the backup while the master lived (BFD Downs on a starved machine)"
printf '%-12s %8s %10s %20s %8s %6s %6s\n' cell theory median "(min-max)" over fails false
status=0
for cell in $CELLS; do
    th=$(theory "$cell")
    over=-
    [ "${MED[$cell]}" = - ] || over=$(awk -v m="${MED[$cell]}" -v t="$th" 'BEGIN { printf "%+.1f", m - t }')
    printf '%-12s %8s %10s %20s %8s %6s %6s\n' "$cell" "$th" "${MED[$cell]}" "(${MIN[$cell]}-${MAX[$cell]})" "$over" "${FAILS[$cell]}" "${FALSE[$cell]}"
    [ "${FAILS[$cell]}" = 0 ] || status=1
done
if [ "$SMOKE" = 1 ]; then
    awk -v m="${MED[kad+bfd]}" 'BEGIN { exit !(m != "-" && m < 500) }' || status=1
fi
exit "$status"
