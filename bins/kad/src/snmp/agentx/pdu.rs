//! The PDUs of RFC 2741 §6.2, decoded from and encoded to bytes.
//!
//! [`Pdu::parse`] takes one whole PDU (header and payload, as [`frame_len`] delimits it in a
//! stream) and never panics; [`Pdu::emit`] writes one, big-endian.

use super::error::DecodeError;
use super::header::{flags, Header, PduType, HEADER_LEN};
use super::oid::Oid;
use super::varbind::VarBind;
use super::wire::{put_octets, put_u16, put_u32, Reader};

/// A SearchRange (§5.2): from `start` (itself included when `include`) up to, not
/// including, `end`; a null `end` is unbounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRange {
    /// Where the search starts.
    pub start: Oid,
    /// `start` itself may be returned.
    pub include: bool,
    /// Where it stops.
    pub end: Oid,
}

/// `r.reason` of a Close (§6.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum CloseReason {
    Other,
    ParseError,
    ProtocolError,
    Timeouts,
    Shutdown,
    ByManager,
    Unknown(u8),
}

impl From<u8> for CloseReason {
    fn from(v: u8) -> CloseReason {
        match v {
            1 => CloseReason::Other,
            2 => CloseReason::ParseError,
            3 => CloseReason::ProtocolError,
            4 => CloseReason::Timeouts,
            5 => CloseReason::Shutdown,
            6 => CloseReason::ByManager,
            v => CloseReason::Unknown(v),
        }
    }
}

impl From<CloseReason> for u8 {
    fn from(r: CloseReason) -> u8 {
        match r {
            CloseReason::Other => 1,
            CloseReason::ParseError => 2,
            CloseReason::ProtocolError => 3,
            CloseReason::Timeouts => 4,
            CloseReason::Shutdown => 5,
            CloseReason::ByManager => 6,
            CloseReason::Unknown(v) => v,
        }
    }
}

/// `res.error` values a subagent uses (§6.2.16; SNMP's own codes below 256).
pub mod res_error {
    /// Success.
    pub const NO_ERROR: u16 = 0;
    /// SNMP genErr.
    pub const GEN_ERR: u16 = 5;
    /// SNMP wrongType.
    pub const WRONG_TYPE: u16 = 7;
    /// SNMP wrongLength.
    pub const WRONG_LENGTH: u16 = 8;
    /// SNMP wrongValue.
    pub const WRONG_VALUE: u16 = 10;
    /// SNMP noCreation: no such object instance to write.
    pub const NO_CREATION: u16 = 11;
    /// SNMP notWritable: the object is read-only.
    pub const NOT_WRITABLE: u16 = 17;
    /// The master refused the session.
    pub const OPEN_FAILED: u16 = 256;
    /// The session is not open.
    pub const NOT_OPEN: u16 = 257;
    /// Another subagent registered the subtree at the same priority.
    pub const DUPLICATE_REGISTRATION: u16 = 263;
    /// A PDU the receiver could not parse.
    pub const PARSE_ERROR: u16 = 266;
    /// The request is not supported.
    pub const PROCESSING_ERROR: u16 = 268;
}

/// What a PDU carries after its header (and context).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Body {
    Open {
        timeout: u8,
        id: Oid,
        descr: Vec<u8>,
    },
    Close(CloseReason),
    Register {
        timeout: u8,
        priority: u8,
        range_subid: u8,
        subtree: Oid,
        upper_bound: Option<u32>,
    },
    Unregister {
        priority: u8,
        range_subid: u8,
        subtree: Oid,
        upper_bound: Option<u32>,
    },
    Get(Vec<SearchRange>),
    GetNext(Vec<SearchRange>),
    GetBulk {
        non_repeaters: u16,
        max_repetitions: u16,
        ranges: Vec<SearchRange>,
    },
    TestSet(Vec<VarBind>),
    CommitSet,
    UndoSet,
    CleanupSet,
    Notify(Vec<VarBind>),
    Ping,
    IndexAllocate(Vec<VarBind>),
    IndexDeallocate(Vec<VarBind>),
    AddAgentCaps {
        id: Oid,
        descr: Vec<u8>,
    },
    RemoveAgentCaps {
        id: Oid,
    },
    Response {
        sys_uptime: u32,
        error: u16,
        index: u16,
        varbinds: Vec<VarBind>,
    },
}

impl Body {
    /// The PDU type that carries this body.
    pub fn pdu_type(&self) -> PduType {
        match self {
            Body::Open { .. } => PduType::Open,
            Body::Close(_) => PduType::Close,
            Body::Register { .. } => PduType::Register,
            Body::Unregister { .. } => PduType::Unregister,
            Body::Get(_) => PduType::Get,
            Body::GetNext(_) => PduType::GetNext,
            Body::GetBulk { .. } => PduType::GetBulk,
            Body::TestSet(_) => PduType::TestSet,
            Body::CommitSet => PduType::CommitSet,
            Body::UndoSet => PduType::UndoSet,
            Body::CleanupSet => PduType::CleanupSet,
            Body::Notify(_) => PduType::Notify,
            Body::Ping => PduType::Ping,
            Body::IndexAllocate(_) => PduType::IndexAllocate,
            Body::IndexDeallocate(_) => PduType::IndexDeallocate,
            Body::AddAgentCaps { .. } => PduType::AddAgentCaps,
            Body::RemoveAgentCaps { .. } => PduType::RemoveAgentCaps,
            Body::Response { .. } => PduType::Response,
        }
    }
}

/// One PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    /// `h.sessionID`.
    pub session_id: u32,
    /// `h.transactionID`.
    pub transaction_id: u32,
    /// `h.packetID`.
    pub packet_id: u32,
    /// `h.flags` other than the byte order and context bits.
    pub flags: u8,
    /// The non-default context, when `NON_DEFAULT_CONTEXT` is set.
    pub context: Option<Vec<u8>>,
    /// The payload.
    pub body: Body,
}

/// How many bytes the PDU at the start of `buf` takes: `Ok(None)` until its header is
/// complete, an error when the header is not AgentX.
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, DecodeError> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let h = Header::parse(buf)?;
    Ok(Some(HEADER_LEN + h.payload_len as usize))
}

fn ranges(r: &mut Reader<'_>) -> Result<Vec<SearchRange>, DecodeError> {
    let mut v = Vec::new();
    while r.remaining() > 0 {
        let (start, include) = Oid::read(r)?;
        let (end, _) = Oid::read(r)?;
        v.push(SearchRange {
            start,
            include,
            end,
        });
    }
    Ok(v)
}

fn varbinds(r: &mut Reader<'_>) -> Result<Vec<VarBind>, DecodeError> {
    let mut v = Vec::new();
    while r.remaining() > 0 {
        v.push(VarBind::read(r)?);
    }
    Ok(v)
}

fn upper_bound(r: &mut Reader<'_>, range_subid: u8) -> Result<Option<u32>, DecodeError> {
    Ok(if range_subid != 0 {
        Some(r.u32("upper bound")?)
    } else {
        None
    })
}

impl Pdu {
    /// Decodes one whole PDU; bytes after it are ignored (the caller framed it).
    pub fn parse(buf: &[u8]) -> Result<Pdu, DecodeError> {
        let h = Header::parse(buf)?;
        let end = HEADER_LEN + h.payload_len as usize;
        let payload = buf
            .get(HEADER_LEN..end)
            .ok_or(DecodeError::Truncated("payload"))?;
        let mut r = Reader::new(payload, h.big_endian());
        let context = if h.flags & flags::NON_DEFAULT_CONTEXT != 0 {
            Some(r.octets("context")?.to_vec())
        } else {
            None
        };
        let body = match h.pdu_type {
            PduType::Open => {
                let timeout = r.u8("open")?;
                r.bytes(3, "open")?;
                let (id, _) = Oid::read(&mut r)?;
                let descr = r.octets("open description")?.to_vec();
                Body::Open { timeout, id, descr }
            }
            PduType::Close => {
                let reason = r.u8("close")?;
                r.bytes(3, "close")?;
                Body::Close(reason.into())
            }
            PduType::Register => {
                let timeout = r.u8("register")?;
                let priority = r.u8("register")?;
                let range_subid = r.u8("register")?;
                r.u8("register")?;
                let (subtree, _) = Oid::read(&mut r)?;
                let upper_bound = upper_bound(&mut r, range_subid)?;
                Body::Register {
                    timeout,
                    priority,
                    range_subid,
                    subtree,
                    upper_bound,
                }
            }
            PduType::Unregister => {
                r.u8("unregister")?;
                let priority = r.u8("unregister")?;
                let range_subid = r.u8("unregister")?;
                r.u8("unregister")?;
                let (subtree, _) = Oid::read(&mut r)?;
                let upper_bound = upper_bound(&mut r, range_subid)?;
                Body::Unregister {
                    priority,
                    range_subid,
                    subtree,
                    upper_bound,
                }
            }
            PduType::Get => Body::Get(ranges(&mut r)?),
            PduType::GetNext => Body::GetNext(ranges(&mut r)?),
            PduType::GetBulk => {
                let non_repeaters = r.u16("getbulk")?;
                let max_repetitions = r.u16("getbulk")?;
                Body::GetBulk {
                    non_repeaters,
                    max_repetitions,
                    ranges: ranges(&mut r)?,
                }
            }
            PduType::TestSet => Body::TestSet(varbinds(&mut r)?),
            PduType::CommitSet => Body::CommitSet,
            PduType::UndoSet => Body::UndoSet,
            PduType::CleanupSet => Body::CleanupSet,
            PduType::Notify => Body::Notify(varbinds(&mut r)?),
            PduType::Ping => Body::Ping,
            PduType::IndexAllocate => Body::IndexAllocate(varbinds(&mut r)?),
            PduType::IndexDeallocate => Body::IndexDeallocate(varbinds(&mut r)?),
            PduType::AddAgentCaps => {
                let (id, _) = Oid::read(&mut r)?;
                let descr = r.octets("agent capabilities")?.to_vec();
                Body::AddAgentCaps { id, descr }
            }
            PduType::RemoveAgentCaps => Body::RemoveAgentCaps {
                id: Oid::read(&mut r)?.0,
            },
            PduType::Response => {
                let sys_uptime = r.u32("response")?;
                let error = r.u16("response")?;
                let index = r.u16("response")?;
                Body::Response {
                    sys_uptime,
                    error,
                    index,
                    varbinds: varbinds(&mut r)?,
                }
            }
        };
        if r.remaining() > 0 {
            return Err(DecodeError::Trailing(r.remaining()));
        }
        Ok(Pdu {
            session_id: h.session_id,
            transaction_id: h.transaction_id,
            packet_id: h.packet_id,
            flags: h.flags & !(flags::NON_DEFAULT_CONTEXT | flags::NETWORK_BYTE_ORDER),
            context,
            body,
        })
    }

    /// Appends the encoded PDU to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut p = Vec::new();
        if let Some(c) = &self.context {
            put_octets(&mut p, c);
        }
        let put_ranges = |p: &mut Vec<u8>, rs: &[SearchRange]| {
            for r in rs {
                r.start.emit(r.include, p);
                r.end.emit(false, p);
            }
        };
        match &self.body {
            Body::Open { timeout, id, descr } => {
                p.extend_from_slice(&[*timeout, 0, 0, 0]);
                id.emit(false, &mut p);
                put_octets(&mut p, descr);
            }
            Body::Close(reason) => p.extend_from_slice(&[u8::from(*reason), 0, 0, 0]),
            Body::Register {
                timeout,
                priority,
                range_subid,
                subtree,
                upper_bound,
            } => {
                p.extend_from_slice(&[*timeout, *priority, *range_subid, 0]);
                subtree.emit(false, &mut p);
                if let Some(u) = upper_bound {
                    put_u32(&mut p, *u);
                }
            }
            Body::Unregister {
                priority,
                range_subid,
                subtree,
                upper_bound,
            } => {
                p.extend_from_slice(&[0, *priority, *range_subid, 0]);
                subtree.emit(false, &mut p);
                if let Some(u) = upper_bound {
                    put_u32(&mut p, *u);
                }
            }
            Body::Get(rs) | Body::GetNext(rs) => put_ranges(&mut p, rs),
            Body::GetBulk {
                non_repeaters,
                max_repetitions,
                ranges,
            } => {
                put_u16(&mut p, *non_repeaters);
                put_u16(&mut p, *max_repetitions);
                put_ranges(&mut p, ranges);
            }
            Body::TestSet(vbs)
            | Body::Notify(vbs)
            | Body::IndexAllocate(vbs)
            | Body::IndexDeallocate(vbs) => vbs.iter().for_each(|v| v.emit(&mut p)),
            Body::CommitSet | Body::UndoSet | Body::CleanupSet | Body::Ping => {}
            Body::AddAgentCaps { id, descr } => {
                id.emit(false, &mut p);
                put_octets(&mut p, descr);
            }
            Body::RemoveAgentCaps { id } => id.emit(false, &mut p),
            Body::Response {
                sys_uptime,
                error,
                index,
                varbinds,
            } => {
                put_u32(&mut p, *sys_uptime);
                put_u16(&mut p, *error);
                put_u16(&mut p, *index);
                varbinds.iter().for_each(|v| v.emit(&mut p));
            }
        }
        let context_flag = if self.context.is_some() {
            flags::NON_DEFAULT_CONTEXT
        } else {
            0
        };
        Header {
            pdu_type: self.body.pdu_type(),
            flags: self.flags | context_flag,
            session_id: self.session_id,
            transaction_id: self.transaction_id,
            packet_id: self.packet_id,
            payload_len: p.len() as u32,
        }
        .emit(out);
        out.extend_from_slice(&p);
    }
}

#[cfg(test)]
mod tests {
    use super::super::varbind::Value;
    use super::*;

    fn round_trip(pdu: &Pdu) {
        let mut out = vec![];
        pdu.emit(&mut out);
        assert_eq!(frame_len(&out), Ok(Some(out.len())));
        assert_eq!(&Pdu::parse(&out).unwrap(), pdu);
    }

    fn pdu(body: Body) -> Pdu {
        Pdu {
            session_id: 7,
            transaction_id: 8,
            packet_id: 9,
            flags: 0,
            context: None,
            body,
        }
    }

    /// An Open as net-snmp's subagent library sends it, hand-assembled from RFC 2741 §6.2.1.
    #[test]
    fn open_bytes() {
        let p = pdu(Body::Open {
            timeout: 1,
            id: Oid(vec![1, 3, 6, 1, 4, 1, 9586, 100, 5]),
            descr: b"kad".to_vec(),
        });
        let mut out = vec![0xa5; 0];
        p.emit(&mut out);
        #[rustfmt::skip]
        let want = [
            1, 1, 0x10, 0,  0, 0, 0, 7,  0, 0, 0, 8,  0, 0, 0, 9,  0, 0, 0, 32,
            1, 0, 0, 0,
            4, 4, 0, 0,  0, 0, 0, 1,  0, 0, 0x25, 0x72,  0, 0, 0, 100,  0, 0, 0, 5,
            0, 0, 0, 3,  b'k', b'a', b'd', 0,
        ];
        assert_eq!(out, want);
        round_trip(&p);
    }

    #[test]
    fn every_body_round_trips() {
        let oid = Oid(vec![1, 3, 6, 1, 2, 1, 207, 1]);
        let range = SearchRange {
            start: oid.clone(),
            include: true,
            end: Oid::default(),
        };
        let vbs = vec![
            VarBind::new(oid.child(&[1]), Value::Integer(-3)),
            VarBind::new(oid.child(&[2]), Value::string("VI_1")),
            VarBind::new(oid.child(&[3]), Value::Counter64(1 << 40 | 5)),
            VarBind::new(oid.child(&[4]), Value::IpAddress([192, 0, 2, 1])),
            VarBind::new(oid.child(&[5]), Value::ObjectIdentifier(oid.clone())),
            VarBind::new(oid.child(&[6]), Value::TimeTicks(100)),
            VarBind::new(oid.child(&[7]), Value::EndOfMibView),
        ];
        for body in [
            Body::Close(CloseReason::Shutdown),
            Body::Register {
                timeout: 0,
                priority: 127,
                range_subid: 0,
                subtree: oid.clone(),
                upper_bound: None,
            },
            Body::Unregister {
                priority: 127,
                range_subid: 9,
                subtree: oid.clone(),
                upper_bound: Some(4),
            },
            Body::Get(vec![range.clone()]),
            Body::GetNext(vec![range.clone(), range.clone()]),
            Body::GetBulk {
                non_repeaters: 1,
                max_repetitions: 10,
                ranges: vec![range],
            },
            Body::TestSet(vbs.clone()),
            Body::CommitSet,
            Body::UndoSet,
            Body::CleanupSet,
            Body::Notify(vbs.clone()),
            Body::Ping,
            Body::IndexAllocate(vbs.clone()),
            Body::IndexDeallocate(vec![]),
            Body::AddAgentCaps {
                id: oid.clone(),
                descr: b"The MIB module for VRRPV3".to_vec(),
            },
            Body::RemoveAgentCaps { id: oid },
            Body::Response {
                sys_uptime: 12,
                error: res_error::NOT_WRITABLE,
                index: 1,
                varbinds: vbs,
            },
        ] {
            round_trip(&pdu(body));
        }
        let mut with_context = pdu(Body::Ping);
        with_context.context = Some(b"ctx".to_vec());
        round_trip(&with_context);
    }

    /// A master agent may send little-endian PDUs (`NETWORK_BYTE_ORDER` clear).
    #[test]
    fn little_endian_is_read() {
        #[rustfmt::skip]
        let b = [
            1, 18, 0, 0,  3, 0, 0, 0,  0, 0, 0, 0,  1, 0, 0, 0,  8, 0, 0, 0,
            5, 0, 0, 0,  0, 0, 0, 0,
        ];
        let p = Pdu::parse(&b).unwrap();
        assert_eq!(p.session_id, 3);
        assert_eq!(p.packet_id, 1);
        assert_eq!(
            p.body,
            Body::Response {
                sys_uptime: 5,
                error: 0,
                index: 0,
                varbinds: vec![]
            }
        );
    }

    #[test]
    fn each_rejection_has_its_reason() {
        let mut good = vec![];
        pdu(Body::Close(CloseReason::Other)).emit(&mut good);
        assert_eq!(Pdu::parse(&good[..5]), Err(DecodeError::ShortHeader(5)));
        let mut b = good.clone();
        b[0] = 2;
        assert_eq!(Pdu::parse(&b), Err(DecodeError::Version(2)));
        let mut b = good.clone();
        b[1] = 99;
        assert_eq!(Pdu::parse(&b), Err(DecodeError::UnknownType(99)));
        let mut b = good.clone();
        b[19] = 5;
        assert_eq!(Pdu::parse(&b), Err(DecodeError::UnalignedLength(5)));
        let mut b = good.clone();
        b[16] = 0x10;
        assert!(matches!(Pdu::parse(&b), Err(DecodeError::TooLong(_))));
        assert_eq!(
            Pdu::parse(&good[..21]),
            Err(DecodeError::Truncated("payload"))
        );
        let mut b = good.clone();
        b[19] = 8;
        b.extend_from_slice(&[0; 4]);
        assert_eq!(Pdu::parse(&b), Err(DecodeError::Trailing(4)));
        let mut b = vec![];
        pdu(Body::Notify(vec![VarBind::new(Oid(vec![1]), Value::Null)])).emit(&mut b);
        b[21] = 99;
        assert_eq!(Pdu::parse(&b), Err(DecodeError::UnknownValueType(99)));
        let mut b = vec![];
        pdu(Body::GetNext(vec![])).emit(&mut b);
        b[19] = 4;
        b.extend_from_slice(&[200, 0, 0, 0]);
        assert_eq!(Pdu::parse(&b), Err(DecodeError::OidTooLong(200)));
    }
}
