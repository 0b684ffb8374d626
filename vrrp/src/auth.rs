//! VRRPv2 authentication (RFC 3768 §5.3.6, removed in RFC 5798): none, simple text password
//! (`auth_type PASS`), and keepalived's IPSEC-AH (`auth_type AH`).
//!
//! keepalived's AH is RFC 2402 AH with HMAC-MD5-96 (RFC 2403) between the IPv4 header and the
//! VRRP message, sent with `IP_HDRINCL`:
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Next Header   |  Payload Len  |          RESERVED             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |      Security Parameters Index (SPI) = IPv4 source address    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Sequence Number Field                      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Authentication Data: HMAC-MD5 truncated to 96 bits   |
//! |                          (12 octets)                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Payload Len is 4 (RFC 2402 §2.2: 32-bit words minus 2). The ICV is HMAC-MD5 keyed with the
//! 8-octet zero-padded `auth_pass` over the IPv4 header with TOS, fragment offset and header
//! checksum zeroed (and TTL zeroed in unicast mode), then the AH header with the ICV zeroed, then
//! the VRRP message. The VRRP message's own auth type is 2 and its 8 authentication octets are
//! zero. The HMAC is the `hmac` crate's over `md-5`, and a received ICV is checked with its
//! constant-time truncated verify, so a forger learns nothing from how fast a guess fails.

use hmac::{Hmac, Mac};
use md5::Md5;

type HmacMd5 = Hmac<Md5>;

/// IPv4 protocol number of AH (RFC 2402).
pub const IPPROTO_AH: u8 = 51;
/// Length of keepalived's AH header: 12 fixed octets plus the 12-octet ICV.
pub const AH_LEN: usize = 24;
/// HMAC-MD5-96 ICV length (RFC 2403 §2).
pub const ICV_LEN: usize = 12;
/// The AH Payload Len for a 96-bit ICV (RFC 2402 §2.2).
const AH_PAYLOAD_LEN: u8 = 4;

/// The VRRPv2 auth type field (RFC 3768 §5.3.6). Unknown values survive as `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AuthType {
    /// 0: no authentication.
    #[default]
    None,
    /// 1: simple text password.
    Pass,
    /// 2: IP Authentication Header.
    Ah,
    /// Any other value.
    Unknown(u8),
}

impl From<u8> for AuthType {
    fn from(v: u8) -> AuthType {
        match v {
            0 => AuthType::None,
            1 => AuthType::Pass,
            2 => AuthType::Ah,
            n => AuthType::Unknown(n),
        }
    }
}

impl From<AuthType> for u8 {
    fn from(v: AuthType) -> u8 {
        match v {
            AuthType::None => 0,
            AuthType::Pass => 1,
            AuthType::Ah => 2,
            AuthType::Unknown(n) => n,
        }
    }
}

/// An instance's configured authentication (`authentication { auth_type; auth_pass }`).
///
/// keepalived keeps `auth_pass` in 8 octets, truncated or zero-padded; the same 8 octets are
/// the PASS data and the AH HMAC key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Auth {
    /// No authentication (and the only choice for VRRPv3).
    #[default]
    None,
    /// Simple text password.
    Pass([u8; 8]),
    /// IPSEC-AH HMAC-MD5-96 keyed with these octets.
    Ah([u8; 8]),
}

impl core::fmt::Debug for Auth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print the secret.
        match self {
            Auth::None => f.write_str("None"),
            Auth::Pass(_) => f.write_str("Pass(..)"),
            Auth::Ah(_) => f.write_str("Ah(..)"),
        }
    }
}

impl Auth {
    /// The 8 octets keepalived keeps for an `auth_pass` string: the first 8 bytes,
    /// zero-padded (keepalived warns "Truncating auth_pass to 8 characters").
    #[must_use]
    pub fn pass_octets(pass: &str) -> [u8; 8] {
        let mut out = [0u8; 8];
        let b = pass.as_bytes();
        let n = b.len().min(8);
        out[..n].copy_from_slice(&b[..n]);
        out
    }

    /// The auth type this configuration sends.
    #[must_use]
    pub fn auth_type(&self) -> AuthType {
        match self {
            Auth::None => AuthType::None,
            Auth::Pass(_) => AuthType::Pass,
            Auth::Ah(_) => AuthType::Ah,
        }
    }

    /// The VRRP message's authentication octets: the password for PASS, zero otherwise.
    #[must_use]
    pub fn auth_data(&self) -> [u8; 8] {
        match self {
            Auth::Pass(p) => *p,
            Auth::None | Auth::Ah(_) => [0; 8],
        }
    }
}

/// Compares two byte strings in time independent of where they differ (the PASS check).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

mod field {
    pub type Field = core::ops::Range<usize>;
    pub const NEXT_HEADER: usize = 0;
    pub const PAYLOAD_LEN: usize = 1;
    pub const RESERVED: Field = 2..4;
    pub const SPI: Field = 4..8;
    pub const SEQ: Field = 8..12;
    pub const ICV: Field = 12..24;
}

/// A zero-copy view of keepalived's 24-octet AH header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AhHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> AhHeader<T> {
    /// Wraps without a length check.
    pub const fn new_unchecked(buffer: T) -> AhHeader<T> {
        AhHeader { buffer }
    }

    /// Wraps a buffer of at least [`AH_LEN`] octets.
    pub fn new_checked(buffer: T) -> Result<AhHeader<T>, crate::packet::Truncated> {
        let len = buffer.as_ref().len();
        if len < AH_LEN {
            return Err(crate::packet::Truncated { len, need: AH_LEN });
        }
        Ok(AhHeader { buffer })
    }

    /// Next header (112 for VRRP).
    #[must_use]
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::NEXT_HEADER]
    }

    /// Payload Len.
    #[must_use]
    pub fn payload_len(&self) -> u8 {
        self.buffer.as_ref()[field::PAYLOAD_LEN]
    }

    /// Security Parameters Index (keepalived: the sender's IPv4 address, as a big-endian
    /// number).
    #[must_use]
    pub fn spi(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::SPI];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// Sequence number.
    #[must_use]
    pub fn seq(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::SEQ];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// The 96-bit ICV.
    #[must_use]
    pub fn icv(&self) -> &[u8] {
        &self.buffer.as_ref()[field::ICV]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> AhHeader<T> {
    /// Writes next header, Payload Len 4, zero reserved, SPI and sequence number, and zeroes
    /// the ICV.
    pub fn fill(&mut self, next_header: u8, spi: u32, seq: u32) {
        let b = self.buffer.as_mut();
        b[field::NEXT_HEADER] = next_header;
        b[field::PAYLOAD_LEN] = AH_PAYLOAD_LEN;
        b[field::RESERVED].fill(0);
        b[field::SPI].copy_from_slice(&spi.to_be_bytes());
        b[field::SEQ].copy_from_slice(&seq.to_be_bytes());
        b[field::ICV].fill(0);
    }

    /// Stores an ICV.
    pub fn set_icv(&mut self, icv: &[u8; ICV_LEN]) {
        self.buffer.as_mut()[field::ICV].copy_from_slice(icv);
    }
}

/// Byte offsets in the IPv4 header of the fields AH treats as mutable (RFC 2402 §3.3.3.1.1.1).
const IP_TOS: usize = 1;
const IP_FRAG: core::ops::Range<usize> = 6..8;
const IP_TTL: usize = 8;
const IP_CHECK: core::ops::Range<usize> = 10..12;

/// Computes keepalived's AH ICV for a packet laid out as `ip_header` (any IHL), `ah` (24
/// octets; its ICV field is treated as zero) and `vrrp` (the rest of the datagram).
///
/// `unicast` zeroes the TTL too, as keepalived does for unicast instances (a unicast advert may
/// cross routers). Returns `None` if `ip_header` exceeds 60 octets or `ah` is not 24.
#[must_use]
pub fn ah_icv(
    key: &[u8; 8],
    ip_header: &[u8],
    ah: &[u8],
    vrrp: &[u8],
    unicast: bool,
) -> Option<[u8; ICV_LEN]> {
    let mac = ah_mac(key, ip_header, ah, vrrp, unicast)?
        .finalize()
        .into_bytes();
    let mut out = [0u8; ICV_LEN];
    out.copy_from_slice(&mac[..ICV_LEN]);
    Some(out)
}

/// Whether `icv` is the AH ICV of the packet (see [`ah_icv`]), compared in constant time.
pub(crate) fn ah_icv_matches(
    key: &[u8; 8],
    ip_header: &[u8],
    ah: &[u8],
    vrrp: &[u8],
    unicast: bool,
    icv: &[u8],
) -> bool {
    icv.len() == ICV_LEN
        && ah_mac(key, ip_header, ah, vrrp, unicast)
            .is_some_and(|mac| mac.verify_truncated_left(icv).is_ok())
}

/// The HMAC-MD5 state after the ICV's input: the IPv4 header with its mutable fields zeroed
/// (RFC 2402 §3.3.3.1.1.1), the AH header with a zero ICV, then the VRRP message.
fn ah_mac(
    key: &[u8; 8],
    ip_header: &[u8],
    ah: &[u8],
    vrrp: &[u8],
    unicast: bool,
) -> Option<HmacMd5> {
    if ip_header.len() > 60 || ip_header.len() < 20 || ah.len() != AH_LEN {
        return None;
    }
    let mut hdr = [0u8; 60];
    let hdr = &mut hdr[..ip_header.len()];
    hdr.copy_from_slice(ip_header);
    hdr[IP_TOS] = 0;
    hdr[IP_FRAG].fill(0);
    hdr[IP_CHECK].fill(0);
    if unicast {
        hdr[IP_TTL] = 0;
    }
    let mut ah_buf = [0u8; AH_LEN];
    ah_buf[..field::ICV.start].copy_from_slice(&ah[..field::ICV.start]);
    let mut mac = HmacMd5::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(hdr);
    mac.update(&ah_buf);
    mac.update(vrrp);
    Some(mac)
}

/// keepalived's AH sequence counter (`seq_counter_t`): one counter per instance, shared by
/// sending (incremented per advert) and receiving (raised to each accepted sequence number),
/// so an accepted advert always carries a number above anything seen or sent before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AhSeqCounter {
    /// The last sequence number sent or accepted.
    pub seq: u32,
    /// Set once the counter reached 0xFFFFFFFE; keepalived then stops incrementing.
    pub cycle: bool,
}

impl AhSeqCounter {
    /// The sequence number for the next advert sent. keepalived increments until
    /// 0xFFFFFFFE and then marks the counter cycled and repeats the last value.
    pub fn next_tx(&mut self) -> u32 {
        if self.seq > 0xFFFF_FFFD {
            self.cycle = true;
        } else {
            self.seq += 1;
        }
        self.seq
    }

    /// The floor a received sequence number must exceed: pass as
    /// [`crate::rx::RxCheck::ah_seq_floor`].
    #[must_use]
    pub fn floor(&self) -> u32 {
        self.seq
    }

    /// Records an accepted advert's sequence number (call after [`crate::rx::validate`]
    /// succeeded). `backup` clears the cycled flag as keepalived does in BACKUP state.
    pub fn accept_rx(&mut self, seq: u32, backup: bool) {
        if backup && seq >= self.seq {
            self.cycle = false;
        }
        if seq > self.seq {
            self.seq = seq;
        }
    }

    /// On becoming MASTER, a cycled counter restarts from zero (keepalived
    /// `vrrp_state_goto_master`).
    pub fn reset_if_cycled(&mut self) {
        if self.cycle {
            self.cycle = false;
            self.seq = 0;
        }
    }

    /// A master that receives a lower-priority AH advert adopts that advert's sequence number
    /// plus one (keepalived "IPSEC-AH : Syncing seq_num").
    pub fn sync_from_lower(&mut self, seq: u32) {
        self.seq = seq.wrapping_add(1);
        self.cycle = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 20-octet IPv4 header, an AH header and a VRRP message, as `ah_icv` takes them.
    fn parts() -> ([u8; 20], [u8; AH_LEN], [u8; 20]) {
        let mut ip = [0u8; 20];
        ip[0] = 0x45;
        ip[8] = 255;
        ip[9] = IPPROTO_AH;
        let mut ah = [0u8; AH_LEN];
        AhHeader::new_unchecked(&mut ah[..]).fill(112, 0xc000_0201, 7);
        (ip, ah, [0x21; 20])
    }

    #[test]
    fn icv_verifies_and_ignores_mutable_fields() {
        let key = Auth::pass_octets("secret");
        let (ip, ah, vrrp) = parts();
        let icv = ah_icv(&key, &ip, &ah, &vrrp, false).unwrap();
        assert!(ah_icv_matches(&key, &ip, &ah, &vrrp, false, &icv));
        let mut tos = ip;
        tos[IP_TOS] = 0xc0;
        assert!(ah_icv_matches(&key, &tos, &ah, &vrrp, false, &icv));
        let mut bad = icv;
        bad[11] ^= 1;
        assert!(!ah_icv_matches(&key, &ip, &ah, &vrrp, false, &bad));
        assert!(!ah_icv_matches(&key, &ip, &ah, &vrrp, false, &icv[..11]));
        assert!(!ah_icv_matches(&key, &ip, &ah, &vrrp, false, &[]));
        let other = Auth::pass_octets("secreT");
        assert!(!ah_icv_matches(&other, &ip, &ah, &vrrp, false, &icv));
    }

    #[test]
    fn icv_refuses_bad_lengths() {
        let key = [0u8; 8];
        let (ip, ah, vrrp) = parts();
        assert_eq!(ah_icv(&key, &ip[..19], &ah, &vrrp, false), None);
        assert_eq!(ah_icv(&key, &ip, &ah[..23], &vrrp, false), None);
    }

    #[test]
    fn ct_eq_compares_whole_strings() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }

    #[test]
    fn pass_octets_truncate_and_pad() {
        assert_eq!(Auth::pass_octets("secret"), *b"secret\0\0");
        assert_eq!(Auth::pass_octets("0123456789"), *b"01234567");
    }

    #[test]
    fn seq_counter_follows_keepalived() {
        let mut c = AhSeqCounter::default();
        assert_eq!(c.next_tx(), 1);
        c.accept_rx(10, false);
        assert_eq!(c.floor(), 10);
        c.accept_rx(5, false);
        assert_eq!(c.floor(), 10);
        c.seq = 0xFFFF_FFFE;
        assert_eq!(c.next_tx(), 0xFFFF_FFFE);
        assert!(c.cycle);
        c.reset_if_cycled();
        assert_eq!((c.seq, c.cycle), (0, false));
        c.sync_from_lower(41);
        assert_eq!(c.floor(), 42);
    }

    #[test]
    fn auth_debug_hides_secret() {
        assert_eq!(format!("{:?}", Auth::Pass(*b"hunter2\0")), "Pass(..)");
    }

    #[test]
    fn auth_type_round_trips() {
        for v in 0..=255u8 {
            assert_eq!(u8::from(AuthType::from(v)), v);
        }
    }
}
