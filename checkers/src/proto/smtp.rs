//! SMTP_CHECK: banner `220`, `HELO helo_name` answered by `250`, then `QUIT` (keepalived's
//! `check_smtp.c` sequence). Replies may be multi-line (RFC 5321 §4.2.1: `NNN-text` lines
//! followed by one `NNN text` line).

use super::smtp_reply::ReplyReader;
use super::tcp::{connect, failure_of};
use super::Step;
use crate::error::FailReason;
use crate::event::{CheckAction, IoEvent, Target, Transport};

/// keepalived's default `helo_name`.
pub const DEFAULT_HELO: &str = "smtpchecker.keepalived.org";

/// RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets including CRLF, so 510 of text.
const MAX_LINE: usize = 510;

/// The settings of an `SMTP_CHECK`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// `helo_name`.
    pub helo_name: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            helo_name: DEFAULT_HELO.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Connecting,
    Banner,
    Helo,
}

/// The SMTP_CHECK probe.
#[derive(Debug)]
pub struct SmtpProbe {
    config: SmtpConfig,
    stage: Stage,
    replies: ReplyReader,
}

impl SmtpProbe {
    pub(crate) fn new(config: SmtpConfig) -> Self {
        SmtpProbe {
            config,
            stage: Stage::Connecting,
            replies: ReplyReader::new(MAX_LINE),
        }
    }

    pub(crate) fn begin(&mut self, target: &Target, out: &mut Vec<CheckAction>) {
        self.stage = Stage::Connecting;
        self.replies.clear();
        out.push(connect(Transport::Tcp, target, None));
    }

    pub(crate) fn on_event(&mut self, ev: &IoEvent<'_>, out: &mut Vec<CheckAction>) -> Step {
        match ev {
            IoEvent::Connected if self.stage == Stage::Connecting => {
                self.stage = Stage::Banner;
                Step::Pending
            }
            IoEvent::Data(bytes) if self.stage != Stage::Connecting => self.feed(bytes, out),
            IoEvent::ConnectFailed(why) if self.stage != Stage::Connecting => {
                Step::Fail(FailReason::ReadFailed(*why))
            }
            other => match failure_of(other) {
                Some(reason) => Step::Fail(reason),
                None => Step::Pending,
            },
        }
    }

    /// Why the attempt's deadline hit: keepalived tells a connect timeout from a read one.
    pub(crate) fn deadline_reason(&self) -> FailReason {
        if self.stage == Stage::Connecting {
            FailReason::ConnectTimeout
        } else {
            FailReason::Timeout
        }
    }

    fn feed(&mut self, bytes: &[u8], out: &mut Vec<CheckAction>) -> Step {
        self.replies.push(bytes);
        while let Some(reply) = self.replies.next_reply() {
            let Some(code) = reply.ok().and_then(|r| r.code()) else {
                return Step::Fail(FailReason::SmtpMalformed);
            };
            match self.stage {
                Stage::Banner if code == 220 => {
                    self.stage = Stage::Helo;
                    let helo = format!("HELO {}\r\n", self.config.helo_name);
                    out.push(CheckAction::Send(helo.into_bytes()));
                }
                Stage::Banner => {
                    return Step::Fail(FailReason::SmtpReply {
                        stage: "banner",
                        code,
                    })
                }
                Stage::Helo if code == 250 => {
                    out.push(CheckAction::Send(b"QUIT\r\n".to_vec()));
                    return Step::Pass;
                }
                Stage::Helo => {
                    return Step::Fail(FailReason::SmtpReply {
                        stage: "HELO",
                        code,
                    })
                }
                Stage::Connecting => return Step::Fail(FailReason::SmtpMalformed),
            }
        }
        Step::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::IoFailure;
    use std::io;
    use std::net::Ipv4Addr;

    fn probe() -> (SmtpProbe, Vec<CheckAction>) {
        let mut p = SmtpProbe::new(SmtpConfig::default());
        let mut out = Vec::new();
        p.begin(
            &Target::new(Ipv4Addr::new(192, 0, 2, 1).into(), 25),
            &mut out,
        );
        out.clear();
        assert_eq!(p.on_event(&IoEvent::Connected, &mut out), Step::Pending);
        (p, out)
    }

    #[test]
    fn deadline_and_errors_name_the_stage() {
        let mut p = SmtpProbe::new(SmtpConfig::default());
        let mut out = Vec::new();
        p.begin(
            &Target::new(Ipv4Addr::new(192, 0, 2, 1).into(), 25),
            &mut out,
        );
        assert_eq!(p.deadline_reason(), FailReason::ConnectTimeout);
        let (mut p, mut out) = probe();
        assert_eq!(p.deadline_reason(), FailReason::Timeout);
        assert_eq!(
            p.on_event(
                &IoEvent::ConnectFailed(IoFailure::Kind(io::ErrorKind::ConnectionReset)),
                &mut out
            ),
            Step::Fail(FailReason::ReadFailed(IoFailure::Kind(
                io::ErrorKind::ConnectionReset
            )))
        );
    }

    #[test]
    fn full_dialogue_in_fragments() {
        let (mut p, mut out) = probe();
        assert_eq!(
            p.on_event(&IoEvent::Data(b"220-mx.exa"), &mut out),
            Step::Pending
        );
        assert_eq!(
            p.on_event(&IoEvent::Data(b"mple ESMTP\r\n220 ready\r"), &mut out),
            Step::Pending
        );
        assert!(out.is_empty());
        assert_eq!(p.on_event(&IoEvent::Data(b"\n"), &mut out), Step::Pending);
        assert_eq!(
            (!out.is_empty()).then(|| out.remove(0)),
            Some(CheckAction::Send(
                b"HELO smtpchecker.keepalived.org\r\n".to_vec()
            ))
        );
        assert_eq!(
            p.on_event(&IoEvent::Data(b"250 hello\r\n"), &mut out),
            Step::Pass
        );
        assert_eq!(
            (!out.is_empty()).then(|| out.remove(0)),
            Some(CheckAction::Send(b"QUIT\r\n".to_vec()))
        );
    }

    #[test]
    fn wrong_codes_fail() {
        let (mut p, mut out) = probe();
        assert_eq!(
            p.on_event(&IoEvent::Data(b"554 go away\r\n"), &mut out),
            Step::Fail(FailReason::SmtpReply {
                stage: "banner",
                code: 554
            })
        );
        let (mut p, mut out) = probe();
        p.on_event(&IoEvent::Data(b"220 hi\r\n"), &mut out);
        assert_eq!(
            p.on_event(&IoEvent::Data(b"501 bad\r\n"), &mut out),
            Step::Fail(FailReason::SmtpReply {
                stage: "HELO",
                code: 501
            })
        );
    }

    #[test]
    fn garbage_and_long_lines_fail() {
        let (mut p, mut out) = probe();
        assert_eq!(
            p.on_event(&IoEvent::Data(b"hello\r\n"), &mut out),
            Step::Fail(FailReason::SmtpMalformed)
        );
        let (mut p, mut out) = probe();
        let long = vec![b'2'; 600];
        assert_eq!(
            p.on_event(&IoEvent::Data(&long), &mut out),
            Step::Fail(FailReason::SmtpMalformed)
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(chunks in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..200), 0..8)) {
            let (mut p, mut out) = probe();
            for c in &chunks {
                if p.on_event(&IoEvent::Data(c), &mut out) != Step::Pending { break; }
            }
        }
    }
}
