#!/usr/bin/env bash
# Documentation and publishing of the library crates: rustdoc without warnings, the declared
# rust-version checked as far as this machine can, and `cargo package` of every library crate.
#
# The doctests (each crate's README.md is its crate documentation, and its examples run) are
# not repeated here: `cargo test --workspace` in the tests stage runs them.
#
# MSRV: CI has one stable toolchain and nightly, and cannot download another, so the declared
# `rust-version` is never compiled with. What is checked instead:
#  - our code: clippy's `incompatible_msrv` (on by default, denied by the clippy stage's
#    `-D warnings`) reads `rust-version` and flags every std item stabilised after it;
#  - our dependencies: below, cargo's MSRV-aware resolver (`incompatible-rust-versions =
#    fallback`) resolves a copy of the workspace afresh, and every normal and build dependency
#    it picks must declare a `rust-version` no newer than ours (or none). The committed
#    Cargo.lock is newer (icu 2.x under hickory-proto's idna needs 1.88): a 1.85 toolchain
#    builds the crates with a lockfile resolved that way, not with ours. Dev-dependencies
#    (tests, benches: criterion 0.8 needs 1.86) are only reported: they build with CI's toolchain.
# Not checked: language features stabilised after `rust-version` (the compiler has no such
# lint) and whether dependencies' declarations are true.
set -euo pipefail
cd "$(dirname "$0")/../.."

libs=(keepalive-confparse keepalive-vrrp keepalive-bfd keepalive-ipvs keepalive-checkers keepalive-netlink)

echo "docs: rustdoc of the workspace, warnings denied (broken intra-doc links included)"
# kad included: its library is what appliances embed (the VRRP router, trackers, runners).
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --locked -q

echo "docs: every library crate's README.md is its crate documentation"
for dir in confparse vrrp ipvs checkers netlink-reflector; do
    grep -qx '#!\[doc = include_str!("../README.md")\]' "$dir/src/lib.rs" || {
        echo "$dir/src/lib.rs does not include ../README.md as its crate documentation"
        exit 1
    }
done

echo "docs: the top-level README's Rust excerpts are lines of the crate READMEs' doctests"
python3 /dev/fd/3 3<<'EOF'
import re

def rust_lines(path):
    text = open(path, encoding="utf-8").read()
    blocks = re.findall(r"^```rust[^\n]*\n(.*?)^```", text, re.S | re.M)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]

tested = set()
for crate in ("confparse", "vrrp", "bfd", "ipvs", "checkers", "netlink-reflector"):
    tested.update(rust_lines(crate + "/README.md"))
excerpts = rust_lines("README.md")
stale = [line for line in excerpts if line not in tested]
if stale:
    print("README.md has Rust lines no crate README compiles:", *stale, sep="\n  ")
    raise SystemExit(1)
print(len(excerpts), "lines checked")
EOF

echo "docs: dependencies' rust-version against ours, as cargo's MSRV-aware resolver picks them"
msrv_ws=$(mktemp -d)
trap 'rm -rf "$msrv_ws"' EXIT
find . \( -path ./target -o -path ./.git -o -path ./fuzz \) -prune -o \
    \( -name Cargo.toml -o -name '*.rs' -o -name '*.md' \) -print0 |
    xargs -0 cp --parents -t "$msrv_ws"
(cd "$msrv_ws" && CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo generate-lockfile -q)
cargo metadata --manifest-path "$msrv_ws/Cargo.toml" --format-version 1 --locked \
    --filter-platform "$(rustc -vV | sed -n 's/^host: //p')" |
    python3 /dev/fd/3 3<<'EOF'
import json, sys

meta = json.load(sys.stdin)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
members = set(meta["workspace_members"])

def version(text):
    return tuple(int(part) for part in (text.split(".") + ["0", "0"])[:3])

def newer_than_msrv(ids):
    return sorted(
        "{name} {version} needs {rust_version}".format(**packages[p])
        for p in ids
        if packages[p].get("rust_version") and version(packages[p]["rust_version"]) > msrv
    )

def closure(roots, with_dev):
    seen, stack = set(), list(roots)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack += [d["pkg"] for d in nodes[node]["deps"]
                      if any(k["kind"] != "dev" or (with_dev and node in members)
                             for k in d["dep_kinds"])]
    return seen

msrv = min(version(packages[m]["rust_version"]) for m in members if packages[m].get("rust_version"))
built = closure(members, with_dev=False)
dev_only = closure(members, with_dev=True) - built
print(len(built), "packages built for rust-version", ".".join(map(str, msrv)))
for line in newer_than_msrv(dev_only):
    print("  dev-dependency only:", line)
if newer_than_msrv(built):
    print("newer than the workspace rust-version:", *newer_than_msrv(built), sep="\n  ")
    sys.exit(1)
EOF

echo "docs: cargo package of the library crates (together, so their path dependencies resolve)"
# --allow-dirty: the stage checks the tree being tested, committed or not.
args=()
for lib in "${libs[@]}"; do
    args+=(-p "$lib")
done
cargo package --allow-dirty -q "${args[@]}"
