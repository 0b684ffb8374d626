#!/usr/bin/env bash
# Runs one command inside Debian's stock kernel under qemu (TCG) with the IPVS modules loaded,
# and exits with the command's exit status. See scripts/vm/README.md.
#
#   run-in-vm.sh [options] [--] PROGRAM [ARGS...]
#
# PROGRAM naming a host file is copied into the VM (with the libraries `ldd` lists) and run from
# /kad/bin; anything else is run as a command of the VM (busybox applets, ipvsadm, sh -c '...').
#
# Options:
#   --file HOST[:GUEST]  also copy HOST into the VM (default GUEST: /kad/bin/NAME); repeatable
#   --env NAME=VALUE     export NAME in the VM; repeatable
#   --timeout SECONDS    kill the VM after this long (default $KAD_VM_TIMEOUT or 300); exit 124
#   --mem MIB            guest memory (default $KAD_VM_MEM or 1024)
#   --smp N              guest CPUs (default $KAD_VM_SMP or 1)
#   --log FILE           also keep the console transcript in FILE
#   --quiet              do not echo the console while the VM runs (the transcript still goes to --log)
#   --prepare            only install host packages and fill the kernel cache, then exit
#
# Exit status: the command's; 124 when the timeout killed the VM; 125 when the VM stopped without
# reporting a status (kernel panic, /init failure); 2 for a harness error.
set -euo pipefail
# One compound command: bash reads it whole before running it, so editing this file while a
# run is under way cannot derail that run.
{

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$here/lib.sh"

files=()
envs=()
timeout_s=${KAD_VM_TIMEOUT:-300}
mem=${KAD_VM_MEM:-1024}
smp=${KAD_VM_SMP:-1}
log_out=""
quiet=0
prepare_only=0
while [ $# -gt 0 ]; do
    case $1 in
    --file) files+=("$2"); shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --log) log_out=$2; shift 2 ;;
    --quiet) quiet=1; shift ;;
    --prepare) prepare_only=1; shift ;;
    --) shift; break ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) kadvm_die "unknown option $1 (see --help)" ;;
    *) break ;;
    esac
done

kadvm_ensure_debs
kdir=$(kadvm_prepare_kernel)
if [ "$prepare_only" = 1 ]; then
    echo "$kdir"
    exit 0
fi
[ $# -gt 0 ] || kadvm_die "no command given (see --help)"

work=$(mktemp -d "${TMPDIR:-/tmp}/kad-vm.XXXXXX")
qemu_pidfile=$work/qemu.pid
runner_pid=""
tail_pid=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    # The VM must never outlive the harness, whatever ended it.
    local qpid
    qpid=$(cat "$qemu_pidfile" 2>/dev/null || true)
    # Only our qemu: the pid file may outlive it, and its pid be reused.
    if [ -n "$qpid" ] && grep -q "$work" "/proc/$qpid/cmdline" 2>/dev/null; then
        kill -KILL "$qpid" 2>/dev/null || true
    fi
    if [ -n "$runner_pid" ]; then kill -KILL "$runner_pid" 2>/dev/null || true; fi
    if [ -n "$tail_pid" ]; then kill "$tail_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- the initramfs -------------------------------------------------------------------------------
root=$work/root
mkdir -p "$root/bin" "$root/kad/bin" "$root/lib/modules/kad"
cp "$(command -v busybox)" "$root/bin/busybox"
file "$root/bin/busybox" | grep -q 'statically linked' || kadvm_die "busybox is not static (install busybox-static)"
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"
cp "$kdir"/modules/*.ko "$kdir/modules.order" "$root/lib/modules/kad/"
kadvm_stage_file "$(command -v ipvsadm)" /usr/sbin/ipvsadm "$root"
# iproute2's ip sits before busybox's applet in the VM's PATH: busybox ip lacks nodad, netns, fou.
kadvm_stage_file "$(command -v ip)" /usr/local/sbin/ip "$root"

for spec in "${files[@]}"; do
    src=${spec%%:*}
    dst=${spec#*:}
    [ "$dst" = "$spec" ] && dst=/kad/bin/$(basename "$src")
    kadvm_stage_file "$src" "$dst" "$root"
done

prog=$1
shift
if [ -f "$prog" ]; then
    kadvm_stage_file "$prog" "/kad/bin/$(basename "$prog")" "$root"
    prog=/kad/bin/$(basename "$prog")
fi
{
    printf 'exec %s' "$(kadvm_shquote "$prog")"
    for a in "$@"; do printf ' %s' "$(kadvm_shquote "$a")"; done
    printf '\n'
} >"$root/kad/cmd.sh"
for e in "${envs[@]}"; do
    case $e in *=*) ;; *) kadvm_die "--env wants NAME=VALUE, got $e" ;; esac
    printf 'export %s=%s\n' "${e%%=*}" "$(kadvm_shquote "${e#*=}")"
done >"$root/kad/env"

# Uncompressed: the kernel unpacks it without spending guest (TCG) time on decompression.
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$work/initrd.cpio"

# --- the VM --------------------------------------------------------------------------------------
console=$work/console.log
: >"$console"
# TCG, not KVM: KVM guests hang on this host. -cpu max gives RDRAND, so the guest's RNG is seeded
# at once (random.trust_cpu) and getrandom() never blocks.
accel=${KAD_VM_ACCEL:-tcg}
kadvm_log "booting $(cat "$kdir/version") ($accel, ${mem} MiB, initrd $(($(stat -c %s "$work/initrd.cpio") / 1048576)) MiB, timeout ${timeout_s}s)"
t0=$(date +%s%N)
# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can see too few
# ticks and panic at boot ("IO-APIC + timer doesn't work").
timeout --kill-after=5 "$timeout_s" qemu-system-x86_64 \
    -accel "$accel" -cpu max -smp "$smp" -m "$mem" \
    -nodefaults -no-user-config -display none -no-reboot \
    -serial "file:$console" -monitor none -nic none \
    -pidfile "$qemu_pidfile" \
    -kernel "$kdir/vmlinuz" -initrd "$work/initrd.cpio" \
    -append "console=ttyS0 rdinit=/init panic=-1 oops=panic quiet loglevel=1 random.trust_cpu=on no_timer_check" \
    </dev/null >"$work/qemu.out" 2>&1 &
runner_pid=$!
if [ "$quiet" = 0 ]; then
    tail -n +1 -F --pid="$runner_pid" "$console" 2>/dev/null | sed -u 's/\r$//' &
    tail_pid=$!
fi
qrc=0
wait "$runner_pid" || qrc=$?
runner_pid=""
if [ -n "$tail_pid" ]; then
    wait "$tail_pid" 2>/dev/null || true
    tail_pid=""
fi
elapsed=$(awk -v ns=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.1f", ns / 1e9 }')

[ -n "$log_out" ] && tr -d '\r' <"$console" >"$log_out"
if [ "$qrc" -eq 137 ] || [ "$qrc" -eq 124 ]; then
    kadvm_log "timeout: the VM ran longer than ${timeout_s}s and was killed"
    exit 124
fi
if [ "$qrc" -ne 0 ]; then
    kadvm_log "qemu exited with status $qrc:"
    cat "$work/qemu.out" >&2
fi
status=$(tr -d '\r' <"$console" | sed -n 's/^KAD-VM-EXIT-STATUS=\([0-9][0-9]*\)$/\1/p' | tail -1)
if [ -z "$status" ]; then
    kadvm_log "the VM stopped without reporting an exit status (after ${elapsed}s); console tail:"
    tr -d '\r' <"$console" | tail -30 >&2
    exit 125
fi
kadvm_log "command exited with status $status after ${elapsed}s in the VM"
exit "$status"
}
