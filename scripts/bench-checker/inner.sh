#!/bin/sh
# Runs inside the IPVS test VM (started by scripts/bench-checker.sh): the same configuration under
# keepalived's checker (-n -l -C) and then kad's, one after the other, each measured alone.
# Prints "BENCH <daemon> <key>=<value>" lines that the host script turns into a table.
#
# Environment (set by the host script): BENCH_SECS (measured interval), BENCH_SETTLE (seconds
# between a complete IPVS table and the measurement), BENCH_WARMUP_MAX (longest wait for the
# table), BENCH_EXPECT (real servers in the configuration), BENCH_DAEMONS ("keepalived kad").
set -u
IP=/usr/local/sbin/ip
W=/kad/bench
secs=${BENCH_SECS:-60}
settle=${BENCH_SETTLE:-5}
warm_max=${BENCH_WARMUP_MAX:-300}
expect=${BENCH_EXPECT:?}

say() { echo "bench: $*"; }
# Seconds since boot with 10 ms resolution.
now() { read -r u _ </proc/uptime; echo "$u"; }
# utime+stime of PID in clock ticks (fields 14 and 15; the command name has no spaces here).
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
kb() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/status" 2>/dev/null; }
# Children of PID (by their parent pid field).
children() { for s in /proc/[0-9]*/stat; do awk -v p="$1" '$4 == p { print $1 }' "$s" 2>/dev/null; done; }
# Real servers in the kernel's table (addresses are hex there; the header line has none).
dests() { grep -c '^  -> [0-9A-F]' /proc/net/ip_vs 2>/dev/null || echo 0; }
accepted() { cat /tmp/sink.count 2>/dev/null || echo 0; }

ulimit -n 65536
sysctl -qw net.ipv4.tcp_tw_reuse=1 2>/dev/null
sysctl -qw net.core.somaxconn=4096 2>/dev/null
$IP -batch $W/addrs.batch || { echo "bench: adding addresses failed"; exit 1; }
mkdir -p /etc/keepalived /var/run /run/keepalived 2>/dev/null
args=""
while read -r kind port; do args="$args --$kind $port"; done < $W/ports
# shellcheck disable=SC2086
/kad/bin/tcp_sink --count /tmp/sink.count $args 2>/tmp/sink.err &
SINK=$!
sleep 1
kill -0 $SINK 2>/dev/null || { cat /tmp/sink.err; echo "bench: sink failed"; exit 1; }
say "$(grep -c . $W/addrs.batch) addresses on lo, sink on $(grep -c . $W/ports) ports, $expect real servers"

run_one() {
  name=$1 bin=$2
  ipvsadm -C
  /kad/bin/tcp_sink --tcp 9999 2>/dev/null &
  VICTIM=$!
  log=/tmp/$name.log
  t_start=$(now)
  $bin -n -l -C -f $W/bench.conf >"$log" 2>&1 &
  P=$!
  child=""
  i=0
  while [ -z "$child" ] && [ $i -lt 300 ]; do
    sleep 0.1; i=$((i + 1))
    child=$(children $P | head -1)
  done
  [ -n "$child" ] || { say "$name: no checker child"; tail -20 "$log"; kill $P; return 1; }
  # Warm-up: every real server in the kernel's table (all start "up"), then settle.
  n=0
  while :; do
    n=$(dests)
    [ "$n" -ge "$expect" ] && break
    kill -0 $P 2>/dev/null || { say "$name exited during warm-up"; tail -20 "$log"; return 1; }
    awk -v a="$(now)" -v b="$t_start" -v m="$warm_max" 'BEGIN { exit !(a - b > m) }' && break
    sleep 0.5
  done
  t_table=$(now)
  say "$name: $n of $expect real servers in the table after $(awk -v a="$t_table" -v b="$t_start" 'BEGIN { printf "%.1f", a - b }') s"
  echo "BENCH $name table_s=$(awk -v a="$t_table" -v b="$t_start" 'BEGIN { printf "%.1f", a - b }')"
  echo "BENCH $name table_n=$n"
  sleep "$settle"
  c0=$(ticks "$child"); p0=$(ticks $P); a0=$(accepted); t0=$(now)
  # RSS sampled every 2 s through the interval (one awk over both status files, to keep the
  # sampler's own CPU small); the peaks are reported.
  rss=0; tree=0; t_end=$(awk -v a="$t0" -v s="$secs" 'BEGIN { print a + s }')
  while awk -v a="$(now)" -v e="$t_end" 'BEGIN { exit !(a < e) }'; do
    sleep 2
    # shellcheck disable=SC2046 # two numbers, split on purpose
    set -- $(awk -v c="/proc/$child/status" '$1 == "VmRSS:" { t += $2; if (FILENAME == c) r = $2 } END { print r + 0, t + 0 }' "/proc/$child/status" "/proc/$P/status" 2>/dev/null)
    [ "${1:-0}" -gt "$rss" ] && rss=$1
    [ "${2:-0}" -gt "$tree" ] && tree=$2
  done
  c1=$(ticks "$child"); p1=$(ticks $P); a1=$(accepted); t1=$(now)
  removed1=$(grep -c "Removing service" "$log")
  hwm=$(kb "$child" VmHWM)
  awk -v n="$name" -v c="$((c1 - c0))" -v p="$((p1 - p0))" -v k="$((a1 - a0))" -v dt="$(awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }')" 'BEGIN {
    printf "BENCH %s interval_s=%.1f\n", n, dt
    printf "BENCH %s cpu_s_per_min=%.2f\n", n, c / 100 / dt * 60
    printf "BENCH %s cpu_pct=%.1f\n", n, c / dt
    printf "BENCH %s parent_cpu_s_per_min=%.2f\n", n, p / 100 / dt * 60
    printf "BENCH %s checks_per_s=%.0f\n", n, k / dt
    if (k > 0) printf "BENCH %s cpu_ms_per_1000_checks=%.0f\n", n, c * 10 / k * 1000
  }'
  echo "BENCH $name rss_kb=$rss"
  echo "BENCH $name hwm_kb=${hwm:-0}"
  # What the RSS is made of at the end of the interval: the process's own heap and stacks
  # (anonymous) against pages of its executable and libraries (file), and the proportional
  # set size, which shares those file pages among the processes mapping them.
  echo "BENCH $name rss_anon_kb=$(kb "$child" RssAnon)"
  # In the VM the binaries live in the initramfs, so their pages count as shared memory.
  echo "BENCH $name rss_file_kb=$(($(kb "$child" RssFile) + $(kb "$child" RssShmem)))"
  echo "BENCH $name anon_huge_kb=$(awk '$1 == "AnonHugePages:" { print $2 }' "/proc/$child/smaps_rollup" 2>/dev/null)"
  echo "BENCH $name pss_kb=$(awk '$1 == "Pss:" { print $2 }' "/proc/$child/smaps_rollup" 2>/dev/null)"
  echo "BENCH $name tree_rss_kb=$tree"
  echo "BENCH $name removals_before_failure=$removed1"
  # Detection: stop the victim's listener, time the "Removing service" line.
  off=$(wc -c <"$log")
  kill $VICTIM
  td0=$(now)
  got=""
  # Give up after delay_loop + 30 s (an overloaded checker may never notice).
  dl=$(($(now | cut -d. -f1) + ${BENCH_DELAY:-1} + 30))
  while :; do
    if tail -c +$((off + 1)) "$log" | grep -q "Removing service \[192.0.2.199\]:tcp:9999"; then got=$(now); break; fi
    read -r u _ </proc/uptime
    [ "${u%.*}" -ge "$dl" ] && break
    usleep 20000
  done
  if [ -n "$got" ]; then
    echo "BENCH $name detect_s=$(awk -v a="$got" -v b="$td0" 'BEGIN { printf "%.2f", a - b }')"
  else
    echo "BENCH $name detect_s=none"
  fi
  tail -c +$((off + 1)) "$log" | grep "192.0.2.199" | head -3
  # Stop: SIGTERM, then what the daemon left (it removes its table entries).
  ts=$(now)
  kill -TERM $P
  i=0
  while kill -0 $P 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
  kill -0 $P 2>/dev/null && { say "$name: still running 120 s after SIGTERM, killed"; kill -KILL $P; }
  wait $P 2>/dev/null
  echo "BENCH $name stop_s=$(awk -v a="$(now)" -v b="$ts" 'BEGIN { printf "%.1f", a - b }')"
  say "$name log: $(wc -l <"$log") lines; the commonest, addresses and times masked:"
  sed -e 's/\[[0-9.]*\]:tcp:[0-9]*/[A]/g; s/^[A-Z][a-z][a-z] .* 20[0-9][0-9]: //; s/^[A-Za-z_]*\[[0-9]*\]: //' "$log" |
    sort | uniq -c | sort -rn | head -12 | sed "s/^/bench:   /"
}

rc=0
for d in ${BENCH_DAEMONS:-keepalived kad}; do
  case $d in
  keepalived) run_one keepalived /usr/sbin/keepalived || rc=1 ;;
  kad) run_one kad /kad/bin/kad || rc=1 ;;
  *) say "unknown daemon $d"; rc=1 ;;
  esac
done
kill $SINK
exit $rc
