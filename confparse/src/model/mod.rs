//! The typed configuration: one struct per block of `keepalived.conf(5)`.
//!
//! [`Config::from_tree`] walks the top-level nodes and hands each to the module that owns its
//! block. Values are checked as they are read; defaults that depend on other blocks (global
//! `vrrp_*` → instance, virtual server → real server → checker) are resolved by each half's
//! `finish` step, after the whole file was read, as keepalived does.

use std::collections::HashSet;

use crate::diag::{Diagnostics, Severity};
use crate::tree::Node;

pub mod bfd;
pub mod checker;
pub mod global;
pub mod lvs;
pub mod script;
pub mod ssl;
pub mod values;
pub mod vrrp;

/// A whole `keepalived.conf`.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Config {
    /// Top-level settings outside any block (`net_namespace`, `instance`, `use_pid_dir`, ...).
    pub top: global::TopLevel,
    /// `global_defs`.
    pub global: global::GlobalDefs,
    /// Everything VRRP: instances, sync groups, trackers, static addresses/routes/rules...
    pub vrrp: vrrp::VrrpConfig,
    /// `bfd_instance` blocks.
    pub bfd: Vec<bfd::BfdInstance>,
    /// Everything LVS: `virtual_server_group`, `virtual_server` with real servers and checkers,
    /// and the `SSL` block.
    pub lvs: lvs::LvsConfig,
}

impl Config {
    /// Build the typed configuration from the preprocessed tree, reporting every problem.
    pub fn from_tree(nodes: &[Node], diags: &mut Diagnostics) -> Config {
        let mut cfg = Config::default();
        for node in nodes {
            cfg.add_node(node, diags);
        }
        cfg.finish(diags);
        cfg
    }

    /// Read one top-level node into the configuration (the streaming form of
    /// [`Config::from_tree`]: call it for each node in file order, then [`Config::finish`]).
    pub fn add_node(&mut self, node: &Node, diags: &mut Diagnostics) {
        let handled = global::parse_top(node, &mut self.top, &mut self.global, diags)
            || vrrp::parse_top(node, &mut self.vrrp, diags)
            || bfd::parse_top(node, &mut self.bfd, diags)
            || lvs::parse_top(node, &mut self.lvs, diags);
        if !handled {
            diags.unknown_keyword(Severity::Error, &node.keyword, "", TOP_LEVEL_KEYWORDS);
        }
    }

    /// After the last node: inherit defaults and make the checks that need the whole file.
    pub fn finish(&mut self, diags: &mut Diagnostics) {
        vrrp::finish(&mut self.vrrp, &self.global, diags);
        lvs::finish(&mut self.lvs, &self.global, diags);
        // FILE_CHECK and BFD_CHECK name objects from the VRRP and BFD halves.
        let track_files: HashSet<&str> = self
            .vrrp
            .track_files
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        let bfds: HashSet<&str> = self.bfd.iter().map(|b| b.name.as_str()).collect();
        lvs::check_references(&mut self.lvs, &track_files, &bfds, diags);
    }
}

/// Every keyword valid at the top level, for did-you-mean hints.
pub const TOP_LEVEL_KEYWORDS: &[&str] = &[
    "global_defs",
    "net_namespace",
    "net_namespace_ipvs",
    "instance",
    "use_pid_dir",
    "linkbeat_use_polling",
    "child_wait_time",
    "linkbeat_interfaces",
    "track_group",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "track_file",
    "vrrp_track_file",
    "vrrp_track_process",
    "bfd_instance",
    "vrrp_script",
    "vrrp_sync_group",
    "garp_group",
    "vrrp_instance",
    "interface_up_down_delays",
    "virtual_server_group",
    "virtual_server",
    "SSL",
];
