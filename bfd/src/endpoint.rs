//! [`Sessions`]: every session of one endpoint and the demultiplexer in front of them
//! (RFC 5880 §6.8.6, RFC 5881 §3, RFC 5883 §4).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use crate::config::{RxMeta, SessionConfig};
use crate::error::RxError;
use crate::packet::{BfdPacket, Diag, State};
use crate::rng::Rng;
use crate::schedule::Schedule;
use crate::session::{Ctx, Session};
use crate::slab::Slab;
use crate::stats::RxCounters;

/// Opaque id of a session inside its [`Sessions`]; an id of a removed session never names
/// another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(u64);

impl SessionId {
    pub(crate) const fn new(index: u32, generation: u32) -> Self {
        SessionId((generation as u64) << 32 | index as u64)
    }

    pub(crate) const fn index(self) -> u32 {
        self.0 as u32
    }

    pub(crate) const fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bfd#{}.{}", self.index(), self.generation())
    }
}

/// An Up/Down change for trackers (`track_bfd`, `BFD_CHECK`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The session came Up.
    Up,
    /// The session left Up.
    Down {
        /// Our diagnostic: 1 (detection time expired), 3 (neighbour signalled down) or
        /// 7 (removed locally).
        diag: Diag,
        /// The peer said AdminDown; RFC 5882 §3.2: a client should not treat the path as
        /// failed. keepalived sends no event for it; the caller decides.
        peer_admin_down: bool,
    },
}

/// A packet to send: the caller sends the first `len` bytes of the buffer it gave
/// [`Sessions::poll_transmit`] from the session's own socket (bound to `config.local`, a
/// fixed source port in 49152–65535 chosen by the caller, TTL / hop limit 255 for a single
/// hop) to `dst`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transmit {
    /// The session sending.
    pub session: SessionId,
    /// The peer, port 3784 or 4784.
    pub dst: SocketAddr,
    /// Bytes written.
    pub len: usize,
}

/// A hasher for our own random discriminators: one multiply. A sender chooses only which
/// key it looks up, never the keys stored, so it cannot build collisions.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct DiscrHasher(u64);

impl Hasher for DiscrHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// The [`DiscrHasher`] builder.
pub(crate) type DiscrHash = BuildHasherDefault<DiscrHasher>;
pub(crate) type DiscrMap = HashMap<u32, SessionId, DiscrHash>;

/// A random non-zero discriminator unused in this endpoint (§6.8.1: "MUST be unique across
/// all BFD sessions on this system, and nonzero").
pub(crate) fn fresh_discr(rng: &mut Rng, discrs: &DiscrMap) -> u32 {
    loop {
        let d = rng.next_u32();
        if d != 0 && !discrs.contains_key(&d) {
            return d;
        }
    }
}

/// How a packet with Your Discriminator zero finds its session: RFC 5881 §3 (single hop:
/// the source address, and the local address when configured) and RFC 5883 §4 (multihop:
/// source and destination).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct AddrKey {
    multihop: bool,
    peer: IpAddr,
    local: Option<IpAddr>,
}

impl AddrKey {
    fn of(config: &SessionConfig) -> Self {
        Self {
            multihop: config.multihop,
            peer: config.peer,
            local: config.local,
        }
    }
}

/// The demultiplexer and all sessions of one endpoint (RFC 5881 §3, RFC 5883 §4).
///
/// # Methods, by role
/// - getters: [`session`](Self::session), [`iter`](Self::iter), [`counters`](Self::counters);
/// - inputs: [`handle_packet`](Self::handle_packet), [`handle_timeout`](Self::handle_timeout);
/// - commands: [`add`](Self::add), [`reconfigure`](Self::reconfigure),
///   [`remove`](Self::remove);
/// - outputs: [`poll_transmit`](Self::poll_transmit), [`poll_event`](Self::poll_event),
///   [`poll_timeout`](Self::poll_timeout).
///
/// # Call order
/// As keepalive-vrrp's `Instance`: feed inputs and commands as they happen, then drain
/// [`poll_transmit`](Self::poll_transmit) and [`poll_event`](Self::poll_event) until `None`,
/// then sleep until [`poll_timeout`](Self::poll_timeout) (or the next packet) and call
/// [`handle_timeout`](Self::handle_timeout). `now` must never go backwards.
/// `handle_timeout` is idempotent: calling it early or twice does nothing.
///
/// Nothing here reads a clock, a socket or a random source: discriminators, sequence
/// numbers and jitter come from the seed given to [`new`](Self::new), so a run replays.
///
/// # Receive checks
/// In order: the header checks of RFC 5880 §6.8.6, demultiplexing (by Your Discriminator,
/// else by addresses), the minimum TTL, authentication (§6.7), then the session's state.
/// Each failure is one [`RxError`] variant and one slot of [`RxCounters`].
#[derive(Debug)]
pub struct Sessions {
    sessions: Slab,
    by_discr: DiscrMap,
    by_addr: HashMap<AddrKey, SessionId>,
    rng: Rng,
    events: VecDeque<(SessionId, Event)>,
    tx_queue: VecDeque<SessionId>,
    schedule: Schedule,
    counters: RxCounters,
}

macro_rules! ctx {
    ($self:ident, $id:expr) => {
        Ctx {
            id: $id,
            rng: &mut $self.rng,
            events: &mut $self.events,
            tx_queue: &mut $self.tx_queue,
            discrs: &mut $self.by_discr,
        }
    };
}

impl Sessions {
    /// An endpoint without sessions; `seed` fixes every random choice.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            sessions: Slab::default(),
            by_discr: DiscrMap::default(),
            by_addr: HashMap::new(),
            rng: Rng::new(seed),
            events: VecDeque::new(),
            tx_queue: VecDeque::new(),
            schedule: Schedule::default(),
            counters: RxCounters::default(),
        }
    }

    // ----- getters -----

    /// A session, while it exists (a removed one until its AdminDown period ends).
    #[must_use]
    pub fn session(&self, id: SessionId) -> Option<&Session> {
        self.sessions.get(id)
    }

    /// Every session.
    pub fn iter(&self) -> impl Iterator<Item = (SessionId, &Session)> {
        self.sessions.iter()
    }

    /// Number of sessions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether there are no sessions.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sessions.len() == 0
    }

    /// The receive counters, one per [`RxError`] variant.
    #[must_use]
    pub fn counters(&self) -> &RxCounters {
        &self.counters
    }

    /// The session a packet from `meta` with Your Discriminator zero goes to.
    #[must_use]
    pub fn lookup_by_addr(&self, meta: &RxMeta) -> Option<SessionId> {
        let key = AddrKey {
            multihop: meta.multihop,
            peer: meta.src,
            local: Some(meta.dst),
        };
        self.by_addr
            .get(&key)
            .or_else(|| self.by_addr.get(&AddrKey { local: None, ..key }))
            .copied()
    }

    // ----- commands -----

    /// Adds a session in state Down. It sends at once unless passive. A session with the
    /// same peer, local address and hop mode as an existing one takes over address-based
    /// demultiplexing (the old one stays reachable by discriminator).
    pub fn add(&mut self, config: SessionConfig, now: Instant) -> SessionId {
        let id = self.sessions.vacant();
        let discr = fresh_discr(&mut self.rng, &self.by_discr);
        self.by_discr.insert(discr, id);
        self.by_addr.insert(AddrKey::of(&config), id);
        // Enough room that queueing a packet or an event on receive never allocates.
        self.tx_queue.reserve(2);
        self.events.reserve(2);
        let session = Session::new(config, discr, now, &mut ctx!(self, id));
        self.sessions.insert(id, session);
        self.schedule.reserve(self.sessions.len());
        self.reschedule(id);
        id
    }

    /// Replaces a session's configuration, keeping its state and discriminators; interval
    /// changes go through a Poll sequence while Up (§6.8.3). Unknown ids are ignored.
    pub fn reconfigure(&mut self, id: SessionId, config: SessionConfig, now: Instant) {
        let Some(s) = self.sessions.get_mut(id) else {
            return;
        };
        let old = AddrKey::of(s.config());
        let new = AddrKey::of(&config);
        if old != new {
            if self.by_addr.get(&old) == Some(&id) {
                self.by_addr.remove(&old);
            }
            self.by_addr.insert(new, id);
        }
        s.reconfigure(config, now, &mut ctx!(self, id));
        self.reschedule(id);
    }

    /// Sends AdminDown (diag 7) for one Detection Time, then the session is gone
    /// (§6.8.16). An Up session reports [`Event::Down`] with diag 7. Unknown ids are
    /// ignored.
    pub fn remove(&mut self, id: SessionId, now: Instant) {
        if let Some(s) = self.sessions.get_mut(id) {
            s.remove(now, &mut ctx!(self, id));
        }
        self.sweep(id);
        self.reschedule(id);
    }

    // ----- inputs -----

    /// A control packet (the UDP payload) received with `meta`. Returns the session it
    /// went to, or why it was dropped; either way it is counted in
    /// [`counters`](Self::counters). Allocates nothing.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        bytes: &[u8],
        meta: &RxMeta,
    ) -> Result<SessionId, RxError> {
        let r = self.receive(now, bytes, meta);
        match &r {
            Ok(_) => self.counters.accepted += 1,
            Err(e) => self.counters.record_err(e),
        }
        r
    }

    /// Fires every expired timer of every session. Idempotent. Visits only the sessions
    /// whose deadline passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(id) = self.schedule.pop_expired(now) {
            let Self {
                sessions,
                by_discr,
                rng,
                events,
                tx_queue,
                schedule,
                ..
            } = self;
            let Some(s) = sessions.get_mut(id) else {
                continue;
            };
            let mut ctx = Ctx {
                id,
                rng,
                events,
                tx_queue,
                discrs: by_discr,
            };
            s.fire_timers(now, &mut ctx);
            schedule.update(id, s.next_timeout());
            if s.is_gone() {
                self.sweep(id);
            }
        }
        self.settle();
    }

    // ----- outputs -----

    /// The next packet to send, written into `buf` (at least
    /// [`MAX_PACKET_LEN`](crate::packet::MAX_PACKET_LEN) bytes; with less, `None` and the
    /// packet stays queued).
    #[must_use]
    pub fn poll_transmit(&mut self, _now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        while let Some(id) = self.tx_queue.pop_front() {
            let Some(s) = self.sessions.get_mut(id) else {
                continue;
            };
            if !s.has_queued() {
                continue;
            }
            if buf.len() < s.packet_len() {
                self.tx_queue.push_front(id);
                return None;
            }
            let len = s.build(buf);
            let dst = s.config().dst();
            if s.has_queued() {
                self.tx_queue.push_back(id);
            }
            self.sweep(id);
            if let Some(len) = len {
                return Some(Transmit {
                    session: id,
                    dst,
                    len,
                });
            }
        }
        None
    }

    /// The next Up/Down change, in order.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<(SessionId, Event)> {
        self.events.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next; `None` if no timer runs.
    /// O(1): the top of the timer queue.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.schedule.next()
    }

    // ----- internals -----

    fn receive(&mut self, now: Instant, bytes: &[u8], meta: &RxMeta) -> Result<SessionId, RxError> {
        let id = self.demux(bytes, meta)?;
        let p = BfdPacket::new_unchecked(bytes);
        let Self {
            sessions,
            by_discr,
            rng,
            events,
            tx_queue,
            schedule,
            ..
        } = self;
        let Some(s) = sessions.get_mut(id) else {
            // The maps name live sessions only; this keeps a broken invariant from panicking.
            return Err(RxError::NoSession {
                src: meta.src,
                dst: meta.dst,
                multihop: meta.multihop,
            });
        };
        let mut ctx = Ctx {
            id,
            rng,
            events,
            tx_queue,
            discrs: by_discr,
        };
        // Deadlines that passed before this packet came first.
        s.fire_timers(now, &mut ctx);
        let r = s.receive(now, &p, meta, &mut ctx);
        schedule.update(id, s.next_timeout());
        if s.is_gone() {
            self.sweep(id);
        }
        self.settle();
        r.map(|()| id)
    }

    /// §6.8.6's header checks and the session lookup.
    fn demux(&self, bytes: &[u8], meta: &RxMeta) -> Result<SessionId, RxError> {
        let p = crate::rx::validate(bytes)?;
        let your = p.your_discr();
        if your != 0 {
            return self
                .by_discr
                .get(&your)
                .copied()
                .ok_or(RxError::UnknownDiscriminator {
                    your_discr: your,
                    src: meta.src,
                });
        }
        if !matches!(p.state(), State::Down | State::AdminDown) {
            return Err(RxError::ZeroYourDiscriminator {
                state: p.state(),
                src: meta.src,
            });
        }
        self.lookup_by_addr(meta).ok_or(RxError::NoSession {
            src: meta.src,
            dst: meta.dst,
            multihop: meta.multihop,
        })
    }

    /// Drops `id` if its AdminDown period ended and nothing is left to send.
    fn sweep(&mut self, id: SessionId) {
        if self.sessions.get(id).is_some_and(Session::is_gone) {
            if let Some(s) = self.sessions.remove(id) {
                forget(&mut self.by_discr, &mut self.by_addr, id, &s);
                self.schedule.forget(id);
            }
        }
    }

    /// The earliest deadline by scanning every session: what the queue must agree with.
    #[cfg(test)]
    pub(crate) fn scan_timeout(&self) -> Option<Instant> {
        self.sessions
            .iter()
            .filter_map(|(_, s)| s.next_timeout())
            .min()
    }

    /// Files session `id`'s deadline after a change, then makes the queue's top exact.
    fn reschedule(&mut self, id: SessionId) {
        let next = self.sessions.get(id).and_then(Session::next_timeout);
        self.schedule.update(id, next);
        self.settle();
    }

    fn settle(&mut self) {
        let Self {
            schedule, sessions, ..
        } = self;
        schedule.settle(|id| sessions.get(id).and_then(Session::next_timeout));
    }
}

fn forget(
    by_discr: &mut DiscrMap,
    by_addr: &mut HashMap<AddrKey, SessionId>,
    id: SessionId,
    s: &Session,
) {
    if by_discr.get(&s.local_discr()) == Some(&id) {
        by_discr.remove(&s.local_discr());
    }
    let key = AddrKey::of(s.config());
    if by_addr.get(&key) == Some(&id) {
        by_addr.remove(&key);
    }
}
