//! From `keepalived.conf` (as [`keepalive_confparse`] types it) to a [`SessionConfig`]: one
//! `bfd_instance` block, one session (keepalived.conf(5) "BFD CONFIGURATION").
//!
//! - `neighbor_ip`, `source_ip`, `min_rx`, `min_tx`, `idle_tx`, `multiplier`, `passive` and
//!   `multihop` map one to one;
//! - `ttl`/`hoplimit` and `max_hops` become the minimum received TTL: keepalived accepts a
//!   packet whose TTL is at least `ttl − max_hops`, and `max_hops 255` turns the check off.
//!   The outgoing TTL itself is the caller's (its socket option);
//! - `weight`, `vrrp` and `checker` concern the trackers, not the session.

use std::time::Duration;

use keepalive_confparse::model::bfd::{BfdInstance, BFD_CONTROL_TTL};

use crate::config::SessionConfig;

/// `max_hops` value that disables the received-TTL check.
pub const MAX_HOPS_NO_CHECK: u8 = 255;

/// The session a `bfd_instance` describes.
#[must_use]
pub fn session_config(b: &BfdInstance) -> SessionConfig {
    let mut c = SessionConfig::new(b.neighbor_ip);
    c.local = b.source_ip;
    c.required_min_rx = Duration::from_micros(b.min_rx.0);
    c.desired_min_tx = Duration::from_micros(b.min_tx.0);
    c.idle_tx = Duration::from_micros(b.idle_tx.0);
    c.detect_mult = b.multiplier;
    c.passive = b.passive;
    c.multihop = b.multihop;
    c.min_rx_ttl = min_rx_ttl(b.ttl, b.max_hops);
    c
}

/// keepalived's rule: accept a received TTL ≥ `ttl − max_hops`; `max_hops` 255 accepts
/// any; an unset `ttl` (0) is the single-hop 255.
#[must_use]
pub fn min_rx_ttl(ttl: u8, max_hops: u8) -> u8 {
    if max_hops == MAX_HOPS_NO_CHECK {
        return 0;
    }
    let ttl = if ttl == 0 { BFD_CONTROL_TTL } else { ttl };
    ttl.saturating_sub(max_hops)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_rule() {
        assert_eq!(min_rx_ttl(255, 0), 255);
        assert_eq!(min_rx_ttl(0, 0), 255);
        assert_eq!(min_rx_ttl(64, 0), 64);
        assert_eq!(min_rx_ttl(255, 5), 250);
        assert_eq!(min_rx_ttl(255, 255), 0);
        assert_eq!(min_rx_ttl(3, 5), 0);
    }
}
