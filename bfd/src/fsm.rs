//! The session state machine as one table: (state, input) → (next state, steps).
//!
//! RFC 5880 §6.2 draws it; §6.8.6 (reception), §6.8.4 (detection time expiry) and §6.8.16
//! (administrative control) spell it out. Classifying a packet into an [`Input`] (its State
//! field) and carrying out each [`Step`] happen in [`crate::Session`]; reading this table
//! alone tells what every input does in every state.

use crate::packet::{Diag, State};

/// What happened to a session, already classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// A valid packet with State AdminDown.
    RxAdminDown,
    /// A valid packet with State Down.
    RxDown,
    /// A valid packet with State Init.
    RxInit,
    /// A valid packet with State Up.
    RxUp,
    /// The Detection Time passed without a valid packet (§6.8.4).
    DetectExpired,
    /// The session is being removed (§6.8.16 "AdminDown").
    AdminDown,
}

impl Input {
    /// The input a received State field makes.
    #[must_use]
    pub const fn from_received(state: State) -> Input {
        match state {
            State::AdminDown => Input::RxAdminDown,
            State::Down => Input::RxDown,
            State::Init => Input::RxInit,
            State::Up => Input::RxUp,
        }
    }
}

/// One thing a transition does, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Set bfd.LocalDiag.
    Diag(Diag),
    /// Forget the remote end: bfd.RemoteDiscr = 0 (§6.8.1: "MUST be set to zero" when a
    /// Detection Time passes without a valid packet), and its timers.
    ForgetRemote,
    /// Choose a new local discriminator, as keepalived does on every Up→Down, so that
    /// packets of the old session cannot revive the new one.
    NewLocalDiscr,
    /// Entering Up: DesiredMinTx changes from `idle_tx` to `min_tx`, through a Poll
    /// sequence when they differ (§6.8.3).
    EnterUp,
    /// Leaving Up: DesiredMinTx returns to `idle_tx` at once (the session is no longer Up,
    /// so §6.8.3's rule to wait for the Final does not apply); any Poll ends.
    LeaveUp,
    /// Stop the detection timer: an AdminDown session ignores the peer (§6.8.6).
    StopDetect,
    /// Send a packet now carrying the new state, rather than at the next periodic one.
    SendNow,
    /// Report [`crate::Event::Up`].
    NotifyUp,
    /// Report [`crate::Event::Down`].
    NotifyDown,
    /// Report [`crate::Event::Down`] caused by the peer's AdminDown (RFC 5882 §3.2: clients
    /// should not treat it as a failure).
    NotifyPeerAdminDown,
}

/// The result of an input in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The state after the input (may equal the current one).
    pub next: State,
    /// What to do, in order.
    pub steps: &'static [Step],
}

use Input as I;
use State as S;
use Step::*;

const ENTER_UP: &[Step] = &[Diag(crate::packet::Diag::None), EnterUp, SendNow, NotifyUp];
const UP_PEER_DOWN: &[Step] = &[
    Diag(crate::packet::Diag::NeighborDown),
    LeaveUp,
    NewLocalDiscr,
    SendNow,
    NotifyDown,
];
const UP_PEER_ADMIN_DOWN: &[Step] = &[
    Diag(crate::packet::Diag::NeighborDown),
    LeaveUp,
    NewLocalDiscr,
    SendNow,
    NotifyPeerAdminDown,
];
const UP_EXPIRED: &[Step] = &[
    Diag(crate::packet::Diag::TimeExpired),
    ForgetRemote,
    LeaveUp,
    NewLocalDiscr,
    SendNow,
    NotifyDown,
];
const INIT_EXPIRED: &[Step] = &[
    Diag(crate::packet::Diag::TimeExpired),
    ForgetRemote,
    SendNow,
];
const ADMIN_DOWN: &[Step] = &[Diag(crate::packet::Diag::AdminDown), StopDetect, SendNow];
const UP_ADMIN_DOWN: &[Step] = &[
    Diag(crate::packet::Diag::AdminDown),
    LeaveUp,
    StopDetect,
    SendNow,
    NotifyDown,
];

/// The transition for `input` in `state`, or `None` when the session ignores it (every
/// input in AdminDown: §6.8.6 "If bfd.SessionState is AdminDown: Discard the packet").
#[must_use]
pub fn transition(state: State, input: Input) -> Option<Transition> {
    let (next, steps): (State, &'static [Step]) = match (state, input) {
        // §6.8.6 "If received state is AdminDown: if bfd.SessionState is not Down, set
        // bfd.LocalDiag to 3 and bfd.SessionState to Down".
        (S::Down, I::RxAdminDown) => (S::Down, &[]),
        (S::Init, I::RxAdminDown) => (S::Down, &[Diag(crate::packet::Diag::NeighborDown), SendNow]),
        (S::Up, I::RxAdminDown) => (S::Down, UP_PEER_ADMIN_DOWN),

        // §6.8.6 "If bfd.SessionState is Down: if received State is Down, set
        // bfd.SessionState to Init; else if received State is Init, set it to Up".
        (S::Down, I::RxDown) => (S::Init, &[SendNow]),
        (S::Down, I::RxInit) => (S::Up, ENTER_UP),
        (S::Down, I::RxUp) => (S::Down, &[]),

        // "Else if bfd.SessionState is Init: if received State is Init or Up, set Up".
        (S::Init, I::RxDown) => (S::Init, &[]),
        (S::Init, I::RxInit | I::RxUp) => (S::Up, ENTER_UP),

        // "Else (bfd.SessionState is Up): if received State is Down, set bfd.LocalDiag to
        // 3 and bfd.SessionState to Down".
        (S::Up, I::RxDown) => (S::Down, UP_PEER_DOWN),
        (S::Up, I::RxInit | I::RxUp) => (S::Up, &[]),

        // §6.8.4: "If … the session has gone down -- the local system MUST set
        // bfd.SessionState to Down and bfd.LocalDiag to 1".
        (S::Down, I::DetectExpired) => (S::Down, &[ForgetRemote]),
        (S::Init, I::DetectExpired) => (S::Down, INIT_EXPIRED),
        (S::Up, I::DetectExpired) => (S::Down, UP_EXPIRED),

        // §6.8.16: diag 7, state AdminDown.
        (S::Down | S::Init, I::AdminDown) => (S::AdminDown, ADMIN_DOWN),
        (S::Up, I::AdminDown) => (S::AdminDown, UP_ADMIN_DOWN),

        (S::AdminDown, _) => return None,
    };
    Some(Transition { next, steps })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATES: [State; 4] = [S::AdminDown, S::Down, S::Init, S::Up];
    const INPUTS: [Input; 6] = [
        I::RxAdminDown,
        I::RxDown,
        I::RxInit,
        I::RxUp,
        I::DetectExpired,
        I::AdminDown,
    ];

    #[test]
    fn admin_down_ignores_everything() {
        for input in INPUTS {
            assert_eq!(transition(S::AdminDown, input), None);
        }
    }

    #[test]
    fn rfc_5880_6_2_diagram() {
        let next = |s, i| transition(s, i).unwrap().next;
        assert_eq!(next(S::Down, I::RxDown), S::Init);
        assert_eq!(next(S::Down, I::RxInit), S::Up);
        assert_eq!(next(S::Down, I::RxUp), S::Down);
        assert_eq!(next(S::Init, I::RxInit), S::Up);
        assert_eq!(next(S::Init, I::RxUp), S::Up);
        assert_eq!(next(S::Init, I::RxAdminDown), S::Down);
        assert_eq!(next(S::Init, I::DetectExpired), S::Down);
        assert_eq!(next(S::Up, I::RxDown), S::Down);
        assert_eq!(next(S::Up, I::RxAdminDown), S::Down);
        assert_eq!(next(S::Up, I::DetectExpired), S::Down);
        assert_eq!(next(S::Up, I::RxUp), S::Up);
    }

    #[test]
    fn every_state_change_sends_and_up_changes_notify() {
        for state in STATES {
            for input in INPUTS {
                let Some(t) = transition(state, input) else {
                    continue;
                };
                if t.next != state {
                    assert!(t.steps.contains(&SendNow), "{state:?} {input:?}");
                }
                let notifies = t
                    .steps
                    .iter()
                    .filter(|s| matches!(s, NotifyUp | NotifyDown | NotifyPeerAdminDown))
                    .count();
                let up_changed = (state == S::Up) != (t.next == S::Up);
                assert_eq!(notifies, usize::from(up_changed), "{state:?} {input:?}");
                assert_eq!(
                    t.steps.contains(&EnterUp),
                    t.next == S::Up && state != S::Up
                );
                assert_eq!(
                    t.steps.contains(&LeaveUp),
                    state == S::Up && t.next != S::Up
                );
            }
        }
    }

    #[test]
    fn leaving_up_sets_a_diagnostic_and_new_discriminator_unless_admin() {
        for input in INPUTS {
            let t = transition(S::Up, input).unwrap();
            if t.next == S::Down {
                assert!(t.steps.contains(&NewLocalDiscr), "{input:?}");
                assert!(matches!(t.steps[0], Diag(_)), "{input:?}");
            }
        }
        assert_eq!(
            transition(S::Up, I::DetectExpired).unwrap().steps[0],
            Diag(crate::packet::Diag::TimeExpired)
        );
    }
}
