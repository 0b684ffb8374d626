#!/usr/bin/env bash
# kad in one command: two VRRP routers fail over, live, in network namespaces.
#
# It builds kad, then creates three namespaces joined by a bridge:
#
#     kad-demo-<pid>-r1  eth0 192.0.2.1/24 ─┐
#                                             ├─ br0 in kad-demo-<pid>-lan, a client at 192.0.2.254
#     kad-demo-<pid>-r2  eth0 192.0.2.2/24 ─┘
#
# starts one kad in each router namespace (VRRPv2, virtual_router_id 51, advert_int 1, VIP
# 192.0.2.100; r1 priority 150, r2 priority 100), shows r1 taking the VIP, kills r1 with SIGKILL
# and shows r2 taking over, with the takeover time measured from the kill to the VIP's arrival on
# r2. RFC 3768/5798 bound it: the backup declares the master dead Master_Down_Interval =
# 3 x advert_int + skew after the master's LAST advert, so 2.609-3.609 s after the kill here.
# Everything it creates is removed on exit, also on failure or Ctrl-C.
#
# Usage (as root): scripts/demo.sh
#   KAD=/path/to/binary   run that binary instead of building kad (e.g. KAD=/usr/sbin/keepalived)
#   DEMO_KEEP_LOGS=DIR    copy the routers' logs and configurations to DIR before cleaning up
# Needs: iproute2 (ip), a kernel with veth and bridge, cargo (unless KAD is given).
# Exit status: 0 when the VIP moved to r2 (and only r2), non-zero otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
    echo "demo: error: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || die "run me as root: I create network namespaces (try: sudo $0)"
command -v ip >/dev/null 2>&1 || die "'ip' is missing; install iproute2 (apt-get install iproute2)"
ip netns list >/dev/null 2>&1 || die "'ip netns' does not work here; this kernel or container lacks network namespaces"

VIP=192.0.2.100
VRID=51
ADVERT_INT=1
PRIO_R1=150
PRIO_R2=100
NS_PREFIX="kad-demo-$$"
LAN="$NS_PREFIX-lan"
T0=${EPOCHREALTIME/./}

# Elapsed time since the start, in seconds with milliseconds.
stamp() {
    local now=${EPOCHREALTIME/./}
    local ms=$(((now - T0) / 1000))
    printf '[%4d.%03d]' $((ms / 1000)) $((ms % 1000))
}
say() { echo "$(stamp) $*"; }

tmp=""
pids=()
namespaces=()
cleanup() {
    local rc=$? p ns
    trap - EXIT INT TERM
    set +e
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    # Anything still running inside the demo's namespaces (kad's children) goes too.
    for ns in "${namespaces[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    done
    for p in "${pids[@]}"; do
        while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
    done
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
    if [ -n "$tmp" ]; then
        if [ -n "${DEMO_KEEP_LOGS:-}" ]; then
            mkdir -p "$DEMO_KEEP_LOGS" && cp -r "$tmp"/. "$DEMO_KEEP_LOGS"/
        fi
        rm -rf "$tmp"
    fi
    [ ${#namespaces[@]} -eq 0 ] || echo "demo: removed namespaces ${namespaces[*]} and all processes in them"
    exit "$rc"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

# --- 1. the binary -------------------------------------------------------------------------
if [ -n "${KAD:-}" ]; then
    [ -x "$KAD" ] || die "KAD=$KAD is not an executable file"
else
    command -v cargo >/dev/null 2>&1 || die "cargo is missing; install Rust (https://rustup.rs) or set KAD=/path/to/kad"
    echo "demo: building kad (cargo build --release -p kad); the first build takes a few minutes"
    cargo build --release -p kad
    KAD="${CARGO_TARGET_DIR:-target}/release/kad"
fi
KAD=$(realpath "$KAD")
name=$(basename "$KAD")
tmp=$(mktemp -d /tmp/kad-demo.XXXXXX)

# --- 2. the network ------------------------------------------------------------------------
say "creating namespaces $LAN, $NS_PREFIX-r1, $NS_PREFIX-r2 (bridge br0, 192.0.2.0/24)"
ip netns add "$LAN"
namespaces+=("$LAN")
ip -n "$LAN" link add br0 type bridge
ip -n "$LAN" link set br0 up
ip -n "$LAN" addr add 192.0.2.254/24 dev br0
for r in r1 r2; do
    ns="$NS_PREFIX-$r"
    ip netns add "$ns"
    namespaces+=("$ns")
    ip -n "$LAN" link add "$r" type veth peer name eth0 netns "$ns"
    ip -n "$LAN" link set "$r" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "192.0.2.${r#r}/24" dev eth0
    ip -n "$ns" link set eth0 up
done

# --- 3. the routers ------------------------------------------------------------------------
write_conf() { # ROUTER PRIORITY
    cat >"$tmp/$1.conf" <<CONF
# kad demo router $1: one VRRPv2 instance, the VIP on the bridge's LAN.
global_defs {
    router_id $1
}

vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id $VRID
    priority $2
    advert_int $ADVERT_INT
    virtual_ipaddress {
        $VIP/24
    }
}
CONF
}
write_conf r1 "$PRIO_R1"
write_conf r2 "$PRIO_R2"

declare -A router_pid log_seen
start_router() { # ROUTER
    local r=$1
    ip netns exec "$NS_PREFIX-$r" "$KAD" -n -l -f "$tmp/$r.conf" \
        -p "$tmp/$r.pid" -r "$tmp/$r.vrrp.pid" -c "$tmp/$r.checkers.pid" >"$tmp/$r.log" 2>&1 &
    router_pid[$r]=$!
    pids+=("$!")
    disown "$!"
    log_seen[$r]=0
    say "started $name in $NS_PREFIX-$r (priority $( [ "$r" = r1 ] && echo $PRIO_R1 || echo $PRIO_R2 ), pid ${router_pid[$r]})"
}

# Prints the routers' new state-change lines ("(VI_1) Entering MASTER STATE", ...).
show_logs() {
    local r n line
    for r in r1 r2; do
        [ -f "$tmp/$r.log" ] || continue
        n=$(wc -l <"$tmp/$r.log")
        if [ "$n" -gt "${log_seen[$r]}" ]; then
            while IFS= read -r line; do
                case $line in
                *STATE* | *"Stopping"* | *"Stopped"*) say "  $r log: ${line}" ;;
                esac
            done < <(sed -n "$((log_seen[$r] + 1)),${n}p" "$tmp/$r.log")
            log_seen[$r]=$n
        fi
    done
}

holds_vip() { ip -n "$NS_PREFIX-$1" -4 -o addr show dev eth0 2>/dev/null | grep -q " $VIP/"; }

# "r1", "r2", "r1 r2" or "nobody".
holders() {
    local h=() r
    for r in r1 r2; do holds_vip "$r" && h+=("$r"); done
    [ ${#h[@]} -gt 0 ] && echo "${h[*]}" || echo nobody
}

alive() { kill -0 "${router_pid[$1]}" 2>/dev/null; }

# Watches VIP ownership until WANT has held it alone for STABLE_MS; fails after TIMEOUT_S.
# Prints each change of holder as it happens.
wait_holder() { # WANT TIMEOUT_S STABLE_MS
    local want=$1 deadline=$((${EPOCHREALTIME/./} + $2 * 1000000)) stable_us=$(($3 * 1000))
    local last="" h since=0 now
    while :; do
        show_logs
        h=$(holders)
        now=${EPOCHREALTIME/./}
        if [ "$h" != "$last" ]; then
            case $h in
            nobody) say "VIP $VIP: held by nobody" ;;
            *" "*) say "VIP $VIP: held by BOTH $h (split brain)" ;;
            *) say "VIP $VIP: held by $h" ;;
            esac
            last=$h
            since=$now
        fi
        [ "$h" = "$want" ] && [ $((now - since)) -ge "$stable_us" ] && return 0
        for r in r1 r2; do
            if [ "$r" != "$dead" ] && ! alive "$r"; then
                show_logs
                echo "demo: $name in $NS_PREFIX-$r exited unexpectedly; its log:" >&2
                sed 's/^/    /' "$tmp/$r.log" >&2
                return 1
            fi
        done
        [ "$now" -lt "$deadline" ] || return 1
        sleep 0.02
    done
}

dead=""
start_router r1
start_router r2
say "waiting for the election: each router waits 3 x advert_int + skew for a master's advert"
if ! wait_holder r1 15 2500; then
    echo "demo: FAILED: r1 (priority $PRIO_R1) did not become the only holder of $VIP within 15 s" >&2
    for r in r1 r2; do echo "--- $r log:" >&2; sed 's/^/    /' "$tmp/$r.log" >&2; done
    exit 1
fi
say "r1 is MASTER with $VIP, r2 is BACKUP"

if command -v ping >/dev/null 2>&1; then
    ping_client() {
        local mac
        if ip netns exec "$LAN" ping -c 1 -W 1 "$VIP" >/dev/null 2>&1; then
            mac=$(ip -n "$LAN" neigh show "$VIP" dev br0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
            say "client 192.0.2.254: ping $VIP ok, answered by MAC $mac ($1 eth0 is $(ip -n "$NS_PREFIX-$1" link show eth0 | awk '/link\/ether/ { print $2 }'))"
        else
            say "client 192.0.2.254: ping $VIP got no answer"
        fi
    }
    ping_client r1
else
    ping_client() { :; }
fi

# --- 4. the failover -----------------------------------------------------------------------
# `ip monitor` timestamps the VIP's arrival on r2 from the kernel's netlink event, which is more
# precise than polling.
ip -ts -n "$NS_PREFIX-r2" monitor address >"$tmp/r2.monitor" 2>&1 &
pids+=("$!")
disown "$!"
sleep 0.3
say "killing r1's $name with SIGKILL, as a crash would (no goodbye advert: r2 must notice the silence)"
# Every process of r1 is stopped before any is killed: a child that notices its parent's death
# (PR_SET_PDEATHSIG) would otherwise get to say goodbye, which is the graceful case, not a crash.
r1_pids=$(ip netns pids "$NS_PREFIX-r1")
kill_us=${EPOCHREALTIME/./}
# shellcheck disable=SC2086 # one word per pid
kill -STOP $r1_pids
# shellcheck disable=SC2086
kill -KILL $r1_pids
# A killed daemon leaves its VIP in the kernel; a crashed box would take it down with it. Unplug
# r1 (delete its eth0, and the stale VIP with it) so that only r2 can answer for the VIP.
ip -n "$NS_PREFIX-r1" link del eth0
say "r1 is dead and unplugged"
dead=r1
if ! wait_holder r2 15 1000; then
    echo "demo: FAILED: the VIP did not move to r2 within 15 s of killing r1" >&2
    echo "--- r2 log:" >&2
    sed 's/^/    /' "$tmp/r2.log" >&2
    exit 1
fi

# The monitor line of the VIP's arrival: "[2026-11-21T23:05:01.123456] 2: eth0 inet 192.0.2.100/24 ...".
arrival=$(grep -m1 " inet $VIP/" "$tmp/r2.monitor" | sed -n 's/^\[\([^]]*\)\].*/\1/p' || true)
if [ -n "$arrival" ]; then
    arrival_us=$(date -d "$arrival" +%s%6N)
    how="kernel event"
else
    arrival_us=${EPOCHREALTIME/./}
    how="polled, +-20 ms"
fi
takeover_ms=$(((arrival_us - kill_us) / 1000))
skew_us=$(((256 - PRIO_R2) * ADVERT_INT * 1000000 / 256))
mdi_ms=$(((3 * ADVERT_INT * 1000000 + skew_us) / 1000))
say "r2 took over: $VIP moved from r1 to r2"
ping_client r2
show_logs

echo
printf 'takeover time: %d.%03d s from SIGKILL to the VIP on r2 (%s)\n' \
    $((takeover_ms / 1000)) $((takeover_ms % 1000)) "$how"
printf 'expected:      between %d.%03d and %d.%03d s: Master_Down_Interval = 3 x %d s + skew (256 - %d) / 256 s = %d.%03d s\n' \
    $(((mdi_ms - ADVERT_INT * 1000) / 1000)) $(((mdi_ms - ADVERT_INT * 1000) % 1000)) \
    $((mdi_ms / 1000)) $((mdi_ms % 1000)) "$ADVERT_INT" "$PRIO_R2" $((mdi_ms / 1000)) $((mdi_ms % 1000))
echo '               after r1'"'"'s last advert, which left up to advert_int before the kill'
echo "demo: success; cleaning up"
