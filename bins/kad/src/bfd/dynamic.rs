//! `bfd_takeover`'s sessions in the BFD process: not from `bfd_instance` blocks but asked for
//! by the VRRP process over [`super::takeover`], which follows each backup's master.
//!
//! - One session per (peer, local) pair, whichever router is master: a backup runs it
//!   actively toward its master; a router answers passively on the addresses of its
//!   `bfd_takeover` instances, creating the session when the first packet with Your
//!   Discriminator zero arrives (RFC 5880 §6.1's passive role). When the two routers swap
//!   roles the same session carries on, reconfigured, so a failover never resets it.
//! - A passive session is created only for a single-hop packet received with TTL 255 (RFC
//!   5881 §5) to one of those addresses, at most [`MAX_SESSIONS`] in all; passive sessions
//!   that never came Up make room for new ones after [`UNANSWERED`].
//! - Every Up and Down goes to the VRRP process, which decides what a Down means (only a
//!   backup following that master acts on it). A peer's AdminDown is no failure (RFC 5882
//!   §3.2) and is not reported.

use std::collections::HashMap;
use std::net::IpAddr;
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

use keepalive_bfd::{Event, RxError, RxMeta, SessionConfig, SessionId};
use mio::unix::SourceFd;
use mio::{Interest, Token};

use super::socket::TxSocket;
use super::takeover::{End, Report, Timers, Wanted};
use super::Bfdd;

/// The loop's token for the channel from the VRRP process.
pub(super) const TOKEN: Token = Token(3);
/// At most this many `bfd_takeover` sessions, so spoofed packets cannot fill memory.
const MAX_SESSIONS: usize = 256;
/// A passive session that has not come Up this long after it was created may be reused.
const UNANSWERED: Duration = Duration::from_secs(10);
/// RFC 5881 §5: single-hop packets are sent, and must arrive, with TTL 255.
const SINGLE_HOP_TTL: u8 = 255;

/// One `bfd_takeover` session.
#[derive(Debug, Clone, Copy)]
struct Dyn {
    id: SessionId,
    /// Opened by this router as a backup (else answering).
    active: bool,
    timers: Timers,
    created: Instant,
}

/// The `bfd_takeover` side of the BFD process.
#[derive(Debug, Default)]
pub(super) struct Dynamic {
    end: Option<End>,
    sessions: HashMap<(IpAddr, IpAddr), Dyn>,
    by_id: HashMap<SessionId, (IpAddr, IpAddr)>,
    /// Local addresses answered, with their timers.
    passive: HashMap<IpAddr, Timers>,
    /// Records to the VRRP process that found its queue full.
    pub dropped: u64,
}

fn session_config(peer: IpAddr, local: IpAddr, t: Timers, active: bool) -> SessionConfig {
    let mut c = SessionConfig::new(peer);
    c.local = Some(local);
    c.required_min_rx = t.min_rx;
    c.desired_min_tx = t.min_tx;
    c.detect_mult = t.multiplier;
    c.passive = !active;
    c
}

impl Bfdd<'_> {
    /// Opens the channel to the VRRP process and says hello, so that a running VRRP process
    /// sends what it wants.
    pub(super) fn dynamic_open(&mut self) {
        match End::bfd() {
            Ok(end) => {
                let fd = end.as_fd().as_raw_fd();
                if let Err(e) =
                    self.poll
                        .registry()
                        .register(&mut SourceFd(&fd), TOKEN, Interest::READABLE)
                {
                    log_err!("bfd_takeover: {e}");
                }
                self.dynamic.end = Some(end);
            }
            Err(e) => log_err!("bfd_takeover: cannot open the channel to VRRP - {e}"),
        }
    }

    /// The VRRP process's requests: the last complete set wins.
    pub(super) fn dynamic_readable(&mut self, now: Instant) {
        let records = self
            .dynamic
            .end
            .as_mut()
            .map(End::drain)
            .unwrap_or_default();
        if let Some(w) = records.iter().rev().find_map(|r| Wanted::decode(r)) {
            self.dynamic_apply(w, now);
            self.flush(now);
        }
    }

    /// Starts, reconfigures and removes sessions to match `w`.
    fn dynamic_apply(&mut self, w: Wanted, now: Instant) {
        self.dynamic.passive = w.passive.iter().copied().collect();
        let wanted: HashMap<(IpAddr, IpAddr), Timers> = w.active.iter().copied().collect();
        for (&(peer, local), &timers) in &wanted {
            match self.dynamic.sessions.get(&(peer, local)).copied() {
                Some(d) if d.active && d.timers == timers => {}
                Some(d) => self.dynamic_reconfigure(peer, local, d, timers, true, now),
                None => {
                    if let Some(name) = self.configured_to(peer, local) {
                        log_warn!(
                            "bfd_takeover: BFD_Instance({name}) already runs a session to {peer}; not starting another"
                        );
                        continue;
                    }
                    self.dynamic_add(peer, local, timers, true, now);
                }
            }
        }
        let current: Vec<((IpAddr, IpAddr), Dyn)> = self
            .dynamic
            .sessions
            .iter()
            .map(|(k, d)| (*k, *d))
            .collect();
        for ((peer, local), d) in current {
            if wanted.contains_key(&(peer, local)) {
                continue;
            }
            match self.dynamic.passive.get(&local).copied() {
                Some(timers) if !d.active && d.timers == timers => {}
                Some(timers) => self.dynamic_reconfigure(peer, local, d, timers, false, now),
                None => self.dynamic_remove(peer, local, now),
            }
        }
    }

    /// A configured `bfd_instance` with the same endpoints, whose session would collide.
    fn configured_to(&self, peer: IpAddr, local: IpAddr) -> Option<String> {
        self.active
            .values()
            .find(|a| {
                let c = &a.plan.config;
                c.peer == peer && !c.multihop && c.local.is_none_or(|l| l == local)
            })
            .map(|a| a.plan.name.clone())
    }

    fn dynamic_add(
        &mut self,
        peer: IpAddr,
        local: IpAddr,
        timers: Timers,
        active: bool,
        now: Instant,
    ) -> Option<SessionId> {
        if self.dynamic.sessions.len() >= MAX_SESSIONS && !self.dynamic_make_room(now) {
            return None;
        }
        let rng = &mut self.rng;
        let mut next = || {
            *rng ^= *rng >> 12;
            *rng ^= *rng << 25;
            *rng ^= *rng >> 27;
            rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        let tx = match TxSocket::open(peer, Some(local), SINGLE_HOP_TTL, &mut next) {
            Ok(s) => s,
            Err(e) => {
                log_err!("bfd_takeover: cannot open a socket from {local} to {peer} - {e}");
                return None;
            }
        };
        let id = self
            .sessions
            .add(session_config(peer, local, timers, active), now);
        self.tx.insert(id, tx);
        self.dynamic.sessions.insert(
            (peer, local),
            Dyn {
                id,
                active,
                timers,
                created: now,
            },
        );
        self.dynamic.by_id.insert(id, (peer, local));
        Some(id)
    }

    fn dynamic_reconfigure(
        &mut self,
        peer: IpAddr,
        local: IpAddr,
        d: Dyn,
        timers: Timers,
        active: bool,
        now: Instant,
    ) {
        self.sessions
            .reconfigure(d.id, session_config(peer, local, timers, active), now);
        self.dynamic.sessions.insert(
            (peer, local),
            Dyn {
                active,
                timers,
                ..d
            },
        );
    }

    /// The session sends AdminDown for a detection time, then its socket goes (`flush`).
    fn dynamic_remove(&mut self, peer: IpAddr, local: IpAddr, now: Instant) {
        if let Some(d) = self.dynamic.sessions.remove(&(peer, local)) {
            self.dynamic.by_id.remove(&d.id);
            self.sessions.remove(d.id, now);
        }
    }

    /// Drops the oldest passive session that never came Up; false when there is none.
    fn dynamic_make_room(&mut self, now: Instant) -> bool {
        let sessions = &self.sessions;
        let victim = self
            .dynamic
            .sessions
            .iter()
            .filter(|(_, d)| !d.active && now.duration_since(d.created) >= UNANSWERED)
            .filter(|(_, d)| {
                sessions
                    .session(d.id)
                    .is_none_or(|s| s.last_state_change().is_none())
            })
            .min_by_key(|(_, d)| d.created)
            .map(|(k, _)| *k);
        match victim {
            Some((peer, local)) => {
                self.dynamic_remove(peer, local, now);
                true
            }
            None => false,
        }
    }

    /// A received packet: to its session, or, when none has it and it is a single-hop packet
    /// to an address this router answers on, to a new passive session.
    pub(super) fn dynamic_packet(&mut self, now: Instant, bytes: &[u8], meta: &RxMeta) {
        let Err(RxError::NoSession { src, dst, multihop }) =
            self.sessions.handle_packet(now, bytes, meta)
        else {
            return;
        };
        if multihop || meta.ttl != SINGLE_HOP_TTL {
            return;
        }
        let Some(timers) = self.dynamic.passive.get(&dst).copied() else {
            return;
        };
        if self.dynamic.sessions.contains_key(&(src, dst)) || self.configured_to(src, dst).is_some()
        {
            return;
        }
        if self.dynamic_add(src, dst, timers, false, now).is_some() {
            let _ = self.sessions.handle_packet(now, bytes, meta);
        }
    }

    /// Reports a `bfd_takeover` session's change; false when `id` is not one of them.
    pub(super) fn dynamic_event(&mut self, id: SessionId, ev: &Event, now: Instant) -> bool {
        let Some(&(peer, local)) = self.dynamic.by_id.get(&id) else {
            return false;
        };
        let report = match ev {
            Event::Up => {
                log_info!("bfd_takeover: session {local} -> {peer} Entering Up state");
                Report::Up { peer, local }
            }
            Event::Down {
                diag,
                peer_admin_down,
            } => {
                log_info!(
                    "bfd_takeover: session {local} -> {peer} Entering Down state (Local diagnostic - {diag})"
                );
                if *peer_admin_down {
                    return true;
                }
                Report::Down {
                    peer,
                    local,
                    age: Instant::now().saturating_duration_since(now),
                }
            }
            _ => return true,
        };
        if let Some(end) = self.dynamic.end.as_mut() {
            // A lost Down only costs the speed-up: the backup's own timer still runs.
            let _ = end.send_counted(&report.encode());
            self.dynamic.dropped = end.dropped;
        }
        true
    }

    /// At exit: every `bfd_takeover` session sends AdminDown.
    pub(super) fn dynamic_stop(&mut self, now: Instant) {
        let keys: Vec<(IpAddr, IpAddr)> = self.dynamic.sessions.keys().copied().collect();
        for (peer, local) in keys {
            self.dynamic_remove(peer, local, now);
        }
    }
}
