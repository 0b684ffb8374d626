//! "The master is known to be down": an outside detector (a BFD session from this backup to
//! its master, the IETF routing-area "VRRP with BFD" idea) tells a backup at once what the
//! Master_Down_Timer would tell it only after 3 × Advertisement_Interval + Skew_Time.
//!
//! The report is handled exactly as the timer's expiry (RFC 5798 §6.4.2 "If the
//! Master_Down_Timer fires"): the same transition, the same sync-group gating, the same
//! `vrrp_startup_delay` floor. No new election rule is involved: a backup whose master went
//! away becomes master, and if several backups do so at once the adverts they then exchange
//! settle it by priority and primary address (§6.4.3), as after any timer expiry.
//!
//! A report must be about the master this backup follows *now*, and newer than what the
//! backup last heard from it:
//! - it names the master's address; a report about another router (an old master, whose
//!   session the caller has not torn down yet) is ignored;
//! - it carries the time the detector saw the master go down; an advert accepted from that
//!   master after that time proves the master alive, so the report is stale and ignored.
//!
//! A false report (the detector's path broke, the master lives) makes this backup master
//! until the real master's next advert: keepalived's master answers a lower-priority advert
//! at once (unless `lower_prio_no_advert`), so the overlap is one round trip, and at most one
//! Advertisement_Interval with `lower_prio_no_advert`. A backup of equal priority and higher
//! primary address wins that exchange and stays master — the same outcome as a real timer
//! expiry with those priorities.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use thiserror::Error;

use super::Instance;
use crate::state::State;
use crate::timers::Timer;

/// Why a master-down report was not acted on; each cause is distinct so that a caller can
/// count and log it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MasterDownIgnored {
    /// Only a backup waits for its master; Init, Master, Fault and the terminal states
    /// ignore the report.
    #[error("not a backup (state {0})")]
    NotBackup(State),
    /// The backup has not heard any master yet, so it cannot tell whom the report is about.
    #[error("no master heard yet")]
    NoMaster,
    /// The report is about a router that is not the current master.
    #[error("{reported} is not the current master {current}")]
    OtherMaster {
        /// The router the report names.
        reported: IpAddr,
        /// The master the backup follows.
        current: IpAddr,
    },
    /// An advert from the master was accepted after the detector declared it down.
    #[error("an advert from {master} came {newer:?} after the report")]
    Stale {
        /// The master.
        master: IpAddr,
        /// How much later than the detector's Down that advert came.
        newer: Duration,
    },
}

impl Instance {
    /// The master at `master` is known to be down since `since` (by the caller's detector,
    /// for example a BFD session to it going Down): handled as the Master_Down_Timer's
    /// expiry, so this backup becomes master at once — or, in a sync group whose other
    /// members still wait for their masters, wants to and stays Backup (keepalived's
    /// `wantstate`).
    ///
    /// Ignored unless the instance is Backup, `master` is the master it follows, and no advert
    /// from that master was accepted after `since` (see [`MasterDownIgnored`]).
    pub fn master_down(
        &mut self,
        now: Instant,
        master: IpAddr,
        since: Instant,
    ) -> Result<(), MasterDownIgnored> {
        self.fire_timers(now);
        self.check_master_down(master, since)?;
        let at = self.backup_deadline(now, Duration::ZERO);
        self.timers.set(Timer::MasterDown, at);
        self.fire_timers(now);
        Ok(())
    }

    /// Whether a report about `master` since `since` is to be acted on.
    pub(crate) fn check_master_down(
        &self,
        master: IpAddr,
        since: Instant,
    ) -> Result<(), MasterDownIgnored> {
        if self.state != State::Backup {
            return Err(MasterDownIgnored::NotBackup(self.state));
        }
        let current = self.master.ok_or(MasterDownIgnored::NoMaster)?.addr;
        if current != master {
            return Err(MasterDownIgnored::OtherMaster {
                reported: master,
                current,
            });
        }
        match self.master_heard_at {
            Some(heard) if heard > since => Err(MasterDownIgnored::Stale {
                master,
                newer: heard - since,
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::Action;
    use crate::config::InstanceConfig;
    use crate::priority::Priority;
    use crate::rx::RxMeta;
    use crate::sync_group::{SyncGroup, SyncGroupConfig};

    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn config(host: u8, priority: u8) -> InstanceConfig {
        let mut c = InstanceConfig::new("VI_1", 51, IpAddr::from([192, 0, 2, host]));
        c.vips.push(IpAddr::from([192, 0, 2, 100]));
        c.priority = Priority(priority);
        c
    }

    fn ip(host: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, host])
    }

    fn meta(src: IpAddr) -> RxMeta {
        RxMeta {
            src,
            dst: None,
            ttl_or_hop_limit: Some(255),
            ifindex: 1,
        }
    }

    fn advert(host: u8, priority: u8, vrid: u8, t: Instant) -> Vec<u8> {
        let mut c = config(host, priority);
        c.vrid = vrid;
        c.vips = vec![ip(49 + vrid)];
        let mut peer = Instance::new(c, t, 99);
        peer.send_advert(Priority(priority));
        std::iter::from_fn(|| peer.poll_action())
            .find_map(|a| match a {
                Action::SendAdvert { bytes, .. } => Some(bytes),
                _ => None,
            })
            .expect("advert")
    }

    /// A backup (priority 100 at .2) that has heard the master (priority 200 at .1) at t0.
    fn backup_following_master(t0: Instant) -> Instance {
        let mut b = Instance::new(config(2, 100), t0, 1);
        b.handle_packet(t0, &advert(1, 200, 51, t0), &meta(ip(1)))
            .unwrap();
        while b.poll_action().is_some() {}
        assert_eq!(b.master().map(|m| m.addr), Some(ip(1)));
        b
    }

    #[test]
    fn a_backup_takes_over_at_once_as_on_timer_expiry() {
        let t0 = Instant::now();
        let mut b = backup_following_master(t0);
        let t = t0 + MS(40);
        b.master_down(t, ip(1), t0 + MS(30)).unwrap();
        assert_eq!(b.state(), State::Master);
        let actions: Vec<Action> = std::iter::from_fn(|| b.poll_action()).collect();
        assert!(matches!(actions.first(), Some(Action::SendAdvert { .. })));
        assert!(actions.iter().any(|a| matches!(a, Action::AddVips { .. })));
        assert_eq!(b.stats().become_master, 1);
        assert_eq!(b.master(), None);
    }

    #[test]
    fn each_reason_to_ignore() {
        let t0 = Instant::now();
        let mut fresh = Instance::new(config(2, 100), t0, 1);
        assert_eq!(
            fresh.master_down(t0, ip(1), t0),
            Err(MasterDownIgnored::NoMaster)
        );

        let mut b = backup_following_master(t0);
        assert_eq!(
            b.master_down(t0 + MS(5), ip(3), t0 + MS(1)),
            Err(MasterDownIgnored::OtherMaster {
                reported: ip(3),
                current: ip(1)
            })
        );
        // The master's advert at t0 + 10 ms postdates a Down seen at t0 + 4 ms.
        let t = t0 + MS(10);
        b.handle_packet(t, &advert(1, 200, 51, t), &meta(ip(1)))
            .unwrap();
        assert_eq!(
            b.master_down(t0 + MS(12), ip(1), t0 + MS(4)),
            Err(MasterDownIgnored::Stale {
                master: ip(1),
                newer: MS(6)
            })
        );
        assert_eq!(b.state(), State::Backup);
        // A Down at the very instant of the advert is not stale.
        b.master_down(t0 + MS(12), ip(1), t).unwrap();
        assert_eq!(b.state(), State::Master);
        assert_eq!(
            b.master_down(t0 + MS(13), ip(1), t0 + MS(13)),
            Err(MasterDownIgnored::NotBackup(State::Master))
        );
    }

    #[test]
    fn startup_delay_still_holds() {
        let t0 = Instant::now();
        let mut c = config(2, 100);
        c.startup_delay = Duration::from_secs(2);
        let mut b = Instance::new(c, t0, 1);
        b.handle_packet(t0, &advert(1, 200, 51, t0), &meta(ip(1)))
            .unwrap();
        b.master_down(t0 + MS(50), ip(1), t0 + MS(40)).unwrap();
        assert_eq!(b.state(), State::Backup);
        assert_eq!(b.poll_timeout(), Some(t0 + Duration::from_secs(2)));
        b.handle_timeout(t0 + Duration::from_secs(2));
        assert_eq!(b.state(), State::Master);
    }

    #[test]
    fn a_sync_group_follows_once_every_member_knows_its_master_down() {
        let t0 = Instant::now();
        let mut m2 = config(2, 100);
        m2.name = "VI_2".into();
        m2.vrid = 52;
        m2.vips = vec![ip(101)];
        let mut g = SyncGroup::new(SyncGroupConfig::new("G"), [config(2, 100), m2], t0, 1);
        g.handle_packet(t0, 0, &advert(1, 200, 51, t0), &meta(ip(1)))
            .unwrap();
        g.handle_packet(t0, 1, &advert(1, 200, 52, t0), &meta(ip(1)))
            .unwrap();
        let t = t0 + MS(30);
        g.master_down(t, ip(1), t0 + MS(25)).unwrap();
        assert_eq!(g.state(), State::Master);
        assert!(g.members().iter().all(|m| m.state() == State::Master));

        // A member whose master is another router holds the group back.
        let mut m2 = config(2, 100);
        m2.name = "VI_2".into();
        m2.vrid = 52;
        m2.vips = vec![ip(101)];
        let mut g = SyncGroup::new(SyncGroupConfig::new("G"), [config(2, 100), m2], t0, 1);
        g.handle_packet(t0, 0, &advert(1, 200, 51, t0), &meta(ip(1)))
            .unwrap();
        g.handle_packet(t0, 1, &advert(3, 200, 52, t0), &meta(ip(3)))
            .unwrap();
        g.master_down(t, ip(1), t0 + MS(25)).unwrap();
        assert!(g.members().iter().all(|m| m.state() == State::Backup));
        g.master_down(t + MS(5), ip(3), t0 + MS(30)).unwrap();
        assert!(g.members().iter().all(|m| m.state() == State::Master));
    }
}
