//! `no_accept` (and `vrrp_strict` without `accept`): a master that is not the address owner
//! must not accept traffic for its VIPs (RFC 5798 §6.4.3 "Accept_Mode"). keepalived built
//! with nftables (Debian's is) keeps a table `keepalived` in the `ip` and `ip6` families with
//! `in`/`out` filter chains (hook input/output, priority -1) dropping traffic to/from the
//! addresses of a `vips` set, and adds a VIP to the set while it is installed. kad keeps the
//! same table layout so `nft list table ip keepalived` reads the same, but drives it with
//! the `nft` tool instead of libnftnl.
//!
//! IPv6 neighbour discovery for the VIPs stays allowed (keepalived's `in_link_local` rules),
//! since the master must still answer neighbour solicitations.

use std::io::Write;
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// keepalived's default `nftables` table name.
pub const TABLE: &str = "keepalived";

/// The table, created on first use and deleted at exit.
#[derive(Debug, Default)]
pub struct NoAccept {
    created_v4: bool,
    created_v6: bool,
}

impl NoAccept {
    /// Starts dropping traffic for `addrs`.
    pub fn add(&mut self, addrs: &[IpAddr]) {
        let mut script = String::new();
        for a in addrs {
            let fam = self.ensure(&mut script, a.is_ipv6());
            script.push_str(&format!("add element {fam} {TABLE} vips {{ {a} }}\n"));
        }
        run(&script);
    }

    /// Stops dropping traffic for `addrs`.
    pub fn del(&mut self, addrs: &[IpAddr]) {
        let mut script = String::new();
        for a in addrs {
            let created = if a.is_ipv6() {
                self.created_v6
            } else {
                self.created_v4
            };
            if created {
                let fam = if a.is_ipv6() { "ip6" } else { "ip" };
                script.push_str(&format!("delete element {fam} {TABLE} vips {{ {a} }}\n"));
            }
        }
        run(&script);
    }

    /// Removes the tables (at exit).
    pub fn remove(&mut self) {
        let mut script = String::new();
        if std::mem::take(&mut self.created_v4) {
            script.push_str(&format!("delete table ip {TABLE}\n"));
        }
        if std::mem::take(&mut self.created_v6) {
            script.push_str(&format!("delete table ip6 {TABLE}\n"));
        }
        run(&script);
    }

    fn ensure(&mut self, script: &mut String, v6: bool) -> &'static str {
        let (fam, created, addr_type) = if v6 {
            ("ip6", &mut self.created_v6, "ipv6_addr")
        } else {
            ("ip", &mut self.created_v4, "ipv4_addr")
        };
        if !*created {
            *created = true;
            script.push_str(&format!(
                "add table {fam} {TABLE}\n\
                 add set {fam} {TABLE} vips {{ type {addr_type}; }}\n\
                 add chain {fam} {TABLE} in {{ type filter hook input priority -1; policy accept; }}\n\
                 add chain {fam} {TABLE} out {{ type filter hook output priority -1; policy accept; }}\n"
            ));
            if v6 {
                script.push_str(&format!(
                    "add rule ip6 {TABLE} in icmpv6 type {{ nd-neighbor-solicit, nd-neighbor-advert }} accept\n\
                     add rule ip6 {TABLE} out icmpv6 type {{ nd-neighbor-solicit, nd-neighbor-advert }} accept\n"
                ));
            }
            script.push_str(&format!(
                "add rule {fam} {TABLE} in {fam} daddr @vips drop\n\
                 add rule {fam} {TABLE} out {fam} saddr @vips drop\n"
            ));
        }
        fam
    }
}

/// Runs an `nft -f -` script, waiting at most two seconds (nft normally takes a few
/// milliseconds; this happens only on a master transition of a `no_accept` instance).
fn run(script: &str) {
    if script.is_empty() {
        return;
    }
    let child = Command::new("nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            log_err!("no_accept: cannot run nft: {e}");
            return;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(script.as_bytes());
    }
    let until = Instant::now() + Duration::from_secs(2);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                if !status.success() {
                    let mut err = String::new();
                    if let Some(mut e) = child.stderr.take() {
                        let _ = std::io::Read::read_to_string(&mut e, &mut err);
                    }
                    log_err!("no_accept: nft failed: {}", err.trim());
                }
                return;
            }
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(2)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                log_err!("no_accept: nft did not finish within 2 s");
                return;
            }
        }
    }
}
