//! `SMTP_CHECK`: connect, read the 220 banner, `HELO`, `QUIT`.

use std::net::IpAddr;

use super::{conn_keyword, conn_ok, timing_keyword, Checker, CheckerKind, ConnOpts};
use crate::diag::Diagnostics;
use crate::model::values::{need_arg, need_block, no_block};
use crate::tree::Node;

/// keepalived's default `helo_name` (`SMTP_DEFAULT_HELO`).
pub const DEFAULT_HELO: &str = "smtpchecker.keepalived.org";

/// The settings of an `SMTP_CHECK`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SmtpCheck {
    /// `helo_name` (default `smtpchecker.keepalived.org`).
    pub helo_name: String,
}

const OWN: &[&str] = &["helo_name", "host"];

/// Parse an `SMTP_CHECK`. With the deprecated `host` blocks, keepalived queues one checker per
/// host, plus the block's own connection if any connection option is set there.
pub(super) fn parse(
    node: &Node,
    children: &[Node],
    rs_addr: IpAddr,
    d: &mut Diagnostics,
) -> Vec<Checker> {
    let mut helo = None;
    let mut c = Checker::new(
        CheckerKind::Smtp(SmtpCheck {
            helo_name: String::new(),
        }),
        true,
        node.keyword.loc.clone(),
    );
    let mut hosts: Vec<ConnOpts> = Vec::new();
    let mut host_loc = None;
    for n in children {
        // keepalived leaves SMTP_CHECK's own destination unset until the block ends.
        if c.common(n, None, d) {
            continue;
        }
        match n.name() {
            "helo_name" => {
                no_block(n, d);
                if let Some(t) = need_arg(n, 0, d) {
                    helo = Some(t.text.clone());
                }
            }
            "host" => {
                host_loc.get_or_insert_with(|| n.keyword.loc.clone());
                let Some(block) = need_block(n, d) else {
                    continue;
                };
                let mut conn = ConnOpts::default();
                for h in block {
                    // Timing keywords in a host block apply to the checker, as in keepalived.
                    if !conn_keyword(&mut conn, h, Some(rs_addr), d)
                        && !timing_keyword(&mut c.settings, h, d)
                    {
                        c.unknown(h, &[], d);
                    }
                }
                if conn_ok(&conn, rs_addr, &n.keyword.loc, d) {
                    hosts.push(conn);
                }
            }
            _ => c.unknown(n, OWN, d),
        }
    }
    c.kind = CheckerKind::Smtp(SmtpCheck {
        helo_name: helo.unwrap_or_else(|| DEFAULT_HELO.to_string()),
    });
    if let Some(loc) = host_loc {
        d.warning_hint(
            &loc,
            "the SMTP_CHECK host block is deprecated",
            "define one SMTP_CHECK per host instead",
        );
    }
    let own_conn_used = hosts.is_empty() || c.conn.as_ref().is_some_and(ConnOpts::is_set);
    let mut out = Vec::new();
    if own_conn_used {
        match c.clone().finish_conn(rs_addr, d) {
            Some(main) => out.push(main),
            None => return out,
        }
    }
    for h in hosts {
        let mut hc = c.clone();
        if h.connect_timeout.is_none() {
            // A host without its own timeout takes the block's, then the server's.
            let own = c.conn.as_ref().and_then(|o| o.connect_timeout);
            hc.conn = Some(ConnOpts {
                connect_timeout: own,
                ..h
            });
        } else {
            hc.conn = Some(h);
        }
        out.push(hc);
    }
    out
}
