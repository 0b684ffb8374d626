#!/usr/bin/env bash
# Writes the benchmark's keepalived.conf and address list (used by scripts/bench-checker.sh).
#
#   gen.sh N_TCP N_HTTP OUTDIR [DELAY_LOOP]
#
# OUTDIR/bench.conf: virtual servers of 100 real servers each, delay_loop DELAY_LOOP (default
# 1), TCP_CHECK on the first N_TCP real servers and HTTP_GET (status_code 200) on the next
# N_HTTP, plus one more TCP_CHECK real server, the "victim" 192.0.2.199:9999, whose listener
# the benchmark stops to time failure detection. OUTDIR/addrs.batch: `ip -batch` lines putting
# every real server address on lo. OUTDIR/ports: the TCP and HTTP ports the sink must listen
# on ("tcp P" / "http P" lines).
#
# Real servers are spread over up to 500 addresses (198.51.100.2-254, 203.0.113.1-254,
# 192.0.2.2-198: documentation ranges only) times as many ports as needed: TCP ports from 10001,
# HTTP ports from 20001. Virtual servers use 192.0.2.200-249, ports 80 upwards.
set -euo pipefail
n_tcp=$1 n_http=$2 out=$3 delay=${4:-1}
mkdir -p "$out"
awk -v nt="$n_tcp" -v nh="$n_http" -v out="$out" -v dl="$delay" '
function pool(i) {
    if (i < 253) return "198.51.100." (i + 2)
    if (i < 507) return "203.0.113." (i - 253 + 1)
    return "192.0.2." (i - 507 + 2)
}
function header(j) {
    printf "virtual_server 192.0.2.%d %d {\n  delay_loop %d\n  lvs_sched rr\n  lvs_method NAT\n  protocol TCP\n", 200 + j % 50, 80 + int(j / 50), dl > conf
}
BEGIN {
    conf = out "/bench.conf"; batch = out "/addrs.batch"; ports = out "/ports"
    printf "" > conf; printf "" > batch; printf "" > ports
    total = nt + nh
    a = total < 500 ? total : 500
    if (a < 1) a = 1
    for (i = 0; i < a; i++) printf "addr add %s/32 dev lo\n", pool(i) > batch
    printf "addr add 192.0.2.199/32 dev lo\n" > batch
    for (p = 0; p * a < nt; p++) printf "tcp %d\n", 10001 + p > ports
    for (p = 0; p * a < nh; p++) printf "http %d\n", 20001 + p > ports
    printf "! kad checker benchmark: %d TCP_CHECK + %d HTTP_GET + 1 victim, delay_loop %d\n", nt, nh, dl > conf
    printf "global_defs {\n  router_id kad-bench\n}\n" > conf
    vs = 0; in_vs = 0
    for (k = 0; k <= total; k++) {
        if (k % 100 == 0) {
            if (in_vs) printf "}\n" > conf
            header(vs++); in_vs = 1
        }
        if (k == total) {
            printf "  real_server 192.0.2.199 9999 {\n    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n  }\n" > conf
        } else if (k < nt) {
            printf "  real_server %s %d {\n    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n  }\n", pool(k % a), 10001 + int(k / a) > conf
        } else {
            h = k - nt
            printf "  real_server %s %d {\n    HTTP_GET {\n      url {\n        path /\n        status_code 200\n      }\n      connect_timeout 1\n      retry 0\n    }\n  }\n", pool(h % a), 20001 + int(h / a) > conf
        }
    }
    printf "}\n" > conf
}'
