#!/usr/bin/env bash
# Times `kad -t` on large generated configurations and compares with keepalived.
#
# The configurations are keepalived.conf(5)'s own ~SEQ example (section "There can be multiple
# ~SEQ elements on a line"): one $VI4 definition expanded by
#     ~SEQ(IF,0,7) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) $VI4
# into 8 x 32 x 254 = 65,024 vrrp_instances on interfaces bond${IF}.${NUM}, each with a VMAC and a
# track_file. Only the addresses differ from the man page: kad's tests use documentation ranges,
# so the VIP is 192.0.2.${ID}/24 on every bond (distinct interfaces, so no clash), and
# `dynamic_interfaces` lets the bonds be absent. Variants shrink the IF/NUM ranges:
#     2,032 (IF 0, NUM 0-7)   8,128 (IF 0)   16,256 (IF 0-1)   32,512 (IF 0-3)   65,024 (IF 0-7)
# keepalived takes minutes on the large ones, so it is timed only on the 8,128 variant, with a
# timeout (KEEPALIVED_TIMEOUT, default 600 s); the closing line gives kad's speed-up there.
#
# Usage: scripts/bench-confparse.sh            (env: KEEPALIVED_TIMEOUT, BENCH_DIR, RUNS)
set -euo pipefail
cd "$(dirname "$0")/.."

KEEPALIVED_TIMEOUT=${KEEPALIVED_TIMEOUT:-600}
RUNS=${RUNS:-3}
target=${CARGO_TARGET_DIR:-target}
dir=${BENCH_DIR:-$(mktemp -d)}
cleanup() { [ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"; }
trap cleanup EXIT

echo "bench-confparse: building kad (release)"
cargo build --release -q -p kad
kad="$target/release/kad"

# gen NAME IF_END NUM_END: write $dir/NAME.conf
gen() {
    local f="$dir/$1.conf"
    cat >"$f" <<CONF
# keepalived.conf(5) ~SEQ example: $(( ($2 + 1) * ($3 + 1) * 254 )) vrrp_instances.
global_defs {
    router_id kad_bench
    dynamic_interfaces
}

\$VI4= \\
track_file offset_instance_4.\${IF}.\${NUM}.\${ID} { \\
    file "\${_PWD}/679/track_files/4.\${IF}.\${NUM}.\${ID}" \\
    weight -100 \\
} \\
vrrp_instance vrrp4.\${IF}.\${NUM}.\${ID} { \\
    interface bond\${IF}.\${NUM} \\
    use_vmac vrrp4.\${IF}.\${NUM}.\${ID} \\
    virtual_router_id \${ID} \\
    priority 130 \\
    virtual_ipaddress { \\
        192.0.2.\${ID}/24 \\
    } \\
    track_file { \\
        offset_instance_4.\${IF}.\${NUM}.\${ID} \\
    } \\
}
~SEQ(IF,0,$2) ~SEQ(NUM,0,$3) ~SEQ(ID,1,254) \$VI4
CONF
    echo "$f"
}

# timeit PROGRAM ARGS...: one run; sets $secs (wall time), $cpu (user + system time) and $rc.
# Both are shown because this machine is shared: wall time grows with other people's load, CPU
# time much less.
timeit() {
    local TIMEFORMAT='%R %U %S' times user sys
    rc=0
    times=$({ time "$@" >/dev/null 2>&1; } 2>&1) || rc=$?
    read -r secs user sys <<<"$times"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", u + s }')
}

# best PROGRAM ARGS...: the fastest of $RUNS runs (by CPU time) in $secs/$cpu, exit code in $rc.
best() {
    local bs="" bc="" i
    for ((i = 0; i < RUNS; i++)); do
        timeit "$@"
        if [ -z "$bc" ] || awk -v t="$cpu" -v b="$bc" 'BEGIN { exit !(t < b) }'; then
            bs=$secs
            bc=$cpu
        fi
    done
    secs=$bs
    cpu=$bc
}

printf '%-10s %10s %14s %14s %6s\n' variant instances "kad wall (s)" "kad cpu (s)" exit
declare -A kad_time kad_cpu
for spec in "2k 0 7" "8k 0 31" "16k 1 31" "32k 3 31" "65k 7 31"; do
    set -- $spec
    f=$(gen "$1" "$2" "$3")
    n=$(( ($2 + 1) * ($3 + 1) * 254 ))
    best "$kad" -t -f "$f"
    kad_time[$1]=$secs
    kad_cpu[$1]=$cpu
    printf '%-10s %10d %14s %14s %6d\n' "$1" "$n" "$secs" "$cpu" "$rc"
done

if command -v keepalived >/dev/null 2>&1; then
    f="$dir/8k.conf"
    echo "bench-confparse: keepalived -t on the 8,128-instance variant (timeout ${KEEPALIVED_TIMEOUT}s)"
    timeit timeout "$KEEPALIVED_TIMEOUT" keepalived -t -l -f "$f"
    if [ "$rc" -eq 124 ]; then
        echo "keepalived: timed out after ${KEEPALIVED_TIMEOUT}s; kad ${kad_time[8k]}s"
    else
        awk -v k="$secs" -v kc="$cpu" -v r="$rc" -v d="${kad_time[8k]}" -v dc="${kad_cpu[8k]}" 'BEGIN {
            printf "8,128 instances: keepalived -t %.3f s wall / %.3f s cpu (exit %d); kad -t %.3f s wall / %.3f s cpu\n", k, kc, r, d, dc
            printf "kad is %.1fx faster (wall), %.1fx (cpu)\n", (d > 0 ? k / d : 0), (dc > 0 ? kc / dc : 0) }'
    fi
else
    echo "bench-confparse: keepalived not installed; no comparison"
fi
