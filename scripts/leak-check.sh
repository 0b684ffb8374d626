#!/usr/bin/env bash
# Leak check: kad (parent, VRRP, checker and BFD children) in a network namespace of its own
# (192.0.2.0/24), reloaded RELOADS times by SIGHUP, each reload changing the configuration
# (two configurations in turn, plus an invalid one every tenth reload, which must keep the
# running one); the checker runs a MISC_CHECK (a TCP check's socket in flight would blur the
# fd count). Each reload is waited for ("Reload complete"). The open file descriptors and
# the resident set (VmRSS) of every kad process are read after a warm-up of 100 reloads and
# at the end; the check fails when a process's fd count grew at all, when its RSS grew by
# more than RSS_BOUND_KIB (default 1024 KiB) over the run, or when a child changed pid (it
# died and was respawned).
#
# Usage: scripts/leak-check.sh [RELOADS]     (default 2000; the issue's figure is 10000)
# Needs root and ip netns. KAD=path/to/kad to use another binary (default target/debug/kad).
set -euo pipefail
cd "$(dirname "$0")/.."
reloads=${1:-2000}
bound=${RSS_BOUND_KIB:-1024}
if [ -z "${KAD:-}" ]; then
    cargo build -q -p kad
    KAD="${CARGO_TARGET_DIR:-target}/debug/kad"
fi
KAD=$(readlink -f "$KAD")
ns="kad-leak-$$"
dir=$(mktemp -d /tmp/kad-leak.XXXXXX)
chmod 755 "$dir"
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type veth peer name eth1
ip -n "$ns" link set eth0 up
ip -n "$ns" link set eth1 up
ip -n "$ns" addr add 192.0.2.1/24 dev eth0

conf() { # priority [broken]
    cat <<EOC
global_defs {
  router_id leak
  script_user nobody
  enable_script_security
}
vrrp_script chk {
  script "/bin/true"
  interval 1
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority $1
  advert_int 1
  virtual_ipaddress {
    192.0.2.100/24
  }
  track_script {
    chk
  }
  notify_master "/bin/true"
}
virtual_server 192.0.2.100 80 {
  delay_loop 1
  lb_kind NAT
  protocol TCP
  real_server 192.0.2.2 80 {
    MISC_CHECK {
      misc_path "/bin/true"
    }
  }
}
bfd_instance b1 {
  neighbor_ip 192.0.2.2
}
EOC
    [ -z "${2:-}" ] || printf 'vrrp_instance BROKEN {\n  interface\n'
}

conf 100 >"$dir/keepalived.conf"
ip netns exec "$ns" "$KAD" -n -l -f "$dir/keepalived.conf" -p "$dir/k.pid" -r "$dir/v.pid" \
    -c "$dir/c.pid" -b "$dir/b.pid" >"$dir/log" 2>&1 &
pid=$!

wait_count() { # pattern count
    for _ in $(seq 300); do
        [ "$(grep -c "$1" "$dir/log" || true)" -ge "$2" ] && return 0
        sleep 0.05
    done
    echo "leak-check: timed out waiting for '$1' #$2" >&2
    tail -20 "$dir/log" >&2
    exit 1
}
wait_count "Startup complete" 1

measure() { # label
    for p in k v c b; do
        local id
        id=$(cat "$dir/$p.pid")
        printf '%s %s %s %s\n' "$p" "$id" "$(ls "/proc/$id/fd" | wc -l)" \
            "$(awk '/^VmRSS/ {print $2}' "/proc/$id/status")"
    done >"$dir/m.$1"
}

done_ok=0
start=$(date +%s)
for i in $(seq "$reloads"); do
    if [ $((i % 10)) -eq 0 ]; then
        conf 100 broken >"$dir/keepalived.conf"
    else
        conf $((100 + i % 2)) >"$dir/keepalived.conf"
    fi
    kill -HUP "$pid"
    # Every reload ends with "Reload complete", or is refused by the parent's check.
    done_ok=$((done_ok + 1))
    wait_count 'Reload complete\|failed validation' "$done_ok"
    [ "$i" -eq 100 ] && measure warm
done
[ "$reloads" -ge 100 ] || measure warm
measure end
secs=$(($(date +%s) - start))

echo "leak-check: $reloads reloads in ${secs} s (every 10th invalid), RSS bound ${bound} KiB"
printf '%-8s %8s %8s %8s %10s %10s %8s\n' process pid fds@100 fds@end "RSS@100" "RSS@end" growth
fail=0
while read -r p id fd rss && read -r p2 id2 fd2 rss2 <&3; do
    name=$(case $p in k) echo parent;; v) echo vrrp;; c) echo checker;; b) echo bfd;; esac)
    growth=$((rss2 - rss))
    printf '%-8s %8s %8s %8s %8s kB %8s kB %6s kB\n' "$name" "$id2" "$fd" "$fd2" "$rss" "$rss2" "$growth"
    if [ "$id" != "$id2" ]; then echo "  $name changed pid: it died"; fail=1; fi
    if [ "$fd2" -gt "$fd" ]; then echo "  $name: fd count grew"; fail=1; fi
    if [ "$growth" -gt "$bound" ]; then echo "  $name: RSS grew more than ${bound} KiB"; fail=1; fi
done <"$dir/m.warm" 3<"$dir/m.end"
echo "respawns logged: $(grep -c Respawning "$dir/log" || true)"
exit $fail
