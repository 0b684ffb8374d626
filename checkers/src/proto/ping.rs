//! PING_CHECK: one ICMP (RFC 792) or ICMPv6 (RFC 4443 §4.1) echo request; the matching echo
//! reply (same identifier and sequence number) is success.

use super::Step;
use crate::error::FailReason;
use crate::event::{CheckAction, Family, IoEvent, Target};
use crate::timing::Rng;

const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_ECHO_REQUEST: u8 = 8;
const ICMP6_ECHO_REQUEST: u8 = 128;
const ICMP6_ECHO_REPLY: u8 = 129;
/// Payload carried by each request (keepalived sends a small fixed-size payload).
const PAYLOAD: &[u8] = b"keepalived-kad-check";

/// The settings of a `PING_CHECK` (it has none of its own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PingConfig {
    /// Match replies on the sequence number only: Linux ping sockets (`IPPROTO_ICMP` datagram
    /// sockets) replace the identifier with the socket's own.
    pub ignore_identifier: bool,
}

/// The PING_CHECK probe.
#[derive(Debug)]
pub struct PingProbe {
    config: PingConfig,
    id: u16,
    seq: u16,
    family: Family,
}

/// The RFC 1071 Internet checksum.
fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for pair in bytes.chunks(2) {
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An echo request: type, code, checksum, identifier, sequence number, payload. ICMPv6's
/// checksum covers a pseudo-header only the kernel knows, so it is left zero for the kernel
/// to fill (as Linux does for ICMPv6 sockets).
pub fn echo_request(family: Family, id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    let kind = match family {
        Family::Inet => ICMP_ECHO_REQUEST,
        Family::Inet6 => ICMP6_ECHO_REQUEST,
    };
    let mut p = vec![kind, 0, 0, 0];
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(payload);
    if family == Family::Inet {
        let c = checksum(&p);
        p[2..4].copy_from_slice(&c.to_be_bytes());
    }
    p
}

impl PingProbe {
    pub(crate) fn new(config: PingConfig) -> Self {
        PingProbe {
            config,
            id: 0,
            seq: 0,
            family: Family::Inet,
        }
    }

    pub(crate) fn begin(&mut self, target: &Target, rng: &mut Rng, out: &mut Vec<CheckAction>) {
        if self.id == 0 {
            self.id = (rng.next_u64() as u16).max(1);
        }
        self.seq = self.seq.wrapping_add(1);
        self.family = Family::of(target.addr);
        out.push(CheckAction::SendIcmp {
            family: self.family,
            target: target.clone(),
            packet: echo_request(self.family, self.id, self.seq, PAYLOAD),
        });
    }

    pub(crate) fn on_event(&mut self, ev: &IoEvent<'_>) -> Step {
        match ev {
            IoEvent::Data(reply) => {
                let want = match self.family {
                    Family::Inet => ICMP_ECHO_REPLY,
                    Family::Inet6 => ICMP6_ECHO_REPLY,
                };
                if reply.len() < 8 || reply[0] != want || reply[1] != 0 {
                    return Step::Pending;
                }
                let id = u16::from_be_bytes([reply[4], reply[5]]);
                let seq = u16::from_be_bytes([reply[6], reply[7]]);
                if seq == self.seq && (self.config.ignore_identifier || id == self.id) {
                    Step::Pass
                } else {
                    Step::Pending
                }
            }
            IoEvent::IcmpError(why) => Step::Fail(FailReason::Icmp(*why)),
            IoEvent::ConnectFailed(why) => Step::Fail(FailReason::ConnectFailed(*why)),
            _ => Step::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::IoFailure;
    use std::io;
    use std::net::Ipv4Addr;

    #[test]
    fn request_bytes_and_checksum() {
        let p = echo_request(Family::Inet, 0x1234, 1, b"ab");
        assert_eq!(&p[..2], &[8, 0]);
        assert_eq!(&p[4..8], &[0x12, 0x34, 0, 1]);
        assert_eq!(checksum(&p), 0, "a correct checksum sums to zero");
        let p6 = echo_request(Family::Inet6, 1, 2, b"");
        assert_eq!(p6, vec![128, 0, 0, 0, 0, 1, 0, 2]);
    }

    #[test]
    fn reply_matched_by_id_and_seq() {
        let mut p = PingProbe::new(PingConfig::default());
        let mut out = Vec::new();
        let t = Target::new(Ipv4Addr::new(192, 0, 2, 9).into(), 0);
        p.begin(&t, &mut Rng::new(3), &mut out);
        let Some(CheckAction::SendIcmp { packet, .. }) = (!out.is_empty()).then(|| out.remove(0))
        else {
            panic!("no echo request")
        };
        let mut reply = packet.clone();
        reply[0] = ICMP_ECHO_REPLY;
        let mut wrong_seq = reply.clone();
        wrong_seq[7] ^= 1;
        let mut wrong_id = reply.clone();
        wrong_id[4] ^= 1;
        assert_eq!(p.on_event(&IoEvent::Data(&packet)), Step::Pending);
        assert_eq!(p.on_event(&IoEvent::Data(&wrong_seq)), Step::Pending);
        assert_eq!(p.on_event(&IoEvent::Data(&wrong_id)), Step::Pending);
        assert_eq!(p.on_event(&IoEvent::Data(&reply[..5])), Step::Pending);
        assert_eq!(p.on_event(&IoEvent::Data(&reply)), Step::Pass);
        assert_eq!(
            p.on_event(&IoEvent::IcmpError(IoFailure::Kind(
                io::ErrorKind::HostUnreachable
            ))),
            Step::Fail(FailReason::Icmp(IoFailure::Kind(
                io::ErrorKind::HostUnreachable
            )))
        );
    }
}
