//! What a cell's capture must show: Wireshark finds nothing malformed in either router's
//! adverts, and kad's own adverts are what no peer would check but the RFCs and keepalived
//! fix — source MAC (the VMAC for multicast with `use_vmac`, else the interface's, as
//! keepalived) and destination MAC, TTL / hop limit 255 (RFC 3768 §5.2.3, RFC 5798 §5.1.1.3),
//! an IPv6 link-local source (RFC 5798 §5.1.2.1), a good checksum (for v3 over the
//! pseudo-header, RFC 5798 §5.2.8; Wireshark's default), the interval in seconds (v2) or
//! centiseconds (v3, RFC 5798 §5.2.7), the authentication asked for, and a priority-0 advert
//! when a master kad is stopped (RFC 5798 §6.4.3).

use std::net::IpAddr;
use std::path::Path;

use crate::e2e::capture;
use crate::e2e::netns::{must, Host, DEV};

use super::cell::{Auth, Cell};

/// Capture filter for a cell: VRRP, and AH (which carries VRRPv2 with `auth_type AH`).
pub const FILTER: &str = "ip proto 112 or ip6 proto 112 or ip proto 51";

/// kad's addresses as its adverts' source can be: its IPv4 address, its global IPv6 address
/// (unicast) and every link-local address in its namespace (eth0's, the VMAC interface's).
pub fn kad_sources(kad: &Host) -> Vec<IpAddr> {
    let mut out = vec![IpAddr::V4(kad.v4()), IpAddr::V6(kad.v6())];
    let text = must(
        kad.ns
            .ip()
            .args(["-6", "-o", "addr", "show", "scope", "link"]),
    );
    for l in text.lines() {
        if let Some(a) = l
            .split_whitespace()
            .skip_while(|w| *w != "inet6")
            .nth(1)
            .and_then(|a| a.split('/').next())
            .and_then(|a| a.parse().ok())
        {
            out.push(a);
        }
    }
    out
}

/// The MAC address of `eth0` on `host`.
pub fn mac(host: &Host) -> String {
    let out = must(host.ns.ip().args(["-o", "link", "show", DEV]));
    out.split_whitespace()
        .skip_while(|w| *w != "link/ether")
        .nth(1)
        .expect("MAC")
        .to_owned()
}

const FIELDS: [&str; 14] = [
    "eth.src",
    "eth.dst",
    "ip.src",
    "ipv6.src",
    "ip.ttl",
    "ipv6.hlim",
    "vrrp.version",
    "vrrp.prio",
    "vrrp.checksum.status",
    "vrrp.adver_int",
    "vrrp.short_adver_int",
    "vrrp.auth_type",
    "ah.spi",
    "vrrp.virt_rtr_id",
];

/// Checks `pcap` (taken on kad's host) for `cell`; returns every problem found.
pub fn check(
    pcap: &Path,
    cell: &Cell,
    vrid: u8,
    kad_sources: &[IpAddr],
    kad_mac: &str,
) -> Vec<String> {
    let mut bad = Vec::new();
    let malformed = capture::fields(
        pcap,
        "(vrrp || ah) && _ws.malformed",
        &["frame.number", "_ws.expert.message"],
    );
    if !malformed.is_empty() {
        bad.push(format!(
            "Wireshark finds {} malformed frames: {malformed:?}\n{}",
            malformed.len(),
            capture::verbose(pcap, "(vrrp || ah) && _ws.malformed")
        ));
    }
    let rows = capture::fields(pcap, "vrrp", &FIELDS);
    let col = |r: &Vec<String>, f: &str| {
        let i = FIELDS.iter().position(|x| *x == f).expect("field");
        r.get(i).cloned().unwrap_or_default()
    };
    let is_kad = |r: &Vec<String>| {
        let src = if cell.v6 {
            col(r, "ipv6.src")
        } else {
            col(r, "ip.src")
        };
        src.parse::<IpAddr>()
            .is_ok_and(|a| kad_sources.contains(&a))
    };
    let (kad, peer): (Vec<&Vec<String>>, Vec<&Vec<String>>) = rows.iter().partition(|r| is_kad(r));
    if kad.len() < 3 || peer.len() < 3 {
        bad.push(format!(
            "too few adverts captured: {} of kad's, {} of the peer's",
            kad.len(),
            peer.len()
        ));
    }
    let warned = capture::fields(
        pcap,
        "vrrp && _ws.expert.severity >= 0x00600000",
        &["ip.src", "ipv6.src", "_ws.expert.message"],
    );
    for w in &warned {
        let src = if cell.v6 { &w[1] } else { &w[0] };
        if src
            .parse::<IpAddr>()
            .is_ok_and(|a| kad_sources.contains(&a))
        {
            bad.push(format!("Wireshark warns about kad's advert: {w:?}"));
        }
    }
    let vmac = format!("00:00:5e:00:{:02x}:{vrid:02x}", if cell.v6 { 2 } else { 1 });
    // keepalived sends multicast adverts out of the VMAC interface, unicast ones out of the
    // base interface (the kernel routes them), VMAC or not.
    let want_src_mac = if cell.vmac && !cell.unicast {
        vmac.as_str()
    } else {
        kad_mac
    };
    let group_mac = if cell.v6 {
        "33:33:00:00:00:12"
    } else {
        "01:00:5e:00:00:12"
    };
    let mut zero = 0;
    for r in &kad {
        let mut why = Vec::new();
        if col(r, "vrrp.virt_rtr_id") != vrid.to_string() {
            why.push("VRID");
        }
        if col(r, "eth.src") != want_src_mac {
            why.push("source MAC");
        }
        if !cell.unicast && col(r, "eth.dst") != group_mac {
            why.push("destination MAC");
        }
        let hop = if cell.v6 {
            col(r, "ipv6.hlim")
        } else {
            col(r, "ip.ttl")
        };
        if hop != "255" {
            why.push("TTL / hop limit");
        }
        if cell.v6 && !cell.unicast && !col(r, "ipv6.src").starts_with("fe80:") {
            why.push("IPv6 source not link-local");
        }
        if col(r, "vrrp.version") != cell.version.to_string() {
            why.push("version");
        }
        if col(r, "vrrp.checksum.status") != "1" {
            why.push("checksum");
        }
        let interval_ok = if cell.version == 3 {
            col(r, "vrrp.short_adver_int") == "100"
        } else {
            col(r, "vrrp.adver_int") == "1"
        };
        if !interval_ok {
            why.push("advert interval");
        }
        let auth_ok = match cell.auth {
            Auth::None => cell.version == 3 || col(r, "vrrp.auth_type") == "0",
            Auth::Pass => col(r, "vrrp.auth_type") == "1",
            Auth::Ah => !col(r, "ah.spi").is_empty(),
        };
        if !auth_ok {
            why.push("authentication");
        }
        if col(r, "vrrp.prio") == "0" {
            zero += 1;
        }
        if !why.is_empty() {
            bad.push(format!(
                "kad's advert: wrong {why:?} (want source MAC {want_src_mac}): {r:?}"
            ));
        }
    }
    if cell.kad_master && zero == 0 {
        bad.push("no priority-0 advert from kad when it was stopped as master".to_owned());
    }
    bad.truncate(12);
    bad
}

/// Seconds from the last priority-0 advert (the stopped master's) to the first advert after
/// it from the other router: the backup's takeover as the wire shows it, which RFC 5798
/// §6.4.2 puts at Skew_Time (0.41 s at priority 100).
pub fn takeover_after_zero(pcap: &Path, cell: &Cell, kad_sources: &[IpAddr]) -> Option<f64> {
    let src = if cell.v6 { "ipv6.src" } else { "ip.src" };
    let rows = capture::fields(pcap, "vrrp", &["frame.time_epoch", src, "vrrp.prio"]);
    let from_kad = |r: &Vec<String>| {
        r[1].parse::<IpAddr>()
            .is_ok_and(|a| kad_sources.contains(&a))
    };
    let zero = rows.iter().rposition(|r| r[2] == "0")?;
    let stopped_kad = from_kad(&rows[zero]);
    let t0: f64 = rows[zero][0].parse().ok()?;
    rows[zero..]
        .iter()
        .find(|r| from_kad(r) != stopped_kad)
        .and_then(|r| r[0].parse::<f64>().ok())
        .map(|t| t - t0)
}
