#!/bin/sh
# Runs inside the IPVS test VM (scripts/vm/run-in-vm.sh): kad's checker child with a virtual
# server of three real servers, two of them served by busybox nc, one not. Checks that kad
# programs exactly the expected IPVS table, follows a service stopping and starting, and
# removes its entries at SIGTERM. Exit 0 on success.
set -u
IP=/usr/local/sbin/ip
for a in 192.0.2.11 192.0.2.12 192.0.2.13; do $IP addr add $a/32 dev lo; done
cat > /tmp/kad.conf <<'CONF'
virtual_server 192.0.2.100 80 {
  delay_loop 1
  protocol TCP
  lvs_sched rr
  lvs_method NAT
  real_server 192.0.2.11 8081 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
  real_server 192.0.2.12 8082 {
    weight 3
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
  real_server 192.0.2.13 8083 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
CONF
serve() { nc -ll -p "$1" -e /bin/true </dev/null >/dev/null 2>&1 & }
fail() { echo "VM-CHECKER FAIL: $*"; echo "--- kad log"; cat /tmp/kad.log; echo "--- table"; ipvsadm -Ln; exit 1; }
# The reals as "addr:port weight" lines, sorted.
reals() { ipvsadm -Ln | awk '$1 == "->" && $2 != "RemoteAddress:Port" { print $2, $4 }' | sort | tr '\n' ';'; }
wait_for() {
  want="$1"; i=0
  while [ $i -lt 300 ]; do
    [ "$(reals)" = "$want" ] && return 0
    sleep 0.1; i=$((i + 1))
  done
  fail "wanted reals '$want', have '$(reals)'"
}

serve 8081; S1=$!
serve 8082; S2=$!
KAD_CHILD=checker /kad/bin/kad -n -l -C -f /tmp/kad.conf >/tmp/kad.log 2>&1 &
K=$!
# Two healthy, one stopped: exactly the two, with their weights.
wait_for "192.0.2.11:8081 1;192.0.2.12:8082 3;"
ipvsadm -Ln | grep -q "TCP  192.0.2.100:80 rr" || fail "service missing"
echo "VM-CHECKER table with 2 of 3 real servers: ok"
kill $S1
wait_for "192.0.2.12:8082 3;"
echo "VM-CHECKER 192.0.2.11 stopped, removed: ok"
serve 8083
wait_for "192.0.2.12:8082 3;192.0.2.13:8083 1;"
serve 8081
wait_for "192.0.2.11:8081 1;192.0.2.12:8082 3;192.0.2.13:8083 1;"
echo "VM-CHECKER services started, added: ok"
kill -TERM $K
wait $K
[ -z "$(ipvsadm -Ln | grep 192.0.2.100)" ] || fail "service left after SIGTERM"
grep -q "Shutting down service \[192.0.2.12\]:tcp:8082 from VS \[192.0.2.100\]:tcp:80" /tmp/kad.log || fail "no shutdown log"
echo "VM-CHECKER SIGTERM removed the service: ok"
cat /tmp/kad.log

# net_namespace_ipvs: the checks run here, the table goes into namespace "lb".
# keepalived (and kad) look for named namespaces in /var/run/netns, /run/netns on Debian.
mkdir -p /var /run/netns
[ -e /var/run ] || ln -s /run /var/run
$IP netns add lb || fail "ip netns add"
# The kernel refuses NAT destinations it has no unicast route to.
$IP -n lb link add d0 type dummy && $IP -n lb link set d0 up &&
  $IP -n lb addr add 192.0.2.254/24 dev d0 || fail "lb namespace setup"
{ echo "net_namespace_ipvs lb"; cat /tmp/kad.conf; } > /tmp/kad-ns.conf
KAD_CHILD=checker /kad/bin/kad -n -l -C -f /tmp/kad-ns.conf >/tmp/kad.log 2>&1 &
K=$!
i=0
while [ $i -lt 300 ]; do
  n=$($IP netns exec lb ipvsadm -Ln | grep -c -- '->.*Masq')
  [ "$n" = 3 ] && break
  sleep 0.1; i=$((i + 1))
done
[ "$n" = 3 ] || fail "namespace lb has $n real servers"
[ -z "$(ipvsadm -Ln | grep 192.0.2.100)" ] || fail "service installed outside net_namespace_ipvs"
echo "VM-CHECKER net_namespace_ipvs: ok"
kill -TERM $K
wait $K
[ -z "$($IP netns exec lb ipvsadm -Ln | grep 192.0.2.100)" ] || fail "service left in lb after SIGTERM"
echo "VM-CHECKER PASS"
