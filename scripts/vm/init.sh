#!/bin/busybox sh
# shellcheck shell=dash
# /init of the IPVS test VM (run-in-vm.sh packs it into the initramfs). It prepares a minimal
# system, loads the IPVS modules, brings up test addresses, runs /kad/cmd.sh, prints its exit status
# on a marker line the harness looks for, and powers the VM off.
export PATH=/kad/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /root /usr/bin /usr/sbin /sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mknod /dev/console c 5 1
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
# Keep kernel chatter off the console the harness parses.
dmesg -n 1

failed_modules=""
while read -r m; do
    [ -n "$m" ] || continue
    insmod "/lib/modules/kad/$m.ko" 2>/tmp/insmod.err || {
        echo "kad-vm: insmod $m failed: $(cat /tmp/insmod.err)"
        failed_modules="$failed_modules $m"
    }
done </lib/modules/kad/modules.order

# Test addresses (documentation ranges only). The kernel refuses an IPv4 NAT destination while no
# unicast route table exists, so an interface with an address must be up; dummy0 holds the
# "local" addresses tests may use, and the rest of the test ranges route to it. `ip` is
# iproute2's (staged as /usr/local/sbin/ip) when the host has it, else busybox's.
# busybox's shell runs its own applet for a bare `ip` whatever PATH says, so name iproute2's in full.
IP=/usr/local/sbin/ip
[ -x "$IP" ] || IP="busybox ip"
$IP link set lo up
# Loading dummy.ko already created dummy0 (numdummies=1).
[ -e /sys/class/net/dummy0 ] || $IP link add dummy0 type dummy
$IP link set dummy0 multicast on up
$IP addr add 192.0.2.1/24 dev dummy0
$IP addr add 198.51.100.1/24 dev dummy0
$IP -6 addr add 2001:db8::1/64 dev dummy0 nodad
$IP -6 addr add 2001:db8:1::1/64 dev dummy0 nodad
$IP route add 203.0.113.0/24 dev dummy0
$IP -6 route add 2001:db8::/32 dev dummy0
hostname kad-vm

export KAD_IN_VM=1
export KAD_VM_FAILED_MODULES="${failed_modules# }"
export HOME=/root TMPDIR=/tmp USER=root
# shellcheck disable=SC1091 # written by run-in-vm.sh
[ -f /kad/env ] && . /kad/env

echo "kad-vm: kernel $(uname -r), $(grep -c . /lib/modules/kad/modules.order) modules${failed_modules:+ (failed:$failed_modules)}, running /kad/cmd.sh"
mkdir -p /kad/work
cd /kad/work || exit 1
sh /kad/cmd.sh </dev/null
rc=$?
echo
echo "KAD-VM-EXIT-STATUS=$rc"
sync
poweroff -f
# poweroff returned (no ACPI): make the kernel reboot, which -no-reboot turns into qemu exiting.
echo b >/proc/sysrq-trigger
