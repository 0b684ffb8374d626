//! `bfd_takeover` (kad's extension file) in the VRRP process: a backup takes over as soon as
//! a BFD session to its master goes Down, instead of waiting Master_Down_Interval.
//!
//! - After every turn of the loop the wanted sessions are worked out from the enabled
//!   instances: for each one in Backup that has heard its master, a session from its own
//!   address to the master's (so a new master is followed, and becoming master drops it);
//!   and for each enabled instance, its address answers other routers' sessions. The set goes
//!   to the BFD process whenever it changes ([`crate::bfd::takeover`]).
//! - A sync group is enabled as a whole when any member is, since it changes state as one.
//! - A Down goes to every enabled unit with an instance on that local address, as
//!   [`keepalive_vrrp::Instance::master_down`]; the instance ignores it unless it is a backup
//!   following that very master and has heard nothing from it since the Down.
//! - IPv6 instances advertise from link-local addresses, which need an interface scope that
//!   the BFD process's sockets do not carry yet: they are left out, with a warning.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

use keepalive_confparse::ext::Extensions;
use keepalive_vrrp::State;
use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

use super::router::Router;
use crate::bfd::takeover::{retry_after, End, Report, Sent, Timers, Wanted};

/// The VRRP loop's token for the channel from the BFD process.
pub const TOKEN: Token = Token(6); // mod.rs numbers the loop's other tokens around it

/// The `bfd_takeover` state of the VRRP process.
#[derive(Debug, Default)]
pub struct Takeover {
    end: Option<End>,
    /// Enabled units and the timers their sessions run.
    units: BTreeMap<usize, Timers>,
    /// The set the BFD process last received; `None` to send it again.
    sent: Option<Wanted>,
    /// When to send again after the BFD process's queue was full.
    retry: Option<Instant>,
    /// Down reports acted on, and ignored (not a backup of that master, or stale).
    pub taken_over: u64,
    /// See `taken_over`.
    pub ignored: u64,
}

fn timers(t: &keepalive_confparse::ext::BfdTakeover) -> Timers {
    Timers {
        min_rx: Duration::from_micros(t.min_rx.0),
        min_tx: Duration::from_micros(t.min_tx.0),
        multiplier: t.multiplier,
    }
}

fn usable(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(_) => true,
        IpAddr::V6(a) => !a.is_unicast_link_local(),
    }
}

impl Takeover {
    /// Takes the enabled instances from `ext` (at start and after each reload, once the
    /// router runs the new configuration) and opens the channel when there is any.
    pub fn configure(&mut self, ext: &Extensions, router: &Router, registry: &Registry) {
        self.units.clear();
        for (name, i) in &ext.vrrp_instances {
            let (Some(t), Some((u, _))) = (&i.bfd_takeover, router.handle(name)) else {
                continue;
            };
            let t = timers(t);
            let merged = self.units.get(&u).map_or(t, |old| old.fastest(t));
            self.units.insert(u, merged);
        }
        for &u in self.units.keys() {
            for m in 0..router.unit_len(u) {
                if let Some(i) = router.instance_at((u, m)) {
                    if !usable(i.config().primary_addr) {
                        log_warn!(
                            "({}) bfd_takeover: the instance advertises from {}, a link-local address kad's BFD cannot use yet - ignored",
                            i.name(),
                            i.config().primary_addr
                        );
                    }
                }
            }
        }
        if self.units.is_empty() && self.end.is_none() {
            return;
        }
        if self.end.is_none() {
            match End::vrrp() {
                Ok(end) => {
                    let fd = end.as_fd().as_raw_fd();
                    if let Err(e) = registry.register(&mut SourceFd(&fd), TOKEN, Interest::READABLE)
                    {
                        log_err!("bfd_takeover: {e}");
                    }
                    self.end = Some(end);
                }
                Err(e) => {
                    log_err!("bfd_takeover: cannot open the channel to the BFD process - {e}")
                }
            }
        }
        self.sent = None;
    }

    /// The sessions the instances need now.
    pub fn wanted(&self, router: &Router) -> Wanted {
        let mut active: BTreeMap<(IpAddr, IpAddr), Timers> = BTreeMap::new();
        let mut passive: BTreeMap<IpAddr, Timers> = BTreeMap::new();
        for (&u, &t) in &self.units {
            for m in 0..router.unit_len(u) {
                let Some(i) = router.instance_at((u, m)) else {
                    continue;
                };
                let local = i.config().primary_addr;
                if !usable(local) {
                    continue;
                }
                passive
                    .entry(local)
                    .and_modify(|old| *old = old.fastest(t))
                    .or_insert(t);
                let master = i.master().filter(|_| i.state() == State::Backup);
                if let Some(master) = master.filter(|m| usable(m.addr)) {
                    active
                        .entry((master.addr, local))
                        .and_modify(|old| *old = old.fastest(t))
                        .or_insert(t);
                }
            }
        }
        Wanted {
            active: active.into_iter().collect(),
            passive: passive.into_iter().collect(),
        }
    }

    /// Sends the wanted set if it changed (or the last send found a full queue).
    pub fn sync(&mut self, router: &Router, now: Instant) {
        if self.end.is_none() || self.retry.is_some_and(|t| t > now) {
            return;
        }
        let wanted = self.wanted(router);
        if self.sent.as_ref() == Some(&wanted) {
            return;
        }
        let Some(end) = self.end.as_mut() else {
            return;
        };
        let sent = end.send_counted(&wanted.encode());
        self.retry = retry_after(sent, now);
        // An absent BFD process says hello when it starts; then everything goes again.
        if sent != Sent::Full {
            self.sent = Some(wanted);
        }
    }

    /// When [`sync`](Self::sync) must run again without any other event.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.retry
    }

    /// Reports from the BFD process.
    pub fn readable(&mut self, router: &mut Router, now: Instant) {
        let records = self.end.as_mut().map(End::drain).unwrap_or_default();
        for record in records {
            match Report::decode(&record) {
                Some(Report::Hello) => self.sent = None,
                Some(Report::Up { .. }) => {}
                Some(Report::Down { peer, local, age }) => {
                    let since = now.checked_sub(age).unwrap_or(now);
                    self.master_down(router, now, peer, local, since);
                }
                None => {}
            }
        }
    }

    /// The session from `local` to `peer` went Down at `since`.
    fn master_down(
        &mut self,
        router: &mut Router,
        now: Instant,
        peer: IpAddr,
        local: IpAddr,
        since: Instant,
    ) {
        let units: Vec<usize> = self.units.keys().copied().collect();
        for u in units {
            let Some(name) = (0..router.unit_len(u))
                .filter_map(|m| router.instance_at((u, m)))
                .find(|i| i.config().primary_addr == local)
                .map(|i| i.name().to_owned())
            else {
                continue;
            };
            match router.master_down(now, u, peer, since) {
                Ok(()) => {
                    self.taken_over += 1;
                    log_info!("({name}) BFD session to master {peer} is Down - master down");
                }
                Err(e) => {
                    self.ignored += 1;
                    log_debug!("({name}) BFD Down of {peer} ignored: {e}");
                }
            }
        }
    }
}
