#!/bin/sh
# Runs inside the IPVS test VM (scripts/vm/run-in-vm.sh), in the same boot as the checker's
# vm_inner.sh (see bins/kad/tests/checker_e2e/vm_checker.sh): `BFD_CHECK` against the kernel's
# real IPVS table. kad here has a BFD session with a second kad in namespace `bfdpeer` (over a
# veth pair, 203.0.113.0/30) and a virtual server whose one real server is that peer, checked
# by BFD_CHECK only. SIGKILL of the peer's kad must take the real server out of the table
# (ipvsadm -Ln), and a new peer must bring it back. Exit 0 on success.
set -u
IP=/usr/local/sbin/ip
RS=203.0.113.2
mkdir -p /var /run/netns
[ -e /var/run ] || ln -s /run /var/run

fail() {
    say "FAIL: $*"
    echo "--- kad log"; cat /tmp/bfd-a.log
    echo "--- peer log"; cat /tmp/bfd-b.log
    echo "--- table"; ipvsadm -Ln
    exit 1
}
# Progress lines carry the VM's uptime, so the stage's cost reads off the console.
say() { echo "VM-BFD-CHECK [$(cut -d' ' -f1 /proc/uptime) s] $*"; }
# The reals as "addr:port weight" lines, sorted.
reals() { ipvsadm -Ln | awk '$1 == "->" && $2 != "RemoteAddress:Port" { print $2, $4 }' | sort | tr '\n' ';'; }
# /proc/uptime in centiseconds.
now_cs() { awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime; }
wait_for() {
    want="$1"; i=0
    while [ $i -lt 600 ]; do
        [ "$(reals)" = "$want" ] && return 0
        sleep 0.05; i=$((i + 1))
    done
    fail "wanted reals '$want', have '$(reals)'"
}

say "start"
$IP netns add bfdpeer || fail "ip netns add"
$IP link add bfd0 type veth peer name eth0 netns bfdpeer || fail "veth (module veth loaded?)"
$IP addr add 203.0.113.1/30 dev bfd0 && $IP link set bfd0 up &&
    $IP -n bfdpeer addr add $RS/30 dev eth0 && $IP -n bfdpeer link set eth0 up &&
    $IP -n bfdpeer link set lo up || fail "veth setup"

# 300 ms x 3: a 0.9 s detection time that TCG's slow, single-CPU guest keeps without flapping.
bfd() {
    printf 'bfd_instance rs1 {\n  neighbor_ip %s\n  source_ip %s\n  min_rx 300\n  min_tx 300\n  multiplier 3\n}\n' "$1" "$2"
}
{
    bfd $RS 203.0.113.1
    cat <<CONF
virtual_server 192.0.2.100 80 {
  delay_loop 1
  protocol TCP
  lvs_sched rr
  lvs_method NAT
  real_server $RS 80 {
    BFD_CHECK {
      name rs1
    }
  }
}
CONF
} >/tmp/bfd-a.conf
bfd 203.0.113.1 $RS >/tmp/bfd-b.conf

: >/tmp/bfd-b.log
start_peer() {
    $IP netns exec bfdpeer /kad/bin/kad -n -l -D -f /tmp/bfd-b.conf -p /run/b.pid -r /run/b-vrrp.pid \
        -c /run/b-chk.pid -b /run/b-bfd.pid >>/tmp/bfd-b.log 2>&1 &
    B=$!
}
kill_peer() {
    for p in $B $(cat /run/b-bfd.pid /run/b-vrrp.pid /run/b-chk.pid 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    wait $B 2>/dev/null
    rm -f /run/b.pid /run/b-bfd.pid /run/b-vrrp.pid /run/b-chk.pid
}

/kad/bin/kad -n -l -D -f /tmp/bfd-a.conf -p /run/a.pid -r /run/a-vrrp.pid -c /run/a-chk.pid \
    -b /run/a-bfd.pid >/tmp/bfd-a.log 2>&1 &
A=$!
start_peer
wait_for "$RS:80 1;"
ipvsadm -Ln | grep -q "TCP  192.0.2.100:80 rr" || fail "service missing"
say "session Up, real server in the table: ok"

sleep 1
t0=$(now_cs)
kill_peer
wait_for ""
t1=$(now_cs)
ipvsadm -Ln | grep -q "TCP  192.0.2.100:80 rr" || fail "the service went with its real server"
grep -q "BFD check of \[rs1\] RS(\[$RS\]:tcp:80) is DOWN" /tmp/bfd-a.log || fail "no DOWN log line"
say "peer killed, real server removed after $(((t1 - t0) * 10)) ms (detection 900 ms): ok"

start_peer
wait_for "$RS:80 1;"
say "peer back, real server back: ok"

kill_peer
kill -TERM $A
wait $A
[ -z "$(ipvsadm -Ln | grep 192.0.2.100)" ] || fail "service left after SIGTERM"
say "PASS"
