//! IP framing around a VRRP message: the IPv4 header as an IPv4 raw socket delivers it (and as
//! keepalived writes it with `IP_HDRINCL`), the VRRP multicast groups, and full IPv4 emission
//! (with or without keepalived's AH header).
//!
//! An IPv6 raw socket delivers the VRRP message alone; its addresses and hop limit come from
//! ancillary data (see [`crate::rx::RxMeta`]), and its checksum covers the IPv6 pseudo-header
//! ([`crate::packet::TxChecksum::Pseudo`]).

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::auth::{self, AhHeader, AH_LEN, IPPROTO_AH};
use crate::checksum;
use crate::error::EmitError;
use crate::packet::{AdvertRepr, Family, Truncated, TxChecksum, VRRP_TTL};

/// IP protocol number of VRRP (RFC 5798 §5.1.1.4).
pub const IPPROTO_VRRP: u8 = 112;
/// The IPv4 VRRP multicast group 224.0.0.18 (RFC 5798 §5.1.1.2).
pub const VRRP_MCAST_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The IPv6 VRRP multicast group ff02::12 (RFC 5798 §5.1.2.2).
pub const VRRP_MCAST_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// Length of an IPv4 header without options.
pub const IPV4_HEADER_LEN: usize = 20;
/// TOS keepalived sends with: "internetwork control" precedence (0xc0).
pub const TOS_INTERNETWORK_CONTROL: u8 = 0xc0;

mod field {
    pub type Field = core::ops::Range<usize>;
    pub const VER_IHL: usize = 0;
    pub const TOS: usize = 1;
    pub const TOTAL_LEN: Field = 2..4;
    pub const IDENT: Field = 4..6;
    pub const FLAGS_FRAG: Field = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Field = 10..12;
    pub const SRC: Field = 12..16;
    pub const DST: Field = 16..20;
}

/// A zero-copy view of an IPv4 header (RFC 791 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Header<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Header<T> {
    /// Wraps without a length check.
    pub const fn new_unchecked(buffer: T) -> Ipv4Header<T> {
        Ipv4Header { buffer }
    }

    /// Wraps a buffer holding at least the 20-octet fixed header. The version and IHL are
    /// not judged here; [`crate::rx::validate`] does that.
    pub fn new_checked(buffer: T) -> Result<Ipv4Header<T>, Truncated> {
        let h = Self::new_unchecked(buffer);
        h.check_len()?;
        Ok(h)
    }

    /// Checks the buffer holds the fixed header.
    pub fn check_len(&self) -> Result<(), Truncated> {
        let len = self.buffer.as_ref().len();
        if len < IPV4_HEADER_LEN {
            Err(Truncated {
                len,
                need: IPV4_HEADER_LEN,
            })
        } else {
            Ok(())
        }
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn u16_at(&self, f: field::Field) -> u16 {
        let b = &self.b()[f];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// Version nibble.
    #[must_use]
    pub fn version(&self) -> u8 {
        self.b()[field::VER_IHL] >> 4
    }

    /// Header length in 32-bit words.
    #[must_use]
    pub fn ihl(&self) -> u8 {
        self.b()[field::VER_IHL] & 0x0f
    }

    /// Header length in octets.
    #[must_use]
    pub fn header_len(&self) -> usize {
        usize::from(self.ihl()) * 4
    }

    /// Type of service.
    #[must_use]
    pub fn tos(&self) -> u8 {
        self.b()[field::TOS]
    }

    /// Total length, as on the wire (Linux raw sockets deliver it unmodified).
    #[must_use]
    pub fn total_len(&self) -> u16 {
        self.u16_at(field::TOTAL_LEN)
    }

    /// Identification.
    #[must_use]
    pub fn ident(&self) -> u16 {
        self.u16_at(field::IDENT)
    }

    /// Flags and fragment offset.
    #[must_use]
    pub fn flags_frag(&self) -> u16 {
        self.u16_at(field::FLAGS_FRAG)
    }

    /// Time to live.
    #[must_use]
    pub fn ttl(&self) -> u8 {
        self.b()[field::TTL]
    }

    /// Protocol.
    #[must_use]
    pub fn protocol(&self) -> u8 {
        self.b()[field::PROTOCOL]
    }

    /// Header checksum.
    #[must_use]
    pub fn checksum(&self) -> u16 {
        self.u16_at(field::CHECKSUM)
    }

    /// Source address.
    #[must_use]
    pub fn src(&self) -> Ipv4Addr {
        let b = &self.b()[field::SRC];
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    /// Destination address.
    #[must_use]
    pub fn dst(&self) -> Ipv4Addr {
        let b = &self.b()[field::DST];
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    /// Whether the header checksum verifies. Needs `header_len()` octets.
    #[must_use]
    pub fn verify_checksum(&self) -> bool {
        checksum::fold(checksum::sum(&self.b()[..self.header_len()])) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Header<T> {
    /// Writes a 20-octet header (IHL 5, no options, DF clear as keepalived sends) and its
    /// checksum.
    #[allow(clippy::too_many_arguments)]
    pub fn fill(
        &mut self,
        tos: u8,
        total_len: u16,
        ident: u16,
        ttl: u8,
        protocol: u8,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    ) {
        let b = self.buffer.as_mut();
        b[field::VER_IHL] = 0x45;
        b[field::TOS] = tos;
        b[field::TOTAL_LEN].copy_from_slice(&total_len.to_be_bytes());
        b[field::IDENT].copy_from_slice(&ident.to_be_bytes());
        b[field::FLAGS_FRAG].fill(0);
        b[field::TTL] = ttl;
        b[field::PROTOCOL] = protocol;
        b[field::CHECKSUM].fill(0);
        b[field::SRC].copy_from_slice(&src.octets());
        b[field::DST].copy_from_slice(&dst.octets());
        let c = checksum::finish(checksum::sum(&b[..IPV4_HEADER_LEN]));
        b[field::CHECKSUM].copy_from_slice(&c.to_be_bytes());
    }
}

/// The IPv4 header fields of an advert sent with `IP_HDRINCL`, as keepalived builds it
/// (`vrrp_build_ip4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Tx {
    /// Source address (`mcast_src_ip` / `unicast_src_ip` or the interface's primary).
    pub src: Ipv4Addr,
    /// Destination: the multicast group or a unicast peer.
    pub dst: Ipv4Addr,
    /// TTL: 255, or `unicast_ttl` for unicast.
    pub ttl: u8,
    /// Identification. With `IP_HDRINCL` the kernel replaces 0 with its own value; keepalived
    /// increments per advert and skips 0, which AH needs since the ID is under the ICV.
    pub ident: u16,
    /// Type of service (keepalived: [`TOS_INTERNETWORK_CONTROL`]).
    pub tos: u8,
}

impl Ipv4Tx {
    /// A multicast advert header: TTL 255, TOS 0xc0.
    #[must_use]
    pub fn multicast(src: Ipv4Addr, ident: u16) -> Ipv4Tx {
        Ipv4Tx {
            src,
            dst: VRRP_MCAST_V4,
            ttl: VRRP_TTL,
            ident,
            tos: TOS_INTERNETWORK_CONTROL,
        }
    }
}

/// keepalived's AH parameters for one advert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AhTx<'a> {
    /// HMAC key: the 8 `auth_pass` octets.
    pub key: &'a [u8; 8],
    /// Sequence number ([`crate::auth::AhSeqCounter::next_tx`]).
    pub seq: u32,
    /// Unicast mode: the TTL is left out of the ICV.
    pub unicast: bool,
}

/// Bytes [`emit_ipv4`] writes for `repr`.
#[must_use]
pub fn ipv4_buffer_len(repr: &AdvertRepr, ah: bool) -> usize {
    IPV4_HEADER_LEN + if ah { AH_LEN } else { 0 } + repr.buffer_len()
}

/// Writes a complete IPv4 datagram (header, optional AH, VRRP message) for an `IP_HDRINCL`
/// raw socket, as keepalived sends every IPv4 advert, and returns its length.
///
/// `csum` fills the VRRP checksum; for AH the ICV is computed last, over the finished message.
/// For AH, `repr.auth_type` should be [`crate::auth::AuthType::Ah`] with zero `auth_data`
/// (see [`crate::auth::Auth`]), and `ip.ident` must be non-zero.
pub fn emit_ipv4(
    repr: &AdvertRepr,
    ip: &Ipv4Tx,
    csum: &TxChecksum,
    ah: Option<&AhTx<'_>>,
    buf: &mut [u8],
) -> Result<usize, EmitError> {
    if repr.family() != Family::Ipv4 {
        return Err(EmitError::NotIpv4);
    }
    if ah.is_some() && ip.ident == 0 {
        return Err(EmitError::AhZeroIdent);
    }
    let need = ipv4_buffer_len(repr, ah.is_some());
    if buf.len() < need {
        return Err(EmitError::BufferTooShort {
            len: buf.len(),
            need,
        });
    }
    let vrrp_off = IPV4_HEADER_LEN + if ah.is_some() { AH_LEN } else { 0 };
    repr.emit(&mut buf[vrrp_off..need], csum)?;
    let protocol = if ah.is_some() {
        IPPROTO_AH
    } else {
        IPPROTO_VRRP
    };
    Ipv4Header::new_unchecked(&mut buf[..IPV4_HEADER_LEN]).fill(
        ip.tos,
        need as u16,
        ip.ident,
        ip.ttl,
        protocol,
        ip.src,
        ip.dst,
    );
    if let Some(ah) = ah {
        let (hdr, rest) = buf[..need].split_at_mut(IPV4_HEADER_LEN);
        let (ah_bytes, vrrp) = rest.split_at_mut(AH_LEN);
        let mut view = AhHeader::new_unchecked(&mut *ah_bytes);
        view.fill(IPPROTO_VRRP, u32::from(ip.src), ah.seq);
        let icv = auth::ah_icv(ah.key, hdr, ah_bytes, vrrp, ah.unicast)
            .expect("20-octet header and 24-octet AH are in range");
        AhHeader::new_unchecked(ah_bytes).set_icv(&icv);
    }
    Ok(need)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_checksum_verifies() {
        let mut b = [0xa5u8; 20];
        let mut h = Ipv4Header::new_unchecked(&mut b[..]);
        h.fill(
            0xc0,
            40,
            1,
            255,
            112,
            Ipv4Addr::new(192, 0, 2, 1),
            VRRP_MCAST_V4,
        );
        let h = Ipv4Header::new_checked(&b[..]).unwrap();
        assert!(h.verify_checksum());
        assert_eq!(
            (h.version(), h.ihl(), h.ttl(), h.protocol()),
            (4, 5, 255, 112)
        );
        assert_eq!(h.dst(), VRRP_MCAST_V4);
    }
}
