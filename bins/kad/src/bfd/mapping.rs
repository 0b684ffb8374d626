//! `bfd_instance` (keepalived.conf(5) "BFD CONFIGURATION") → one `keepalive-bfd` session
//! (`keepalive_bfd::from_config`) plus what only the daemon needs: the TTL its socket sends
//! with and where its events go.

use keepalive_bfd::from_config::session_config;
use keepalive_bfd::SessionConfig;
use keepalive_confparse::model::bfd::{BfdInstance, BFD_CONTROL_HOPLIMIT};

/// One `bfd_instance` ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPlan {
    /// The instance's name: key across reloads, and the name trackers use.
    pub name: String,
    /// What the protocol core runs.
    pub config: SessionConfig,
    /// `ttl` / `hoplimit` the session's socket sends with.
    pub ttl: u8,
    /// `max_hops` as configured (255: no check), for the dump.
    pub max_hops: u8,
    /// `vrrp`: events go to the VRRP process.
    pub to_vrrp: bool,
    /// `checker`: events go to the checker process.
    pub to_checker: bool,
}

/// The TTL (hop limit) sent. keepalived's IPv6 default is 64, which RFC 5881 §5 forbids for
/// a single-hop session and which FRR's bfdd silently drops; kad sends 255 unless `hoplimit`
/// asks for another value than that default (a deliberate difference, listed in the README).
/// What is *accepted* stays keepalived's rule (at least `ttl - max_hops`, so 64 for IPv6 by
/// default), so a keepalived peer with its default settings still comes Up.
pub fn send_ttl(b: &BfdInstance) -> u8 {
    if b.neighbor_ip.is_ipv6() && !b.multihop && b.ttl == BFD_CONTROL_HOPLIMIT {
        255
    } else {
        b.ttl
    }
}

/// The session for `b`.
pub fn plan(b: &BfdInstance) -> SessionPlan {
    SessionPlan {
        name: b.name.clone(),
        config: session_config(b),
        ttl: send_ttl(b),
        max_hops: b.max_hops,
        to_vrrp: b.vrrp,
        to_checker: b.checker,
    }
}

/// Every `bfd_instance` of the configuration, in file order.
pub fn plans(bfds: &[BfdInstance]) -> Vec<SessionPlan> {
    bfds.iter().map(plan).collect()
}

/// The UDP port the peer listens on (RFC 5881 §4, RFC 5883 §5).
pub fn peer_port(multihop: bool) -> u16 {
    if multihop {
        4784
    } else {
        3784
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;
    use std::time::Duration;

    fn bfds(text: &str) -> Vec<BfdInstance> {
        let loaded = load_str("t.conf", text, &Options::default());
        assert!(!loaded.diagnostics.has_errors(), "{text}");
        loaded.config.bfd
    }

    #[test]
    fn keepalived_defaults() {
        let b = bfds("bfd_instance b1 {\n neighbor_ip 192.0.2.2\n}\n");
        let p = plan(&b[0]);
        assert_eq!(p.ttl, 255);
        assert_eq!(p.config.min_rx_ttl, 255);
        assert_eq!(p.config.desired_min_tx, Duration::from_millis(10));
        assert_eq!(p.config.required_min_rx, Duration::from_millis(10));
        assert_eq!(p.config.idle_tx, Duration::from_secs(1));
        assert_eq!(p.config.detect_mult, 5);
        assert!(p.to_vrrp && p.to_checker);
    }

    #[test]
    fn ipv6_single_hop_sends_255_unless_told_otherwise() {
        let b = bfds(
            "bfd_instance a {\n neighbor_ip 2001:db8::2\n}\n\
             bfd_instance b {\n neighbor_ip 2001:db8::3\n hoplimit 200\n max_hops 10\n}\n\
             bfd_instance c {\n neighbor_ip 2001:db8::4\n hoplimit 255\n max_hops 255\n min_rx 1.5\n checker\n}\n",
        );
        let (a, b, c) = (plan(&b[0]), plan(&b[1]), plan(&b[2]));
        assert_eq!((a.ttl, a.config.min_rx_ttl), (255, 64));
        assert_eq!((b.ttl, b.config.min_rx_ttl), (200, 190));
        assert_eq!(c.config.min_rx_ttl, 0);
        assert_eq!(c.config.required_min_rx, Duration::from_micros(1500));
        assert!(!c.to_vrrp && c.to_checker);
    }
}
