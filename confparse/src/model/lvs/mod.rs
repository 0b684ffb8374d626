//! The LVS half of `keepalived.conf(5)`: `virtual_server_group`, `virtual_server` with its
//! `real_server`s and checkers, and the `SSL` block.
//!
//! Reading is sequential, as keepalived's is, because a few settings depend on what came
//! before them in the block: a `real_server` takes the virtual server's `lvs_method` as it
//! stands when the real server is declared, `sh-port` is accepted only after `lvs_sched sh`,
//! and the virtual server's address family is fixed by the first non-tunnelled real server.
//! Everything that needs the whole file (group references, inherited defaults, duplicate real
//! servers, quorum against weights, port fix-ups) happens in [`finish`], as keepalived's
//! `link_vsg_to_vs` and `validate_check_config` do.
//!
//! Two references point outside the LVS blocks — `FILE_CHECK`'s `track_file` and `BFD_CHECK`'s
//! `name` — and are checked by [`check_references`] once the `track_file` and `bfd_instance`
//! names are known.
//!
//! Not checked here, because they depend on the host rather than the file: whether script
//! users exist (`notify_up ... USER`, MISC_CHECK `user`), whether scripts exist and are safe to
//! run as root (keepalived's `script_security` check), and whether a regex compiles (PCRE2).

use std::fmt;
use std::net::IpAddr;

use super::global::GlobalDefs;
use super::ssl::{self, SslConfig};
use super::values::{need_arg, parse_uint};
use crate::diag::Diagnostics;
use crate::token::Token;
use crate::tree::Node;

pub mod group;
pub mod real_server;
mod validate;
pub mod virtual_server;

pub use group::{GroupEntry, VirtualServerGroup};
pub use real_server::{RealServer, SorryServer};
pub use virtual_server::{Granularity, Protocol, SchedFlags, Scheduler, VirtualServer, VsAddress};

/// Everything LVS in a configuration.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LvsConfig {
    /// `virtual_server_group` blocks, in file order.
    pub groups: Vec<VirtualServerGroup>,
    /// `virtual_server` blocks, in file order. After [`finish`], the ones keepalived would drop
    /// (no real servers, unknown group, family clash with their group) are gone.
    pub virtual_servers: Vec<VirtualServer>,
    /// The `SSL` block, if any (used by `SSL_GET`).
    pub ssl: Option<SslConfig>,
}

/// Parse `node` if it is an LVS top-level block; false if it is not ours.
pub fn parse_top(node: &Node, v: &mut LvsConfig, d: &mut Diagnostics) -> bool {
    match node.name() {
        "virtual_server_group" => group::parse(node, &mut v.groups, d),
        "virtual_server" => {
            if let Some(vs) = virtual_server::parse(node, d) {
                v.virtual_servers.push(vs);
            }
        }
        "SSL" => ssl::parse(node, &mut v.ssl, d),
        _ => return false,
    }
    true
}

/// Resolve inherited defaults (global → virtual server → real server → checker), link groups
/// and check what keepalived checks once the whole file is read.
pub fn finish(v: &mut LvsConfig, g: &GlobalDefs, d: &mut Diagnostics) {
    validate::finish(v, &validate::GlobalLvsDefaults::from_global(g), d);
}

pub use validate::{check_references, GlobalLvsDefaults};

/// `inet` or `inet6`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Family {
    /// IPv4.
    Inet,
    /// IPv6.
    Inet6,
}

impl Family {
    /// The family of `addr`.
    pub fn of(addr: &IpAddr) -> Family {
        if addr.is_ipv4() {
            Family::Inet
        } else {
            Family::Inet6
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::Inet => "inet",
            Family::Inet6 => "inet6",
        })
    }
}

/// How IPVS forwards packets to a real server (`lvs_method`, `-g`/`-m`/`-i` in ipvsadm).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "method", rename_all = "UPPERCASE"))]
pub enum Forwarding {
    /// Masquerading (`NAT`).
    Nat,
    /// Direct routing (`DR`).
    Dr,
    /// Tunnelling (`TUN`), with its encapsulation.
    Tun(Tunnel),
}

impl Forwarding {
    /// True for `TUN`: the only method that lets real servers differ in family from the
    /// virtual server (keepalived, with `IPVS_DEST_ATTR_ADDR_FAMILY`).
    pub fn is_tunnel(&self) -> bool {
        matches!(self, Forwarding::Tun(_))
    }
}

/// The tunnel options of `lvs_method TUN [type {ipip|gue port NUM|gre} [nocsum|csum|remcsum]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Tunnel {
    /// Encapsulation.
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub kind: TunnelType,
    /// Checksum handling (Linux 5.3+); `nocsum` unless set.
    pub checksum: TunnelChecksum,
}

/// Tunnel encapsulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum TunnelType {
    /// IP in IP (the default).
    Ipip,
    /// Generic UDP encapsulation to `port` (Linux 5.2+).
    Gue {
        /// Destination UDP port.
        port: u16,
    },
    /// GRE (Linux 5.3+).
    Gre,
}

/// Tunnel checksum option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum TunnelChecksum {
    /// No checksum (the default).
    Nocsum,
    /// Checksum.
    Csum,
    /// Remote checksum offload (not with `gre`).
    Remcsum,
}

/// Parse `lvs_method`'s arguments (shared by virtual, real and sorry servers). Each line
/// states the method in full: tunnel options start from their defaults (`ipip`, `nocsum`), as
/// in keepalived. `who` is `virtual`, `real` or `sorry`, for messages. `None` after an error:
/// keepalived then leaves the setting as it was.
pub(crate) fn parse_forwarding(node: &Node, who: &str, d: &mut Diagnostics) -> Option<Forwarding> {
    let word = need_arg(node, 0, d)?;
    let is_tun = match word.text.as_str() {
        "NAT" | "DR" => false,
        "TUN" => true,
        _ => {
            d.error_hint(
                &word.loc,
                format!("unknown [{}] routing method for {who} server", word.text),
                "expected NAT, DR or TUN",
            );
            return None;
        }
    };
    let mut tunnel = Tunnel {
        kind: TunnelType::Ipip,
        checksum: TunnelChecksum::Nocsum,
    };
    // keepalived checks the tunnel words even for NAT/DR; only TUN uses them.
    let mut kind_word = "ipip";
    let mut port: u16 = 0;
    let mut i = 1;
    while let Some(t) = node.args.get(i) {
        match t.text.as_str() {
            "type" => {
                let Some(k) = node.args.get(i + 1) else {
                    d.error(&t.loc, format!("missing tunnel type for {who} server"));
                    return None;
                };
                kind_word = match k.text.as_str() {
                    "ipip" => "ipip",
                    "gue" => "gue",
                    "gre" => "gre",
                    _ => {
                        d.error_hint(
                            &k.loc,
                            format!("unknown tunnel type {} for {who} server", k.text),
                            "expected ipip, gue or gre",
                        );
                        return None;
                    }
                };
                i += 2;
            }
            "port" => {
                let Some(p) = node.args.get(i + 1) else {
                    d.error(&t.loc, format!("missing port for {who} server gue tunnel"));
                    return None;
                };
                port = parse_uint(p, 1, 65535, d)? as u16;
                i += 2;
            }
            "nocsum" => {
                tunnel.checksum = TunnelChecksum::Nocsum;
                i += 1;
            }
            "csum" => {
                tunnel.checksum = TunnelChecksum::Csum;
                i += 1;
            }
            "remcsum" => {
                tunnel.checksum = TunnelChecksum::Remcsum;
                i += 1;
            }
            _ => {
                d.error(
                    &t.loc,
                    format!("invalid tunnel option {} for {who} server", t.text),
                );
                return None;
            }
        }
    }
    if (kind_word == "gue") != (port != 0) {
        d.error(
            &node.keyword.loc,
            "gue tunnels require port, otherwise cannot have port",
        );
        return None;
    }
    if kind_word == "ipip" && tunnel.checksum != TunnelChecksum::Nocsum {
        d.error(
            &node.keyword.loc,
            "ipip tunnels do not support checksum option",
        );
        return None;
    }
    if kind_word == "gre" && tunnel.checksum == TunnelChecksum::Remcsum {
        d.error(
            &node.keyword.loc,
            "gre tunnels do not support remote checksum option",
        );
        return None;
    }
    tunnel.kind = match kind_word {
        "gue" => TunnelType::Gue { port },
        "gre" => TunnelType::Gre,
        _ => TunnelType::Ipip,
    };
    Some(match word.text.as_str() {
        "NAT" => Forwarding::Nat,
        "DR" => Forwarding::Dr,
        _ if is_tun => Forwarding::Tun(tunnel),
        _ => unreachable!("checked above"),
    })
}

pub use crate::model::script::Script;

/// The value of a `keyword <STRING>` line whose string keepalived takes whole (`virtualhost`,
/// `persistence_engine`...): the first argument.
pub(crate) fn string_arg(node: &Node, d: &mut Diagnostics) -> Option<String> {
    need_arg(node, 0, d).map(|t: &Token| t.text.clone())
}
