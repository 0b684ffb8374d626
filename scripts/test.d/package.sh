#!/usr/bin/env bash
# CI stage "package": kad's Debian package builds, holds what it should, installs over this
# machine's keepalived with dpkg -i and runs from /usr/sbin, its unit passes systemd-analyze
# verify and starts kad the way systemd does (READY=1 on NOTIFY_SOCKET), its man pages lint
# clean, its completions load in bash, zsh and fish, and installing keepalived again removes it.
#
# The install runs inside private mount, network and pid namespaces with copy-on-write
# overlays on /etc, /usr and /var and a tmpfs on /run (packaging/README.md, "Testing"), so it
# is a real dpkg -i against this machine's package database, yet the machine's keepalived and
# files are left exactly as they were; everything it made ends with the namespaces.
#
# Packages the debug binaries unless a release build newer than the sources is in the target
# directory (scripts/package.sh --reuse): a fat-LTO release build is several minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() {
    echo "package: FAIL: $*" >&2
    exit 1
}

# A progress line with the seconds since the stage started.
export KAD_PACKAGE_T0=${KAD_PACKAGE_T0:-$(date +%s)}
say() {
    echo "package: [$(($(date +%s) - KAD_PACKAGE_T0)) s] $*"
}

# --inside KAD_DEB KEEPALIVED_DEB: the part that runs in the namespaces (see the end of this file).
inside() {
    local deb=$1 keepalived_deb=$2 scratch=/run/kad-package
    mount -t tmpfs run /run
    mkdir "$scratch"
    for d in etc usr var; do
        mkdir -p "$scratch/$d.upper" "$scratch/$d.work"
        mount -t overlay overlay \
            -o "lowerdir=/$d,upperdir=$scratch/$d.upper,workdir=$scratch/$d.work" "/$d"
    done
    mount -t sysfs sysfs /sys # this network namespace's interfaces
    ip link set lo up
    ip link add eth0 type veth peer name eth0-peer
    ip link set eth0 up
    ip link set eth0-peer up
    ip addr add 192.0.2.1/24 dev eth0

    # The samples are keepalived configurations: keepalived itself accepts them.
    local sample
    for sample in packaging/examples/keepalived.conf.*; do
        keepalived -t -f "$sample" >/dev/null 2>&1 || fail "keepalived -t rejects $sample"
    done

    # Quicker dpkg runs, in the overlay only: no man-db index rebuild, no fsync.
    rm -f /var/lib/man-db/auto-update
    echo force-unsafe-io >/etc/dpkg/dpkg.cfg.d/kad-package-test

    local genhash_before
    genhash_before=$(stat -c '%F %N' /usr/bin/genhash)
    say "dpkg -i (keepalived is installed: kad replaces it)"
    dpkg -i "$deb" >"$scratch/dpkg-i.log" 2>&1 || { cat "$scratch/dpkg-i.log"; fail "dpkg -i"; }
    [ "$(dpkg-query -W -f='${Status}' kad)" = "install ok installed" ] || fail "kad not installed"
    if dpkg-query -W -f='${Status}' keepalived 2>/dev/null | grep -q "ok installed"; then
        fail "keepalived still installed beside kad"
    fi
    [ -L /etc/systemd/system/multi-user.target.wants/kad.service ] ||
        fail "postinst did not enable kad.service"

    /usr/sbin/kad -v 2>&1 | grep -q '^kad v' || fail "/usr/sbin/kad -v"
    for sample in /usr/share/doc/kad/examples/keepalived.conf.*; do
        /usr/sbin/kad -t -f "$sample" || fail "/usr/sbin/kad -t -f $sample"
    done
    /usr/bin/genhash -r | grep -q '^genhash v' || fail "/usr/bin/genhash -r"
    say "/usr/sbin/kad -t accepts every sample"

    local unit=/usr/lib/systemd/system/kad.service
    systemd-analyze verify "$unit" >"$scratch/verify.log" 2>&1 ||
        { cat "$scratch/verify.log"; fail "systemd-analyze verify $unit"; }
    if [ -s "$scratch/verify.log" ]; then
        cat "$scratch/verify.log"
        fail "systemd-analyze verify printed findings"
    fi
    say "systemd-analyze verify accepts $unit"

    check_completions
    check_exec_start "$unit" "$scratch"

    # Going back, as the README says: installing keepalived removes kad. No package sources
    # (the namespace has no network): apt takes keepalived from its .deb.
    mkdir "$scratch/apt-sources.d"
    touch "$scratch/apt-sources.list"
    apt-get install -y -q --no-install-recommends -o "Dir::Etc::SourceList=$scratch/apt-sources.list" \
        -o "Dir::Etc::SourceParts=$scratch/apt-sources.d" "$keepalived_deb" >"$scratch/apt.log" 2>&1 ||
        { cat "$scratch/apt.log"; fail "apt-get install keepalived over kad"; }
    [ "$(dpkg-query -W -f='${Status}' keepalived)" = "install ok installed" ] || fail "keepalived not back"
    dpkg-query -W -f='${Status}' kad | grep -q "config-files" || fail "kad not removed by keepalived"
    [ ! -e /usr/sbin/kad ] || fail "/usr/sbin/kad left after kad's removal"
    [ "$(stat -c '%F %N' /usr/bin/genhash)" = "$genhash_before" ] ||
        fail "/usr/bin/genhash is not keepalived's again: $(stat -c '%F %N' /usr/bin/genhash)"
    (cd / && md5sum -c --quiet /var/lib/dpkg/info/keepalived.md5sums) ||
        fail "keepalived's files differ from its md5sums"
    say "apt-get install keepalived removes kad and restores keepalived's files"

    dpkg --purge kad >"$scratch/dpkg-purge.log" 2>&1 || { cat "$scratch/dpkg-purge.log"; fail "dpkg --purge kad"; }
    [ ! -e /etc/default/kad ] || fail "purge left /etc/default/kad"
    [ ! -e /etc/systemd/system/multi-user.target.wants/kad.service ] || fail "purge left the unit enabled"
    [ ! -e /etc/systemd/system/kad.service ] || fail "purge left the unit masked"
    say "dpkg --purge kad leaves nothing"
}

# Each completion script loads in its shell and completes one of kad's options.
check_completions() {
    local bash_file=/usr/share/bash-completion/completions/kad
    # shellcheck disable=SC2016
    bash -c 'source "$1" && complete -p kad' _ "$bash_file" | grep -q -- '-F _kad' ||
        fail "bash completion does not register"
    # shellcheck disable=SC2016
    zsh -fc 'autoload -U compinit && compinit -u -D && source "$1" && [[ ${_comps[kad]} == _kad ]]' \
        _ /usr/share/zsh/vendor-completions/_kad || fail "zsh completion does not register"
    # shellcheck disable=SC2016
    zsh -fc 'fpath=(/usr/share/zsh/vendor-completions $fpath); autoload -U compinit && compinit -u -D && [[ ${_comps[kad]} == _kad ]]' ||
        fail "zsh does not find _kad in vendor-completions"
    # shellcheck disable=SC2016
    fish -c 'source $argv[1]; complete -C"kad --use-f"' /usr/share/fish/vendor_completions.d/kad.fish |
        grep -q -- '^--use-file' || fail "fish completion (sourced)"
    fish -c 'complete -C"kad --dont-f"' | grep -q -- '^--dont-fork' ||
        fail "fish does not autoload kad.fish"
    say "completions load in bash, zsh and fish"
}

# The unit's ExecStart, as systemd runs it: EnvironmentFile read, $DAEMON_ARGS split into
# words, NOTIFY_SOCKET set. READY=1 must come, the VIP appear, ExecReload's SIGHUP give
# RELOADING=1 then READY=1, and SIGTERM (systemd's stop) STOPPING=1 and a clean exit.
check_exec_start() {
    local unit=$1 scratch=$2 exec_start env_file reload
    exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
    env_file=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")
    reload=$(sed -n 's/^ExecReload=//p' "$unit")
    # shellcheck disable=SC2016 # the unit's text, $ and all
    [ "$exec_start" = '/usr/sbin/kad --dont-fork $DAEMON_ARGS' ] || fail "ExecStart is '$exec_start'"
    [ "$env_file" = /etc/default/kad ] || fail "EnvironmentFile is '$env_file'"
    # shellcheck disable=SC2016
    [ "$reload" = '/bin/kill -HUP $MAINPID' ] || fail "ExecReload is '$reload'"
    grep -qx 'Type=notify' "$unit" || fail "not Type=notify"
    grep -qx 'ConditionFileNotEmpty=/etc/keepalived/keepalived.conf' "$unit" || fail "no ConditionFileNotEmpty"

    # What an operator does: the configuration in place, options in /etc/default/kad.
    mkdir -p /etc/keepalived
    cp /usr/share/doc/kad/examples/keepalived.conf.vrrp /etc/keepalived/keepalived.conf
    sed -i 's/^DAEMON_ARGS=.*/DAEMON_ARGS="-l -D"/' "$env_file"

    local sock=$scratch/notify.sock log=$scratch/notify.log
    python3 - "$sock" >"$log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
while True:
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        sys.exit(1)
    print(msg.replace("\n", " "), flush=True)
PY
    local listener=$!
    for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
    [ -S "$sock" ] || fail "notify listener did not start"

    local words
    # shellcheck disable=SC1090 # systemd's EnvironmentFile, read as sh does
    read -ra words <<<"$(set -a && . "$env_file" && eval "echo \"$exec_start\"")"
    NOTIFY_SOCKET=$sock "${words[@]}" >"$scratch/kad.log" 2>&1 &
    local kad=$!
    MAINPID=$kad
    wait_for "READY=1" 1 "$log" "$scratch" || fail "no READY=1 from ExecStart"
    grep -q "MAINPID=$kad" "$log" || fail "READY=1 without MAINPID=$kad"
    say "ExecStart reached READY=1"
    # Master at once (state MASTER, no peer); 20 s is a wide margin over the first advert.
    for _ in $(seq 200); do
        ip -4 addr show dev eth0 | grep -q 192.0.2.100 && break
        sleep 0.1
    done
    ip -4 addr show dev eth0 | grep -q 192.0.2.100 || { cat "$scratch/kad.log"; fail "VIP 192.0.2.100 not on eth0"; }

    eval "${reload/\$MAINPID/$MAINPID}"
    wait_for "RELOADING=1" 1 "$log" "$scratch" || fail "no RELOADING=1 after ExecReload"
    wait_for "READY=1" 2 "$log" "$scratch" || fail "no READY=1 after reload"
    say "ExecReload: RELOADING=1, then READY=1"

    kill -TERM "$kad"
    wait_for "STOPPING=1" 1 "$log" "$scratch" || fail "no STOPPING=1 on SIGTERM"
    for _ in $(seq 100); do kill -0 "$kad" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$kad" 2>/dev/null || fail "kad did not stop within 10 s of SIGTERM"
    wait "$kad" || fail "kad exited $? on SIGTERM"
    ! ip -4 addr show dev eth0 | grep -q 192.0.2.100 || fail "VIP left on eth0 after stop"
    kill "$listener" 2>/dev/null || true
    say "SIGTERM: STOPPING=1, VIP removed, exit 0"
    sed 's/^/package:   sd_notify: /' "$log"
}

# wait_for WORD N LOG SCRATCH: until LOG holds N lines with WORD (30 s).
wait_for() {
    local _
    for _ in $(seq 300); do
        [ "$(grep -c -- "$1" "$3")" -ge "$2" ] && return 0
        sleep 0.1
    done
    echo "--- notify messages:"; cat "$3"; echo "--- kad:"; cat "$4/kad.log"
    return 1
}

if [ "${1:-}" = "--inside" ]; then
    inside "$2" "$3"
    exit 0
fi

# Outside: tools, build, contents, man pages, then the namespaces.
need=(cargo-deb dpkg-deb mandoc groff bash zsh fish systemd-analyze unshare python3 ip keepalived)
missing=()
for t in "${need[@]}"; do
    if [ "$t" = cargo-deb ]; then
        cargo deb --version >/dev/null 2>&1 || missing+=("$t")
    else
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    fi
done
[ "$(id -u)" -eq 0 ] || missing+=(root)
if [ ${#missing[@]} -gt 0 ]; then
    # Under CI a missing tool is a failure (scripts/deps.sh installs them); by hand, a skip.
    [ "${CI:-}" = true ] && fail "missing: ${missing[*]}"
    echo "package: SKIPPED, missing: ${missing[*]} (scripts/deps.sh installs them)"
    exit 0
fi

deb=$(bash scripts/package.sh --reuse | tail -1)
say "built $deb"

listing=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for path in \
    /usr/sbin/kad \
    /usr/bin/genhash \
    /usr/lib/systemd/system/kad.service \
    /etc/default/kad \
    /etc/dbus-1/system.d/org.keepalived.Vrrp1.conf \
    /usr/share/man/man8/kad.8.gz \
    /usr/share/man/man1/genhash.1.gz \
    /usr/share/man/man5/kad-keepalived.conf.5.gz \
    /usr/share/bash-completion/completions/kad \
    /usr/share/zsh/vendor-completions/_kad \
    /usr/share/fish/vendor_completions.d/kad.fish \
    /usr/share/doc/kad/examples/keepalived.conf.vrrp \
    /usr/share/doc/kad/examples/keepalived.conf.vrrp-unicast \
    /usr/share/doc/kad/examples/keepalived.conf.lvs \
    /usr/share/doc/kad/README.Debian \
    /usr/share/doc/kad/copyright \
    /usr/share/doc/kad/changelog.Debian.gz; do
    grep -qx -- "$path" <<<"$listing" || fail "$deb lacks $path"
done
dpkg-deb -I "$deb" conffiles | grep -qx /etc/default/kad || fail "/etc/default/kad is not a conffile"
dpkg-deb -I "$deb" conffiles | grep -qx /etc/dbus-1/system.d/org.keepalived.Vrrp1.conf ||
    fail "the DBus policy is not a conffile"
[ "$(dpkg-deb -f "$deb" Conflicts)" = keepalived ] || fail "Conflicts is not keepalived"
[ "$(dpkg-deb -f "$deb" Replaces)" = keepalived ] || fail "Replaces is not keepalived"
[ -z "$(dpkg-deb -f "$deb" Provides)" ] || fail "unexpected Provides"
say "contents and control fields as expected"

work_dir=$(mktemp -d)
trap 'rm -rf "$work_dir"' EXIT
chmod 755 "$work_dir" # apt's sandbox user (_apt) downloads into it
dpkg-deb -x "$deb" "$work_dir"
for page in "$work_dir"/usr/share/man/man*/*.gz; do
    lint=$(mandoc -T lint -W warning "$page" 2>&1) || fail "mandoc -T lint $page: $lint"
    [ -z "$lint" ] || fail "mandoc -T lint $page: $lint"
    lint=$(zcat "$page" | groff -ww -z -mandoc 2>&1) || fail "groff $page: $lint"
    [ -z "$lint" ] || fail "groff -ww $page: $lint"
done
say "man pages lint clean (mandoc, groff)"

host_state() {
    dpkg-query -W -f='${Status} ${Version}\n' keepalived kad 2>&1 || true
    ls -l /usr/sbin/kad /usr/bin/genhash /etc/default/kad 2>&1 || true
}
# keepalived's own .deb, for the way back (the namespace has no network).
ka_version=$(dpkg-query -W -f='${Version}' keepalived)
(cd "$work_dir" && apt-get download -q "keepalived=$ka_version" >/dev/null 2>&1) ||
    fail "apt-get download keepalived=$ka_version"
keepalived_deb=$(ls "$work_dir"/keepalived_*.deb)

before=$(host_state)
unshare --mount --propagation private --net --pid --fork --kill-child --mount-proc \
    bash "$0" --inside "$deb" "$keepalived_deb" || fail "install test"
[ "$before" = "$(host_state)" ] || fail "the machine changed: $before -> $(host_state)"
say "ok"
