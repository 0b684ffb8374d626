# shellcheck shell=bash
# Shared functions of the IPVS test VM harness; sourced by run-in-vm.sh and the scripts beside it.
#
# The host kernel has no IPVS, so kad's IPVS tests boot Debian's stock kernel under qemu with an
# initramfs built here: busybox as /init, the ip_vs modules, ipvsadm and the test binaries. Nothing
# is downloaded but Debian's kernel package (through apt), and that once per kernel version: the
# kernel and the modules the VM needs are kept in a cache directory that later runs reuse.

# Modules the VM needs, by name; their dependencies are added and ordered from each module's own
# `depends=` field. `crc32c_generic` stands for libcrc32c's soft dependency on the "crc32c" alias.
# A module missing from the kernel package is skipped unless listed in KADVM_REQUIRED_MODULES.
KADVM_WANTED_MODULES=(
    crc32c_generic
    dummy
    ip_vs
    ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh ip_vs_sed
    ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh ip_vs_twos
    ip_vs_ftp ip_vs_pe_sip
    ipip fou ip_gre ip6_tunnel fou6 ip6_gre
    veth ipvlan macvlan vrf
)
KADVM_REQUIRED_MODULES=(crc32c_generic dummy ip_vs ip_vs_rr)

# Host packages the harness runs (qemu, busybox for /init, cpio for the initramfs, ipvsadm to
# cross-check the kernel's table inside the VM, iproute2 for the VM's addresses). scripts/deps.sh installs the same list in CI.
KADVM_DEBS=(qemu-system-x86 busybox-static cpio ipvsadm iproute2)

kadvm_log() { echo "kad-vm: $*" >&2; }
kadvm_die() {
    kadvm_log "error: $*"
    exit 2
}

# Installs the host packages above that are missing; asks apt nothing when all are present.
kadvm_ensure_debs() {
    local p missing=()
    for p in "${KADVM_DEBS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    kadvm_log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || kadvm_die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        kadvm_die "apt-get install ${missing[*]} failed"
}

# The cache root: KAD_VM_CACHE, else /var/cache/kad-vm when writable, else ~/.cache/kad-vm.
kadvm_cache_root() {
    local d=${KAD_VM_CACHE:-}
    if [ -z "$d" ]; then
        if mkdir -p /var/cache/kad-vm 2>/dev/null && [ -w /var/cache/kad-vm ]; then
            d=/var/cache/kad-vm
        else
            d=${XDG_CACHE_HOME:-$HOME/.cache}/kad-vm
        fi
    fi
    mkdir -p "$d" || kadvm_die "cannot create cache directory $d"
    echo "$d"
}

# The ABI name of the kernel to boot (e.g. 6.1.0-56-amd64): KAD_VM_KVER, else what Debian's
# linux-image-amd64 depends on now, else the newest one already in the cache.
kadvm_kernel_version() {
    local cache=$1 v
    if [ -n "${KAD_VM_KVER:-}" ]; then
        echo "$KAD_VM_KVER"
        return
    fi
    v=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: linux-image-\([0-9].*\)$/\1/p' | head -1)
    if [ -z "$v" ] && [ ! -e "$cache/.apt-updated" ]; then
        kadvm_log "apt-get update (no package lists for linux-image-amd64)"
        apt-get update -qq >/dev/null 2>&1 && touch "$cache/.apt-updated"
        v=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: linux-image-\([0-9].*\)$/\1/p' | head -1)
    fi
    if [ -z "$v" ]; then
        # Offline: fall back to a kernel prepared earlier.
        v=$(find "$cache" -maxdepth 2 -name .ready -path '*/kernel-*' 2>/dev/null | sed 's|.*/kernel-\([^/]*\)/.ready|\1|' | sort -V | tail -1)
    fi
    [ -n "$v" ] || kadvm_die "cannot tell which Debian kernel to use (set KAD_VM_KVER)"
    echo "$v"
}

# The `depends=` field of a kernel module file (comma-separated names, possibly empty).
kadvm_module_deps() {
    tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | head -1
}

# Whether the kernel cache in $1 was filled for today's KADVM_WANTED_MODULES (`.ready` holds the
# list it was filled for), so that a module added to the list refills it once.
kadvm_cache_ready() {
    [ "$(cat "$1/.ready" 2>/dev/null)" = "${KADVM_WANTED_MODULES[*]}" ]
}

# Fills $cache/kernel-$kver with vmlinuz, modules/NAME.ko (decompressed) and modules.order (one
# name a line, dependencies first). Idempotent; serialised with flock so concurrent runs share one
# download. Prints the directory.
kadvm_prepare_kernel() {
    local cache kver dir
    cache=$(kadvm_cache_root)
    kver=$(kadvm_kernel_version "$cache")
    dir=$cache/kernel-$kver
    if kadvm_cache_ready "$dir"; then
        echo "$dir"
        return
    fi
    (
        flock 9
        kadvm_cache_ready "$dir" && exit 0
        tmp=$(mktemp -d "$cache/tmp.XXXXXX")
        trap 'rm -rf "$tmp"' EXIT
        kadvm_prepare_kernel_locked "$kver" "$dir" "$tmp"
    ) 9>"$cache/.lock" || kadvm_die "preparing kernel $kver failed"
    echo "$dir"
}

kadvm_prepare_kernel_locked() {
    local kver=$1 dir=$2 tmp=$3 deb tree m f
    kadvm_log "downloading linux-image-$kver"
    (cd "$tmp" && apt-get download -q "linux-image-$kver" >/dev/null 2>"$tmp/apt.err") || {
        cat "$tmp/apt.err" >&2
        return 1
    }
    deb=$(ls "$tmp"/linux-image-*.deb)
    dpkg -x "$deb" "$tmp/root" || return 1
    tree=$tmp/root/lib/modules/$kver
    [ -d "$tree" ] || tree=$tmp/root/usr/lib/modules/$kver
    [ -d "$tree" ] || {
        kadvm_log "no modules directory for $kver in $deb"
        return 1
    }

    # name -> file for every module in the package (names use '_' where files may use '-').
    declare -A path_of=()
    while IFS= read -r f; do
        m=$(basename "$f")
        m=${m%%.ko*}
        path_of[${m//-/_}]=$f
    done < <(find "$tree/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')

    mkdir -p "$tmp/out/modules"
    declare -A seen=()
    local order=()
    kadvm__visit() {
        local name=${1//-/_} src dst d
        [ -n "${seen[$name]:-}" ] && return 0
        seen[$name]=1
        src=${path_of[$name]:-}
        if [ -z "$src" ]; then
            local r
            for r in "${KADVM_REQUIRED_MODULES[@]}"; do
                [ "$r" = "$name" ] && {
                    kadvm_log "required module $name is not in linux-image-$kver"
                    return 1
                }
            done
            kadvm_log "module $name is not in linux-image-$kver; skipped"
            return 0
        fi
        dst=$tmp/out/modules/$name.ko
        case $src in
        *.xz) xz -dc "$src" >"$dst" ;;
        *.zst) zstd -qdc "$src" >"$dst" ;;
        *.gz) gzip -dc "$src" >"$dst" ;;
        *) cp "$src" "$dst" ;;
        esac || return 1
        for d in $(kadvm_module_deps "$dst" | tr ',' ' '); do
            kadvm__visit "$d" || return 1
        done
        order+=("$name")
    }
    for m in "${KADVM_WANTED_MODULES[@]}"; do
        kadvm__visit "$m" || return 1
    done
    printf '%s\n' "${order[@]}" >"$tmp/out/modules.order"
    cp "$tmp/root/boot/vmlinuz-$kver" "$tmp/out/vmlinuz"
    echo "$kver" >"$tmp/out/version"
    echo "${KADVM_WANTED_MODULES[*]}" >"$tmp/out/.ready"
    rm -rf "$dir"
    mv "$tmp/out" "$dir"
    kadvm_log "kernel $kver ready: ${#order[@]} modules in $dir"
}

# Copies an ELF file and, when it is dynamically linked, every library `ldd` names and the
# program interpreter into the staging root, each at the path the loader will look for it.
kadvm_stage_elf() {
    local src=$1 dst=$2 root=$3 lib
    mkdir -p "$(dirname "$root$dst")"
    if [ "${KAD_VM_STRIP:-1}" = 1 ] && objcopy --strip-debug "$src" "$root$dst" 2>/dev/null; then
        chmod --reference="$src" "$root$dst"
    else
        cp -L "$src" "$root$dst"
    fi
    # ldd prints "name => /path (addr)" for libraries and "/path (addr)" for the interpreter.
    while IFS= read -r lib; do
        [ -e "$root$lib" ] && continue
        mkdir -p "$(dirname "$root$lib")"
        cp -L "$lib" "$root$lib"
    done < <(ldd "$src" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p')
}

# Copies a file into the staging root: ELF files with their libraries, anything else as is.
kadvm_stage_file() {
    local src=$1 dst=$2 root=$3
    [ -e "$src" ] || kadvm_die "no such file: $src"
    if head -c 4 "$src" | grep -q 'ELF'; then
        kadvm_stage_elf "$src" "$dst" "$root"
    else
        mkdir -p "$(dirname "$root$dst")"
        cp -L "$src" "$root$dst"
    fi
}

# Quotes one word for a POSIX shell (busybox ash reads the generated command file).
kadvm_shquote() {
    local s=$1
    printf "'%s'" "${s//\'/\'\\\'\'}"
}
