//! The VRRP message: a zero-copy view [`VrrpPacket`] and an owned [`AdvertRepr`].
//!
//! ```text
//! VRRPv2 (RFC 3768 §5.1)                 VRRPv3 (RFC 5798 §5.1)
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   Auth Type   |   Adver Int   |          Checksum             |   v2
//! |(rsvd) |  Max Adver Int (cs)   |          Checksum             |   v3
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                IPvX Address(es) (Count of them)               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Authentication Data (8 octets, v2 over IPv4 only)         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! keepalived writes the 8 authentication octets only for v2 over IPv4 (`expected_vrrp_pkt_len`);
//! IPv6 instances always run v3, and neither form carries them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use crate::auth::AuthType;
use crate::checksum;
use crate::error::EmitError;
use crate::ip::IPPROTO_VRRP;

mod field {
    pub type Field = core::ops::Range<usize>;
    pub const VERS_TYPE: usize = 0;
    pub const VRID: usize = 1;
    pub const PRIORITY: usize = 2;
    pub const COUNT: usize = 3;
    pub const AUTH_TYPE: usize = 4;
    pub const ADVER_INT_V2: usize = 5;
    pub const ADVER_INT_V3: Field = 4..6;
    pub const CHECKSUM: Field = 6..8;
    pub const ADDRS: usize = 8;
}

/// Length of the fixed VRRP header.
pub const HEADER_LEN: usize = 8;
/// Length of the VRRPv2 authentication data.
pub const AUTH_DATA_LEN: usize = 8;
/// The only VRRP message type (RFC 3768 §5.3.2, RFC 5798 §5.2.2).
pub const TYPE_ADVERTISEMENT: u8 = 1;
/// Priority of the address owner (RFC 5798 §5.2.4).
pub const PRIORITY_OWNER: u8 = 255;
/// Priority a master sends when it stops (RFC 5798 §5.2.4).
pub const PRIORITY_STOP: u8 = 0;
/// The TTL / hop limit VRRP packets are sent with and must arrive with (RFC 5798 §5.1.1.3).
pub const VRRP_TTL: u8 = 255;

/// VRRP protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// VRRPv2, RFC 3768: interval in seconds, authentication, IPv4.
    V2,
    /// VRRPv3, RFC 5798: interval in centiseconds, pseudo-header checksum, IPv4 and IPv6.
    V3,
}

impl Version {
    /// The version nibble.
    #[must_use]
    pub const fn number(self) -> u8 {
        match self {
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }

    /// The version for a nibble, if VRRP defines it.
    #[must_use]
    pub const fn from_number(n: u8) -> Option<Version> {
        match n {
            2 => Some(Version::V2),
            3 => Some(Version::V3),
            _ => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// Address family of an instance, which fixes the address size and whether a raw socket
/// delivers the IP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4: 4-byte addresses; the raw socket delivers the IPv4 header.
    Ipv4,
    /// IPv6: 16-byte addresses; the raw socket delivers the VRRP message only.
    Ipv6,
}

impl Family {
    /// Bytes per address in the address list.
    #[must_use]
    pub const fn addr_len(self) -> usize {
        match self {
            Family::Ipv4 => 4,
            Family::Ipv6 => 16,
        }
    }

    /// The family of an address.
    #[must_use]
    pub const fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }
}

/// An advertisement interval, held in centiseconds so the v2 unit (seconds, 8 bits) and the
/// v3 unit (centiseconds, 12 bits) cannot be confused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AdverInt(u16);

impl AdverInt {
    /// The default interval, 1 s (RFC 5798 §5.2.7).
    pub const DEFAULT: AdverInt = AdverInt(100);
    /// Largest value of the 12-bit v3 field: 40.95 s.
    pub const MAX_V3_CENTIS: u16 = 0x0fff;

    /// From centiseconds.
    #[must_use]
    pub const fn from_centis(cs: u16) -> AdverInt {
        AdverInt(cs)
    }

    /// From whole seconds (saturating at `u16::MAX` centiseconds).
    #[must_use]
    pub const fn from_secs(s: u16) -> AdverInt {
        AdverInt(s.saturating_mul(100))
    }

    /// Centiseconds.
    #[must_use]
    pub const fn centis(self) -> u16 {
        self.0
    }

    /// The interval as a duration.
    #[must_use]
    pub const fn as_duration(self) -> Duration {
        Duration::from_millis(self.0 as u64 * 10)
    }

    /// The v2 field value, if the interval is a whole number of seconds in 1..=255.
    #[must_use]
    pub const fn to_v2_secs(self) -> Option<u8> {
        if self.0 % 100 != 0 || self.0 == 0 || self.0 / 100 > 255 {
            None
        } else {
            Some((self.0 / 100) as u8)
        }
    }

    /// The v3 field value, if the interval fits 12 bits.
    #[must_use]
    pub const fn to_v3_centis(self) -> Option<u16> {
        if self.0 > Self::MAX_V3_CENTIS {
            None
        } else {
            Some(self.0)
        }
    }
}

/// How the checksum field of an emitted message is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxChecksum {
    /// Over the VRRP message alone: VRRPv2 (RFC 3768 §5.3.8), or VRRPv3 over IPv4 under
    /// `v3_checksum_as_v2`.
    Plain,
    /// VRRPv3 with the IPv4 or IPv6 pseudo-header (RFC 5798 §5.2.8). Under
    /// `old_unicast_checksum` pass the multicast group as `dst` (see
    /// [`crate::rx::ChecksumPolicy::tx_checksum`]).
    Pseudo {
        /// Source address in the pseudo-header.
        src: IpAddr,
        /// Destination address in the pseudo-header.
        dst: IpAddr,
    },
    /// Leave zero: the kernel fills it (an IPv6 raw socket with `IPV6_CHECKSUM` = 6, as
    /// keepalived sets).
    Kernel,
}

/// Parse of the 8-byte header failed for want of bytes (see [`VrrpPacket::check_len`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("VRRP message too short: {len} bytes, need {need}")]
pub struct Truncated {
    /// Bytes available.
    pub len: usize,
    /// Bytes needed.
    pub need: usize,
}

/// A zero-copy view of a VRRP message (the IP payload) in the smoltcp shape.
///
/// After [`VrrpPacket::new_checked`] the fixed-header accessors never panic; the address list
/// and authentication accessors need [`VrrpPacket::check_body_len`] for the family.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct VrrpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> fmt::Debug for VrrpPacket<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.buffer.as_ref();
        if b.len() < HEADER_LEN {
            return write!(f, "VrrpPacket(truncated {} bytes)", b.len());
        }
        f.debug_struct("VrrpPacket")
            .field("version", &self.version())
            .field("msg_type", &self.msg_type())
            .field("vrid", &self.vrid())
            .field("priority", &self.priority())
            .field("addr_count", &self.addr_count())
            .field("checksum", &format_args!("{:#06x}", self.checksum()))
            .field("len", &b.len())
            .finish()
    }
}

impl<T: AsRef<[u8]>> VrrpPacket<T> {
    /// Wraps a buffer without checking its length; accessors may panic until
    /// [`VrrpPacket::check_len`] succeeds.
    pub const fn new_unchecked(buffer: T) -> VrrpPacket<T> {
        VrrpPacket { buffer }
    }

    /// Wraps a buffer holding at least the fixed 8-byte header.
    pub fn new_checked(buffer: T) -> Result<VrrpPacket<T>, Truncated> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the buffer holds the fixed header.
    pub fn check_len(&self) -> Result<(), Truncated> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            Err(Truncated {
                len,
                need: HEADER_LEN,
            })
        } else {
            Ok(())
        }
    }

    /// Checks the buffer also holds the address list and, for v2 over IPv4, the authentication
    /// data. Trailing bytes are allowed here; [`crate::rx::validate`] rejects them.
    pub fn check_body_len(&self, family: Family) -> Result<(), Truncated> {
        self.check_len()?;
        let need = self.message_len(family);
        let len = self.buffer.as_ref().len();
        if len < need {
            Err(Truncated { len, need })
        } else {
            Ok(())
        }
    }

    /// The message length its header implies: header, addresses, and (v2 over IPv4) the
    /// 8 authentication octets. Needs the fixed header.
    #[must_use]
    pub fn message_len(&self, family: Family) -> usize {
        let mut n = HEADER_LEN + usize::from(self.addr_count()) * family.addr_len();
        if family == Family::Ipv4 && self.version() == 2 {
            n += AUTH_DATA_LEN;
        }
        n
    }

    /// Consumes the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Version nibble (2 or 3 for valid packets).
    #[must_use]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERS_TYPE] >> 4
    }

    /// Type nibble ([`TYPE_ADVERTISEMENT`] for valid packets).
    #[must_use]
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::VERS_TYPE] & 0x0f
    }

    /// Virtual router id.
    #[must_use]
    pub fn vrid(&self) -> u8 {
        self.buffer.as_ref()[field::VRID]
    }

    /// Priority.
    #[must_use]
    pub fn priority(&self) -> u8 {
        self.buffer.as_ref()[field::PRIORITY]
    }

    /// Count of addresses.
    #[must_use]
    pub fn addr_count(&self) -> u8 {
        self.buffer.as_ref()[field::COUNT]
    }

    /// v2 auth type byte.
    #[must_use]
    pub fn auth_type(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_TYPE]
    }

    /// v2 advert interval, seconds.
    #[must_use]
    pub fn adver_int_v2(&self) -> u8 {
        self.buffer.as_ref()[field::ADVER_INT_V2]
    }

    /// v3 max advert interval, centiseconds (the 12 low bits).
    #[must_use]
    pub fn adver_int_v3(&self) -> u16 {
        self.v3_word() & 0x0fff
    }

    /// v3 reserved nibble (must be sent as zero, ignored on receipt: RFC 5798 §5.2.6).
    #[must_use]
    pub fn v3_reserved(&self) -> u8 {
        (self.v3_word() >> 12) as u8
    }

    fn v3_word(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::ADVER_INT_V3];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The interval in the version the header names (v2 seconds, otherwise v3 centiseconds).
    #[must_use]
    pub fn adver_int(&self) -> AdverInt {
        if self.version() == 2 {
            AdverInt::from_secs(u16::from(self.adver_int_v2()))
        } else {
            AdverInt::from_centis(self.adver_int_v3())
        }
    }

    /// Checksum field.
    #[must_use]
    pub fn checksum(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::CHECKSUM];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The raw address list. Needs [`VrrpPacket::check_body_len`].
    #[must_use]
    pub fn addr_bytes(&self, family: Family) -> &[u8] {
        let end = field::ADDRS + usize::from(self.addr_count()) * family.addr_len();
        &self.buffer.as_ref()[field::ADDRS..end]
    }

    /// The addresses. Needs [`VrrpPacket::check_body_len`].
    pub fn addrs(&self, family: Family) -> AddrIter<'_> {
        AddrIter::new(self.addr_bytes(family), family)
    }

    /// The v2 authentication data (v2 over IPv4 only). Needs [`VrrpPacket::check_body_len`].
    #[must_use]
    pub fn auth_data(&self, family: Family) -> Option<[u8; AUTH_DATA_LEN]> {
        if family != Family::Ipv4 || self.version() != 2 {
            return None;
        }
        let start = field::ADDRS + usize::from(self.addr_count()) * 4;
        let mut out = [0u8; AUTH_DATA_LEN];
        out.copy_from_slice(&self.buffer.as_ref()[start..start + AUTH_DATA_LEN]);
        Some(out)
    }

    /// The checksum the field should hold under `mode`, computed over the message bytes
    /// [`VrrpPacket::message_len`] covers with the field taken as zero. Needs
    /// [`VrrpPacket::check_body_len`]. `TxChecksum::Kernel` yields 0.
    #[must_use]
    pub fn compute_checksum(&self, family: Family, mode: &TxChecksum) -> u16 {
        let len = self.message_len(family);
        let msg = &self.buffer.as_ref()[..len];
        let body = checksum::combine(checksum::sum(&msg[..field::CHECKSUM.start]), {
            checksum::sum(&msg[field::CHECKSUM.end..])
        });
        match *mode {
            TxChecksum::Plain => checksum::finish(body),
            TxChecksum::Pseudo { src, dst } => {
                checksum::finish(checksum::combine(body, pseudo_sum(src, dst, len)))
            }
            TxChecksum::Kernel => 0,
        }
    }

    /// Whether the checksum field verifies under `mode` (always true for `Kernel`): the sum
    /// over the covered bytes, checksum included, folds to all ones (RFC 1071), which is how
    /// keepalived's `in_csum` checks it. Needs [`VrrpPacket::check_body_len`].
    #[must_use]
    pub fn verify_checksum(&self, family: Family, mode: &TxChecksum) -> bool {
        let len = self.message_len(family);
        let body = checksum::sum(&self.buffer.as_ref()[..len]);
        let total = match *mode {
            TxChecksum::Plain => body,
            TxChecksum::Pseudo { src, dst } => checksum::combine(body, pseudo_sum(src, dst, len)),
            TxChecksum::Kernel => return true,
        };
        checksum::fold(total) == 0xffff
    }
}

/// Pseudo-header partial sum; mismatched families contribute only the length and protocol
/// (emit rejects them first, so this only matters for a caller's own misuse in verify).
fn pseudo_sum(src: IpAddr, dst: IpAddr, len: usize) -> u32 {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            checksum::pseudo_header_v4(s, d, IPPROTO_VRRP, len as u16)
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            checksum::pseudo_header_v6(s, d, IPPROTO_VRRP, len as u32)
        }
        _ => u32::from(IPPROTO_VRRP) + len as u32,
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VrrpPacket<T> {
    fn bytes_mut(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    /// Sets version and type nibbles.
    pub fn set_version_type(&mut self, version: u8, msg_type: u8) {
        self.bytes_mut()[field::VERS_TYPE] = (version << 4) | (msg_type & 0x0f);
    }

    /// Sets the VRID.
    pub fn set_vrid(&mut self, vrid: u8) {
        self.bytes_mut()[field::VRID] = vrid;
    }

    /// Sets the priority (the checksum is left stale).
    pub fn set_priority(&mut self, priority: u8) {
        self.bytes_mut()[field::PRIORITY] = priority;
    }

    /// Sets the priority and patches the checksum incrementally (RFC 1624), as keepalived's
    /// `vrrp_update_pkt` does for a prebuilt advert. Valid for every [`TxChecksum`] mode but
    /// `Kernel`, since the pseudo-header does not depend on the priority.
    pub fn set_priority_updating_checksum(&mut self, priority: u8) {
        let b = self.buffer.as_ref();
        let old = u16::from_be_bytes([b[field::PRIORITY], b[field::COUNT]]);
        let new = u16::from_be_bytes([priority, b[field::COUNT]]);
        let c = checksum::update16(self.checksum(), old, new);
        self.set_priority(priority);
        self.set_checksum(c);
    }

    /// Sets the address count.
    pub fn set_addr_count(&mut self, count: u8) {
        self.bytes_mut()[field::COUNT] = count;
    }

    /// Sets the v2 auth type.
    pub fn set_auth_type(&mut self, auth_type: u8) {
        self.bytes_mut()[field::AUTH_TYPE] = auth_type;
    }

    /// Sets the v2 advert interval, seconds.
    pub fn set_adver_int_v2(&mut self, secs: u8) {
        self.bytes_mut()[field::ADVER_INT_V2] = secs;
    }

    /// Sets the v3 max advert interval, centiseconds; the reserved nibble is zeroed and bits
    /// above 12 dropped, as keepalived masks with `0x0FFF`.
    pub fn set_adver_int_v3(&mut self, centis: u16) {
        self.bytes_mut()[field::ADVER_INT_V3].copy_from_slice(&(centis & 0x0fff).to_be_bytes());
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, value: u16) {
        self.bytes_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }

    /// The address list, writable. Needs [`VrrpPacket::check_body_len`].
    pub fn addr_bytes_mut(&mut self, family: Family) -> &mut [u8] {
        let end = field::ADDRS + usize::from(self.addr_count()) * family.addr_len();
        &mut self.bytes_mut()[field::ADDRS..end]
    }

    /// Writes the v2 authentication data (no-op unless v2 over IPv4).
    pub fn set_auth_data(&mut self, family: Family, data: &[u8; AUTH_DATA_LEN]) {
        if family != Family::Ipv4 || self.version() != 2 {
            return;
        }
        let start = field::ADDRS + usize::from(self.addr_count()) * 4;
        self.bytes_mut()[start..start + AUTH_DATA_LEN].copy_from_slice(data);
    }

    /// Computes and stores the checksum under `mode` (`Kernel` stores zero).
    pub fn fill_checksum(&mut self, family: Family, mode: &TxChecksum) {
        let c = self.compute_checksum(family, mode);
        self.set_checksum(c);
    }
}

/// Iterator over the addresses of an advert, decoded from the raw list without allocating.
#[derive(Debug, Clone)]
pub struct AddrIter<'a> {
    chunks: core::slice::ChunksExact<'a, u8>,
    family: Family,
}

impl<'a> AddrIter<'a> {
    /// Iterates over `bytes` as a list of `family` addresses (a short tail is ignored).
    #[must_use]
    pub(crate) fn new(bytes: &'a [u8], family: Family) -> AddrIter<'a> {
        AddrIter {
            chunks: bytes.chunks_exact(family.addr_len()),
            family,
        }
    }
}

impl Iterator for AddrIter<'_> {
    type Item = IpAddr;

    fn next(&mut self) -> Option<IpAddr> {
        let c = self.chunks.next()?;
        Some(match self.family {
            Family::Ipv4 => IpAddr::V4(Ipv4Addr::new(c[0], c[1], c[2], c[3])),
            Family::Ipv6 => {
                let mut o = [0u8; 16];
                o.copy_from_slice(c);
                IpAddr::V6(Ipv6Addr::from(o))
            }
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl ExactSizeIterator for AddrIter<'_> {}

/// The address list of an owned advert; one variant per family so an advert cannot mix them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VipList {
    /// IPv4 addresses.
    V4(Vec<Ipv4Addr>),
    /// IPv6 addresses.
    V6(Vec<Ipv6Addr>),
}

impl VipList {
    /// The family of the list.
    #[must_use]
    pub fn family(&self) -> Family {
        match self {
            VipList::V4(_) => Family::Ipv4,
            VipList::V6(_) => Family::Ipv6,
        }
    }

    /// Number of addresses.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            VipList::V4(v) => v.len(),
            VipList::V6(v) => v.len(),
        }
    }

    /// Whether there are no addresses.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The addresses as `IpAddr`.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + '_ {
        let (a, b) = match self {
            VipList::V4(v) => (Some(v.iter().map(|a| IpAddr::V4(*a))), None),
            VipList::V6(v) => (None, Some(v.iter().map(|a| IpAddr::V6(*a)))),
        };
        a.into_iter().flatten().chain(b.into_iter().flatten())
    }

    fn write(&self, out: &mut [u8]) {
        match self {
            VipList::V4(v) => {
                for (chunk, a) in out.chunks_exact_mut(4).zip(v) {
                    chunk.copy_from_slice(&a.octets());
                }
            }
            VipList::V6(v) => {
                for (chunk, a) in out.chunks_exact_mut(16).zip(v) {
                    chunk.copy_from_slice(&a.octets());
                }
            }
        }
    }
}

/// An owned VRRP advertisement: what an instance sends, or a received one copied out.
///
/// The family is the family of `addrs`. `auth_type`/`auth_data` are meaningful for v2 only; for
/// v2 over IPv4 `auth_data` is written after the addresses (zero for `None` and `Ah`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AdvertRepr {
    /// Protocol version.
    pub version: Version,
    /// Virtual router id (1..=255 in a valid configuration; 0 is encoded as given).
    pub vrid: u8,
    /// Priority (0 = stop, 255 = owner).
    pub priority: u8,
    /// Advert interval (v2: whole seconds; v3: centiseconds, 12 bits).
    pub adver_int: AdverInt,
    /// v2 auth type.
    pub auth_type: AuthType,
    /// v2 authentication data (the PASS password, zero-padded to 8 octets).
    pub auth_data: [u8; AUTH_DATA_LEN],
    /// The virtual addresses.
    pub addrs: VipList,
}

impl AdvertRepr {
    /// Copies a structurally sound message out of `packet`: the fixed header and address list
    /// are present, the version is 2 or 3 and the type is ADVERTISEMENT. No checksum or policy
    /// check: that is [`crate::rx::validate`]'s job. Allocates the address list.
    pub fn parse<T: AsRef<[u8]>>(
        packet: &VrrpPacket<T>,
        family: Family,
    ) -> Result<AdvertRepr, crate::error::RxError> {
        use crate::error::RxError;
        packet
            .check_body_len(family)
            .map_err(|t| RxError::Truncated {
                len: t.len,
                need: t.need,
            })?;
        let vrid = packet.vrid();
        let Some(version) = Version::from_number(packet.version()) else {
            return Err(RxError::VersionMismatch {
                vrid,
                version: packet.version(),
                expected: 3,
            });
        };
        if packet.msg_type() != TYPE_ADVERTISEMENT {
            return Err(RxError::InvalidType {
                vrid,
                version: packet.version(),
                msg_type: packet.msg_type(),
            });
        }
        let addrs = match family {
            Family::Ipv4 => VipList::V4(
                packet
                    .addrs(family)
                    .filter_map(|a| match a {
                        IpAddr::V4(a) => Some(a),
                        IpAddr::V6(_) => None,
                    })
                    .collect(),
            ),
            Family::Ipv6 => VipList::V6(
                packet
                    .addrs(family)
                    .filter_map(|a| match a {
                        IpAddr::V6(a) => Some(a),
                        IpAddr::V4(_) => None,
                    })
                    .collect(),
            ),
        };
        let (auth_type, auth_data) = match version {
            Version::V2 => (
                AuthType::from(packet.auth_type()),
                packet.auth_data(family).unwrap_or_default(),
            ),
            Version::V3 => (AuthType::None, [0; AUTH_DATA_LEN]),
        };
        Ok(AdvertRepr {
            version,
            vrid,
            priority: packet.priority(),
            adver_int: packet.adver_int(),
            auth_type,
            auth_data,
            addrs,
        })
    }

    /// Address family (that of the address list).
    #[must_use]
    pub fn family(&self) -> Family {
        self.addrs.family()
    }

    /// Bytes [`AdvertRepr::emit`] writes.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        let family = self.family();
        let mut n = HEADER_LEN + self.addrs.len() * family.addr_len();
        if family == Family::Ipv4 && self.version == Version::V2 {
            n += AUTH_DATA_LEN;
        }
        n
    }

    /// Writes the message into the start of `buf` and returns its length. Bytes past the
    /// message are left untouched.
    pub fn emit(&self, buf: &mut [u8], csum: &TxChecksum) -> Result<usize, EmitError> {
        let family = self.family();
        let count = self.addrs.len();
        if count > 255 {
            return Err(EmitError::TooManyAddrs { count });
        }
        if let TxChecksum::Pseudo { src, dst } = csum {
            if Family::of(src) != family || Family::of(dst) != family {
                return Err(EmitError::ChecksumFamily);
            }
        }
        let need = self.buffer_len();
        if buf.len() < need {
            return Err(EmitError::BufferTooShort {
                len: buf.len(),
                need,
            });
        }
        let mut p = VrrpPacket::new_unchecked(&mut buf[..need]);
        p.set_version_type(self.version.number(), TYPE_ADVERTISEMENT);
        p.set_vrid(self.vrid);
        p.set_priority(self.priority);
        p.set_addr_count(count as u8);
        match self.version {
            Version::V2 => {
                let secs = self
                    .adver_int
                    .to_v2_secs()
                    .ok_or(EmitError::AdverIntRange {
                        version: 2,
                        centis: self.adver_int.centis(),
                    })?;
                p.set_auth_type(self.auth_type.into());
                p.set_adver_int_v2(secs);
            }
            Version::V3 => {
                let cs = self
                    .adver_int
                    .to_v3_centis()
                    .ok_or(EmitError::AdverIntRange {
                        version: 3,
                        centis: self.adver_int.centis(),
                    })?;
                p.set_adver_int_v3(cs);
            }
        }
        p.set_checksum(0);
        self.addrs.write(p.addr_bytes_mut(family));
        p.set_auth_data(family, &self.auth_data);
        p.fill_checksum(family, csum);
        Ok(need)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adver_int_units() {
        assert_eq!(AdverInt::from_secs(1).centis(), 100);
        assert_eq!(AdverInt::from_secs(3).to_v2_secs(), Some(3));
        assert_eq!(AdverInt::from_centis(150).to_v2_secs(), None);
        assert_eq!(AdverInt::from_centis(0).to_v2_secs(), None);
        assert_eq!(AdverInt::from_centis(4095).to_v3_centis(), Some(4095));
        assert_eq!(AdverInt::from_centis(4096).to_v3_centis(), None);
        assert_eq!(
            AdverInt::from_centis(150).as_duration(),
            Duration::from_millis(1500)
        );
    }

    #[test]
    fn short_header_rejected() {
        assert_eq!(
            VrrpPacket::new_checked(&[0u8; 7][..]).unwrap_err(),
            Truncated { len: 7, need: 8 }
        );
    }

    #[test]
    fn priority_update_keeps_checksum_valid() {
        let repr = AdvertRepr {
            version: Version::V3,
            vrid: 7,
            priority: 100,
            adver_int: AdverInt::DEFAULT,
            auth_type: AuthType::None,
            auth_data: [0; 8],
            addrs: VipList::V4(vec![Ipv4Addr::new(192, 0, 2, 7)]),
        };
        let mode = TxChecksum::Pseudo {
            src: "192.0.2.1".parse().unwrap(),
            dst: "224.0.0.18".parse().unwrap(),
        };
        let mut buf = [0u8; 12];
        repr.emit(&mut buf, &mode).unwrap();
        let mut p = VrrpPacket::new_checked(&mut buf[..]).unwrap();
        p.set_priority_updating_checksum(0);
        assert!(p.verify_checksum(Family::Ipv4, &mode));
        assert_eq!(p.priority(), 0);
    }
}
