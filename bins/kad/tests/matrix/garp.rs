//! Gratuitous ARP and unsolicited Neighbour Advertisements on becoming master, with
//! keepalived 2.2.7 as the oracle: the same configuration (`garp_master_delay`,
//! `garp_master_repeat`, `garp_master_refresh`, `garp_master_refresh_repeat`) run by each,
//! alone on a LAN, must put the same frames on the wire — same contents, and the same bursts
//! (how many frames, and when, relative to the first).

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::Duration;

use crate::e2e::capture::{self, Capture};
use crate::e2e::netns::{Lan, DEV};
use crate::e2e::router::{config, Instance, Kind, Router};

use super::wire;

/// How long after MASTER the capture runs: the first burst, the delayed one at
/// `garp_master_delay` (2 s) and two refreshes (every 3 s).
const WINDOW: Duration = Duration::from_secs(8);

const FIELDS: [&str; 14] = [
    "frame.time_epoch",
    "eth.src",
    "eth.dst",
    "arp.opcode",
    "arp.src.hw_mac",
    "arp.src.proto_ipv4",
    "arp.dst.hw_mac",
    "arp.dst.proto_ipv4",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.hlim",
    "icmpv6.nd.na.flag",
    "icmpv6.nd.na.target_address",
    "icmpv6.opt.linkaddr",
];

/// The `vrrp_instance` blocks: VRRPv2 with two IPv4 VIPs, VRRPv3 with an IPv6 VIP.
fn instances(vmac: bool) -> Vec<Instance> {
    let garp = "  garp_master_delay 2\n  garp_master_repeat 3\n  garp_master_refresh 3\n  \
                garp_master_refresh_repeat 2\n";
    let mut v4 = Instance::new(61, 150, "192.0.2.100/32").master();
    v4.vips.push("192.0.2.101/32".to_owned());
    let mut v6 = Instance::new(62, 150, "2001:db8::100/64")
        .master()
        .version(3);
    for i in [&mut v4, &mut v6] {
        i.use_vmac = vmac;
        i.extra.push_str(garp);
    }
    vec![v4, v6]
}

/// What `kind` sends: one line per frame, with the interface's MAC and link-local address
/// written as `IFMAC` / `LL`, grouped in bursts (`+T s:` lines, T the burst's start after the
/// first frame, to the half second).
pub fn frames(kind: Kind, vmac: bool) -> Result<String, String> {
    let lan = Lan::new(1).ok_or("cannot create namespaces")?;
    let h = lan.host(1);
    let dir = std::env::temp_dir().join(format!("{}-garp", h.name()));
    let cap = Capture::start(&h.ns, DEV, "arp or icmp6", &dir, "garp");
    let r = Router::start(kind, h, &config("G", "", &instances(vmac)));
    for vrid in [61, 62] {
        if !r.wait_log(0, &format!("(VI_{vrid}) Entering MASTER STATE"), WINDOW * 2) {
            return Err(format!("VI_{vrid} never MASTER\n{}", r.describe()));
        }
    }
    std::thread::sleep(WINDOW);
    let ifmac = wire::mac(h);
    let lls: Vec<String> = wire::kad_sources(h)
        .into_iter()
        .filter(|a| matches!(a, IpAddr::V6(v) if v.segments()[0] == 0xfe80))
        .map(|a| a.to_string())
        .collect();
    drop(r);
    let pcap = cap.stop();
    let rows = capture::fields(&pcap, "arp || icmpv6.type == 136", &FIELDS);
    let _ = std::fs::remove_dir_all(&dir);
    let Some(t0) = rows.first().and_then(|r| r[0].parse::<f64>().ok()) else {
        return Ok(String::new());
    };
    let mut bursts: Vec<(f64, Vec<String>)> = Vec::new();
    let mut last = f64::NEG_INFINITY;
    for r in &rows {
        let t: f64 = r[0].parse().unwrap_or(t0);
        if t - last > 0.5 {
            bursts.push((((t - t0) * 2.0).round() / 2.0, Vec::new()));
        }
        last = t;
        let line: Vec<String> = r[1..]
            .iter()
            .map(|f| {
                if *f == ifmac {
                    "IFMAC".to_owned()
                } else if lls.contains(f) {
                    "LL".to_owned()
                } else {
                    f.clone()
                }
            })
            .collect();
        if let Some((_, lines)) = bursts.last_mut() {
            lines.push(line.join("|"));
        }
    }
    let mut out = String::new();
    for (at, mut lines) in bursts {
        // Within a burst the order of VIPs is the implementation's own business.
        lines.sort();
        let _ = writeln!(out, "+{at:.1} s:");
        for l in lines {
            let _ = writeln!(out, "  {l}");
        }
    }
    Ok(out)
}
