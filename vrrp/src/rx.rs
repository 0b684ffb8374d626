//! Receive validation: bytes as a raw socket delivers them, plus receive metadata, checked
//! against one instance's expectations ([`RxCheck`]), giving a borrowed [`Advert`] or the
//! [`RxError`] that says why the packet was dropped.
//!
//! The checks and their order follow keepalived's `vrrp_check_packet` (itself RFC 3768 §7.1 and
//! RFC 5798 §7.1), so the same packet is dropped for the same reason and counted in the same
//! counter:
//!
//! 1. IPv4 header sanity (version 4, IHL ≥ 5, protocol VRRP or AH) and enough bytes for the
//!    IPv4, AH and fixed VRRP headers;
//! 2. address family and VRID (the receive demultiplexing keepalived does before the check);
//! 3. AH header present if and only if AH is configured;
//! 4. exact length: headers + address count × address size (+ 8 auth octets for v2/IPv4);
//! 5. TTL / hop limit 255, unless the instance is unicast;
//! 6. version;
//! 7. v2 only: auth type known, equal to the configured one, PASS data or AH ICV, SPI and
//!    sequence number; advert interval equal to the configured one;
//! 8. type ADVERTISEMENT;
//! 9. address count equal to the VIP count (when addresses are checked);
//! 10. IPv4 total length equal to the bytes received;
//! 11. checksum (v2 plain; v3 with pseudo-header, `v3_checksum_as_v2`, `old_unicast_checksum`);
//! 12. multicast destination if and only if the instance is not unicast;
//! 13. every VIP present, then (unicast with `check_unicast_src`) the source is a peer and the
//!     TTL is within that peer's `min_ttl`..=`max_ttl` — only when addresses are checked, as in
//!     keepalived.
//!
//! Nothing here allocates or panics, whatever the input.

use std::net::{IpAddr, Ipv4Addr};

use crate::auth::{self, Auth, AuthType, AH_LEN, IPPROTO_AH};
use crate::error::RxError;
use crate::ip::{Ipv4Header, IPPROTO_VRRP, IPV4_HEADER_LEN, VRRP_MCAST_V4};
use crate::packet::{
    AddrIter, AdverInt, AdvertRepr, Family, TxChecksum, Version, VipList, VrrpPacket, HEADER_LEN,
    TYPE_ADVERTISEMENT, VRRP_TTL,
};

/// What the socket layer knows about a received packet beyond its bytes.
///
/// For IPv4 the source, destination and TTL are read from the IPv4 header in the bytes and
/// these fields are not consulted. For IPv6 they come from `recvmsg`: `src` from the sender
/// address, `dst` from `IPV6_PKTINFO`, the hop limit from `IPV6_HOPLIMIT`; a `None` skips the
/// checks that need it, as keepalived does when the ancillary data is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxMeta {
    /// Sender address.
    pub src: IpAddr,
    /// Destination address, when known.
    pub dst: Option<IpAddr>,
    /// Hop limit (IPv6), when known.
    pub ttl_or_hop_limit: Option<u8>,
    /// Receiving interface index (not checked here; for the caller's demultiplexing).
    pub ifindex: u32,
}

/// A configured `unicast_peer` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnicastPeer {
    /// The peer's address.
    pub addr: IpAddr,
    /// `min_ttl` (default 0).
    pub min_ttl: u8,
    /// `max_ttl` (default 255).
    pub max_ttl: u8,
}

impl UnicastPeer {
    /// A peer with the whole TTL range allowed.
    #[must_use]
    pub const fn new(addr: IpAddr) -> UnicastPeer {
        UnicastPeer {
            addr,
            min_ttl: 0,
            max_ttl: 255,
        }
    }
}

/// keepalived's `old_unicast_checksum` setting for VRRPv3 over IPv4 in unicast mode.
///
/// keepalived ≤ 1.3.6 computed the unicast v3 checksum with the multicast group as pseudo-header
/// destination instead of the unicast address actually in the IPv4 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OldUnicastChecksum {
    /// Default: send the correct checksum; accept an old-style one on receipt and report it
    /// as [`ChecksumKind::PseudoMcastDst`], after which keepalived switches the instance to
    /// old-style (`Always`) for good.
    #[default]
    Detect,
    /// `old_unicast_checksum never`: the correct checksum only, no detection.
    Never,
    /// `old_unicast_checksum` (or detected): send and expect the old-style checksum.
    Always,
}

/// How an instance computes VRRPv3 checksums over IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ChecksumPolicy {
    /// `v3_checksum_as_v2`: no pseudo-header for VRRPv3 over IPv4 (both directions).
    pub v3_as_v2: bool,
    /// `old_unicast_checksum`.
    pub old_unicast: OldUnicastChecksum,
    /// `vrrp_mcast_group4`, the pseudo-header destination of old-style checksums.
    pub mcast_group4: Ipv4Addr,
}

impl Default for ChecksumPolicy {
    fn default() -> ChecksumPolicy {
        ChecksumPolicy {
            v3_as_v2: false,
            old_unicast: OldUnicastChecksum::Detect,
            mcast_group4: VRRP_MCAST_V4,
        }
    }
}

impl ChecksumPolicy {
    /// The checksum mode for an advert sent from `src` to `dst`.
    ///
    /// IPv6 always gets the pseudo-header sum (the kernel recomputes it anyway when
    /// `IPV6_CHECKSUM` is set); IPv4 v2 is plain; IPv4 v3 follows the policy.
    #[must_use]
    pub fn tx_checksum(&self, version: Version, src: IpAddr, dst: IpAddr) -> TxChecksum {
        match (src, version) {
            (IpAddr::V6(_), _) => TxChecksum::Pseudo { src, dst },
            (IpAddr::V4(_), Version::V2) => TxChecksum::Plain,
            (IpAddr::V4(_), Version::V3) if self.v3_as_v2 => TxChecksum::Plain,
            (IpAddr::V4(_), Version::V3) if self.old_unicast == OldUnicastChecksum::Always => {
                TxChecksum::Pseudo {
                    src,
                    dst: IpAddr::V4(self.mcast_group4),
                }
            }
            (IpAddr::V4(_), Version::V3) => TxChecksum::Pseudo { src, dst },
        }
    }
}

/// How a received advert's checksum was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumKind {
    /// Over the message alone (v2, or v3 under `v3_checksum_as_v2`).
    Plain,
    /// With the pseudo-header of the packet's own addresses.
    Pseudo,
    /// With the multicast group as pseudo-header destination: an old-style unicast checksum.
    /// Under [`OldUnicastChecksum::Detect`] the instance should now switch to `Always`.
    PseudoMcastDst,
    /// IPv6 without a known destination: left to the kernel (`IPV6_CHECKSUM`).
    NotChecked,
}

/// One instance's expectations of a received advert.
///
/// It is `Copy` and borrows the VIP and peer lists, so an instance builds one per packet from
/// its own fields for the cost of a few word copies; nothing is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxCheck<'a> {
    /// The instance's `version`.
    pub version: Version,
    /// The instance's address family.
    pub family: Family,
    /// `virtual_router_id`.
    pub vrid: u8,
    /// `authentication` (v2).
    pub auth: Auth,
    /// For AH: a received sequence number must exceed this
    /// ([`crate::auth::AhSeqCounter::floor`]).
    pub ah_seq_floor: u32,
    /// `advert_int` (v2 adverts must carry it exactly).
    pub adver_int: AdverInt,
    /// The `virtual_ipaddress` addresses an advert must carry.
    pub vips: &'a [IpAddr],
    /// `unicast_peer`; non-empty means the instance is in unicast mode.
    pub unicast_peers: &'a [UnicastPeer],
    /// `check_unicast_src` / `vrrp_check_unicast_src` (or a peer with `min_ttl`/`max_ttl`).
    pub check_unicast_src: bool,
    /// Check the address list (and the unicast source). keepalived skips this under
    /// `skip_check_adv_addr` when the advert comes from the same master as the last one; the
    /// caller, which remembers the master, decides.
    pub check_vips: bool,
    /// Checksum options.
    pub checksum: ChecksumPolicy,
}

impl<'a> RxCheck<'a> {
    /// Expectations with keepalived's defaults: no authentication, 1 s interval, no VIPs,
    /// multicast, addresses checked.
    #[must_use]
    pub fn new(version: Version, family: Family, vrid: u8) -> RxCheck<'a> {
        RxCheck {
            version,
            family,
            vrid,
            auth: Auth::None,
            ah_seq_floor: 0,
            adver_int: AdverInt::DEFAULT,
            vips: &[],
            unicast_peers: &[],
            check_unicast_src: false,
            check_vips: true,
            checksum: ChecksumPolicy::default(),
        }
    }

    /// Whether the instance is in unicast mode.
    #[must_use]
    pub fn is_unicast(&self) -> bool {
        !self.unicast_peers.is_empty()
    }
}

/// A validated advert, borrowing the received bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advert<'a> {
    /// Version.
    pub version: Version,
    /// Virtual router id.
    pub vrid: u8,
    /// Priority (0: the master is stopping, RFC 5798 §6.4.3).
    pub priority: u8,
    /// Advert interval (the v3 Max Adver Int, which a backup adopts per RFC 5798 §6.4.2).
    pub adver_int: AdverInt,
    /// Source address (for IPv4 from the IP header).
    pub src: IpAddr,
    /// Destination address (for IPv6 when known).
    pub dst: Option<IpAddr>,
    /// TTL / hop limit (for IPv6 when known).
    pub ttl: Option<u8>,
    /// v2 auth type ([`AuthType::None`] for v3).
    pub auth_type: AuthType,
    /// AH sequence number, when AH protected the advert: feed it to
    /// [`crate::auth::AhSeqCounter::accept_rx`].
    pub ah_seq: Option<u32>,
    /// How the checksum was verified.
    pub checksum: ChecksumKind,
    /// Address family.
    pub family: Family,
    message: &'a [u8],
}

impl<'a> Advert<'a> {
    /// The advertised addresses, decoded on the fly.
    #[must_use]
    pub fn addrs(&self) -> AddrIter<'a> {
        let n = self.addr_count() * self.family.addr_len();
        AddrIter::new(&self.message[HEADER_LEN..HEADER_LEN + n], self.family)
    }

    /// Number of advertised addresses.
    #[must_use]
    pub fn addr_count(&self) -> usize {
        usize::from(self.message[3])
    }

    /// The VRRP message (without IP or AH header).
    #[must_use]
    pub fn packet(&self) -> VrrpPacket<&'a [u8]> {
        VrrpPacket::new_unchecked(self.message)
    }

    /// Copies the advert into an owned [`AdvertRepr`] (allocates the address list).
    #[must_use]
    pub fn to_repr(&self) -> AdvertRepr {
        let addrs = match self.family {
            Family::Ipv4 => VipList::V4(
                self.addrs()
                    .filter_map(|a| match a {
                        IpAddr::V4(a) => Some(a),
                        IpAddr::V6(_) => None,
                    })
                    .collect(),
            ),
            Family::Ipv6 => VipList::V6(
                self.addrs()
                    .filter_map(|a| match a {
                        IpAddr::V6(a) => Some(a),
                        IpAddr::V4(_) => None,
                    })
                    .collect(),
            ),
        };
        AdvertRepr {
            version: self.version,
            vrid: self.vrid,
            priority: self.priority,
            adver_int: self.adver_int,
            auth_type: self.auth_type,
            auth_data: self.packet().auth_data(self.family).unwrap_or_default(),
            addrs,
        }
    }
}

/// Where the VRRP message sits in a received buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// Offset of the VRRP message (0 for IPv6).
    pub vrrp_offset: usize,
    /// IPv4 header length (0 for IPv6).
    pub ip_header_len: usize,
    /// Whether an AH header precedes the message.
    pub ah: bool,
    /// VRID of the message.
    pub vrid: u8,
    /// Version nibble of the message.
    pub version: u8,
}

/// Finds the VRRP header in bytes from a raw socket of `family` (keepalived
/// `vrrp_get_header`): enough for the caller to demultiplex on the VRID.
pub fn locate(bytes: &[u8], family: Family) -> Result<Located, RxError> {
    let len = bytes.len();
    let (ip_header_len, ah) = match family {
        Family::Ipv6 => (0, false),
        Family::Ipv4 => {
            if len < IPV4_HEADER_LEN {
                return Err(RxError::Truncated {
                    len,
                    need: IPV4_HEADER_LEN,
                });
            }
            let ip = Ipv4Header::new_unchecked(bytes);
            if ip.version() != 4 {
                return Err(RxError::IpVersion {
                    version: ip.version(),
                });
            }
            if ip.ihl() < 5 {
                return Err(RxError::IpHeaderLen { ihl: ip.ihl() });
            }
            let ah = match ip.protocol() {
                IPPROTO_VRRP => false,
                IPPROTO_AH => true,
                protocol => return Err(RxError::IpProtocol { protocol }),
            };
            (ip.header_len(), ah)
        }
    };
    let vrrp_offset = ip_header_len + if ah { AH_LEN } else { 0 };
    let need = vrrp_offset + HEADER_LEN;
    if len < need {
        return Err(RxError::Truncated { len, need });
    }
    Ok(Located {
        vrrp_offset,
        ip_header_len,
        ah,
        vrid: bytes[vrrp_offset + 1],
        version: bytes[vrrp_offset] >> 4,
    })
}

/// Validates one received packet against one instance's expectations.
///
/// `bytes` is exactly what the raw socket returned: for IPv4 the IPv4 header, then the AH
/// header when the protocol is AH, then the VRRP message; for IPv6 the VRRP message alone.
pub fn validate<'a>(
    bytes: &'a [u8],
    meta: &RxMeta,
    check: &RxCheck<'_>,
) -> Result<Advert<'a>, RxError> {
    let loc = locate(bytes, check.family)?;
    let (vrid, version) = (loc.vrid, loc.version);
    let msg = &bytes[loc.vrrp_offset..];
    let packet = VrrpPacket::new_unchecked(msg);
    let ip = Ipv4Header::new_unchecked(bytes);

    // The socket layer's view of the packet: IPv4 from the header, IPv6 from ancillary data.
    let (src, dst, ttl) = match check.family {
        Family::Ipv4 => (
            IpAddr::V4(ip.src()),
            Some(IpAddr::V4(ip.dst())),
            Some(ip.ttl()),
        ),
        Family::Ipv6 => (meta.src, meta.dst, meta.ttl_or_hop_limit),
    };
    if Family::of(&src) != check.family || dst.is_some_and(|d| Family::of(&d) != check.family) {
        return Err(RxError::FamilyMismatch { vrid, src });
    }
    if vrid != check.vrid {
        return Err(RxError::VridMismatch {
            vrid,
            version,
            expected: check.vrid,
        });
    }
    let ah_configured = matches!(check.auth, Auth::Ah(_));
    if loc.ah != ah_configured {
        return Err(RxError::AhPresenceMismatch {
            vrid,
            ah_present: loc.ah,
        });
    }

    let expected = loc.vrrp_offset + packet.message_len(check.family);
    if bytes.len() != expected {
        return Err(RxError::LengthMismatch {
            vrid,
            version,
            len: bytes.len(),
            expected,
        });
    }

    let unicast = check.is_unicast();
    if let Some(ttl) = ttl {
        if !unicast && ttl != VRRP_TTL {
            return Err(RxError::TtlNot255 { vrid, version, ttl });
        }
    }

    if version != check.version.number() {
        return Err(RxError::VersionMismatch {
            vrid,
            version,
            expected: check.version.number(),
        });
    }

    let mut ah_seq = None;
    let auth_type = if check.version == Version::V2 {
        let auth_type = packet.auth_type();
        if auth_type > 2 {
            return Err(RxError::InvalidAuthType { vrid, auth_type });
        }
        let expected_type = u8::from(check.auth.auth_type());
        if auth_type != expected_type {
            return Err(RxError::AuthTypeMismatch {
                vrid,
                auth_type,
                expected: expected_type,
            });
        }
        match &check.auth {
            Auth::None => {}
            Auth::Pass(pw) => {
                let ok = packet
                    .auth_data(check.family)
                    .is_some_and(|d| auth::ct_eq(&d, pw));
                if !ok {
                    return Err(RxError::AuthPassMismatch { vrid });
                }
            }
            Auth::Ah(key) => {
                ah_seq = Some(check_ah(bytes, &loc, key, unicast, check.ah_seq_floor)?);
            }
        }
        let secs = packet.adver_int_v2();
        if u16::from(secs) * 100 != check.adver_int.centis() {
            return Err(RxError::AdverIntMismatch {
                vrid,
                secs,
                expected_secs: check.adver_int.centis() / 100,
            });
        }
        AuthType::from(auth_type)
    } else {
        AuthType::None
    };

    if packet.msg_type() != TYPE_ADVERTISEMENT {
        return Err(RxError::InvalidType {
            vrid,
            version,
            msg_type: packet.msg_type(),
        });
    }

    let count = packet.addr_count();
    if check.check_vips && usize::from(count) != check.vips.len() {
        return Err(RxError::AddrCountMismatch {
            vrid,
            version,
            count,
            expected: check.vips.len(),
        });
    }

    if check.family == Family::Ipv4 && usize::from(ip.total_len()) != bytes.len() {
        return Err(RxError::IpTotalLength {
            vrid,
            version,
            total_len: ip.total_len(),
            len: bytes.len(),
        });
    }

    let checksum = verify_checksum(&packet, check, src, dst, unicast).ok_or_else(|| {
        let computed = packet.compute_checksum(
            check.family,
            &check
                .checksum
                .tx_checksum(check.version, src, dst.unwrap_or(src)),
        );
        RxError::Checksum {
            vrid,
            version,
            received: packet.checksum(),
            computed,
        }
    })?;

    if let Some(dst) = dst {
        if dst.is_multicast() == unicast {
            return Err(RxError::CastMismatch {
                vrid,
                version,
                expected_unicast: unicast,
            });
        }
    }

    if check.check_vips {
        let list = packet.addr_bytes(check.family);
        for (i, vip) in check.vips.iter().enumerate() {
            if !contains_addr(list, i, vip) {
                return Err(RxError::VipMissing {
                    vrid,
                    version,
                    vip: *vip,
                });
            }
        }
        if unicast && check.check_unicast_src {
            let Some(peer) = check.unicast_peers.iter().find(|p| p.addr == src) else {
                return Err(RxError::UnicastSrcNotPeer { vrid, version, src });
            };
            if let Some(ttl) = ttl {
                if ttl < peer.min_ttl || ttl > peer.max_ttl {
                    return Err(RxError::TtlOutOfRange {
                        vrid,
                        version,
                        ttl,
                        min: peer.min_ttl,
                        max: peer.max_ttl,
                    });
                }
            }
        }
    }

    Ok(Advert {
        version: check.version,
        vrid,
        priority: packet.priority(),
        adver_int: packet.adver_int(),
        src,
        dst,
        ttl,
        auth_type,
        ah_seq,
        checksum,
        family: check.family,
        message: msg,
    })
}

/// keepalived `vrrp_in_chk_ipsecah`: next header, ICV, SPI = source, then anti-replay.
fn check_ah(
    bytes: &[u8],
    loc: &Located,
    key: &[u8; 8],
    unicast: bool,
    floor: u32,
) -> Result<u32, RxError> {
    let vrid = loc.vrid;
    let ah_bytes = &bytes[loc.ip_header_len..loc.vrrp_offset];
    let ah = auth::AhHeader::new_unchecked(ah_bytes);
    if ah.next_header() != IPPROTO_VRRP {
        return Err(RxError::AhNextHeader {
            vrid,
            next_header: ah.next_header(),
        });
    }
    if !auth::ah_icv_matches(
        key,
        &bytes[..loc.ip_header_len],
        ah_bytes,
        &bytes[loc.vrrp_offset..],
        unicast,
        ah.icv(),
    ) {
        return Err(RxError::AhIcvMismatch { vrid });
    }
    let src = Ipv4Header::new_unchecked(bytes).src();
    if ah.spi() != u32::from(src) {
        return Err(RxError::AhSpiMismatch {
            vrid,
            spi: ah.spi(),
            src: IpAddr::V4(src),
        });
    }
    let seq = ah.seq();
    if seq <= floor {
        return Err(RxError::AhReplay { vrid, seq, floor });
    }
    Ok(seq)
}

fn verify_checksum(
    packet: &VrrpPacket<&[u8]>,
    check: &RxCheck<'_>,
    src: IpAddr,
    dst: Option<IpAddr>,
    unicast: bool,
) -> Option<ChecksumKind> {
    let family = check.family;
    let Some(dst) = dst else {
        return Some(ChecksumKind::NotChecked);
    };
    let mode = check.checksum.tx_checksum(check.version, src, dst);
    if packet.verify_checksum(family, &mode) {
        return Some(match mode {
            TxChecksum::Plain => ChecksumKind::Plain,
            TxChecksum::Pseudo { dst: d, .. } if d != dst => ChecksumKind::PseudoMcastDst,
            _ => ChecksumKind::Pseudo,
        });
    }
    // keepalived: a unicast v3 advert whose checksum used the multicast group (≤ 1.3.6).
    let group = IpAddr::V4(check.checksum.mcast_group4);
    if family == Family::Ipv4
        && check.version == Version::V3
        && unicast
        && !check.checksum.v3_as_v2
        && check.checksum.old_unicast == OldUnicastChecksum::Detect
        && dst != group
        && packet.verify_checksum(family, &TxChecksum::Pseudo { src, dst: group })
    {
        return Some(ChecksumKind::PseudoMcastDst);
    }
    None
}

/// Whether the advert's address list holds `vip`. Adverts list their addresses in
/// configuration order, so position `hint` is tried first, which keeps the whole VIP check
/// linear in the usual case.
fn contains_addr(list: &[u8], hint: usize, vip: &IpAddr) -> bool {
    match vip {
        IpAddr::V4(a) => {
            let want = u32::from(*a);
            let word = |c: &[u8]| u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
            if let Some(c) = list.get(hint * 4..hint * 4 + 4) {
                if word(c) == want {
                    return true;
                }
            }
            list.chunks_exact(4).any(|c| word(c) == want)
        }
        IpAddr::V6(a) => {
            let want = a.octets();
            if list.get(hint * 16..hint * 16 + 16) == Some(&want[..]) {
                return true;
            }
            list.chunks_exact(16).any(|c| c == want)
        }
    }
}
