//! Why a received packet was dropped ([`RxError`]) and why an advert could not be written
//! ([`EmitError`]).
//!
//! Each [`RxError`] variant is one distinct cause with enough context (VRID, version, the
//! offending value) to log it the way keepalived does, and maps to exactly one counter in
//! [`crate::stats::RxStats`].

use std::net::IpAddr;

use thiserror::Error;

/// A received VRRP packet failed a check of RFC 3768 §7.1 / RFC 5798 §7.1 or of keepalived's
/// `vrrp_check_packet`, in the order keepalived performs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RxError {
    /// Fewer bytes than the IPv4 header, the AH header and the fixed 8-byte VRRP header need
    /// (keepalived `vrrp_get_header`: "packet too short").
    #[error("packet too short: {len} bytes, need at least {need}")]
    Truncated {
        /// Bytes received.
        len: usize,
        /// Bytes the headers need.
        need: usize,
    },
    /// The IPv4 header's version nibble is not 4.
    #[error("IPv4 header has version {version}")]
    IpVersion {
        /// The version nibble received.
        version: u8,
    },
    /// The IPv4 header length (IHL) is below 5 words.
    #[error("IPv4 header length {ihl} words is below 5")]
    IpHeaderLen {
        /// The IHL nibble received.
        ihl: u8,
    },
    /// The IPv4 protocol is neither VRRP (112) nor AH (51).
    #[error("IPv4 protocol {protocol} is neither VRRP (112) nor AH (51)")]
    IpProtocol {
        /// The protocol received.
        protocol: u8,
    },
    /// The packet's address family is not the instance's.
    #[error("VRID {vrid}: packet from {src} is not of the instance's address family")]
    FamilyMismatch {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Source address of the packet.
        src: IpAddr,
    },
    /// The VRID is not the instance's (RFC 5798 §7.1: "MUST verify that the VRID is
    /// configured"; keepalived ignores it as an unknown VRID).
    #[error("VRID {vrid} (version {version}) is not the expected VRID {expected}")]
    VridMismatch {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Version nibble in the packet.
        version: u8,
        /// The instance's VRID.
        expected: u8,
    },
    /// An AH header came without AH being configured, or AH is configured and none came
    /// (keepalived: "Received AH header but auth type not AH" / "No AH header but auth type
    /// is AH"; counted as `authtype_mismatch`).
    #[error("VRID {vrid}: AH header {}present but AH authentication {}configured",
        if *ah_present { "" } else { "not " }, if *ah_present { "not " } else { "" })]
    AhPresenceMismatch {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Whether the packet carried an AH header.
        ah_present: bool,
    },
    /// The received length is not what the address count implies (RFC 5798 §7.1: "MUST verify
    /// that the received packet contains the complete VRRP packet"; keepalived also rejects
    /// trailing bytes).
    #[error("VRID {vrid} (version {version}): packet is {len} bytes, expected {expected}")]
    LengthMismatch {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Version nibble in the packet.
        version: u8,
        /// Bytes received.
        len: usize,
        /// Bytes implied by the headers and the address count.
        expected: usize,
    },
    /// A multicast advert's TTL / hop limit is not 255 (RFC 3768/5798 §7.1).
    #[error("VRID {vrid} (version {version}): TTL/hop limit {ttl}, expected 255")]
    TtlNot255 {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Version nibble in the packet.
        version: u8,
        /// TTL or hop limit received.
        ttl: u8,
    },
    /// The version nibble is not the instance's version.
    #[error("VRID {vrid}: version {version}, expected {expected}")]
    VersionMismatch {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Version nibble in the packet.
        version: u8,
        /// The instance's version.
        expected: u8,
    },
    /// VRRPv2 auth type is not 0, 1 or 2 (keepalived `invalid_authtype`).
    #[error("VRID {vrid}: invalid auth type {auth_type}")]
    InvalidAuthType {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Auth type received.
        auth_type: u8,
    },
    /// VRRPv2 auth type differs from the configured one (RFC 3768 §7.1; keepalived
    /// `authtype_mismatch`).
    #[error("VRID {vrid}: auth type {auth_type}, expected {expected}")]
    AuthTypeMismatch {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Auth type received.
        auth_type: u8,
        /// Configured auth type.
        expected: u8,
    },
    /// The PASS authentication data differs from `auth_pass` (keepalived `auth_failure`).
    #[error("VRID {vrid}: invalid password")]
    AuthPassMismatch {
        /// Virtual router id in the packet.
        vrid: u8,
    },
    /// The AH header protects another protocol; keepalived silently ignores such packets.
    #[error("VRID {vrid}: AH next header {next_header} is not VRRP")]
    AhNextHeader {
        /// Virtual router id at the VRRP offset.
        vrid: u8,
        /// Next header received.
        next_header: u8,
    },
    /// The AH HMAC-MD5-96 ICV does not match ("Due to fields mutation or bad password").
    #[error("VRID {vrid}: invalid IPSEC-AH HMAC-MD5-96 value")]
    AhIcvMismatch {
        /// Virtual router id in the packet.
        vrid: u8,
    },
    /// The AH SPI is not the IPv4 source address, which keepalived uses as SPI.
    #[error("VRID {vrid}: IPSEC-AH SPI {spi:#010x} is not the source address {src}")]
    AhSpiMismatch {
        /// Virtual router id in the packet.
        vrid: u8,
        /// SPI received.
        spi: u32,
        /// IPv4 source address.
        src: IpAddr,
    },
    /// The AH sequence number is not above the last one seen (anti-replay).
    #[error("VRID {vrid}: IPSEC-AH sequence number {seq} already processed (local {floor})")]
    AhReplay {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Sequence number received.
        seq: u32,
        /// The instance's sequence counter.
        floor: u32,
    },
    /// VRRPv2 advert interval differs from the configured one (RFC 3768 §7.1: "MUST verify
    /// that the Adver Interval in the packet is the same as the locally configured").
    #[error(
        "VRID {vrid}: advertisement interval mismatch mine={expected_secs} sec rcv'd={secs} sec"
    )]
    AdverIntMismatch {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Interval received, in seconds.
        secs: u8,
        /// Configured interval, in seconds (rounded down).
        expected_secs: u16,
    },
    /// The type nibble is not ADVERTISEMENT (1).
    #[error("VRID {vrid} (version {version}): packet type {msg_type}, expected 1")]
    InvalidType {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Version nibble in the packet.
        version: u8,
        /// Type nibble received.
        msg_type: u8,
    },
    /// The address count differs from the number of configured VIPs.
    #[error("VRID {vrid} (version {version}): {count} addresses, expected {expected}")]
    AddrCountMismatch {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Version nibble in the packet.
        version: u8,
        /// Address count received.
        count: u8,
        /// Configured VIP count.
        expected: usize,
    },
    /// The IPv4 total length differs from the bytes received.
    #[error("VRID {vrid} (version {version}): IPv4 total length {total_len}, received {len}")]
    IpTotalLength {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Version nibble in the packet.
        version: u8,
        /// IPv4 total length field.
        total_len: u16,
        /// Bytes received.
        len: usize,
    },
    /// The VRRP checksum is wrong.
    #[error(
        "VRID {vrid}: invalid VRRPv{version} checksum {received:#06x}, computed {computed:#06x}"
    )]
    Checksum {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Version nibble in the packet.
        version: u8,
        /// Checksum field received.
        received: u16,
        /// Checksum the field should hold.
        computed: u16,
    },
    /// A multicast packet reached a unicast instance or a unicast packet a multicast one.
    #[error("VRID {vrid} (version {version}): expected {} packet", if *expected_unicast { "unicast" } else { "multicast" })]
    CastMismatch {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Version nibble in the packet.
        version: u8,
        /// Whether the instance is in unicast mode.
        expected_unicast: bool,
    },
    /// A configured VIP is absent from the advert (RFC 5798 §7.1 "MAY verify that the IP
    /// address(es) associated with the VRID are valid").
    #[error("VRID {vrid} (version {version}): VIP {vip} not present in advert")]
    VipMissing {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Version nibble in the packet.
        version: u8,
        /// The first configured VIP not found.
        vip: IpAddr,
    },
    /// A unicast advert's source is not a configured `unicast_peer` (`check_unicast_src`).
    #[error("VRID {vrid} (version {version}): unicast source {src} is not a unicast peer")]
    UnicastSrcNotPeer {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Version nibble in the packet.
        version: u8,
        /// Source address of the packet.
        src: IpAddr,
    },
    /// A unicast advert's TTL / hop limit is outside the peer's `min_ttl`..=`max_ttl`.
    #[error("VRID {vrid} (version {version}): TTL/hop limit {ttl} not in range {min} - {max}")]
    TtlOutOfRange {
        /// Virtual router id in the packet.
        vrid: u8,
        /// Version nibble in the packet.
        version: u8,
        /// TTL or hop limit received.
        ttl: u8,
        /// The peer's `min_ttl`.
        min: u8,
        /// The peer's `max_ttl`.
        max: u8,
    },
}

impl RxError {
    /// The VRID the packet carried, when the headers were long enough to read it.
    #[must_use]
    pub fn vrid(&self) -> Option<u8> {
        match *self {
            RxError::Truncated { .. }
            | RxError::IpVersion { .. }
            | RxError::IpHeaderLen { .. }
            | RxError::IpProtocol { .. } => None,
            RxError::FamilyMismatch { vrid, .. }
            | RxError::VridMismatch { vrid, .. }
            | RxError::AhPresenceMismatch { vrid, .. }
            | RxError::LengthMismatch { vrid, .. }
            | RxError::TtlNot255 { vrid, .. }
            | RxError::VersionMismatch { vrid, .. }
            | RxError::InvalidAuthType { vrid, .. }
            | RxError::AuthTypeMismatch { vrid, .. }
            | RxError::AuthPassMismatch { vrid }
            | RxError::AhNextHeader { vrid, .. }
            | RxError::AhIcvMismatch { vrid }
            | RxError::AhSpiMismatch { vrid, .. }
            | RxError::AhReplay { vrid, .. }
            | RxError::AdverIntMismatch { vrid, .. }
            | RxError::InvalidType { vrid, .. }
            | RxError::AddrCountMismatch { vrid, .. }
            | RxError::IpTotalLength { vrid, .. }
            | RxError::Checksum { vrid, .. }
            | RxError::CastMismatch { vrid, .. }
            | RxError::VipMissing { vrid, .. }
            | RxError::UnicastSrcNotPeer { vrid, .. }
            | RxError::TtlOutOfRange { vrid, .. } => Some(vrid),
        }
    }

    /// Whether keepalived drops this packet silently as "not relevant to us"
    /// (`VRRP_PACKET_DROP` or an unknown VRID) rather than as an invalid packet
    /// (`VRRP_PACKET_KO`). The state machine treats both as "no advert received"; this only
    /// tells a logger how loud to be.
    #[must_use]
    pub fn is_silent_drop(&self) -> bool {
        matches!(
            self,
            RxError::VridMismatch { .. }
                | RxError::AhNextHeader { .. }
                | RxError::AdverIntMismatch { .. }
        )
    }
}

/// An advert could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The output buffer is shorter than the packet.
    #[error("buffer of {len} bytes is too short, need {need}")]
    BufferTooShort {
        /// Buffer length.
        len: usize,
        /// Bytes the packet needs.
        need: usize,
    },
    /// More than 255 addresses (the count field is 8 bits).
    #[error("{count} addresses exceed the 255 the count field holds")]
    TooManyAddrs {
        /// Number of addresses.
        count: usize,
    },
    /// The advert interval does not fit the version's field (v2: 1..=255 s; v3: 12 bits of
    /// centiseconds).
    #[error("advert interval {centis} cs does not fit a VRRPv{version} advert")]
    AdverIntRange {
        /// Version being written.
        version: u8,
        /// Interval in centiseconds.
        centis: u16,
    },
    /// The checksum's pseudo-header addresses are not of the advert's address family.
    #[error("checksum pseudo-header addresses are not of the advert's address family")]
    ChecksumFamily,
    /// Full IPv4 emission was asked for an IPv6 advert.
    #[error("an IPv4 packet cannot carry IPv6 addresses")]
    NotIpv4,
    /// AH was asked with IPv4 identification 0: the kernel would fill in its own ID after the
    /// ICV was computed, so the receiver's ICV check would fail (keepalived skips ID 0).
    #[error("IPSEC-AH needs a non-zero IPv4 identification")]
    AhZeroIdent,
}
