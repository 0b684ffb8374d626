//! DNS_CHECK: one query over UDP (RFC 1035 §4.1, recursion desired, as keepalived sends it);
//! the reply must carry the query's id, be a response, have RCODE NOERROR and, unless
//! `require_answer` is off, hold an answer record of the requested type.
//!
//! Queries are built and replies parsed with `hickory-proto`, whose decoder bounds name
//! decompression (pointer loops and over-long names are errors, not hangs); a unit test below
//! feeds it a self-referencing pointer to pin that.

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};

use super::tcp::{connect, failure_of};
use super::Step;
use crate::error::{ConfigError, FailReason};
use crate::event::{CheckAction, IoEvent, Target, Transport};
use crate::timing::Rng;

/// RFC 1035 §4.1.1: the fixed header length.
const HEADER_LEN: usize = 12;

/// The query types keepalived's DNS_CHECK accepts (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsType {
    /// A (1).
    A,
    /// NS (2).
    Ns,
    /// CNAME (5).
    Cname,
    /// SOA (6), keepalived's default.
    Soa,
    /// MX (15).
    Mx,
    /// TXT (16).
    Txt,
    /// AAAA (28).
    Aaaa,
    /// RRSIG (46).
    Rrsig,
    /// DNSKEY (48).
    Dnskey,
}

impl DnsType {
    fn record_type(self) -> RecordType {
        match self {
            DnsType::A => RecordType::A,
            DnsType::Ns => RecordType::NS,
            DnsType::Cname => RecordType::CNAME,
            DnsType::Soa => RecordType::SOA,
            DnsType::Mx => RecordType::MX,
            DnsType::Txt => RecordType::TXT,
            DnsType::Aaaa => RecordType::AAAA,
            DnsType::Rrsig => RecordType::RRSIG,
            DnsType::Dnskey => RecordType::DNSKEY,
        }
    }
}

/// The settings of a `DNS_CHECK`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsConfig {
    /// `type` (default SOA).
    pub qtype: DnsType,
    /// `name` (default `.`).
    pub name: String,
    /// Require an answer record of `qtype`. keepalived 2.2.7 checks only id, QR and RCODE;
    /// set this to `false` for exactly that behaviour.
    pub require_answer: bool,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            qtype: DnsType::Soa,
            name: ".".into(),
            require_answer: true,
        }
    }
}

/// The DNS_CHECK probe.
#[derive(Debug)]
pub struct DnsProbe {
    config: DnsConfig,
    name: Name,
    id: u16,
}

impl DnsProbe {
    /// A probe for `config`; the query id starts at 0 and is redrawn for each attempt.
    pub fn new(config: DnsConfig) -> Result<Self, ConfigError> {
        let name = if config.name == "." || config.name.is_empty() {
            Name::root()
        } else {
            let mut n = Name::from_ascii(&config.name).map_err(|e| ConfigError::DnsName {
                name: config.name.clone(),
                message: e.to_string(),
            })?;
            n.set_fqdn(true);
            n
        };
        Ok(DnsProbe {
            config,
            name,
            id: 0,
        })
    }

    /// The query datagram with id `id`.
    pub fn query(&self, id: u16) -> Vec<u8> {
        let mut m = Message::new();
        m.set_id(id)
            .set_message_type(MessageType::Query)
            .set_op_code(OpCode::Query)
            .set_recursion_desired(true)
            .add_query(Query::query(
                self.name.clone(),
                self.config.qtype.record_type(),
            ));
        // Encoding one question with a validated name cannot fail; an empty datagram would
        // simply time out if it ever did.
        m.to_vec().unwrap_or_default()
    }

    pub(crate) fn begin(&mut self, target: &Target, rng: &mut Rng, out: &mut Vec<CheckAction>) {
        self.id = rng.next_u64() as u16;
        out.push(connect(Transport::Udp, target, None));
        out.push(CheckAction::Send(self.query(self.id)));
    }

    pub(crate) fn on_event(&mut self, ev: &IoEvent<'_>) -> Step {
        match ev {
            IoEvent::Data(reply) => self.check_reply(reply),
            IoEvent::Eof => Step::Pending,
            other => failure_of(other).map_or(Step::Pending, Step::Fail),
        }
    }

    /// Judge one reply datagram. A datagram too short for a header, with another query's id,
    /// or that is not a response is ignored and the check keeps waiting until its timeout, as
    /// keepalived's `dns_recv_thread` does: a stray or spoofed datagram cannot mark a server
    /// down.
    pub fn check_reply(&self, reply: &[u8]) -> Step {
        if reply.len() < HEADER_LEN {
            return Step::Pending;
        }
        let id = u16::from_be_bytes([reply[0], reply[1]]);
        if id != self.id || reply[2] & 0x80 == 0 {
            return Step::Pending;
        }
        let rcode = u16::from(reply[3] & 0x0f);
        if rcode != 0 {
            return Step::Fail(FailReason::DnsRcode(rcode));
        }
        if !self.config.require_answer {
            return Step::Pass;
        }
        let msg = match Message::from_vec(reply) {
            Ok(m) => m,
            Err(e) => return Step::Fail(FailReason::DnsMalformed(e.to_string())),
        };
        if msg.response_code() != ResponseCode::NoError {
            return Step::Fail(FailReason::DnsRcode(u16::from(msg.response_code())));
        }
        let want = self.config.qtype.record_type();
        if msg.answers().iter().any(|r| r.record_type() == want) {
            Step::Pass
        } else {
            Step::Fail(FailReason::DnsNoAnswer(want.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(qtype: DnsType, name: &str) -> DnsProbe {
        let mut p = DnsProbe::new(DnsConfig {
            qtype,
            name: name.into(),
            require_answer: true,
        })
        .unwrap();
        p.id = 0xbeef;
        p
    }

    /// A reply to `query` with one A answer 192.0.2.7 whose owner is a pointer to the question.
    fn a_reply(query: &[u8]) -> Vec<u8> {
        let mut r = query.to_vec();
        r[2] |= 0x80; // QR
        r[7] = 1; // ANCOUNT
        r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7]);
        r
    }

    #[test]
    fn query_bytes() {
        let q = probe(DnsType::A, "www.example.com").query(0x1234);
        let mut want = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        want.extend_from_slice(b"\x03www\x07example\x03com\x00\x00\x01\x00\x01");
        assert_eq!(q, want);
        let root = probe(DnsType::Soa, ".").query(1);
        assert_eq!(&root[12..], &[0, 0, 6, 0, 1]);
    }

    #[test]
    fn good_answer_passes() {
        let p = probe(DnsType::A, "www.example.com");
        assert_eq!(p.check_reply(&a_reply(&p.query(0xbeef))), Step::Pass);
    }

    #[test]
    fn wrong_answers_fail() {
        let p = probe(DnsType::A, "www.example.com");
        let good = a_reply(&p.query(0xbeef));
        let mut bad_id = good.clone();
        bad_id[1] ^= 1;
        assert_eq!(
            p.check_reply(&bad_id),
            Step::Pending,
            "ignored, as keepalived"
        );
        let mut not_resp = good.clone();
        not_resp[2] &= 0x7f;
        assert_eq!(
            p.check_reply(&not_resp),
            Step::Pending,
            "ignored, as keepalived"
        );
        let mut nx = good.clone();
        nx[3] |= 3;
        assert_eq!(p.check_reply(&nx), Step::Fail(FailReason::DnsRcode(3)));
        let aaaa = probe(DnsType::Aaaa, "www.example.com");
        let mut q = aaaa.query(0xbeef);
        q[2] |= 0x80;
        assert_eq!(
            aaaa.check_reply(&q),
            Step::Fail(FailReason::DnsNoAnswer("AAAA".into()))
        );
        assert_eq!(p.check_reply(&good[..11]), Step::Pending);
        let lax = DnsProbe {
            config: DnsConfig {
                require_answer: false,
                ..p.config.clone()
            },
            ..p
        };
        assert_eq!(lax.check_reply(&q), Step::Pass);
    }

    #[test]
    fn compression_loop_is_an_error_not_a_hang() {
        let p = probe(DnsType::A, "www.example.com");
        let mut r = p.query(0xbeef);
        r[2] |= 0x80;
        r[7] = 1;
        let at = r.len();
        // An owner name that is a pointer to itself.
        r.extend_from_slice(&[0xc0, at as u8, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7]);
        assert!(matches!(
            p.check_reply(&r),
            Step::Fail(FailReason::DnsMalformed(_))
        ));
        // Two pointers pointing at each other.
        let mut r2 = p.query(0xbeef);
        r2[2] |= 0x80;
        r2[7] = 1;
        let at = r2.len();
        r2.extend_from_slice(&[
            0xc0,
            (at + 2) as u8,
            0xc0,
            at as u8,
            0,
            1,
            0,
            1,
            0,
            0,
            0,
            1,
            0,
            0,
        ]);
        assert!(matches!(
            p.check_reply(&r2),
            Step::Fail(FailReason::DnsMalformed(_))
        ));
    }

    #[test]
    fn bad_name_is_a_config_error() {
        let long = "a".repeat(70);
        assert!(DnsProbe::new(DnsConfig {
            name: long,
            ..DnsConfig::default()
        })
        .is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_replies_never_panic(mut bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let p = probe(DnsType::Mx, "example.com");
            let _ = p.check_reply(&bytes);
            if bytes.len() >= 4 { bytes[0] = 0xbe; bytes[1] = 0xef; bytes[2] |= 0x80; bytes[3] &= 0xf0; }
            let _ = p.check_reply(&bytes);
        }
    }
}
