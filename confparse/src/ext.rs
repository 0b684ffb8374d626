//! kad's extension file (`kad --ext-config FILE`): settings keepalived does not have, kept
//! out of `keepalived.conf` so that keepalived 2.2.7 itself still loads that file.
//!
//! The file is written in keepalived.conf syntax and read by the same preprocessor
//! (`include`, `@conditional`, `$PARAM`, `~SEQ`) and brace matcher. Each top-level block
//! names an object of the keepalived.conf it extends and holds kad-only settings for it:
//!
//! ```text
//! vrrp_instance VI_1 {
//!     bfd_takeover {          # a BFD session to the master; its Down is master-down
//!         min_rx 10           # ms, with µs precision (default 10)
//!         min_tx 10           # ms (default 10)
//!         multiplier 3        # 1..255 (default 3)
//!     }
//! }
//! ```
//!
//! Naming an object the keepalived.conf does not define is an error with a suggestion, so a
//! renamed instance cannot silently lose its extension. `virtual_server` blocks hold
//! `announce` (see [`announce`]).

use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::{did_you_mean, Diagnostics, Severity};
use crate::model::values::{need_arg, need_block, no_block, parse_decimal, parse_uint, Micros};
use crate::model::Config;
use crate::token::Loc;
use crate::tree::Node;
use crate::Options;

pub mod announce;

pub use announce::{Announce, VirtualServerExt};

/// The extension file's top-level keywords.
const TOP_KEYWORDS: &[&str] = &["vrrp_instance", "virtual_server"];
/// Keywords of a `vrrp_instance` block.
const INSTANCE_KEYWORDS: &[&str] = &["bfd_takeover"];
/// Keywords of a `bfd_takeover` block.
const BFD_TAKEOVER_KEYWORDS: &[&str] = &["min_rx", "min_tx", "multiplier"];

/// Everything an extension file adds, by the name of the object it extends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extensions {
    /// Per `vrrp_instance`, by instance name.
    pub vrrp_instances: BTreeMap<String, InstanceExt>,
    /// `virtual_server` blocks, in file order.
    pub virtual_servers: Vec<VirtualServerExt>,
}

impl Extensions {
    /// Whether some instance takes over on a BFD Down, so that the BFD process must run.
    pub fn needs_bfd(&self) -> bool {
        self.vrrp_instances
            .values()
            .any(|i| i.bfd_takeover.is_some())
    }

    /// The `announce` settings of `vs`, if its block has them.
    pub fn announce_of(&self, vs: &crate::model::lvs::VirtualServer) -> Option<&Announce> {
        self.virtual_servers
            .iter()
            .find(|e| e.extends(vs))?
            .announce
            .as_ref()
    }

    /// Whether some virtual server is announced.
    pub fn announces(&self) -> bool {
        self.virtual_servers.iter().any(|v| v.announce.is_some())
    }

    /// The `bfd_takeover` of instance `name`, if it has one.
    pub fn bfd_takeover(&self, name: &str) -> Option<&BfdTakeover> {
        self.vrrp_instances.get(name)?.bfd_takeover.as_ref()
    }
}

/// kad-only settings of one `vrrp_instance`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InstanceExt {
    /// Where its block starts.
    pub loc: Loc,
    /// `bfd_takeover`.
    pub bfd_takeover: Option<BfdTakeover>,
}

/// `bfd_takeover`: while Backup, the instance runs a BFD session (RFC 5880, single hop,
/// RFC 5881) from its own address to the master's, and takes the session going Down as the
/// Master_Down_Timer's expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BfdTakeover {
    /// Required Min RX Interval, in microseconds (default 10 ms).
    pub min_rx: Micros,
    /// Desired Min TX Interval while Up, in microseconds (default 10 ms).
    pub min_tx: Micros,
    /// Detect Mult (default 3).
    pub multiplier: u8,
}

impl Default for BfdTakeover {
    /// 10 ms × 3: a 30 ms detection time.
    fn default() -> Self {
        BfdTakeover {
            min_rx: Micros(10_000),
            min_tx: Micros(10_000),
            multiplier: 3,
        }
    }
}

/// Reads the extension file at `path` against the already loaded `config`.
pub fn load(path: &Path, opts: &Options, config: &Config) -> (Extensions, Diagnostics) {
    let (nodes, mut diags) = crate::load_tree(path, opts);
    let ext = from_tree(&nodes, config, &mut diags);
    (ext, diags)
}

/// As [`load`], for text in memory named `name` in diagnostics.
pub fn load_str(
    name: &str,
    text: &str,
    opts: &Options,
    config: &Config,
) -> (Extensions, Diagnostics) {
    let (nodes, mut diags) = crate::load_tree_str(name, text, opts);
    let ext = from_tree(&nodes, config, &mut diags);
    (ext, diags)
}

/// The extensions a tree describes; every problem goes to `d`.
pub fn from_tree(nodes: &[Node], config: &Config, d: &mut Diagnostics) -> Extensions {
    let mut ext = Extensions::default();
    for node in nodes {
        match node.name() {
            "vrrp_instance" => vrrp_instance(node, config, &mut ext, d),
            "virtual_server" => {
                if let Some(v) = announce::virtual_server(node, config, d) {
                    if let Some(first) = ext.virtual_servers.iter().find(|o| o.address == v.address)
                    {
                        d.error_hint(
                            &node.keyword.loc,
                            "virtual_server is extended twice",
                            format!("the first block is at {}", first.loc),
                        );
                    } else {
                        ext.virtual_servers.push(v);
                    }
                }
            }
            _ => d.unknown_keyword(Severity::Error, &node.keyword, "", TOP_KEYWORDS),
        }
    }
    ext
}

fn vrrp_instance(node: &Node, config: &Config, ext: &mut Extensions, d: &mut Diagnostics) {
    let Some(name_tok) = node.args.first() else {
        d.error(&node.keyword.loc, "vrrp_instance must have a name");
        return;
    };
    let name = name_tok.text.as_str();
    let known: Vec<&str> = config
        .vrrp
        .instances
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    if !known.contains(&name) {
        let hint = match did_you_mean(name, &known) {
            Some(k) => format!("did you mean '{k}'?"),
            None if known.is_empty() => "the configuration defines no vrrp_instance".to_owned(),
            None => format!("the configuration defines {}", known.join(", ")),
        };
        d.error_hint(
            &name_tok.loc,
            format!("vrrp_instance {name} is not defined in the configuration"),
            hint,
        );
        return;
    }
    if let Some(first) = ext.vrrp_instances.get(name) {
        d.error_hint(
            &name_tok.loc,
            format!("vrrp_instance {name} is extended twice"),
            format!("the first block is at {}", first.loc),
        );
        return;
    }
    let Some(children) = need_block(node, d) else {
        return;
    };
    let mut inst = InstanceExt {
        loc: node.keyword.loc.clone(),
        bfd_takeover: None,
    };
    for c in children {
        match c.name() {
            "bfd_takeover" => {
                if inst.bfd_takeover.is_some() {
                    d.error(&c.keyword.loc, "bfd_takeover given twice");
                    continue;
                }
                inst.bfd_takeover = Some(bfd_takeover(c, d));
            }
            _ => d.unknown_keyword(
                Severity::Error,
                &c.keyword,
                "vrrp_instance extension",
                INSTANCE_KEYWORDS,
            ),
        }
    }
    ext.vrrp_instances.insert(name.to_owned(), inst);
}

/// A millisecond value with up to three decimals, as microseconds: `bfd_instance`'s `min_rx`
/// and `min_tx` range (1 ms to 4294967 ms).
fn ms(node: &Node, d: &mut Diagnostics) -> Option<Micros> {
    let t = need_arg(node, 0, d)?;
    parse_decimal(t, 1000, u64::from(u32::MAX / 1000) * 1000, 3, d).map(Micros)
}

fn bfd_takeover(node: &Node, d: &mut Diagnostics) -> BfdTakeover {
    let mut b = BfdTakeover::default();
    if node.block.is_none() {
        // `bfd_takeover` alone takes the defaults.
        return b;
    }
    for c in node.children() {
        match c.name() {
            "min_rx" => b.min_rx = ms(c, d).unwrap_or(b.min_rx),
            "min_tx" => b.min_tx = ms(c, d).unwrap_or(b.min_tx),
            "multiplier" => {
                if let Some(n) = need_arg(c, 0, d).and_then(|t| parse_uint(t, 1, 255, d)) {
                    b.multiplier = n as u8;
                }
            }
            _ => d.unknown_keyword(
                Severity::Error,
                &c.keyword,
                "bfd_takeover",
                BFD_TAKEOVER_KEYWORDS,
            ),
        }
        no_block(c, d);
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_str as load_conf;

    const CONF: &str = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n \
                        priority 100\n virtual_ipaddress {\n  192.0.2.100\n }\n}\n\
                        vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n \
                        virtual_ipaddress {\n  192.0.2.101\n }\n}\n";

    fn read(text: &str) -> (Extensions, Vec<String>) {
        let conf = load_conf("keepalived.conf", CONF, &Options::default());
        assert!(!conf.diagnostics.has_errors());
        let (ext, d) = load_str("kad-ext.conf", text, &Options::default(), &conf.config);
        (ext, d.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn settings_and_defaults() {
        let (ext, errors) = read(
            "vrrp_instance VI_1 {\n bfd_takeover {\n  min_rx 20\n  min_tx 5.5\n  multiplier 4\n }\n}\n\
             vrrp_instance VI_2 {\n bfd_takeover\n}\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let one = ext.bfd_takeover("VI_1").unwrap();
        assert_eq!(
            (one.min_rx, one.min_tx, one.multiplier),
            (Micros(20_000), Micros(5_500), 4)
        );
        assert_eq!(*ext.bfd_takeover("VI_2").unwrap(), BfdTakeover::default());
        assert!(ext.needs_bfd());
        assert!(!Extensions::default().needs_bfd());
    }

    #[test]
    fn an_unknown_instance_is_an_error_with_a_hint() {
        let (ext, errors) =
            read("vrrp_instance VI_3 {\n bfd_takeover\n}\nvrrp_instance Zed {\n}\n");
        assert!(ext.vrrp_instances.is_empty());
        assert_eq!(
            errors,
            [
                "kad-ext.conf:1:15: error: vrrp_instance VI_3 is not defined in the configuration\n  hint: did you mean 'VI_1'?",
                "kad-ext.conf:4:15: error: vrrp_instance Zed is not defined in the configuration\n  hint: the configuration defines VI_1, VI_2",
            ]
        );
    }

    #[test]
    fn each_error() {
        let cases = [
            ("virtual_servr 192.0.2.1 80 {\n}\n", "1:1: error: unknown keyword 'virtual_servr'"),
            ("vrrp_instanse VI_1 {\n}\n", "hint: did you mean 'vrrp_instance'?"),
            ("vrrp_instance {\n}\n", "1:1: error: vrrp_instance must have a name"),
            ("vrrp_instance VI_1\n", "1:1: error: 'vrrp_instance' must be followed by a '{' block"),
            ("vrrp_instance VI_1 {\n bfd_takeoff\n}\n", "2:2: error: unknown keyword 'bfd_takeoff' in vrrp_instance extension\n  hint: did you mean 'bfd_takeover'?"),
            ("vrrp_instance VI_1 {\n bfd_takeover {\n  min_rx 0\n }\n}\n", "3:10: error:"),
            ("vrrp_instance VI_1 {\n bfd_takeover {\n  multiplier 256\n }\n}\n", "3:14: error:"),
            ("vrrp_instance VI_1 {\n bfd_takeover {\n  echo 1\n }\n}\n", "3:3: error: unknown keyword 'echo' in bfd_takeover"),
            ("vrrp_instance VI_1 {\n bfd_takeover\n bfd_takeover\n}\n", "3:2: error: bfd_takeover given twice"),
            ("vrrp_instance VI_1 {\n}\nvrrp_instance VI_1 {\n}\n", "3:15: error: vrrp_instance VI_1 is extended twice\n  hint: the first block is at kad-ext.conf:1:1"),
            ("vrrp_instance VI_1 {\n", "error: unclosed '{'"),
        ];
        for (text, want) in cases {
            let (_, errors) = read(text);
            assert_eq!(errors.len(), 1, "{text}: {errors:?}");
            assert!(errors[0].contains(want), "{text}: {errors:?}");
            assert!(errors[0].starts_with("kad-ext.conf:"), "{errors:?}");
        }
    }
}
