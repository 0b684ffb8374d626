//! Test support for the VRRP model tests: text → tree → `Config`, and diagnostics by severity.
//!
//! Text goes through the real preprocessor and brace matcher (`load_tree_str`).
#![allow(dead_code)]

use keepalive_confparse::diag::Diagnostics;
use keepalive_confparse::model::vrrp::check_interfaces;
use keepalive_confparse::model::Config;
use keepalive_confparse::tree::Node;
use keepalive_confparse::{load_tree_str, Options};

/// Preprocessor options for test text: no includes, a fixed seed.
pub fn opts() -> Options {
    Options {
        read_includes: false,
        random_seed: Some(1),
        ..Options::default()
    }
}

/// Build the tree of `text` with the real preprocessor and brace matcher.
pub fn tree(text: &str) -> Vec<Node> {
    let (nodes, d) = load_tree_str("test.conf", text, &opts());
    assert!(
        !d.has_errors(),
        "preprocessing errors: {:#?}",
        d.iter().map(|x| x.to_string()).collect::<Vec<_>>()
    );
    nodes
}

/// Parse `text` into a `Config`, with the diagnostics of every stage.
pub fn parse(text: &str) -> (Config, Diagnostics) {
    let (nodes, mut d) = load_tree_str("test.conf", text, &opts());
    let cfg = Config::from_tree(&nodes, &mut d);
    (cfg, d)
}

/// [`parse`], then the host checks `keepalived -t` also makes (interfaces, multicast VRID
/// conflicts), against this machine plus `eth0`, which the cases name.
pub fn parse_on_host(text: &str) -> (Config, Diagnostics) {
    let (cfg, mut d) = parse(text);
    let exists = |n: &str| n == "eth0" || std::path::Path::new("/sys/class/net").join(n).exists();
    check_interfaces(&cfg.vrrp, &cfg.global, &exists, &mut d);
    (cfg, d)
}

#[path = "../common/diags.rs"]
mod diags;
#[allow(unused_imports)]
pub use diags::*;

/// A valid instance named `name` on eth0 with VRID `vrid`, extra lines `extra` and one VIP.
pub fn inst(name: &str, vrid: u8, extra: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n{extra}\n virtual_ipaddress {{\n  192.0.2.{vrid}/24\n }}\n}}\n"
    )
}

/// `global_defs` that makes scripts acceptable to keepalived's script security check on a
/// test host (scripts owned by root, run as root).
pub const SCRIPT_SECURITY: &str = "global_defs {\n enable_script_security\n script_user root\n}\n";
