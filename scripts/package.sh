#!/usr/bin/env bash
# Builds kad's Debian package, kad_<version>-1_<arch>.deb: /usr/sbin/kad, /usr/bin/genhash,
# kad.service, /etc/default/kad, man pages, shell completions and sample configurations
# (packaging/README.md lists them; [package.metadata.deb] in bins/kad/Cargo.toml is the recipe).
#
#   scripts/package.sh [--release | --debug | --reuse] [--output DIR]
#
#   --release  (default) cargo build --release -p kad -p genhash (fat LTO: several minutes).
#   --debug    package the debug binaries (cargo build -p kad -p genhash): quick, for tests;
#              never ship it.
#   --reuse    the release binaries when they exist and are newer than every tracked file,
#              else the debug ones. The CI stage scripts/test.d/package.sh uses this.
#   --output   where the .deb goes (default: TARGET/debian).
#
# Needs cargo-deb (scripts/deps.sh installs it). The last line printed is the .deb's path.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=release
out=
while [ $# -gt 0 ]; do
    case $1 in
        --release | --debug | --reuse) mode=${1#--} ;;
        --output) out=$2; shift ;;
        *) echo "usage: $0 [--release|--debug|--reuse] [--output DIR]" >&2; exit 2 ;;
    esac
    shift
done

target=$(realpath -m "${CARGO_TARGET_DIR:-target}")
out=$(realpath -m "${out:-$target/debian}")
mkdir -p "$out"

# The newest tracked file, so a release binary older than it is not packaged as current.
release_is_fresh() {
    local bin newest
    for bin in kad genhash; do
        [ -x "$target/release/$bin" ] || return 1
    done
    newest=$(git ls-files -z | xargs -0 stat -c %Y 2>/dev/null | sort -n | tail -1)
    [ "$(stat -c %Y "$target/release/kad")" -ge "$newest" ] &&
        [ "$(stat -c %Y "$target/release/genhash")" -ge "$newest" ]
}

if [ "$mode" = reuse ]; then
    if release_is_fresh; then mode=reused-release; else mode=debug; fi
fi
echo "package: binaries from the $mode build" >&2

case $mode in
    release)
        cargo build --release -q -p kad -p genhash
        deb_target=$target
        ;;
    reused-release)
        deb_target=$target
        ;;
    debug)
        cargo build -q -p kad -p genhash
        # cargo-deb packages TARGET/release/*; give it a target directory whose release/
        # holds the debug binaries (hard links: no copy of a few hundred MB).
        deb_target=$target/kad-package-debug
        rm -rf "$deb_target"
        mkdir -p "$deb_target/release"
        for bin in kad genhash; do
            ln "$target/debug/$bin" "$deb_target/release/$bin" 2>/dev/null ||
                cp "$target/debug/$bin" "$deb_target/release/$bin"
        done
        ;;
esac

# Completions from kad's clap definitions, where the asset list expects them.
cargo run -q -p kad --example completions -- "$deb_target/release/kad-completions" >/dev/null

# Stripped, as Debian ships binaries (the release profile keeps line tables for profiling).
# The debug package is only for tests: faster compression.
fast=()
[ "$mode" = debug ] && fast=(--fast)
CARGO_TARGET_DIR=$deb_target cargo deb -q -p kad --no-build --strip "${fast[@]}" --output "$out" >/dev/null
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
deb="$out/kad_${version}-1_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || { echo "package: $deb was not made" >&2; exit 1; }
echo "$deb"
