#!/bin/sh
# Runs inside the test VM (scripts/vm/run-in-vm.sh), whose Debian kernel has what the host's
# lacks: a vrrp_instance on a VRF slave (the VIP's local route in the VRF's table) and
# `use_ipvlan`, each first between two keepalived 2.2.7 routers (the harness checked against the
# reference), then kad against keepalived. Two namespaces `a` and `b` joined by a veth pair;
# `a` runs the master (priority 150), `b` the backup (100). Each case: election, SIGKILL of the
# master and takeover by the backup, restart and preemption back, SIGTERM and takeover again.
# Prints one `VRRP-VM <case>: ok …` line per case; exit 0 when every case passed.
set -u
IP=/usr/local/sbin/ip
KAD=/kad/bin/kad
KEEPALIVED=/kad/bin/keepalived
VIP=192.0.2.100
failed=0

log() { echo "VRRP-VM $*"; }
now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }

setup() {
    for n in a b; do
        $IP netns del $n 2>/dev/null
        $IP netns add $n
        $IP -n $n link set lo up
    done
    $IP link add eth0 netns a type veth peer name eth0 netns b
    $IP -n a addr add 192.0.2.1/24 dev eth0
    $IP -n b addr add 192.0.2.2/24 dev eth0
    $IP -n a link set eth0 up
    $IP -n b link set eth0 up
}

teardown() {
    for p in $(cat /tmp/pids 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    : >/tmp/pids
    for n in a b; do $IP netns del $n 2>/dev/null; done
}

# conf NAME PRIORITY STATE EXTRA: a keepalived.conf with one instance on eth0.
conf() {
    cat >/tmp/$1.conf <<CONF
global_defs {
  router_id $1
}
vrrp_instance VI_1 {
  state $3
  interface eth0
  virtual_router_id 51
  priority $2
  advert_int 1
$4
  virtual_ipaddress {
    $VIP/32
  }
}
CONF
}

# start NS PROGRAM NAME: runs PROGRAM in NS with /tmp/NAME.conf; its pid in /tmp/NAME.pid.
start() {
    $IP netns exec "$1" "$2" -n -l -D -f "/tmp/$3.conf" -p "/tmp/$3.k.pid" -r "/tmp/$3.v.pid" \
        -c "/tmp/$3.c.pid" -b "/tmp/$3.b.pid" >>"/tmp/$3.log" 2>&1 &
    echo $! >"/tmp/$3.pid"
    echo $! >>/tmp/pids
}

holds() { $IP -n "$1" -o addr show | grep -q "inet $VIP/"; }

# only OWNER OTHER SECONDS: waits until VIP is on OWNER and not on OTHER ("-" for none).
only() {
    i=0
    while [ $i -lt $(($3 * 10)) ]; do
        if holds "$1" && { [ "$2" = - ] || ! holds "$2"; }; then return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

dump() {
    for n in a b; do
        echo "--- $n addresses"; $IP -n $n -o addr show
        echo "--- $n links"; $IP -n $n -d -o link show
        echo "--- $n routes (all tables)"; $IP -n $n route show table all | grep -v "^fe80\|^ff00\|^multicast"
    done
    for f in /tmp/A.log /tmp/B.log; do echo "--- $f"; tail -30 "$f"; done
}

fail() {
    log "$CASE: FAILED: $*"
    dump
    failed=1
    return 1
}

# scenario PROG_A PROG_B CHECK [STOPPED]: the failover sequence; CHECK is a function run with the
# VIP on a, STOPPED one run once a's router has exited after SIGTERM.
scenario() {
    start a "$1" A
    only a - 30 || { fail "a never held $VIP"; return 1; }
    start b "$2" B
    sleep 5
    only a b 1 || { fail "not only on a after the election"; return 1; }
    $3 || return 1
    t0=$(now_ms)
    kill -9 "$(cat /tmp/A.pid)" "$(cat /tmp/A.v.pid 2>/dev/null)" 2>/dev/null
    only b - 15 || { fail "b did not take over after SIGKILL"; return 1; }
    kill_ms=$(($(now_ms) - t0))
    $IP -n a addr del $VIP/32 dev eth0 2>/dev/null
    # What a crashed keepalived leaves: its VMAC / ipvlan interface.
    for l in $($IP -n a -o link show | sed -n 's/^[0-9]*: \(vrrp[^:@]*\).*/\1/p'); do
        $IP -n a link del "$l"
    done
    start a "$1" A
    only a b 30 || { fail "no preemption back to a"; return 1; }
    $3 || return 1
    t0=$(now_ms)
    kill "$(cat /tmp/A.pid)"
    only b a 15 || { fail "b did not take over after SIGTERM"; return 1; }
    term_ms=$(($(now_ms) - t0))
    if [ -n "${4:-}" ]; then
        gone "$(cat /tmp/A.pid)" 15 || { fail "a did not exit after SIGTERM"; return 1; }
        $4 || return 1
    fi
    log "$CASE: ok: takeover after SIGKILL ${kill_ms} ms, after SIGTERM ${term_ms} ms"
}

# gone PID SECONDS: waits until PID has exited.
gone() {
    i=0
    while [ $i -lt $(($2 * 10)) ]; do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# The VIP's local route is in VRF blue's table 10 and not in the main local table.
vrf_check() {
    $IP -n a route show table 10 | grep -q "local $VIP " ||
        { fail "$VIP's local route not in table 10"; return 1; }
    ! $IP -n a route show table local | grep -q "local $VIP " ||
        { fail "$VIP's local route in the main local table"; return 1; }
}

vrf_case() {
    CASE=$1
    setup
    $IP -n a link add blue type vrf table 10
    $IP -n a link set blue up
    $IP -n a link set eth0 master blue
    conf A 150 MASTER ""
    conf B 100 BACKUP ""
    scenario "$2" "$KEEPALIVED" vrf_check
    teardown
}

# keepalived 2.2.7's VRRP_IPVLAN, as it behaves here: an L2 ipvlan vrrp.51 on eth0 holding the
# address given to use_ipvlan, which the instance's adverts are sent from; the VIP itself stays on
# eth0. The keepalived run records the ipvlan's `ip -d link` details and whether the interface is
# still there after SIGTERM; the kad run must match both.
ipvlan_check() {
    $IP -n a -o addr show | grep -q "eth0 *inet $VIP/" || { fail "$VIP not on eth0"; return 1; }
    details=$($IP -n a -d -o link show vrrp.51 2>/dev/null | grep -o "ipvlan  *mode [a-z0-9]* [a-z]*")
    [ -n "$details" ] || { fail "no ipvlan interface vrrp.51"; return 1; }
    $IP -n a -o addr show dev vrrp.51 | grep -q "inet 192.0.2.11/24" ||
        { fail "vrrp.51 does not hold 192.0.2.11/24"; return 1; }
    if [ -z "$IPVLAN_REF" ]; then
        IPVLAN_REF=$details
        log "$CASE: keepalived's ipvlan: $details"
    elif [ "$details" != "$IPVLAN_REF" ]; then
        fail "vrrp.51 is '$details', keepalived's is '$IPVLAN_REF'"
        return 1
    fi
}

# After SIGTERM: keepalived's run records whether vrrp.51 is left; kad's must do the same.
ipvlan_stopped() {
    if $IP -n a link show vrrp.51 >/dev/null 2>&1; then left=yes; else left=no; fi
    if [ -z "$IPVLAN_LEFT" ]; then
        IPVLAN_LEFT=$left
        log "$CASE: keepalived leaves vrrp.51 after SIGTERM: $left"
    elif [ "$left" != "$IPVLAN_LEFT" ]; then
        fail "vrrp.51 left after SIGTERM: $left, keepalived: $IPVLAN_LEFT"
        return 1
    fi
}

ipvlan_case() {
    CASE=$1
    setup
    # keepalived needs an address for the ipvlan interface (its IPv4 adverts are sent from it).
    conf A 150 MASTER "  use_ipvlan vrrp.51 192.0.2.11/24 bridge"
    conf B 100 BACKUP ""
    if [ "$2" = "$KAD" ] && $KAD -t -f /tmp/A.conf 2>&1 | grep -q "use_ipvlan"; then
        fail "kad -t: $($KAD -t -f /tmp/A.conf 2>&1 | grep use_ipvlan | head -1)"
    fi
    scenario "$2" "$KEEPALIVED" ipvlan_check ipvlan_stopped
    teardown
}

: >/tmp/pids
rm -f /tmp/A.log /tmp/B.log
vrf_case "vrf keepalived-keepalived" "$KEEPALIVED"
rm -f /tmp/A.log /tmp/B.log
vrf_case "vrf kad-keepalived" "$KAD"
rm -f /tmp/A.log /tmp/B.log
IPVLAN_REF=
IPVLAN_LEFT=
ipvlan_case "use_ipvlan keepalived-keepalived" "$KEEPALIVED"
rm -f /tmp/A.log /tmp/B.log
[ -n "$IPVLAN_REF" ] && [ -n "$IPVLAN_LEFT" ] || fail "no reference from keepalived's ipvlan run"
ipvlan_case "use_ipvlan kad-keepalived" "$KAD"
exit $failed
