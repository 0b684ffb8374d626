//! A session's configuration ([`SessionConfig`], keepalived's `bfd_instance`) and what a
//! received packet came with ([`RxMeta`]).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::auth::AuthConfig;
use crate::packet::{PORT_MULTIHOP, PORT_SINGLE_HOP, SINGLE_HOP_TTL};

/// The least DesiredMinTxInterval while a session is not Up (RFC 5880 §6.8.3: "not less
/// than one second").
pub const MIN_IDLE_TX: Duration = Duration::from_secs(1);

/// One session's configuration: a `bfd_instance` in keepalived.conf, or an appliance's own.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionConfig {
    /// `neighbor_ip`: the peer.
    pub peer: IpAddr,
    /// `source_ip`: the local address, also used to demultiplex packets whose Your
    /// Discriminator is zero.
    pub local: Option<IpAddr>,
    /// `min_tx`: DesiredMinTxInterval while Up.
    pub desired_min_tx: Duration,
    /// `min_rx`: RequiredMinRxInterval. Zero asks the peer to send nothing (§6.8.1).
    pub required_min_rx: Duration,
    /// `idle_tx`: DesiredMinTxInterval while not Up; raised to one second if lower
    /// (RFC 5880 §6.8.3).
    pub idle_tx: Duration,
    /// `multiplier`: Detect Mult (1..=255; 0 is sent as 1).
    pub detect_mult: u8,
    /// `passive`: send nothing until the peer's discriminator is known (§6.1).
    pub passive: bool,
    /// `multihop`: an RFC 5883 session on port 4784.
    pub multihop: bool,
    /// Received TTL / hop limit must be at least this (RFC 5881 §5: 255 for single hop;
    /// keepalived: `ttl − max_hops`); 0 turns the check off.
    pub min_rx_ttl: u8,
    /// Authentication (RFC 5880 §6.7), library only: keepalived.conf has no keyword.
    pub auth: Option<AuthConfig>,
}

impl SessionConfig {
    /// A single-hop session to `peer` with keepalived's defaults: `min_tx` and `min_rx`
    /// 10 ms, `idle_tx` 1 s, `multiplier` 5, active, minimum received TTL 255.
    #[must_use]
    pub fn new(peer: IpAddr) -> Self {
        Self {
            peer,
            local: None,
            desired_min_tx: Duration::from_millis(10),
            required_min_rx: Duration::from_millis(10),
            idle_tx: Duration::from_secs(1),
            detect_mult: 5,
            passive: false,
            multihop: false,
            min_rx_ttl: SINGLE_HOP_TTL,
            auth: None,
        }
    }

    /// The UDP destination port: 3784, or 4784 for multihop.
    #[must_use]
    pub fn port(&self) -> u16 {
        if self.multihop {
            PORT_MULTIHOP
        } else {
            PORT_SINGLE_HOP
        }
    }

    /// Where packets go.
    #[must_use]
    pub fn dst(&self) -> SocketAddr {
        SocketAddr::new(self.peer, self.port())
    }

    /// DesiredMinTxInterval while not Up: `idle_tx`, at least one second.
    #[must_use]
    pub fn effective_idle_tx(&self) -> Duration {
        self.idle_tx.max(MIN_IDLE_TX)
    }

    /// Detect Mult as sent: 0 is not allowed on the wire (§6.8.6), so it becomes 1.
    #[must_use]
    pub fn effective_detect_mult(&self) -> u8 {
        self.detect_mult.max(1)
    }
}

/// What a received packet came with, from the socket's ancillary data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RxMeta {
    /// Source address.
    pub src: IpAddr,
    /// Destination address (`IP_PKTINFO` / `IPV6_PKTINFO`).
    pub dst: IpAddr,
    /// Interface index it arrived on.
    pub ifindex: u32,
    /// TTL or hop limit (`IP_RECVTTL` / `IPV6_RECVHOPLIMIT`).
    pub ttl: u8,
    /// Whether it came to the multihop port 4784.
    pub multihop: bool,
}

impl RxMeta {
    /// The metadata of one received packet.
    #[must_use]
    pub fn new(src: IpAddr, dst: IpAddr, ifindex: u32, ttl: u8, multihop: bool) -> Self {
        Self {
            src,
            dst,
            ifindex,
            ttl,
            multihop,
        }
    }
}
