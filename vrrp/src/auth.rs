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
//! zero. The HMAC is written here over the `md-5` crate (RFC 2104 is a dozen lines, and it
//! saves a dependency).

use md5::{Digest, Md5};

/// IPv4 protocol number of AH (RFC 2402).
pub const IPPROTO_AH: u8 = 51;
/// Length of keepalived's AH header: 12 fixed octets plus the 12-octet ICV.
pub const AH_LEN: usize = 24;
/// HMAC-MD5-96 ICV length (RFC 2403 §2).
pub const ICV_LEN: usize = 12;
/// The AH Payload Len for a 96-bit ICV (RFC 2402 §2.2).
pub const AH_PAYLOAD_LEN: u8 = 4;

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

/// Compares two byte strings in time independent of where they differ.
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// HMAC-MD5 (RFC 2104) of the concatenation of `parts`.
#[must_use]
pub fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..16].copy_from_slice(&Md5::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut ipad = [0x36u8; BLOCK];
    let mut opad = [0x5cu8; BLOCK];
    for i in 0..BLOCK {
        ipad[i] ^= k[i];
        opad[i] ^= k[i];
    }
    let mut inner = Md5::new();
    inner.update(ipad);
    for p in parts {
        inner.update(p);
    }
    let inner = inner.finalize();
    let mut outer = Md5::new();
    outer.update(opad);
    outer.update(inner);
    outer.finalize().into()
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
    let mac = hmac_md5(key, &[hdr, &ah_buf, vrrp]);
    let mut out = [0u8; ICV_LEN];
    out.copy_from_slice(&mac[..ICV_LEN]);
    Some(out)
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

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn hmac_md5_rfc2202_vectors() {
        // RFC 2202 §2 test cases 1, 2 and 6 (key longer than a block).
        assert_eq!(
            hex(&hmac_md5(&[0x0b; 16], &[b"Hi There"])),
            "9294727a3638bb1c13f48ef8158bfc9d"
        );
        assert_eq!(
            hex(&hmac_md5(b"Jefe", &[b"what do ya want ", b"for nothing?"])),
            "750c783e6ab0b503eaa86e310a5db738"
        );
        assert_eq!(
            hex(&hmac_md5(
                &[0xaa; 80],
                &[b"Test Using Larger Than Block-Size Key - Hash Key First"]
            )),
            "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"
        );
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
