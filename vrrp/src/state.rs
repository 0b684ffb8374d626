//! The instance state machine as one table: (state, event) → (next state, steps).
//!
//! The table is the whole protocol logic of RFC 5798 §6.4 plus keepalived's extensions
//! (FAULT, STOP, sync groups). Deciding *which* event a packet or a timer is — comparing
//! priorities and addresses, preempt rules — happens in [`Instance`](crate::Instance);
//! carrying out a [`Step`] (building an advert, choosing a deadline) happens there too.
//! Reading this table alone tells what every input does in every state.

use std::fmt;

/// The state of a VRRP instance (RFC 5798 §6.4, plus keepalived's FAULT and STOP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Waiting for the trackers' first results, or for startup (RFC 5798 §6.4.1).
    Init,
    /// Listening to the master; takes over when the master-down timer expires.
    Backup,
    /// Forwarding for the virtual addresses and advertising.
    Master,
    /// A tracked object has failed: neither advertising nor taking over.
    Fault,
    /// Shut down (`notify_stop`); terminal.
    Stopped,
    /// Removed by a configuration reload (`notify_deleted`); terminal.
    Deleted,
}

impl State {
    /// The word keepalived writes for this state in notify arguments and FIFO lines.
    pub fn keyword(self) -> &'static str {
        match self {
            State::Init => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
            State::Stopped => "STOP",
            State::Deleted => "DELETED",
        }
    }

    /// Whether the instance can no longer change state.
    pub fn is_terminal(self) -> bool {
        matches!(self, State::Stopped | State::Deleted)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// What happened to the instance, already classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// Leave Init: all trackers reported and none failed.
    Start,
    /// Leave Init as the address owner configured `state MASTER`: take over at once.
    StartOwner,
    /// Leave Init with a failed tracker.
    StartFault,
    /// The master-down timer expired (RFC 5798 §6.4.2 "Master_Down_Timer fires").
    MasterDown,
    /// The master-down timer expired but the sync group does not let this member be
    /// master yet (keepalived `vrrp_sync_can_goto_master`).
    MasterDownHeld,
    /// The advert timer expired (RFC 5798 §6.4.3 "Adver_Timer fires").
    AdvertTimer,
    /// A valid advert with priority 0: the master is leaving (RFC 5798 §6.4.2, §6.4.3).
    RxPriorityZero,
    /// Backup: an advert that keeps the sender master (higher or equal priority, or
    /// `nopreempt`, or `preempt_delay` still running) (RFC 5798 §6.4.2).
    RxAccept,
    /// Backup: a lower-priority advert we may preempt: ignored, so the master-down
    /// timer keeps running (RFC 5798 §6.4.2, "Preempt_Mode is True").
    RxPreempt,
    /// Master: an advert from a better router (higher priority, or equal priority and
    /// higher primary address) (RFC 5798 §6.4.3).
    RxHigher,
    /// Master: an advert from a worse router (RFC 5798 §6.4.3, keepalived's forced
    /// re-election and `garp_lower_prio_*`).
    RxLower,
    /// A tracker failed.
    FaultRaised,
    /// Every tracker recovered.
    FaultCleared,
    /// Every tracker recovered and the instance is the owner configured `state MASTER`.
    FaultClearedOwner,
    /// The sync group takes this member to Master.
    GroupMaster,
    /// The sync group takes this member to Backup.
    GroupBackup,
    /// The sync group takes this member to Fault.
    GroupFault,
    /// The daemon is stopping (RFC 5798 §6.4.3 "Shutdown event").
    Shutdown,
    /// A reload removed the instance.
    Delete,
}

/// One thing a transition does, in order. [`Instance`](crate::Instance) carries it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Send an advert with our effective priority.
    SendAdvert,
    /// Send an advert only if `higher_prio_send_advert` is set (so the other master
    /// sees us and repeats its GARPs).
    SendAdvertIfHigherPrioSendAdvert,
    /// Send an advert unless `lower_prio_no_advert` is set (keepalived forces a new
    /// election by default; the RFC stays silent).
    SendAdvertUnlessLowerPrioNoAdvert,
    /// Send a priority-0 advert so backups take over after only the skew time.
    SendPriorityZero,
    /// Remember the master's priority and address and, in v3, adopt its advert
    /// interval as Master_Adver_Interval (RFC 5798 §6.4.2).
    LearnMaster,
    /// Add the virtual addresses, routes and rules.
    Install,
    /// Remove the virtual rules, routes and addresses.
    Uninstall,
    /// The first GARP/NA block and the delayed/refresh/extra-interface timers.
    GarpBecomeMaster,
    /// GARP/NA after a lower-priority advert (`garp_lower_prio_repeat/delay`).
    GarpLowerPriority,
    /// In unicast mode, one GARP/NA for our own address, so that the master, whose ARP
    /// cache may have lost us, can send us adverts at once (keepalived `try_up_instance`).
    GarpOwnAddress,
    /// Arm the advert timer for one Advertisement_Interval.
    ArmAdvertTimer,
    /// Arm the master-down timer for the full Master_Down_Interval.
    ArmMasterDown,
    /// Arm the master-down timer for the skew time only (after a priority-0 advert).
    ArmSkew,
    /// Arm the master-down timer to fire at once (address owner at startup).
    ArmNow,
    /// Arm the master-down timer for one advert interval plus skew (owner leaving FAULT).
    ArmOneAdvert,
    /// Stop the master-only timers (advert, GARP).
    StopMasterTimers,
    /// Stop every timer.
    StopAllTimers,
    /// Count a transition to Master (`become_master`).
    CountBecomeMaster,
    /// Count a transition out of Master (`release_master`).
    CountReleaseMaster,
    /// Report the new state (`notify_*`, FIFO, SNMP traps).
    NotifyState,
    /// Report `MASTER_RX_LOWER_PRI`.
    NotifyRxLowerPriority,
}

/// The result of an event in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The state after the event (may equal the current one).
    pub next: State,
    /// What to do, in order.
    pub steps: &'static [Step],
}

use Event as E;
use State as S;
use Step::*;

const BECOME_MASTER: &[Step] = &[
    // The old master must see our advert before our GARPs (keepalived's order).
    SendAdvert,
    Install,
    GarpBecomeMaster,
    ArmAdvertTimer,
    CountBecomeMaster,
    NotifyState,
];
const MASTER_YIELDS: &[Step] = &[
    SendAdvertIfHigherPrioSendAdvert,
    LearnMaster,
    Uninstall,
    StopMasterTimers,
    ArmMasterDown,
    CountReleaseMaster,
    NotifyState,
];
const MASTER_HEARS_LOWER: &[Step] = &[
    SendAdvertUnlessLowerPrioNoAdvert,
    GarpLowerPriority,
    NotifyRxLowerPriority,
];
const LEAVE_FAULT: &[Step] = &[ArmMasterDown, GarpOwnAddress, NotifyState];
const OWNER_LEAVES_FAULT: &[Step] = &[ArmOneAdvert, GarpOwnAddress, NotifyState];
const MASTER_TO_BACKUP: &[Step] = &[
    Uninstall,
    StopMasterTimers,
    ArmMasterDown,
    CountReleaseMaster,
    NotifyState,
];
const MASTER_TO_FAULT: &[Step] = &[
    SendPriorityZero,
    Uninstall,
    StopAllTimers,
    CountReleaseMaster,
    NotifyState,
];
const MASTER_TO_END: &[Step] = &[SendPriorityZero, Uninstall, StopAllTimers, NotifyState];
const TO_END: &[Step] = &[StopAllTimers, NotifyState];
const TO_FAULT: &[Step] = &[StopAllTimers, NotifyState];
const TO_BACKUP: &[Step] = &[ArmMasterDown, NotifyState];

/// The transition for `event` in `state`, or `None` if the event means nothing there
/// (for example an advert received in Fault, which keepalived ignores).
pub fn transition(state: State, event: Event) -> Option<Transition> {
    let (next, steps): (State, &'static [Step]) = match (state, event) {
        // Startup (RFC 5798 §6.4.1).
        (S::Init, E::Start) => (S::Backup, TO_BACKUP),
        (S::Init, E::StartOwner) => (S::Backup, &[ArmNow]),
        (S::Init, E::StartFault) => (S::Fault, &[NotifyState]),

        // Backup (RFC 5798 §6.4.2).
        (S::Backup, E::MasterDown) => (S::Master, BECOME_MASTER),
        (S::Backup, E::MasterDownHeld) => (S::Backup, &[ArmMasterDown]),
        (S::Backup, E::RxPriorityZero) => (S::Backup, &[ArmSkew]),
        (S::Backup, E::RxAccept) => (S::Backup, &[LearnMaster, ArmMasterDown]),
        (S::Backup, E::RxPreempt) => (S::Backup, &[]),

        // Master (RFC 5798 §6.4.3).
        (S::Master, E::AdvertTimer) => (S::Master, &[SendAdvert, ArmAdvertTimer]),
        (S::Master, E::RxPriorityZero) => (S::Master, &[SendAdvert, ArmAdvertTimer]),
        (S::Master, E::RxHigher) => (S::Backup, MASTER_YIELDS),
        (S::Master, E::RxLower) => (S::Master, MASTER_HEARS_LOWER),

        // Tracking (keepalived FAULT).
        (S::Init | S::Backup, E::FaultRaised | E::GroupFault) => (S::Fault, TO_FAULT),
        (S::Master, E::FaultRaised | E::GroupFault) => (S::Fault, MASTER_TO_FAULT),
        (S::Fault, E::FaultCleared) => (S::Backup, LEAVE_FAULT),
        (S::Fault, E::FaultClearedOwner) => (S::Backup, OWNER_LEAVES_FAULT),

        // Sync groups (keepalived vrrp_sync.c).
        (S::Init | S::Backup | S::Fault, E::GroupMaster) => (S::Master, BECOME_MASTER),
        (S::Master, E::GroupBackup) => (S::Backup, MASTER_TO_BACKUP),
        (S::Fault, E::GroupBackup) => (S::Backup, TO_BACKUP),

        // Shutdown (RFC 5798 §6.4.3) and removal by reload.
        (S::Master, E::Shutdown) => (S::Stopped, MASTER_TO_END),
        (S::Master, E::Delete) => (S::Deleted, MASTER_TO_END),
        (S::Init | S::Backup | S::Fault, E::Shutdown) => (S::Stopped, TO_END),
        (S::Init | S::Backup | S::Fault, E::Delete) => (S::Deleted, TO_END),

        _ => return None,
    };
    Some(Transition { next, steps })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATES: [State; 6] = [
        S::Init,
        S::Backup,
        S::Master,
        S::Fault,
        S::Stopped,
        S::Deleted,
    ];
    const EVENTS: [Event; 19] = [
        E::Start,
        E::StartOwner,
        E::StartFault,
        E::MasterDown,
        E::MasterDownHeld,
        E::AdvertTimer,
        E::RxPriorityZero,
        E::RxAccept,
        E::RxPreempt,
        E::RxHigher,
        E::RxLower,
        E::FaultRaised,
        E::FaultCleared,
        E::FaultClearedOwner,
        E::GroupMaster,
        E::GroupBackup,
        E::GroupFault,
        E::Shutdown,
        E::Delete,
    ];

    #[test]
    fn terminal_states_accept_nothing() {
        for state in [S::Stopped, S::Deleted] {
            for event in EVENTS {
                assert_eq!(transition(state, event), None, "{state:?} {event:?}");
            }
        }
    }

    #[test]
    fn every_live_state_can_stop() {
        for state in [S::Init, S::Backup, S::Master, S::Fault] {
            assert_eq!(transition(state, E::Shutdown).unwrap().next, S::Stopped);
            assert_eq!(transition(state, E::Delete).unwrap().next, S::Deleted);
        }
    }

    #[test]
    fn entering_master_installs_and_leaving_uninstalls() {
        for state in STATES {
            for event in EVENTS {
                let Some(t) = transition(state, event) else {
                    continue;
                };
                let installs = t.steps.contains(&Install);
                let uninstalls = t.steps.contains(&Uninstall);
                assert_eq!(
                    installs,
                    state != S::Master && t.next == S::Master,
                    "{state:?} {event:?}"
                );
                assert_eq!(
                    uninstalls,
                    state == S::Master && t.next != S::Master,
                    "{state:?} {event:?}"
                );
                // Every change of state is reported, except the owner's silent pass
                // through Backup on its way to Master.
                if t.next != state && event != E::StartOwner {
                    assert!(t.steps.contains(&NotifyState), "{state:?} {event:?}");
                }
            }
        }
    }

    #[test]
    fn master_leaving_abruptly_sends_priority_zero() {
        for event in [E::FaultRaised, E::GroupFault, E::Shutdown, E::Delete] {
            let t = transition(S::Master, event).unwrap();
            assert_eq!(t.steps.first(), Some(&SendPriorityZero));
        }
    }
}
