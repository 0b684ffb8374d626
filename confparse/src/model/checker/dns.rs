//! `DNS_CHECK`: send a query over UDP and expect an answer.

use std::net::IpAddr;

use super::{Checker, CheckerKind};
use crate::diag::Diagnostics;
use crate::model::values::{need_arg, no_block};
use crate::tree::Node;

/// The settings of a `DNS_CHECK`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DnsCheck {
    /// `type` (default SOA). Serialized as `query_type`: `type` names the checker.
    #[cfg_attr(feature = "serde", serde(rename = "query_type"))]
    pub qtype: DnsType,
    /// `name` (default `.`, the root).
    pub name: String,
}

/// A DNS query type keepalived can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "UPPERCASE"))]
pub enum DnsType {
    /// 1.
    A,
    /// 2.
    Ns,
    /// 5.
    Cname,
    /// 6.
    Soa,
    /// 15.
    Mx,
    /// 16.
    Txt,
    /// 28.
    Aaaa,
    /// 46.
    Rrsig,
    /// 48.
    Dnskey,
}

impl DnsType {
    /// The QTYPE code (RFC 1035 §3.2.2, RFC 3596, RFC 4034).
    pub fn code(self) -> u16 {
        match self {
            DnsType::A => 1,
            DnsType::Ns => 2,
            DnsType::Cname => 5,
            DnsType::Soa => 6,
            DnsType::Mx => 15,
            DnsType::Txt => 16,
            DnsType::Aaaa => 28,
            DnsType::Rrsig => 46,
            DnsType::Dnskey => 48,
        }
    }
}

const TYPES: &[(&str, DnsType)] = &[
    ("A", DnsType::A),
    ("NS", DnsType::Ns),
    ("CNAME", DnsType::Cname),
    ("SOA", DnsType::Soa),
    ("MX", DnsType::Mx),
    ("TXT", DnsType::Txt),
    ("AAAA", DnsType::Aaaa),
    ("RRSIG", DnsType::Rrsig),
    ("DNSKEY", DnsType::Dnskey),
];

const OWN: &[&str] = &["type", "name"];

pub(super) fn parse(
    node: &Node,
    children: &[Node],
    rs_addr: IpAddr,
    d: &mut Diagnostics,
) -> Option<Checker> {
    let mut qtype = DnsType::Soa;
    let mut name: Option<String> = None;
    let mut c = Checker::new(
        CheckerKind::Dns(DnsCheck {
            qtype,
            name: String::new(),
        }),
        true,
        node.keyword.loc.clone(),
    );
    for n in children {
        if c.common(n, Some(rs_addr), d) {
            continue;
        }
        no_block(n, d);
        match n.name() {
            "type" => {
                let Some(t) = need_arg(n, 0, d) else { continue };
                match TYPES.iter().find(|(s, _)| s.eq_ignore_ascii_case(&t.text)) {
                    Some((_, ty)) => qtype = *ty,
                    None => d.error_hint(
                        &t.loc,
                        format!("unknown DNS check type {} - ignoring", t.text),
                        "expected A, NS, CNAME, SOA, MX, TXT, AAAA, RRSIG or DNSKEY",
                    ),
                }
            }
            "name" => {
                let Some(t) = need_arg(n, 0, d) else { continue };
                if name.is_some() {
                    d.error(&t.loc, "DNS_CHECK name already specified - ignoring");
                } else if has_empty_label(&t.text) {
                    d.error_hint(
                        &t.loc,
                        format!("DNS_CHECK name '{}' has empty label - ignoring", t.text),
                        "keepalived also refuses a one-character first label",
                    );
                } else {
                    name = Some(t.text.clone());
                }
            }
            _ => c.unknown(n, OWN, d),
        }
    }
    c.kind = CheckerKind::Dns(DnsCheck {
        qtype,
        name: name.unwrap_or_else(|| ".".to_string()),
    });
    c.finish_conn(rs_addr, d)
}

/// keepalived's empty-label test: a leading `.` in anything but the root name, two dots in a
/// row, or — a quirk of its loop that kad keeps so that `-t` verdicts agree — a dot as the
/// second character (`a.example.com` is refused by keepalived 2.2.7).
fn has_empty_label(name: &str) -> bool {
    let b = name.as_bytes();
    (b.first() == Some(&b'.') && b.len() > 1) || b.get(1) == Some(&b'.') || name.contains("..")
}
