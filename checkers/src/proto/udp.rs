//! UDP_CHECK: send a datagram; an ICMP error is failure; with `require_reply` a reply of the
//! right length whose bytes match `require_reply` (ignoring masked `x` nibbles) is required,
//! otherwise silence until `connect_timeout` is success (keepalived's `check_udp.c`).

use super::tcp::{connect, failure_of};
use super::Step;
use crate::error::{ConfigError, FailReason};
use crate::event::{CheckAction, IoEvent, Target, Transport};
use crate::timing::Rng;

/// Length of the random payload sent when `payload` is not configured.
const RANDOM_PAYLOAD_LEN: usize = 16;

/// The settings of a `UDP_CHECK`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpConfig {
    /// `payload`; `None` sends random bytes.
    pub payload: Option<Vec<u8>>,
    /// `require_reply`.
    pub require_reply: bool,
    /// The `require_reply` bytes.
    pub reply_data: Option<Vec<u8>>,
    /// Bits of `reply_data` to ignore (from `x` nibbles).
    pub reply_mask: Option<Vec<u8>>,
    /// `min_reply_length` (default 0).
    pub min_reply_length: u16,
    /// `max_reply_length` (default 255).
    pub max_reply_length: u16,
}

impl Default for UdpConfig {
    fn default() -> Self {
        UdpConfig {
            payload: None,
            require_reply: false,
            reply_data: None,
            reply_mask: None,
            min_reply_length: 0,
            max_reply_length: 255,
        }
    }
}

impl UdpConfig {
    /// keepalived's `check_udp_reply`: `None` if `reply` is acceptable.
    pub fn check_reply(&self, reply: &[u8]) -> Option<FailReason> {
        let len = reply.len();
        if len < usize::from(self.min_reply_length) || len > usize::from(self.max_reply_length) {
            return Some(FailReason::UdpReplyLength(len));
        }
        let data = self.reply_data.as_deref().unwrap_or(&[]);
        for (i, (got, want)) in reply.iter().zip(data).enumerate() {
            let ignore = self
                .reply_mask
                .as_ref()
                .and_then(|m| m.get(i))
                .copied()
                .unwrap_or(0);
            if (got ^ want) & !ignore != 0 {
                return Some(FailReason::UdpReplyMismatch);
            }
        }
        None
    }
}

/// The UDP_CHECK probe.
#[derive(Debug)]
pub struct UdpProbe {
    config: UdpConfig,
}

impl UdpProbe {
    pub(crate) fn new(config: UdpConfig) -> Result<Self, ConfigError> {
        if let (Some(d), Some(m)) = (&config.reply_data, &config.reply_mask) {
            if d.len() != m.len() {
                return Err(ConfigError::UdpMask);
            }
        }
        Ok(UdpProbe { config })
    }

    pub(crate) fn begin(&mut self, target: &Target, rng: &mut Rng, out: &mut Vec<CheckAction>) {
        out.push(connect(Transport::Udp, target, None));
        let payload = match &self.config.payload {
            Some(p) => p.clone(),
            None => (0..RANDOM_PAYLOAD_LEN)
                .map(|_| rng.next_u64() as u8)
                .collect(),
        };
        out.push(CheckAction::Send(payload));
    }

    pub(crate) fn on_event(&mut self, ev: &IoEvent<'_>) -> Step {
        match ev {
            IoEvent::Data(reply) if self.config.require_reply => {
                match self.config.check_reply(reply) {
                    None => Step::Pass,
                    Some(reason) => Step::Fail(reason),
                }
            }
            IoEvent::Data(_) => Step::Pass,
            IoEvent::Eof => Step::Pending,
            other => failure_of(other).map_or(Step::Pending, Step::Fail),
        }
    }

    /// Without `require_reply`, no ICMP error by the deadline means the port is open.
    pub(crate) fn on_deadline(&mut self) -> Step {
        if self.config.require_reply {
            Step::Fail(FailReason::Timeout)
        } else {
            Step::Pass
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::IoFailure;
    use std::io;

    fn masked() -> UdpConfig {
        // require_reply "12 3x": byte 1's low nibble is ignored.
        UdpConfig {
            require_reply: true,
            reply_data: Some(vec![0x12, 0x30]),
            reply_mask: Some(vec![0x00, 0x0f]),
            min_reply_length: 2,
            max_reply_length: 8,
            ..UdpConfig::default()
        }
    }

    #[test]
    fn mask_ignores_x_nibbles() {
        let c = masked();
        assert_eq!(c.check_reply(&[0x12, 0x3f]), None);
        assert_eq!(c.check_reply(&[0x12, 0x30, 0xff, 0xee]), None);
        assert_eq!(
            c.check_reply(&[0x12, 0x4f]),
            Some(FailReason::UdpReplyMismatch)
        );
        assert_eq!(
            c.check_reply(&[0x13, 0x30]),
            Some(FailReason::UdpReplyMismatch)
        );
    }

    #[test]
    fn length_bounds() {
        let c = masked();
        assert_eq!(c.check_reply(&[0x12]), Some(FailReason::UdpReplyLength(1)));
        assert_eq!(
            c.check_reply(&[0x12; 9]),
            Some(FailReason::UdpReplyLength(9))
        );
    }

    #[test]
    fn icmp_error_fails_and_silence_passes_without_require_reply() {
        let mut p = UdpProbe::new(UdpConfig::default()).unwrap();
        assert_eq!(
            p.on_event(&IoEvent::IcmpError(IoFailure::Kind(
                io::ErrorKind::ConnectionRefused
            ))),
            Step::Fail(FailReason::Icmp(IoFailure::Kind(
                io::ErrorKind::ConnectionRefused
            )))
        );
        assert_eq!(p.on_deadline(), Step::Pass);
        let mut p = UdpProbe::new(masked()).unwrap();
        assert_eq!(p.on_deadline(), Step::Fail(FailReason::Timeout));
    }

    #[test]
    fn mask_length_must_match() {
        let c = UdpConfig {
            reply_data: Some(vec![1, 2]),
            reply_mask: Some(vec![0]),
            ..UdpConfig::default()
        };
        assert_eq!(UdpProbe::new(c).unwrap_err(), ConfigError::UdpMask);
    }
}
