#!/bin/sh
# Runs inside the IPVS test VM (scripts/vm/run-in-vm.sh): net-snmp's snmpd as AgentX master,
# keepalived 2.2.7 and then kad on the same configuration (virtual server groups, address,
# and group services, a sorry server, MISC and TCP checkers, LVS timeouts), each walked
# with snmpbulkwalk over KEEPALIVED-MIB once its real servers have settled. The two walks must be
# equal but for the lines `normalise` rewrites, each with its reason. Then realServerWeight is
# set with snmpset under each, and IPVS must show the new weight.
#
# No fwmark service: keepalived 2.2.7's checker process dies of SIGSEGV when a walk reaches
# a fwmark service's counters (`ipvs_update_stats` asks `protocol_to_index` for protocol 0).
# Exit 0 on success.
set -u
# Scripts run as root (`script_user root`); keepalived looks the user up.
mkdir -p /etc
echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd
echo 'root:x:0:' > /etc/group
IP=/usr/local/sbin/ip
D=/tmp/snmp
mkdir -p $D/persist
$IP link set lo up
for a in 192.0.2.1 192.0.2.10 192.0.2.11; do $IP addr add $a/32 dev lo; done
cat > $D/snmpd.conf <<CONF
master agentx
agentXSocket unix:$D/agentx
agentXTimeout 30
agentaddress udp:127.0.0.1:16161
rocommunity public 127.0.0.1
rwcommunity private 127.0.0.1
CONF
cat > $D/keepalived.conf <<CONF
global_defs {
  router_id vmcheck
  enable_snmp_checker
  snmp_socket unix:$D/agentx
  lvs_timeouts tcp 900 tcpfin 30 udp 60
  script_user root
}
virtual_server_group G1 {
  192.0.2.50 80
  192.0.2.60-62 80
}
virtual_server 192.0.2.1 80 {
  delay_loop 1
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
  persistence_timeout 50
  persistence_granularity 255.255.255.0
  quorum 2
  hysteresis 1
  quorum_up "/bin/true up"
  quorum_down "/bin/true down"
  virtualhost www.example.invalid
  snmp_name web
  sorry_server 192.0.2.99 80
  real_server 192.0.2.10 80 {
    weight 3
    uthreshold 100
    lthreshold 10
    notify_up "/bin/true rs up"
    snmp_name web-a
    MISC_CHECK {
      misc_path /bin/true
      misc_timeout 30
    }
  }
  real_server 192.0.2.11 8080 {
    inhibit_on_failure
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
virtual_server group G1 {
  delay_loop 1
  lvs_sched rr
  protocol UDP
  lvs_method NAT
  omega
  alpha
  real_server 192.0.2.30 80 {
    weight 2
    MISC_CHECK {
      misc_path /bin/true
      misc_timeout 30
    }
  }
}
CONF
export SNMP_PERSISTENT_DIR=$D/persist MIBS=""
MIBOPTS="-M /kad/mibs -m KEEPALIVED-MIB"
fail() { echo "VM-SNMP FAIL: $*"; for f in $D/*.log; do echo "--- $f"; tail -n 60 "$f"; done; exit 1; }
walk() { snmpbulkwalk -v2c -c public -t 60 -r 0 -Cr60 $MIBOPTS 127.0.0.1:16161 KEEPALIVED-MIB::keepalived 2>/dev/null | grep -v "No Such Object"; }

/kad/bin/snmpd -f -C -c $D/snmpd.conf -Lf $D/snmpd.log -p $D/snmpd.pid &
SNMPD=$!
i=0; while [ ! -S $D/agentx ]; do i=$((i + 1)); [ $i -gt 300 ] && fail "snmpd made no AgentX socket"; sleep 0.1; done

SET_FAILED=""
# set_weight NAME: snmpset of real server 192.0.2.10's weight to 7, seen in IPVS and the walk.
set_weight() {
  # Up to 3 tries: under TCG keepalived can miss snmpd's AgentX ping and be re-registering
  # when the Set comes (its objects then read as notWritable for a moment).
  n=0
  until snmpset -v2c -c private -t 60 -r 0 $MIBOPTS 127.0.0.1:16161 \
      KEEPALIVED-MIB::realServerWeight.1.2 i 7 > $D/$1.set 2>&1; do
    n=$((n + 1))
    [ $n -ge 3 ] && { echo "VM-SNMP $1: snmpset: $(cat $D/$1.set)"; return 1; }
    sleep 2
  done
  i=0
  until ipvsadm -Ln | grep -q '192.0.2.10:80 *Masq *7 '; do
    i=$((i + 1))
    [ $i -gt 50 ] && { echo "VM-SNMP $1: weight 7 not in IPVS: $(ipvsadm -Ln)"; return 1; }
    sleep 0.1
  done
  walk | grep -q 'realServerWeight.1.2 = INTEGER: 7' ||
    { echo "VM-SNMP $1: the walk does not show weight 7"; return 1; }
}

# run NAME PROGRAM: starts it, waits until its walk shows the TCP real server down and the
# MISC ones up, lets it settle, keeps the walk in $D/NAME.walk, checks snmpset, stops it.
run() {
  name=$1; prog=$2
  rm -f $D/*.pid.$name
  "$prog" -n -l -D -f $D/keepalived.conf -p $D/k.pid.$name -c $D/c.pid.$name -r $D/v.pid.$name \
    -b $D/b.pid.$name > $D/$name.log 2>&1 &
  P=$!
  # Settled: the TCP check has failed once and the group's MISC check has put its real
  # server in (both log keepalived's lines).
  i=0
  for line in 'Disabling service \[192.0.2.11\]:tcp:8080' 'Adding service \[192.0.2.30\]:udp:80'; do
    until grep -q "$line" $D/$name.log 2>/dev/null; do
      i=$((i + 1)); [ $i -gt 900 ] && fail "$name: no '$line' in its log"
      sleep 0.1
    done
  done
  t0=$(date +%s)
  sleep 3
  walk > $D/$name.walk
  echo "VM-SNMP $name: $(wc -l < $D/$name.walk) objects, walked in $(( $(date +%s) - t0 - 3 )) s"
  # realServerWeight is writable (keepalived's check_snmp_realserver_weight); a failure is
  # reported after the walks are compared.
  if set_weight $name; then
    echo "VM-SNMP $name: realServerWeight set to 7, in IPVS and the walk"
  else
    SET_FAILED="$SET_FAILED $name"
  fi
  kill -TERM $P
  i=0; while kill -0 $P 2>/dev/null; do i=$((i + 1)); [ $i -gt 200 ] && fail "$name did not stop"; sleep 0.1; done
  i=0; while [ -n "$(walk)" ]; do i=$((i + 1)); [ $i -gt 100 ] && fail "$name's registrations stayed"; sleep 0.1; done
}

# What legitimately differs: version.0 names the program.
normalise() { sed -e 's/^KEEPALIVED-MIB::version.0 = .*/KEEPALIVED-MIB::version.0 = <program>/' "$1"; }

run keepalived /kad/bin/keepalived
run kad /kad/bin/kad
normalise $D/keepalived.walk > $D/a
normalise $D/kad.walk > $D/b
if ! diff $D/a $D/b > $D/diff; then
  echo "VM-SNMP walks differ (< keepalived, > kad):"; cat $D/diff
  fail "walks differ"
fi
[ "$(wc -l < $D/a)" -gt 150 ] || fail "keepalived's walk is short: $(cat $D/a)"
echo "VM-SNMP walks equal: $(wc -l < $D/a) objects"
kill $SNMPD
[ -z "$SET_FAILED" ] || fail "snmpset failed under:$SET_FAILED"
echo "VM-SNMP ok"
