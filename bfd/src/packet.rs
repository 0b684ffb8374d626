//! The BFD control packet: a zero-copy view [`BfdPacket`] and an owned [`ControlRepr`].
//!
//! ```text
//! RFC 5880 §4.1, the mandatory section:
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       My Discriminator                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                      Your Discriminator                       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Desired Min TX Interval                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                   Required Min RX Interval                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Required Min Echo RX Interval                 |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!
//! An optional authentication section follows when A is set (§4.1):
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   Auth Type   |   Auth Len    |    Authentication Data...     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The authentication section's forms (§4.2–§4.4) are [`AuthSection`]'s variants.

use std::fmt;
use std::time::Duration;

use crate::error::{EmitError, ParseError};

mod field {
    pub type Field = core::ops::Range<usize>;
    pub const VERS_DIAG: usize = 0;
    pub const FLAGS: usize = 1;
    pub const DETECT_MULT: usize = 2;
    pub const LENGTH: usize = 3;
    pub const MY_DISCR: Field = 4..8;
    pub const YOUR_DISCR: Field = 8..12;
    pub const DESIRED_MIN_TX: Field = 12..16;
    pub const REQUIRED_MIN_RX: Field = 16..20;
    pub const REQUIRED_MIN_ECHO_RX: Field = 20..24;
    pub const AUTH_TYPE: usize = 24;
    pub const AUTH_LEN: usize = 25;
    pub const AUTH_KEY_ID: usize = 26;
    /// Simple Password: the password follows the key id (§4.2).
    pub const PASSWORD: usize = 27;
    /// Keyed MD5 / SHA1: one reserved octet, then the sequence number and digest (§4.3, §4.4).
    pub const AUTH_RESERVED: usize = 27;
    pub const AUTH_SEQ: Field = 28..32;
    pub const DIGEST: usize = 32;
}

/// Length of the mandatory section (RFC 5880 §4.1).
pub const HEADER_LEN: usize = 24;
/// The smallest packet with the A bit set: the mandatory section, Auth Type and Auth Len
/// (RFC 5880 §6.8.6 "less than the minimum correct value (26 if the A bit is set)").
pub const MIN_AUTH_PACKET_LEN: usize = HEADER_LEN + 2;
/// The longest packet this crate writes: the mandatory section plus a Keyed SHA1 section.
pub const MAX_PACKET_LEN: usize = HEADER_LEN + SHA1_AUTH_LEN;
/// The protocol version (RFC 5880 §4.1).
pub const VERSION: u8 = 1;
/// UDP destination port of single-hop control packets (RFC 5881 §4).
pub const PORT_SINGLE_HOP: u16 = 3784;
/// UDP destination port of multihop control packets (RFC 5883 §5).
pub const PORT_MULTIHOP: u16 = 4784;
/// TTL / hop limit single-hop packets are sent with and must arrive with (RFC 5881 §5).
pub const SINGLE_HOP_TTL: u8 = 255;
/// Longest Simple Password (RFC 5880 §4.2: 1 to 16 bytes).
pub const MAX_PASSWORD_LEN: usize = 16;
/// Auth Len of a Keyed or Meticulous Keyed MD5 section (RFC 5880 §4.3).
pub const MD5_AUTH_LEN: usize = 24;
/// Auth Len of a Keyed or Meticulous Keyed SHA1 section (RFC 5880 §4.4).
pub const SHA1_AUTH_LEN: usize = 28;
/// MD5 digest length.
pub const MD5_DIGEST_LEN: usize = 16;
/// SHA1 digest length.
pub const SHA1_DIGEST_LEN: usize = 20;

const FLAG_P: u8 = 0x20;
const FLAG_F: u8 = 0x10;
const FLAG_C: u8 = 0x08;
const FLAG_A: u8 = 0x04;
const FLAG_D: u8 = 0x02;
const FLAG_M: u8 = 0x01;

/// A session state as carried in the Sta field (RFC 5880 §4.1). Two bits, so every value is
/// a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// 0: administratively held down (§6.8.16).
    AdminDown,
    /// 1: no session, or the session went down.
    Down,
    /// 2: the remote end is heard and says Down.
    Init,
    /// 3: both ends hear each other.
    Up,
}

impl State {
    /// The two-bit field value.
    #[must_use]
    pub const fn bits(self) -> u8 {
        match self {
            State::AdminDown => 0,
            State::Down => 1,
            State::Init => 2,
            State::Up => 3,
        }
    }

    /// The state for the low two bits of `bits`.
    #[must_use]
    pub const fn from_bits(bits: u8) -> State {
        match bits & 3 {
            0 => State::AdminDown,
            1 => State::Down,
            2 => State::Init,
            _ => State::Up,
        }
    }

    /// The word keepalived and FRR print for it.
    #[must_use]
    pub const fn keyword(self) -> &'static str {
        match self {
            State::AdminDown => "AdminDown",
            State::Down => "Down",
            State::Init => "Init",
            State::Up => "Up",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// The diagnostic code (RFC 5880 §4.1): why the sender's session last changed state.
/// Codes 9–31 are reserved and survive a parse/emit round trip as `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Diag {
    /// 0: No Diagnostic.
    None,
    /// 1: Control Detection Time Expired.
    TimeExpired,
    /// 2: Echo Function Failed.
    EchoFailed,
    /// 3: Neighbor Signaled Session Down.
    NeighborDown,
    /// 4: Forwarding Plane Reset.
    ForwardingReset,
    /// 5: Path Down.
    PathDown,
    /// 6: Concatenated Path Down.
    ConcatPathDown,
    /// 7: Administratively Down.
    AdminDown,
    /// 8: Reverse Concatenated Path Down.
    ReverseConcatPathDown,
    /// A reserved code (9–31), kept as received.
    Unknown(u8),
}

impl Diag {
    /// The five-bit field value.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Diag::None => 0,
            Diag::TimeExpired => 1,
            Diag::EchoFailed => 2,
            Diag::NeighborDown => 3,
            Diag::ForwardingReset => 4,
            Diag::PathDown => 5,
            Diag::ConcatPathDown => 6,
            Diag::AdminDown => 7,
            Diag::ReverseConcatPathDown => 8,
            Diag::Unknown(c) => c & 0x1f,
        }
    }

    /// The diagnostic for the low five bits of `code`.
    #[must_use]
    pub const fn from_code(code: u8) -> Diag {
        match code & 0x1f {
            0 => Diag::None,
            1 => Diag::TimeExpired,
            2 => Diag::EchoFailed,
            3 => Diag::NeighborDown,
            4 => Diag::ForwardingReset,
            5 => Diag::PathDown,
            6 => Diag::ConcatPathDown,
            7 => Diag::AdminDown,
            8 => Diag::ReverseConcatPathDown,
            c => Diag::Unknown(c),
        }
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Diag::None => "No Diagnostic",
            Diag::TimeExpired => "Control Detection Time Expired",
            Diag::EchoFailed => "Echo Function Failed",
            Diag::NeighborDown => "Neighbor Signaled Session Down",
            Diag::ForwardingReset => "Forwarding Plane Reset",
            Diag::PathDown => "Path Down",
            Diag::ConcatPathDown => "Concatenated Path Down",
            Diag::AdminDown => "Administratively Down",
            Diag::ReverseConcatPathDown => "Reverse Concatenated Path Down",
            Diag::Unknown(c) => return write!(f, "Reserved diagnostic {c}"),
        };
        f.write_str(s)
    }
}

/// An interval field, in microseconds as on the wire (RFC 5880 §4.1), so that it cannot be
/// confused with the milliseconds keepalived.conf and FRR are configured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Interval(pub u32);

impl Interval {
    /// Zero: "do not send me packets" (Required Min RX) or no echo.
    pub const ZERO: Interval = Interval(0);

    /// Microseconds.
    #[must_use]
    pub const fn micros(self) -> u32 {
        self.0
    }

    /// As a duration.
    #[must_use]
    pub const fn as_duration(self) -> Duration {
        Duration::from_micros(self.0 as u64)
    }

    /// From a duration, in whole microseconds, saturating at `u32::MAX` (about 71 minutes).
    #[must_use]
    pub fn from_duration(d: Duration) -> Interval {
        Interval(u32::try_from(d.as_micros()).unwrap_or(u32::MAX))
    }
}

/// The authentication type codes (RFC 5880 §4.1 "Auth Type").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthType {
    /// 1: Simple Password (§4.2).
    SimplePassword,
    /// 2: Keyed MD5 (§4.3).
    KeyedMd5,
    /// 3: Meticulous Keyed MD5 (§4.3).
    MeticulousKeyedMd5,
    /// 4: Keyed SHA1 (§4.4).
    KeyedSha1,
    /// 5: Meticulous Keyed SHA1 (§4.4).
    MeticulousKeyedSha1,
}

impl AuthType {
    /// The field value.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            AuthType::SimplePassword => 1,
            AuthType::KeyedMd5 => 2,
            AuthType::MeticulousKeyedMd5 => 3,
            AuthType::KeyedSha1 => 4,
            AuthType::MeticulousKeyedSha1 => 5,
        }
    }

    /// The type for a field value; `None` for 0 (reserved) and 6–255.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<AuthType> {
        Some(match code {
            1 => AuthType::SimplePassword,
            2 => AuthType::KeyedMd5,
            3 => AuthType::MeticulousKeyedMd5,
            4 => AuthType::KeyedSha1,
            5 => AuthType::MeticulousKeyedSha1,
            _ => return None,
        })
    }

    /// Whether the sequence number must increase with every packet (§6.7.3, §6.7.4).
    #[must_use]
    pub const fn is_meticulous(self) -> bool {
        matches!(
            self,
            AuthType::MeticulousKeyedMd5 | AuthType::MeticulousKeyedSha1
        )
    }

    /// Whether Auth Len may be `len` for this type.
    #[must_use]
    pub const fn accepts_auth_len(self, len: usize) -> bool {
        match self {
            AuthType::SimplePassword => len >= 4 && len <= 3 + MAX_PASSWORD_LEN,
            AuthType::KeyedMd5 | AuthType::MeticulousKeyedMd5 => len == MD5_AUTH_LEN,
            AuthType::KeyedSha1 | AuthType::MeticulousKeyedSha1 => len == SHA1_AUTH_LEN,
        }
    }
}

/// An authentication section, owned and without allocation (RFC 5880 §4.2–§4.4).
///
/// A digest is carried as received or as to be sent; [`crate::auth`] computes and checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthSection {
    /// Simple Password (§4.2): the first `len` bytes of `password`.
    SimplePassword {
        /// Auth Key ID.
        key_id: u8,
        /// Password bytes, zero beyond `len`.
        password: [u8; MAX_PASSWORD_LEN],
        /// Password length, 1..=16.
        len: u8,
    },
    /// Keyed or Meticulous Keyed MD5 (§4.3).
    Md5 {
        /// Whether Meticulous (Auth Type 3) rather than Keyed (2).
        meticulous: bool,
        /// Auth Key ID.
        key_id: u8,
        /// Sequence Number.
        seq: u32,
        /// Auth Key/Digest.
        digest: [u8; MD5_DIGEST_LEN],
    },
    /// Keyed or Meticulous Keyed SHA1 (§4.4).
    Sha1 {
        /// Whether Meticulous (Auth Type 5) rather than Keyed (4).
        meticulous: bool,
        /// Auth Key ID.
        key_id: u8,
        /// Sequence Number.
        seq: u32,
        /// Auth Key/Hash.
        digest: [u8; SHA1_DIGEST_LEN],
    },
}

impl AuthSection {
    /// The section's Auth Type.
    #[must_use]
    pub const fn auth_type(&self) -> AuthType {
        match *self {
            AuthSection::SimplePassword { .. } => AuthType::SimplePassword,
            AuthSection::Md5 {
                meticulous: false, ..
            } => AuthType::KeyedMd5,
            AuthSection::Md5 { .. } => AuthType::MeticulousKeyedMd5,
            AuthSection::Sha1 {
                meticulous: false, ..
            } => AuthType::KeyedSha1,
            AuthSection::Sha1 { .. } => AuthType::MeticulousKeyedSha1,
        }
    }

    /// Auth Key ID.
    #[must_use]
    pub const fn key_id(&self) -> u8 {
        match *self {
            AuthSection::SimplePassword { key_id, .. }
            | AuthSection::Md5 { key_id, .. }
            | AuthSection::Sha1 { key_id, .. } => key_id,
        }
    }

    /// The section's length on the wire (its Auth Len).
    #[must_use]
    pub const fn len(&self) -> usize {
        match *self {
            AuthSection::SimplePassword { len, .. } => 3 + len as usize,
            AuthSection::Md5 { .. } => MD5_AUTH_LEN,
            AuthSection::Sha1 { .. } => SHA1_AUTH_LEN,
        }
    }

    /// Never true: every form has at least a type, a length and a key id.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        false
    }
}

/// A zero-copy view of a BFD control packet (the UDP payload) in the smoltcp shape.
///
/// After [`BfdPacket::new_checked`] every accessor of the mandatory section is safe; the
/// authentication accessors need [`BfdPacket::check_auth_len`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BfdPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> fmt::Debug for BfdPacket<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.buffer.as_ref().len() < HEADER_LEN {
            return write!(
                f,
                "BfdPacket(truncated {} bytes)",
                self.buffer.as_ref().len()
            );
        }
        f.debug_struct("BfdPacket")
            .field("version", &self.version())
            .field("diag", &self.diag())
            .field("state", &self.state())
            .field("flags", &format_args!("{:#04x}", self.flags()))
            .field("detect_mult", &self.detect_mult())
            .field("length", &self.length())
            .field("my_discr", &self.my_discr())
            .field("your_discr", &self.your_discr())
            .finish()
    }
}

impl<T: AsRef<[u8]>> BfdPacket<T> {
    /// Wraps a buffer without checking its length; accessors may panic until
    /// [`BfdPacket::check_len`] succeeds.
    pub const fn new_unchecked(buffer: T) -> BfdPacket<T> {
        BfdPacket { buffer }
    }

    /// Wraps a buffer holding at least the mandatory section.
    pub fn new_checked(buffer: T) -> Result<BfdPacket<T>, ParseError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the buffer holds the 24-byte mandatory section.
    pub fn check_len(&self) -> Result<(), ParseError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(ParseError::Truncated { len });
        }
        Ok(())
    }

    /// Checks the Length field against the buffer and the A bit, and, with A set, that the
    /// buffer holds the whole authentication section its Auth Len names. After this the
    /// authentication accessors are safe.
    pub fn check_auth_len(&self) -> Result<(), ParseError> {
        self.check_len()?;
        let len = usize::from(self.length());
        let min = if self.auth_present() {
            MIN_AUTH_PACKET_LEN
        } else {
            HEADER_LEN
        };
        if len < min {
            return Err(ParseError::LengthTooShort { length: len, min });
        }
        if len > self.buffer.as_ref().len() {
            return Err(ParseError::LengthExceedsPayload {
                length: len,
                payload: self.buffer.as_ref().len(),
            });
        }
        if self.auth_present() {
            let auth_len = usize::from(self.auth_len());
            if auth_len < 3 || HEADER_LEN + auth_len > len {
                return Err(ParseError::AuthLength {
                    auth_type: self.auth_type(),
                    auth_len: self.auth_len(),
                });
            }
        }
        Ok(())
    }

    /// Consumes the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn u32_at(&self, f: field::Field) -> u32 {
        let b = &self.buffer.as_ref()[f];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// Version (1 for valid packets).
    #[must_use]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERS_DIAG] >> 5
    }

    /// Diagnostic.
    #[must_use]
    pub fn diag(&self) -> Diag {
        Diag::from_code(self.buffer.as_ref()[field::VERS_DIAG])
    }

    /// Session state of the sender.
    #[must_use]
    pub fn state(&self) -> State {
        State::from_bits(self.buffer.as_ref()[field::FLAGS] >> 6)
    }

    /// The six flag bits P F C A D M, in their field positions.
    #[must_use]
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS] & 0x3f
    }

    /// Poll (P).
    #[must_use]
    pub fn poll(&self) -> bool {
        self.flags() & FLAG_P != 0
    }

    /// Final (F).
    #[must_use]
    pub fn final_(&self) -> bool {
        self.flags() & FLAG_F != 0
    }

    /// Control Plane Independent (C).
    #[must_use]
    pub fn control_plane_independent(&self) -> bool {
        self.flags() & FLAG_C != 0
    }

    /// Authentication Present (A).
    #[must_use]
    pub fn auth_present(&self) -> bool {
        self.flags() & FLAG_A != 0
    }

    /// Demand (D).
    #[must_use]
    pub fn demand(&self) -> bool {
        self.flags() & FLAG_D != 0
    }

    /// Multipoint (M).
    #[must_use]
    pub fn multipoint(&self) -> bool {
        self.flags() & FLAG_M != 0
    }

    /// Detect Mult.
    #[must_use]
    pub fn detect_mult(&self) -> u8 {
        self.buffer.as_ref()[field::DETECT_MULT]
    }

    /// Length field: the whole packet in bytes.
    #[must_use]
    pub fn length(&self) -> u8 {
        self.buffer.as_ref()[field::LENGTH]
    }

    /// My Discriminator.
    #[must_use]
    pub fn my_discr(&self) -> u32 {
        self.u32_at(field::MY_DISCR)
    }

    /// Your Discriminator.
    #[must_use]
    pub fn your_discr(&self) -> u32 {
        self.u32_at(field::YOUR_DISCR)
    }

    /// Desired Min TX Interval.
    #[must_use]
    pub fn desired_min_tx(&self) -> Interval {
        Interval(self.u32_at(field::DESIRED_MIN_TX))
    }

    /// Required Min RX Interval.
    #[must_use]
    pub fn required_min_rx(&self) -> Interval {
        Interval(self.u32_at(field::REQUIRED_MIN_RX))
    }

    /// Required Min Echo RX Interval.
    #[must_use]
    pub fn required_min_echo_rx(&self) -> Interval {
        Interval(self.u32_at(field::REQUIRED_MIN_ECHO_RX))
    }

    /// Auth Type. Needs the A bit and at least [`MIN_AUTH_PACKET_LEN`] bytes.
    #[must_use]
    pub fn auth_type(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_TYPE]
    }

    /// Auth Len. Needs the A bit and at least [`MIN_AUTH_PACKET_LEN`] bytes.
    #[must_use]
    pub fn auth_len(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_LEN]
    }

    /// Auth Key ID. Needs [`BfdPacket::check_auth_len`].
    #[must_use]
    pub fn auth_key_id(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_KEY_ID]
    }

    /// The Simple Password bytes (Auth Len − 3 of them). Needs [`BfdPacket::check_auth_len`].
    #[must_use]
    pub fn password(&self) -> &[u8] {
        let end = HEADER_LEN + usize::from(self.auth_len());
        &self.buffer.as_ref()[field::PASSWORD..end]
    }

    /// The reserved octet of a keyed section. Needs a keyed section of full length.
    #[must_use]
    pub fn auth_reserved(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_RESERVED]
    }

    /// Sequence Number of a keyed section. Needs a keyed section of full length.
    #[must_use]
    pub fn auth_seq(&self) -> u32 {
        self.u32_at(field::AUTH_SEQ)
    }

    /// The digest of a keyed section: the bytes from offset 32 to the end of the section.
    /// Needs [`BfdPacket::check_auth_len`] and a keyed Auth Len.
    #[must_use]
    pub fn digest(&self) -> &[u8] {
        let end = HEADER_LEN + usize::from(self.auth_len());
        &self.buffer.as_ref()[field::DIGEST..end]
    }

    /// Where the digest lies in the packet, for hashing around it.
    pub(crate) fn digest_range(&self) -> field::Field {
        field::DIGEST..HEADER_LEN + usize::from(self.auth_len())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> BfdPacket<T> {
    fn bytes_mut(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    fn set_u32_at(&mut self, f: field::Field, v: u32) {
        self.bytes_mut()[f].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets version and diagnostic.
    pub fn set_version_diag(&mut self, version: u8, diag: Diag) {
        self.bytes_mut()[field::VERS_DIAG] = (version << 5) | diag.code();
    }

    /// Sets state and the six flag bits (P F C A D M in field positions).
    pub fn set_state_flags(&mut self, state: State, flags: u8) {
        self.bytes_mut()[field::FLAGS] = (state.bits() << 6) | (flags & 0x3f);
    }

    /// Sets Detect Mult.
    pub fn set_detect_mult(&mut self, mult: u8) {
        self.bytes_mut()[field::DETECT_MULT] = mult;
    }

    /// Sets Length.
    pub fn set_length(&mut self, len: u8) {
        self.bytes_mut()[field::LENGTH] = len;
    }

    /// Sets My Discriminator.
    pub fn set_my_discr(&mut self, v: u32) {
        self.set_u32_at(field::MY_DISCR, v);
    }

    /// Sets Your Discriminator.
    pub fn set_your_discr(&mut self, v: u32) {
        self.set_u32_at(field::YOUR_DISCR, v);
    }

    /// Sets Desired Min TX Interval.
    pub fn set_desired_min_tx(&mut self, v: Interval) {
        self.set_u32_at(field::DESIRED_MIN_TX, v.0);
    }

    /// Sets Required Min RX Interval.
    pub fn set_required_min_rx(&mut self, v: Interval) {
        self.set_u32_at(field::REQUIRED_MIN_RX, v.0);
    }

    /// Sets Required Min Echo RX Interval.
    pub fn set_required_min_echo_rx(&mut self, v: Interval) {
        self.set_u32_at(field::REQUIRED_MIN_ECHO_RX, v.0);
    }

    /// Sets Auth Type and Auth Len. Needs [`MIN_AUTH_PACKET_LEN`] bytes.
    pub fn set_auth_header(&mut self, auth_type: u8, auth_len: u8) {
        let b = self.bytes_mut();
        b[field::AUTH_TYPE] = auth_type;
        b[field::AUTH_LEN] = auth_len;
    }

    /// Sets Auth Key ID.
    pub fn set_auth_key_id(&mut self, key_id: u8) {
        self.bytes_mut()[field::AUTH_KEY_ID] = key_id;
    }

    /// Sets the reserved octet and Sequence Number of a keyed section.
    pub fn set_auth_seq(&mut self, seq: u32) {
        self.bytes_mut()[field::AUTH_RESERVED] = 0;
        self.set_u32_at(field::AUTH_SEQ, seq);
    }

    /// The Simple Password bytes, writable (Auth Len − 3 of them).
    pub fn password_mut(&mut self) -> &mut [u8] {
        let end = HEADER_LEN + usize::from(self.auth_len());
        &mut self.bytes_mut()[field::PASSWORD..end]
    }

    /// The digest bytes of a keyed section, writable.
    pub fn digest_mut(&mut self) -> &mut [u8] {
        let end = HEADER_LEN + usize::from(self.auth_len());
        &mut self.bytes_mut()[field::DIGEST..end]
    }
}

/// An owned, allocation-free control packet (RFC 5880 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlRepr {
    /// Diagnostic.
    pub diag: Diag,
    /// Sender's session state.
    pub state: State,
    /// Poll (P).
    pub poll: bool,
    /// Final (F).
    pub final_: bool,
    /// Control Plane Independent (C).
    pub control_plane_independent: bool,
    /// Demand (D).
    pub demand: bool,
    /// Multipoint (M): must be zero; kept so that a parse/emit round trip is lossless.
    pub multipoint: bool,
    /// Detect Mult.
    pub detect_mult: u8,
    /// My Discriminator.
    pub my_discr: u32,
    /// Your Discriminator.
    pub your_discr: u32,
    /// Desired Min TX Interval.
    pub desired_min_tx: Interval,
    /// Required Min RX Interval.
    pub required_min_rx: Interval,
    /// Required Min Echo RX Interval (0: no echo, as this crate sends).
    pub required_min_echo_rx: Interval,
    /// The authentication section; the A bit is set exactly when it is present.
    pub auth: Option<AuthSection>,
}

impl ControlRepr {
    /// Parses a packet: version 1, a Length within the buffer and at least the minimum, and a
    /// well-formed authentication section when A is set. Bytes beyond Length are ignored
    /// (RFC 5880 §6.8.6 checks Length only against the payload). The other §6.8.6 checks
    /// (Detect Mult, M, discriminators) are the receiver's: see [`crate::Sessions`].
    pub fn parse<T: AsRef<[u8]>>(packet: &BfdPacket<T>) -> Result<ControlRepr, ParseError> {
        packet.check_len()?;
        if packet.version() != VERSION {
            return Err(ParseError::Version {
                version: packet.version(),
            });
        }
        packet.check_auth_len()?;
        let auth = if packet.auth_present() {
            Some(parse_auth(packet)?)
        } else {
            None
        };
        Ok(ControlRepr {
            diag: packet.diag(),
            state: packet.state(),
            poll: packet.poll(),
            final_: packet.final_(),
            control_plane_independent: packet.control_plane_independent(),
            demand: packet.demand(),
            multipoint: packet.multipoint(),
            detect_mult: packet.detect_mult(),
            my_discr: packet.my_discr(),
            your_discr: packet.your_discr(),
            desired_min_tx: packet.desired_min_tx(),
            required_min_rx: packet.required_min_rx(),
            required_min_echo_rx: packet.required_min_echo_rx(),
            auth,
        })
    }

    /// Bytes [`ControlRepr::emit`] writes.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.auth.map_or(0, |a| a.len())
    }

    /// Writes the packet into the start of `buf`, returning its length. The digest of a keyed
    /// section is written as held; [`crate::auth::sign`] computes it over the written packet.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let len = self.buffer_len();
        if buf.len() < len {
            return Err(EmitError::BufferTooShort {
                len: buf.len(),
                need: len,
            });
        }
        if let Some(AuthSection::SimplePassword { len: plen, .. }) = self.auth {
            if plen == 0 || usize::from(plen) > MAX_PASSWORD_LEN {
                return Err(EmitError::PasswordLength {
                    len: usize::from(plen),
                });
            }
        }
        let mut p = BfdPacket::new_unchecked(&mut buf[..len]);
        p.set_version_diag(VERSION, self.diag);
        let flags = (u8::from(self.poll) * FLAG_P)
            | (u8::from(self.final_) * FLAG_F)
            | (u8::from(self.control_plane_independent) * FLAG_C)
            | (u8::from(self.auth.is_some()) * FLAG_A)
            | (u8::from(self.demand) * FLAG_D)
            | (u8::from(self.multipoint) * FLAG_M);
        p.set_state_flags(self.state, flags);
        p.set_detect_mult(self.detect_mult);
        // `len` is at most MAX_PACKET_LEN (52).
        p.set_length(len as u8);
        p.set_my_discr(self.my_discr);
        p.set_your_discr(self.your_discr);
        p.set_desired_min_tx(self.desired_min_tx);
        p.set_required_min_rx(self.required_min_rx);
        p.set_required_min_echo_rx(self.required_min_echo_rx);
        if let Some(auth) = self.auth {
            p.set_auth_header(auth.auth_type().code(), auth.len() as u8);
            p.set_auth_key_id(auth.key_id());
            match auth {
                AuthSection::SimplePassword { password, len, .. } => {
                    p.password_mut()
                        .copy_from_slice(&password[..usize::from(len)]);
                }
                AuthSection::Md5 { seq, digest, .. } => {
                    p.set_auth_seq(seq);
                    p.digest_mut().copy_from_slice(&digest);
                }
                AuthSection::Sha1 { seq, digest, .. } => {
                    p.set_auth_seq(seq);
                    p.digest_mut().copy_from_slice(&digest);
                }
            }
        }
        Ok(len)
    }
}

fn parse_auth<T: AsRef<[u8]>>(p: &BfdPacket<T>) -> Result<AuthSection, ParseError> {
    let code = p.auth_type();
    let auth_len = usize::from(p.auth_len());
    let Some(auth_type) = AuthType::from_code(code) else {
        return Err(ParseError::AuthType { auth_type: code });
    };
    if !auth_type.accepts_auth_len(auth_len) {
        return Err(ParseError::AuthLength {
            auth_type: code,
            auth_len: p.auth_len(),
        });
    }
    let key_id = p.auth_key_id();
    Ok(match auth_type {
        AuthType::SimplePassword => {
            let mut password = [0u8; MAX_PASSWORD_LEN];
            let pw = p.password();
            password[..pw.len()].copy_from_slice(pw);
            AuthSection::SimplePassword {
                key_id,
                password,
                len: pw.len() as u8,
            }
        }
        AuthType::KeyedMd5 | AuthType::MeticulousKeyedMd5 => {
            let mut digest = [0u8; MD5_DIGEST_LEN];
            digest.copy_from_slice(p.digest());
            AuthSection::Md5 {
                meticulous: auth_type.is_meticulous(),
                key_id,
                seq: p.auth_seq(),
                digest,
            }
        }
        AuthType::KeyedSha1 | AuthType::MeticulousKeyedSha1 => {
            let mut digest = [0u8; SHA1_DIGEST_LEN];
            digest.copy_from_slice(p.digest());
            AuthSection::Sha1 {
                meticulous: auth_type.is_meticulous(),
                key_id,
                seq: p.auth_seq(),
                digest,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codepoints_are_total_and_lossless() {
        for b in 0..4 {
            assert_eq!(State::from_bits(b).bits(), b);
        }
        for c in 0..32 {
            assert_eq!(Diag::from_code(c).code(), c);
        }
        assert_eq!(Diag::from_code(9), Diag::Unknown(9));
    }

    #[test]
    fn short_buffer_rejected() {
        assert_eq!(
            BfdPacket::new_checked(&[0u8; 23][..]).unwrap_err(),
            ParseError::Truncated { len: 23 }
        );
    }

    #[test]
    fn interval_saturates() {
        assert_eq!(
            Interval::from_duration(Duration::from_secs(10_000)),
            Interval(u32::MAX)
        );
        assert_eq!(
            Interval::from_duration(Duration::from_millis(300)).as_duration(),
            Duration::from_millis(300)
        );
    }
}
