//! Why a received packet was dropped ([`RxError`]), why bytes do not parse as a control
//! packet ([`ParseError`]) and why a packet could not be written ([`EmitError`]).
//!
//! Each [`RxError`] variant is one check of RFC 5880 §6.8.6 (or of the demultiplexing of
//! RFC 5881 §3 / RFC 5883 §4, the TTL rule of RFC 5881 §5 / RFC 5883 §5, or the
//! authentication of §6.7) and maps to exactly one counter in [`crate::RxCounters`].

use std::net::IpAddr;

use thiserror::Error;

use crate::packet::State;

/// A received control packet failed a check, in the order [`crate::Sessions`] makes them:
/// header checks, demultiplexing, TTL, authentication, session state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RxError {
    /// Fewer bytes than the 24-byte mandatory section.
    #[error("packet too short: {len} bytes, need at least 24")]
    Truncated {
        /// Bytes received.
        len: usize,
    },
    /// §6.8.6: "If the version number is not correct (1), the packet MUST be discarded."
    #[error("version {version}, expected 1")]
    BadVersion {
        /// Version received.
        version: u8,
    },
    /// §6.8.6: Length below 24, or below 26 with the A bit set.
    #[error("length field {length} below the minimum {min}")]
    LengthTooShort {
        /// Length field received.
        length: u8,
        /// The minimum for the A bit received.
        min: u8,
    },
    /// §6.8.6: Length greater than the payload.
    #[error("length field {length} exceeds the {payload} bytes received")]
    LengthExceedsPayload {
        /// Length field received.
        length: u8,
        /// Bytes received.
        payload: usize,
    },
    /// §6.8.6: "If the Detect Mult field is zero, the packet MUST be discarded."
    #[error("detect mult is zero (my discriminator {my_discr:#x})")]
    ZeroDetectMult {
        /// Sender's discriminator.
        my_discr: u32,
    },
    /// §6.8.6: "If the Multipoint (M) bit is nonzero, the packet MUST be discarded."
    #[error("multipoint bit set (my discriminator {my_discr:#x})")]
    Multipoint {
        /// Sender's discriminator.
        my_discr: u32,
    },
    /// §6.8.6: "If the My Discriminator field is zero, the packet MUST be discarded."
    #[error("my discriminator is zero")]
    ZeroMyDiscriminator,
    /// §6.8.6: "If the Your Discriminator field is nonzero, it MUST be used to select the
    /// session … If no session is found, the packet MUST be discarded."
    #[error("your discriminator {your_discr:#x} names no session (from {src})")]
    UnknownDiscriminator {
        /// Your Discriminator received.
        your_discr: u32,
        /// Source address.
        src: IpAddr,
    },
    /// §6.8.6: "If the Your Discriminator field is zero and the State field is not Down or
    /// AdminDown, the packet MUST be discarded."
    #[error("your discriminator is zero in state {state} (from {src})")]
    ZeroYourDiscriminator {
        /// State received.
        state: State,
        /// Source address.
        src: IpAddr,
    },
    /// Your Discriminator is zero and no session is configured for the packet's addresses
    /// (RFC 5881 §3: source address and interface; RFC 5883 §4: source and destination).
    #[error("no session for {src} -> {dst} ({})", if *multihop { "multihop" } else { "single hop" })]
    NoSession {
        /// Source address.
        src: IpAddr,
        /// Destination address.
        dst: IpAddr,
        /// Whether it came to the multihop port.
        multihop: bool,
    },
    /// The received TTL / hop limit is below the session's minimum (RFC 5881 §5: 255 for a
    /// single hop; RFC 5883 §5: configured for multihop; keepalived `max_hops`).
    #[error("TTL/hop limit {ttl} below {min} (from {src})")]
    TtlTooLow {
        /// TTL or hop limit received.
        ttl: u8,
        /// The session's minimum.
        min: u8,
        /// Source address.
        src: IpAddr,
    },
    /// §6.8.6: "If the A bit is set and no authentication is in use (bfd.AuthType is
    /// zero), the packet MUST be discarded."
    #[error("authentication present but not configured (from {src})")]
    UnexpectedAuth {
        /// Source address.
        src: IpAddr,
    },
    /// §6.8.6: "If the A bit is clear and authentication is in use (bfd.AuthType is
    /// nonzero), the packet MUST be discarded."
    #[error("authentication configured but absent (from {src})")]
    MissingAuth {
        /// Source address.
        src: IpAddr,
    },
    /// §6.7.1: the Auth Type differs from the session's.
    #[error("auth type {auth_type}, expected {expected} (from {src})")]
    AuthTypeMismatch {
        /// Auth Type received.
        auth_type: u8,
        /// The session's Auth Type.
        expected: u8,
        /// Source address.
        src: IpAddr,
    },
    /// §6.7.2–§6.7.4: Auth Len is not the one the Auth Type needs, or runs past Length.
    #[error("auth len {auth_len} invalid for auth type {auth_type} (from {src})")]
    AuthLength {
        /// Auth Type received.
        auth_type: u8,
        /// Auth Len received.
        auth_len: u8,
        /// Source address.
        src: IpAddr,
    },
    /// §6.7.2–§6.7.4: "If the Auth Key ID field does not match the ID of a configured
    /// authentication key, the received packet MUST be discarded."
    #[error("auth key id {key_id}, expected {expected} (from {src})")]
    AuthKeyIdMismatch {
        /// Auth Key ID received.
        key_id: u8,
        /// The configured key id.
        expected: u8,
        /// Source address.
        src: IpAddr,
    },
    /// §6.7.2: the Simple Password differs.
    #[error("simple password mismatch (from {src})")]
    PasswordMismatch {
        /// Source address.
        src: IpAddr,
    },
    /// §6.7.3, §6.7.4: the MD5 digest or SHA1 hash does not verify.
    #[error("authentication digest mismatch (from {src})")]
    DigestMismatch {
        /// Source address.
        src: IpAddr,
    },
    /// §6.7.3, §6.7.4: the sequence number is outside the accepted window (Keyed: the last
    /// one to 3 × Detect Mult past it; Meticulous: strictly after the last one).
    #[error("auth sequence {seq} outside {low}..={high} (from {src})")]
    AuthSequence {
        /// Sequence Number received.
        seq: u32,
        /// Lowest accepted (modulo 2³²).
        low: u32,
        /// Highest accepted (modulo 2³²).
        high: u32,
        /// Source address.
        src: IpAddr,
    },
    /// §6.8.6: "If bfd.SessionState is AdminDown, discard the packet."
    #[error("session is administratively down (from {src})")]
    SessionAdminDown {
        /// Source address.
        src: IpAddr,
    },
}

impl RxError {
    /// Every variant's name, in [`RxError::index`] order (for counters and dumps).
    pub const NAMES: [&'static str; 20] = [
        "truncated",
        "bad_version",
        "length_too_short",
        "length_exceeds_payload",
        "zero_detect_mult",
        "multipoint",
        "zero_my_discriminator",
        "unknown_discriminator",
        "zero_your_discriminator",
        "no_session",
        "ttl_too_low",
        "unexpected_auth",
        "missing_auth",
        "auth_type_mismatch",
        "auth_length",
        "auth_key_id_mismatch",
        "password_mismatch",
        "digest_mismatch",
        "auth_sequence",
        "session_admin_down",
    ];

    /// A dense index per variant, `0..RxError::NAMES.len()`.
    #[must_use]
    pub const fn index(&self) -> usize {
        match self {
            RxError::Truncated { .. } => 0,
            RxError::BadVersion { .. } => 1,
            RxError::LengthTooShort { .. } => 2,
            RxError::LengthExceedsPayload { .. } => 3,
            RxError::ZeroDetectMult { .. } => 4,
            RxError::Multipoint { .. } => 5,
            RxError::ZeroMyDiscriminator => 6,
            RxError::UnknownDiscriminator { .. } => 7,
            RxError::ZeroYourDiscriminator { .. } => 8,
            RxError::NoSession { .. } => 9,
            RxError::TtlTooLow { .. } => 10,
            RxError::UnexpectedAuth { .. } => 11,
            RxError::MissingAuth { .. } => 12,
            RxError::AuthTypeMismatch { .. } => 13,
            RxError::AuthLength { .. } => 14,
            RxError::AuthKeyIdMismatch { .. } => 15,
            RxError::PasswordMismatch { .. } => 16,
            RxError::DigestMismatch { .. } => 17,
            RxError::AuthSequence { .. } => 18,
            RxError::SessionAdminDown { .. } => 19,
        }
    }

    /// The variant's counter name.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        Self::NAMES[self.index()]
    }

    /// Whether the packet failed authentication (§6.7) rather than a format or
    /// demultiplexing check: a logger may want to be louder about these.
    #[must_use]
    pub const fn is_auth_failure(&self) -> bool {
        matches!(
            self,
            RxError::UnexpectedAuth { .. }
                | RxError::MissingAuth { .. }
                | RxError::AuthTypeMismatch { .. }
                | RxError::AuthLength { .. }
                | RxError::AuthKeyIdMismatch { .. }
                | RxError::PasswordMismatch { .. }
                | RxError::DigestMismatch { .. }
                | RxError::AuthSequence { .. }
        )
    }
}

/// Bytes that do not form a well-formed control packet ([`crate::ControlRepr::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Fewer bytes than the mandatory section.
    #[error("packet too short: {len} bytes, need at least 24")]
    Truncated {
        /// Bytes available.
        len: usize,
    },
    /// Version other than 1.
    #[error("version {version}, expected 1")]
    Version {
        /// Version found.
        version: u8,
    },
    /// Length below 24 (26 with the A bit).
    #[error("length field {length} below the minimum {min}")]
    LengthTooShort {
        /// Length field.
        length: usize,
        /// The minimum for the A bit.
        min: usize,
    },
    /// Length beyond the bytes available.
    #[error("length field {length} exceeds the {payload} bytes available")]
    LengthExceedsPayload {
        /// Length field.
        length: usize,
        /// Bytes available.
        payload: usize,
    },
    /// An Auth Type RFC 5880 does not define (0 or 6–255).
    #[error("unknown auth type {auth_type}")]
    AuthType {
        /// Auth Type found.
        auth_type: u8,
    },
    /// An Auth Len the Auth Type does not allow, or one running past Length.
    #[error("auth len {auth_len} invalid for auth type {auth_type}")]
    AuthLength {
        /// Auth Type found.
        auth_type: u8,
        /// Auth Len found.
        auth_len: u8,
    },
}

/// A packet could not be written.
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
    /// A Simple Password must be 1 to 16 bytes (RFC 5880 §4.2).
    #[error("simple password of {len} bytes, must be 1 to 16")]
    PasswordLength {
        /// Password length.
        len: usize,
    },
    /// A key longer than the digest it is padded to (16 bytes for MD5, 20 for SHA1).
    #[error("key of {len} bytes longer than {max}")]
    KeyLength {
        /// Key length.
        len: usize,
        /// The most the auth type allows.
        max: usize,
    },
}
