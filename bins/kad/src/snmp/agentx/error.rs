//! Why a byte string is not an AgentX PDU: one variant per cause, so a master agent that
//! sends something kad cannot read is logged with the reason.

/// A PDU that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer than the 20 bytes of the header (RFC 2741 §6.1).
    #[error("truncated header: {0} of 20 bytes")]
    ShortHeader(usize),
    /// `h.version` is not 1.
    #[error("AgentX version {0}, expected 1")]
    Version(u8),
    /// `h.type` is none of RFC 2741 §6.2's PDUs.
    #[error("unknown PDU type {0}")]
    UnknownType(u8),
    /// `payload_length` is not a multiple of 4 (§6.1: "always a multiple of 4").
    #[error("payload length {0} is not a multiple of 4")]
    UnalignedLength(u32),
    /// The payload is longer than kad accepts (a master agent's PDU is a few KiB).
    #[error("payload length {0} exceeds the limit")]
    TooLong(u32),
    /// A field runs past the end of the payload.
    #[error("{0} runs past the end of the payload")]
    Truncated(&'static str),
    /// An object identifier with more than 128 sub-identifiers (§5.1).
    #[error("object identifier with {0} sub-identifiers, at most 128")]
    OidTooLong(u8),
    /// A varbind whose type is not one of §5.4's.
    #[error("unknown varbind type {0}")]
    UnknownValueType(u16),
    /// Bytes left over after the last field of a PDU that has a fixed layout.
    #[error("{0} trailing bytes")]
    Trailing(usize),
}
