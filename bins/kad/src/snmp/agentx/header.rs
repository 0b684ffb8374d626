//! The 20-byte header every AgentX PDU starts with (RFC 2741 §6.1).
//!
//! ```text
//!  0               1               2               3
//! +---------------+---------------+---------------+---------------+
//! |   h.version   |    h.type     |    h.flags    |  <reserved>   |
//! +---------------+---------------+---------------+---------------+
//! |                          h.sessionID                          |
//! |                        h.transactionID                        |
//! |                          h.packetID                           |
//! |                        h.payload_length                       |
//! +---------------------------------------------------------------+
//! ```
//! The 32-bit fields are big-endian when `NETWORK_BYTE_ORDER` is set, little-endian
//! otherwise; kad always sends big-endian and reads either.

use super::error::DecodeError;

/// Length of the header.
pub const HEADER_LEN: usize = 20;
/// kad refuses payloads above this (snmpd's own limit for a PDU is far smaller).
pub const MAX_PAYLOAD: u32 = 1 << 20;

/// `h.flags` bits (§6.1).
pub mod flags {
    /// Register: an instance, not a subtree.
    pub const INSTANCE_REGISTRATION: u8 = 0x01;
    /// IndexAllocate: a new index.
    pub const NEW_INDEX: u8 = 0x02;
    /// IndexAllocate: any index.
    pub const ANY_INDEX: u8 = 0x04;
    /// A context octet string precedes the payload.
    pub const NON_DEFAULT_CONTEXT: u8 = 0x08;
    /// Multi-byte fields are big-endian.
    pub const NETWORK_BYTE_ORDER: u8 = 0x10;
}

/// `h.type` (§6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum PduType {
    Open = 1,
    Close = 2,
    Register = 3,
    Unregister = 4,
    Get = 5,
    GetNext = 6,
    GetBulk = 7,
    TestSet = 8,
    CommitSet = 9,
    UndoSet = 10,
    CleanupSet = 11,
    Notify = 12,
    Ping = 13,
    IndexAllocate = 14,
    IndexDeallocate = 15,
    AddAgentCaps = 16,
    RemoveAgentCaps = 17,
    Response = 18,
}

impl TryFrom<u8> for PduType {
    type Error = DecodeError;
    fn try_from(v: u8) -> Result<PduType, DecodeError> {
        use PduType::*;
        Ok(match v {
            1 => Open,
            2 => Close,
            3 => Register,
            4 => Unregister,
            5 => Get,
            6 => GetNext,
            7 => GetBulk,
            8 => TestSet,
            9 => CommitSet,
            10 => UndoSet,
            11 => CleanupSet,
            12 => Notify,
            13 => Ping,
            14 => IndexAllocate,
            15 => IndexDeallocate,
            16 => AddAgentCaps,
            17 => RemoveAgentCaps,
            18 => Response,
            other => return Err(DecodeError::UnknownType(other)),
        })
    }
}

/// A decoded header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// `h.type`.
    pub pdu_type: PduType,
    /// `h.flags`.
    pub flags: u8,
    /// `h.sessionID`: assigned by the master agent in its response to Open.
    pub session_id: u32,
    /// `h.transactionID`.
    pub transaction_id: u32,
    /// `h.packetID`: a response carries the request's.
    pub packet_id: u32,
    /// `h.payload_length`.
    pub payload_len: u32,
}

impl Header {
    /// Whether the PDU's multi-byte fields are big-endian.
    pub fn big_endian(&self) -> bool {
        self.flags & flags::NETWORK_BYTE_ORDER != 0
    }

    /// Reads a header; the payload length is checked but the payload need not be there yet.
    pub fn parse(b: &[u8]) -> Result<Header, DecodeError> {
        if b.len() < HEADER_LEN {
            return Err(DecodeError::ShortHeader(b.len()));
        }
        if b[0] != 1 {
            return Err(DecodeError::Version(b[0]));
        }
        let pdu_type = PduType::try_from(b[1])?;
        let flags = b[2];
        let be = flags & flags::NETWORK_BYTE_ORDER != 0;
        let word = |at: usize| {
            let w = [b[at], b[at + 1], b[at + 2], b[at + 3]];
            if be {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            }
        };
        let payload_len = word(16);
        if payload_len % 4 != 0 {
            return Err(DecodeError::UnalignedLength(payload_len));
        }
        if payload_len > MAX_PAYLOAD {
            return Err(DecodeError::TooLong(payload_len));
        }
        Ok(Header {
            pdu_type,
            flags,
            session_id: word(4),
            transaction_id: word(8),
            packet_id: word(12),
            payload_len,
        })
    }

    /// Appends the header, big-endian, with `NETWORK_BYTE_ORDER` set.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            1,
            self.pdu_type as u8,
            self.flags | flags::NETWORK_BYTE_ORDER,
            0,
        ]);
        for w in [
            self.session_id,
            self.transaction_id,
            self.packet_id,
            self.payload_len,
        ] {
            out.extend_from_slice(&w.to_be_bytes());
        }
    }
}
