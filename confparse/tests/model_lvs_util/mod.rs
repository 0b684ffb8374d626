//! Test support for the LVS model tests: text → tree → `Config`, and diagnostics by severity.
//!
//! Text goes through the real preprocessor and brace matcher (`load_tree_str`), so the cases
//! read exactly as a `keepalived.conf` would.
#![allow(dead_code)]

use keepalive_confparse::diag::Diagnostics;
use keepalive_confparse::model::Config;
use keepalive_confparse::tree::Node;
use keepalive_confparse::{load_tree_str, Options};

/// Build the tree of `text` with the real preprocessor, named `test.conf`; its own
/// diagnostics are returned too.
pub fn tree_diags(text: &str) -> (Vec<Node>, Diagnostics) {
    load_tree_str("test.conf", text, &Options::default())
}

/// Build the tree of `text`, asserting the preprocessor found nothing wrong.
pub fn tree(text: &str) -> Vec<Node> {
    let (nodes, d) = tree_diags(text);
    assert!(d.is_empty(), "preprocessor complained: {:?}", d.into_vec());
    nodes
}

/// Parse `text` into a `Config`.
pub fn parse(text: &str) -> (Config, Diagnostics) {
    let (nodes, mut d) = tree_diags(text);
    let cfg = Config::from_tree(&nodes, &mut d);
    (cfg, d)
}

#[path = "../common/diags.rs"]
mod diags;
#[allow(unused_imports)]
pub use diags::*;

/// A complete, valid virtual server around `rs_body` (real server 192.0.2.10 80) with extra
/// virtual-server lines `vs_extra`.
pub fn vs(vs_extra: &str, rs_body: &str) -> String {
    format!(
        "virtual_server 192.0.2.1 80 {{\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n{vs_extra}\n real_server 192.0.2.10 80 {{\n{rs_body}\n }}\n}}\n"
    )
}
