#!/usr/bin/env bash
# Checker benchmark: kad's checker child against keepalived 2.2.7's, same configuration, same VM.
#
#   scripts/bench-checker.sh            # 10,000 TCP_CHECK + 1,000 HTTP_GET, 60 s measured each
#   scripts/bench-checker.sh --smoke    # 200 + 20, 15 s each: under 3 minutes with the VM boot
#   scripts/bench-checker.sh --sweep    # memory at 100, 1,000, 10,000 TCP_CHECK (+10% HTTP_GET)
#   BENCH_RS=2000 scripts/bench-checker.sh
#
# Environment: BENCH_RS (TCP_CHECK real servers, default 10000), BENCH_HTTP (HTTP_GET real
# servers, default BENCH_RS/10), BENCH_SECS (measured interval per daemon, default 60),
# BENCH_SETTLE (seconds after the table is complete before measuring, default 10), BENCH_DELAY
# (delay_loop, default 1: under TCG a larger one keeps 10,000 real servers below saturation),
# BENCH_SMP / BENCH_MEM (VM CPUs / MiB, default 2 / 2048), BENCH_DAEMONS (default
# "keepalived kad"), KAD (a kad binary; default: `cargo build --release -p kad` in
# CARGO_TARGET_DIR or ./target), TCP_SINK (a tcp_sink binary; default: built the same way),
# KEEPALIVED (default /usr/sbin/keepalived), KAD_VM_TIMEOUT.
# BENCH_LOG=FILE keeps the VM console transcript.
#
# Why a VM: the host kernel has no IPVS, so keepalived's checker exits there. The run boots
# Debian's kernel under qemu (scripts/vm/run-in-vm.sh, TCG: absolute figures are several times
# real hardware's, so read the kad/keepalived ratios, measured in the same boot).
#
# What runs: scripts/bench-checker/gen.sh writes one keepalived.conf — virtual servers of 100
# real servers, delay_loop 1 (BENCH_DELAY), TCP_CHECK / HTTP_GET (url / status_code 200), connect_timeout 1,
# retry 0 — with the real servers on up to 500 test addresses on the VM's lo (198.51.100.0/24,
# 203.0.113.0/24, 192.0.2.0/24) times a few ports, all answered by one `tcp_sink` process
# (examples/src/bin/tcp_sink.rs: wildcard listeners; accept-and-close for TCP, a minimal
# "200 OK" for HTTP), plus a "victim" real server 192.0.2.199:9999 with its own sink process.
# scripts/bench-checker/inner.sh then runs `keepalived -n -l -C -f bench.conf` and afterwards
# `kad -n -l -C -f bench.conf`, each alone, and for each measures:
#   table_s    seconds from start until every real server is in the kernel's IPVS table
#              (all start "up"; read from /proc/net/ip_vs);
#   cpu        utime+stime of the checker child (the daemon's only child, /proc/PID/stat) over
#              the measured interval (BENCH_SECS, starting BENCH_SETTLE s after table_s),
#              scaled to CPU seconds per minute, and as % of one CPU; the parent's as well;
#   checks/s   connections the sink accepted per second in the interval (one per TCP_CHECK or
#              HTTP_GET made), and the checker's CPU per 1,000 checks: under TCG a large N
#              saturates the VM's CPU, and then this, not CPU per minute, is the fair figure
#              (a saturated checker makes fewer checks than delay_loop asks for);
#   rss        peak VmRSS of the checker child sampled every 2 s of the interval (and its
#              VmHWM), and the peak sum over parent + children ("tree"); at the end of the
#              interval its RssAnon (heap, stacks; and of it AnonHugePages, transparent huge
#              pages) and RssFile + RssShmem (executable and library pages; in the VM they
#              live in the initramfs) and its PSS (shared pages counted in part);
#   detect_s   failure detection: the victim's listener is killed at T, and the time until the
#              log line "Removing service [192.0.2.199]:tcp:9999 ..." appears (polled every
#              20 ms, given up after delay_loop + 30 s; expected within delay_loop + connect_timeout);
#   removals   "Removing service" lines before the victim was stopped (should be 0: a checker
#              falling behind or a sink dropping connections shows here);
#   stop_s     SIGTERM until the daemon has exited (it removes its IPVS entries).
# Then it prints a table with kad, keepalived and kad/keepalived.
#
# --sweep: one VM boot per size of SWEEP_SIZES ("100 1000 10000" TCP_CHECK real servers, each
# with a tenth as many HTTP_GET ones), BENCH_SECS 10 and BENCH_SETTLE 5 unless set; prints the
# checker child's RSS peak, PSS and VmHWM per size for both daemons, the growth per real server
# between the smallest and largest size, and draws SWEEP_SVG (default
# docs/footprint-checker.svg, numbers beside it as .tsv) with scripts/footprint-chart.py.
set -euo pipefail
{
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
smoke=0
for a in "$@"; do
    case $a in
    --smoke) smoke=1 ;;
    --sweep) sweep=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-checker: unknown argument $a (see --help)" >&2; exit 2 ;;
    esac
done
if [ "${sweep:-0}" = 1 ]; then
    svg=${SWEEP_SVG:-$root/docs/footprint-checker.svg}
    tsv=${svg%.svg}.tsv
    mkdir -p "$(dirname "$svg")"
    : >"$tsv"
    for n in ${SWEEP_SIZES:-100 1000 10000}; do
        echo "bench-checker: sweep, $n TCP_CHECK + $((n / 10)) HTTP_GET"
        BENCH_RS=$n BENCH_HTTP=$((n / 10)) BENCH_SECS=${BENCH_SECS:-10} BENCH_SETTLE=${BENCH_SETTLE:-5} \
            BENCH_TSV=$tsv "$0" || exit $?
    done
    echo
    echo "Checker child memory, kB (RSS peak / PSS / VmHWM), by real servers (TCP_CHECK + HTTP_GET)"
    awk '{ k = $1; n = $2; v[k, n] = $3 " / " $4 " / " $5; p[k, n] = $4; h[k, n] = $5; sizes[n] = 1; impls[k] = 1 }
        END {
            for (n in sizes) line[n] = sprintf("%-8s", n)
            for (n in sizes) for (k in impls) line[n] = line[n] sprintf(" | %-10s %24s", k, v[k, n])
            for (n in sizes) for (k in impls) if (k == "kad" && ("keepalived", n) in p && p["keepalived", n] > 0)
                line[n] = line[n] sprintf(" | PSS kad/keepalived %.2f, VmHWM %.2f", p[k, n] / p["keepalived", n], h[k, n] / h["keepalived", n])
            for (n in sizes) print line[n]
            lo = -1; for (n in sizes) { if (lo < 0 || n + 0 < lo) lo = n + 0; if (n + 0 > hi) hi = n + 0 }
            if (hi > lo) for (k in impls)
                printf "growth per real server, %s: PSS %.0f B, VmHWM %.0f B\n", k,
                    (p[k, hi] - p[k, lo]) * 1024 / ((hi - lo) * 1.1), (h[k, hi] - h[k, lo]) * 1024 / ((hi - lo) * 1.1)
        }' "$tsv" | sort -n
    "$here/footprint-chart.py" --data "$tsv" --out "$svg" --xlabel "TCP_CHECK real servers (+10% HTTP_GET)" \
        --title "checker child: kad vs keepalived 2.2.7"
    echo "chart: $svg (data: $tsv)"
    exit 0
fi
if [ "$smoke" = 1 ]; then
    n_tcp=${BENCH_RS:-200}
    secs=${BENCH_SECS:-15}
    settle=${BENCH_SETTLE:-3}
else
    n_tcp=${BENCH_RS:-10000}
    secs=${BENCH_SECS:-60}
    settle=${BENCH_SETTLE:-10}
fi
n_http=${BENCH_HTTP:-$((n_tcp / 10))}
smp=${BENCH_SMP:-2}
mem=${BENCH_MEM:-2048}
keepalived=${KEEPALIVED:-/usr/sbin/keepalived}
tgt=${CARGO_TARGET_DIR:-$root/target}

kad=${KAD:-}
if [ -z "$kad" ]; then
    (cd "$root" && cargo build --release -q -p kad) || exit 2
    kad=$tgt/release/kad
fi
sink=${TCP_SINK:-}
if [ -z "$sink" ]; then
    (cd "$root" && cargo build --release -q -p kad-examples --bin tcp_sink) || exit 2
    sink=$tgt/release/tcp_sink
fi
[ -x "$kad" ] || { echo "bench-checker: no kad binary at $kad" >&2; exit 2; }
[ -x "$keepalived" ] || { echo "bench-checker: no keepalived at $keepalived" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-checker.XXXXXX")
trap 'rm -rf "$work"' EXIT
delay=${BENCH_DELAY:-1}
"$here/bench-checker/gen.sh" "$n_tcp" "$n_http" "$work/gen" "$delay"
expect=$((n_tcp + n_http + 1))
"$keepalived" -t -l -f "$work/gen/bench.conf" 2>"$work/kcheck" ||
    { cat "$work/kcheck" >&2; echo "bench-checker: keepalived rejects the generated configuration" >&2; exit 2; }
"$kad" -t -l -f "$work/gen/bench.conf" >"$work/kadcheck" 2>&1 ||
    { cat "$work/kadcheck" >&2; echo "bench-checker: kad rejects the generated configuration" >&2; exit 2; }

echo "bench-checker: $n_tcp TCP_CHECK + $n_http HTTP_GET + 1 victim real servers, delay_loop $delay," \
    "${secs}s measured per daemon, VM: TCG, $smp CPU, $mem MiB"
timeout_s=${KAD_VM_TIMEOUT:-$((smoke == 1 ? 240 : 1800))}
rc=0
"$root/scripts/vm/run-in-vm.sh" --quiet --timeout "$timeout_s" --smp "$smp" --mem "$mem" \
    --log "$work/console.log" \
    --file "$kad:/kad/bin/kad" --file "$sink:/kad/bin/tcp_sink" \
    --file "$keepalived:/usr/sbin/keepalived" \
    --file "$work/gen/bench.conf:/kad/bench/bench.conf" \
    --file "$work/gen/addrs.batch:/kad/bench/addrs.batch" \
    --file "$work/gen/ports:/kad/bench/ports" \
    --env "BENCH_SECS=$secs" --env "BENCH_SETTLE=$settle" --env "BENCH_DELAY=$delay" --env "BENCH_EXPECT=$expect" \
    --env "BENCH_DAEMONS=${BENCH_DAEMONS:-keepalived kad}" \
    --env "BENCH_WARMUP_MAX=${BENCH_WARMUP_MAX:-600}" \
    -- "$here/bench-checker/inner.sh" || rc=$?
[ -n "${BENCH_LOG:-}" ] && cp "$work/console.log" "$BENCH_LOG"
grep '^bench:' "$work/console.log" >&2 || true
if [ "$rc" -ne 0 ]; then
    echo "bench-checker: the VM run failed (status $rc); console tail:" >&2
    tail -40 "$work/console.log" >&2
    exit "$rc"
fi

awk -v nt="$n_tcp" -v nh="$n_http" -v dl="$delay" '
$1 == "BENCH" { split($3, kv, "="); v[$2, kv[1]] = kv[2] }
function cell(d, k) { return (d, k) in v ? v[d, k] : "-" }
function ratio(k,   a, b) {
    a = cell("kad", k); b = cell("keepalived", k)
    if (a == "-" || b == "-" || a == "none" || b == "none" || b + 0 == 0) return "-"
    return sprintf("%.2f", a / b)
}
function row(label, k) { printf "| %-38s | %12s | %12s | %9s |\n", label, cell("kad", k), cell("keepalived", k), ratio(k) }
END {
    printf "\n%d TCP_CHECK + %d HTTP_GET real servers (+1 victim), delay_loop %d, measured %s s (kad) / %s s (keepalived)\n\n", nt, nh, dl, cell("kad", "interval_s"), cell("keepalived", "interval_s")
    printf "| %-38s | %12s | %12s | %9s |\n", "", "kad", "keepalived", "kad/kaliv"
    printf "|%s|%s|%s|%s|\n", "----------------------------------------", "--------------", "--------------", "-----------"
    row("checker CPU s per minute", "cpu_s_per_min")
    row("checker CPU % of one CPU", "cpu_pct")
    row("checks per second (sink count)", "checks_per_s")
    row("checker CPU ms per 1,000 checks", "cpu_ms_per_1000_checks")
    row("parent CPU s per minute", "parent_cpu_s_per_min")
    row("checker RSS peak (KiB)", "rss_kb")
    row("checker VmHWM (KiB)", "hwm_kb")
    row("  of which anonymous, at end (KiB)", "rss_anon_kb")
    row("  of which file pages, at end (KiB)", "rss_file_kb")
    row("  of which transparent huge pages (KiB)", "anon_huge_kb")
    row("checker PSS at end (KiB)", "pss_kb")
    row("tree RSS peak (KiB)", "tree_rss_kb")
    row("detection latency (s)", "detect_s")
    row("start to full IPVS table (s)", "table_s")
    row("real servers in table", "table_n")
    row("removals before the failure", "removals_before_failure")
    row("SIGTERM to exit (s)", "stop_s")
}' "$work/console.log" | tr -d '\r'
if [ -n "${BENCH_TSV:-}" ]; then
    # The sweep's line per daemon: IMPL SIZE RSS PSS HWM (the checker child).
    tr -d '\r' <"$work/console.log" | awk -v n="$n_tcp" '
        $1 == "BENCH" { split($3, kv, "="); v[$2, kv[1]] = kv[2] }
        END {
              split("kad keepalived", ds, " ")
              for (i = 1; i <= 2; i++) if ((ds[i], "pss_kb") in v)
                  printf "%s\t%d\t%s\t%s\t%s\n", ds[i], n, v[ds[i], "rss_kb"], v[ds[i], "pss_kb"], v[ds[i], "hwm_kb"] }' >>"$BENCH_TSV"
fi
}
