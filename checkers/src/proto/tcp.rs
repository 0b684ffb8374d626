//! TCP_CHECK: a completed connect is success.

use super::Step;
use crate::error::FailReason;
use crate::event::{CheckAction, Family, IoEvent, Target, Transport};

/// The TCP_CHECK probe.
#[derive(Debug, Default)]
pub struct TcpProbe;

impl TcpProbe {
    pub(crate) fn begin(&mut self, target: &Target, out: &mut Vec<CheckAction>) {
        out.push(connect(Transport::Tcp, target, None));
    }

    pub(crate) fn on_event(&mut self, ev: &IoEvent<'_>) -> Step {
        match ev {
            IoEvent::Connected => Step::Pass,
            IoEvent::ConnectFailed(why) => Step::Fail(FailReason::ConnectFailed(*why)),
            IoEvent::Eof => Step::Fail(FailReason::UnexpectedEof),
            _ => Step::Pending,
        }
    }
}

/// The `Connect` action for `target`.
pub(crate) fn connect(
    transport: Transport,
    target: &Target,
    tls: Option<crate::event::TlsParams>,
) -> CheckAction {
    CheckAction::Connect {
        transport,
        family: Family::of(target.addr),
        target: target.clone(),
        tls,
    }
}

/// The common handling of events that end any socket attempt in failure.
pub(crate) fn failure_of(ev: &IoEvent<'_>) -> Option<FailReason> {
    match ev {
        IoEvent::ConnectFailed(why) => Some(FailReason::ConnectFailed(*why)),
        IoEvent::IcmpError(why) => Some(FailReason::Icmp(*why)),
        IoEvent::Eof => Some(FailReason::UnexpectedEof),
        _ => None,
    }
}
