#!/usr/bin/env bash
# Installs, idempotently, what kad's tests need from Debian's packages and crates.io.
# Safe to run again and again: it asks apt only for what is missing.
set -euo pipefail

DEBS=(
    keepalived        # the oracle for `kad -t` and the VRRP peer in end-to-end tests
    iproute2          # ip netns / link / addr for the namespace tests
    nftables          # packet loss in namespace tests (the host kernel has no netem)
    tshark            # Wireshark's VRRP dissector checks kad's adverts
    busybox-static    # /init of the IPVS test VM
    qemu-system-x86   # boots Debian's kernel, which has IPVS, for the ipvs tests
    ipvsadm           # cross-checks the kernel's IPVS table inside the VM
    cpio              # packs the VM's initramfs
    openssl           # genhash tests: test certificates and `openssl s_server -WWW`
    python3           # genhash tests: http.server and a scripted TLS/HTTP server
    python3-aiosmtpd  # SMTP alert tests: a real SMTP server on loopback
    dnsmasq-base      # checker_hostile: DNS_CHECK against a real DNS server
    dpkg-dev          # package stage: dpkg-shlibdeps works out the .deb's Depends for cargo-deb
    binutils          # package stage: cargo-deb strips the binaries
    systemd           # package stage: systemd-analyze verify kad.service
    mandoc            # package stage: mandoc -T lint on the man pages
    groff-base        # package stage: groff -ww on the man pages
    zsh               # package stage: the zsh completion loads
    fish              # package stage: the fish completion loads
    frr               # BFD tests: FRR's bfdd (/usr/lib/frr/bfdd) and vtysh as a real BFD peer
    dbus-daemon       # DBus tests: each starts its own system-like bus
    dbus-bin          # DBus tests: dbus-monitor watches the signals
    libglib2.0-bin    # DBus tests: gdbus introspects and calls, as a GDBus client would
    util-linux        # DBus tests: setpriv runs a client as nobody (policy, CVE-2021-44225)
    prometheus        # metrics tests: promtool check metrics judges kad's /metrics output
    snmpd             # SNMP tests: net-snmp's master agent, which kad's AgentX subagent registers with
    snmp              # SNMP tests: snmpwalk reads kad's and keepalived's tables
    snmptrapd         # SNMP tests: receives keepalived's and kad's notifications
)

missing=()
for p in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's keepalived package may start a daemon as it installs; tests start their own. Only the
# daemon this install started is stopped (by its unit, or by the package's pid file): a keepalived
# an operator already runs on this machine is left alone.
if [[ " ${missing[*]-} " == *" keepalived "* ]]; then
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now keepalived >/dev/null 2>&1 || true; fi
    if [ -r /run/keepalived.pid ]; then kill "$(cat /run/keepalived.pid)" 2>/dev/null || true; fi
fi

# Debian's prometheus package may start a Prometheus server as it installs; the tests need only
# its promtool. Only the service this install started is stopped.
if [[ " ${missing[*]-} " == *" prometheus "* ]]; then
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
    if command -v update-rc.d >/dev/null 2>&1 && [ -e /etc/init.d/prometheus ]; then update-rc.d prometheus disable >/dev/null 2>&1 || true; fi
fi
# Debian's snmpd and snmptrapd packages enable their services (snmptrapd by socket activation
# on UDP 162). The SNMP tests start their own, in their own namespaces; the services this
# install enabled are stopped and disabled so nothing answers on the host's SNMP ports.
for unit in snmpd.service snmptrapd.service snmptrapd.socket; do
    pkg=${unit%%.*}
    if [[ " ${missing[*]-} " == *" $pkg "* ]] && command -v systemctl >/dev/null 2>&1; then
        systemctl disable --now "$unit" >/dev/null 2>&1 || true
    fi
done
if [[ " ${missing[*]-} " == *" snmpd "* ]] && [ -r /run/snmpd.pid ]; then kill "$(cat /run/snmpd.pid)" 2>/dev/null || true; fi

# Debian's frr package starts its watchfrr/zebra/staticd service; tests start their own bfdd.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now frr >/dev/null 2>&1 || true; fi
if command -v update-rc.d >/dev/null 2>&1 && [ -e /etc/init.d/frr ]; then update-rc.d frr disable >/dev/null 2>&1 || true; fi
if [ -x /usr/lib/frr/frrinit.sh ] && [ -e /var/run/frr/watchfrr.pid ]; then /usr/lib/frr/frrinit.sh stop >/dev/null 2>&1 || true; fi

# cargo-fuzz needs the nightly toolchain, which this machine has; install the subcommand once.
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "deps: installing cargo-fuzz"
    cargo install --locked -q cargo-fuzz
fi

# cargo-deb builds kad's Debian package (scripts/package.sh, the package stage).
if ! cargo deb --version >/dev/null 2>&1; then
    echo "deps: installing cargo-deb"
    cargo install --locked -q cargo-deb
fi
