//! A deterministic simulator: endpoints running [`Sessions`] on a virtual network, driven
//! by a virtual clock (enable the `sim` feature).
//!
//! Each direction between two endpoints has a delay, jitter, loss rate and TTL, and can be
//! cut (partitions); endpoints can crash (no goodbye) and restart with their sessions'
//! configurations; sessions can be reconfigured and removed at run time. Everything random
//! comes from the seed given to [`Net::new`], so a failing run replays exactly. Nothing
//! sleeps: an hour of BFD takes milliseconds.
//!
//! ```
//! use keepalive_bfd::sim::Net;
//! use keepalive_bfd::{SessionConfig, State};
//! use std::time::Duration;
//!
//! let mut net = Net::new(1);
//! let (a_ip, b_ip) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
//! let (a, b) = (net.add_endpoint(a_ip), net.add_endpoint(b_ip));
//! let sa = net.add_session(a, SessionConfig::new(b_ip));
//! let sb = net.add_session(b, SessionConfig::new(a_ip));
//! net.run_for(Duration::from_secs(5));
//! assert_eq!(net.state(sa), Some(State::Up));
//! net.crash(b);
//! net.run_for(Duration::from_secs(1));
//! assert_eq!(net.state(sa), Some(State::Down));
//! assert_eq!(net.state(sb), None);
//! ```

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::config::{RxMeta, SessionConfig};
use crate::endpoint::{Event, SessionId, Sessions};
use crate::error::RxError;
use crate::packet::{BfdPacket, State, MAX_PACKET_LEN, PORT_MULTIHOP};
use crate::rng::Rng;
use crate::session::Session;

/// An endpoint's index in its [`Net`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndpointId(pub usize);

/// A session slot of an endpoint: it survives a crash and restart, when the session behind
/// it gets a new [`SessionId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot {
    /// The endpoint.
    pub endpoint: EndpointId,
    /// The session's index in that endpoint, in the order added.
    pub index: usize,
}

/// One direction of the path between two endpoints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// One-way delay.
    pub delay: Duration,
    /// Extra delay, uniform in `0..jitter`.
    pub jitter: Duration,
    /// Probability that a packet is lost (0.0..=1.0).
    pub loss: f64,
    /// The TTL / hop limit packets arrive with.
    pub ttl: u8,
    /// Whether packets pass at all.
    pub up: bool,
}

impl Default for Link {
    /// 100 µs, no jitter, no loss, TTL 255, up.
    fn default() -> Self {
        Self {
            delay: Duration::from_micros(100),
            jitter: Duration::ZERO,
            loss: 0.0,
            ttl: 255,
            up: true,
        }
    }
}

/// What happened, for assertions and printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happening {
    /// A session reported an Up/Down change.
    Event(Event),
    /// A packet was sent (whether or not the link then lost it).
    Sent {
        /// The State field.
        state: State,
        /// P bit.
        poll: bool,
        /// F bit.
        final_: bool,
    },
    /// A packet was received and dropped.
    Dropped(RxError),
    /// The endpoint crashed (no goodbye).
    Crashed,
    /// The endpoint started again.
    Restarted,
}

/// One line of the simulation log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Virtual time since the simulation started.
    pub at: Duration,
    /// Which endpoint.
    pub endpoint: EndpointId,
    /// Which session slot, when a session is concerned.
    pub slot: Option<usize>,
    /// What.
    pub what: Happening,
}

#[derive(Debug)]
struct Endpoint {
    addr: IpAddr,
    sessions: Option<Sessions>,
    /// Per slot: its configuration, and its current id while it exists.
    slots: Vec<(SessionConfig, Option<SessionId>)>,
    starts: u64,
}

impl Endpoint {
    fn slot_of(&self, id: SessionId) -> Option<usize> {
        self.slots.iter().position(|(_, s)| *s == Some(id))
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: Instant,
    seq: u64,
    to: usize,
    src: IpAddr,
    dst: IpAddr,
    multihop: bool,
    ttl: u8,
    bytes: Vec<u8>,
}

/// The virtual network.
#[derive(Debug)]
pub struct Net {
    base: Instant,
    now: Instant,
    seed: u64,
    endpoints: Vec<Endpoint>,
    default_link: Link,
    links: HashMap<(usize, usize), Link>,
    in_flight: BinaryHeap<Reverse<InFlight>>,
    rng: Rng,
    seq: u64,
    log: Vec<Record>,
}

impl Net {
    /// An empty network whose randomness (loss, jitter, endpoint seeds) comes from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        let base = Instant::now();
        Self {
            base,
            now: base,
            seed,
            endpoints: Vec::new(),
            default_link: Link::default(),
            links: HashMap::new(),
            in_flight: BinaryHeap::new(),
            rng: Rng::new(seed),
            seq: 0,
            log: Vec::new(),
        }
    }

    /// Adds an endpoint with address `addr` (packets to `addr` reach it).
    pub fn add_endpoint(&mut self, addr: IpAddr) -> EndpointId {
        let n = self.endpoints.len();
        self.endpoints.push(Endpoint {
            addr,
            sessions: Some(Sessions::new(self.endpoint_seed(n, 0))),
            slots: Vec::new(),
            starts: 0,
        });
        EndpointId(n)
    }

    fn endpoint_seed(&self, n: usize, starts: u64) -> u64 {
        self.seed
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .wrapping_add((n as u64) << 32 | starts)
    }

    /// Adds a session to `ep` (also remembered for restarts).
    pub fn add_session(&mut self, ep: EndpointId, config: SessionConfig) -> Slot {
        let now = self.now;
        let e = &mut self.endpoints[ep.0];
        let id = e.sessions.as_mut().map(|s| s.add(config.clone(), now));
        e.slots.push((config, id));
        let slot = Slot {
            endpoint: ep,
            index: e.slots.len() - 1,
        };
        self.drain(ep.0);
        slot
    }

    /// Reconfigures a session (and what a restart will use).
    pub fn reconfigure(&mut self, slot: Slot, config: SessionConfig) {
        let now = self.now;
        let e = &mut self.endpoints[slot.endpoint.0];
        let (c, id) = &mut e.slots[slot.index];
        *c = config.clone();
        if let (Some(s), Some(id)) = (e.sessions.as_mut(), *id) {
            s.reconfigure(id, config, now);
        }
        self.drain(slot.endpoint.0);
    }

    /// Removes a session: it sends AdminDown for a detection time, then is gone; a restart
    /// does not bring it back.
    pub fn remove(&mut self, slot: Slot) {
        let now = self.now;
        let e = &mut self.endpoints[slot.endpoint.0];
        if let (Some(s), Some(id)) = (e.sessions.as_mut(), e.slots[slot.index].1) {
            s.remove(id, now);
        }
        self.drain(slot.endpoint.0);
    }

    /// Sets the default link for pairs without their own.
    pub fn set_default_link(&mut self, link: Link) {
        self.default_link = link;
    }

    /// Sets the link from `from` to `to` (one direction).
    pub fn set_link(&mut self, from: EndpointId, to: EndpointId, link: Link) {
        self.links.insert((from.0, to.0), link);
    }

    /// The link from `from` to `to`.
    #[must_use]
    pub fn link(&self, from: EndpointId, to: EndpointId) -> Link {
        self.links
            .get(&(from.0, to.0))
            .copied()
            .unwrap_or(self.default_link)
    }

    /// Cuts both directions between `a` and `b`.
    pub fn partition(&mut self, a: EndpointId, b: EndpointId) {
        for (x, y) in [(a, b), (b, a)] {
            let l = Link {
                up: false,
                ..self.link(x, y)
            };
            self.set_link(x, y, l);
        }
    }

    /// Restores both directions between `a` and `b`.
    pub fn heal(&mut self, a: EndpointId, b: EndpointId) {
        for (x, y) in [(a, b), (b, a)] {
            let l = Link {
                up: true,
                ..self.link(x, y)
            };
            self.set_link(x, y, l);
        }
    }

    /// Stops `ep` without a goodbye: its sessions vanish.
    pub fn crash(&mut self, ep: EndpointId) {
        let e = &mut self.endpoints[ep.0];
        e.sessions = None;
        for (_, id) in &mut e.slots {
            *id = None;
        }
        self.record(ep.0, None, Happening::Crashed);
    }

    /// Starts a crashed endpoint again with its sessions' configurations (new
    /// discriminators, as after a real restart).
    pub fn restart(&mut self, ep: EndpointId) {
        let now = self.now;
        let starts = self.endpoints[ep.0].starts + 1;
        let seed = self.endpoint_seed(ep.0, starts);
        let e = &mut self.endpoints[ep.0];
        if e.sessions.is_some() {
            return;
        }
        e.starts = starts;
        let mut sessions = Sessions::new(seed);
        for (config, id) in &mut e.slots {
            *id = Some(sessions.add(config.clone(), now));
        }
        e.sessions = Some(sessions);
        self.record(ep.0, None, Happening::Restarted);
        self.drain(ep.0);
    }

    /// The virtual clock.
    #[must_use]
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Virtual time since the start.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.now - self.base
    }

    /// The endpoint's sessions, unless it is crashed.
    #[must_use]
    pub fn sessions(&self, ep: EndpointId) -> Option<&Sessions> {
        self.endpoints[ep.0].sessions.as_ref()
    }

    /// The session in `slot`, while it exists.
    #[must_use]
    pub fn session(&self, slot: Slot) -> Option<&Session> {
        let e = &self.endpoints[slot.endpoint.0];
        e.sessions.as_ref()?.session(e.slots[slot.index].1?)
    }

    /// The state of the session in `slot`, while it exists.
    #[must_use]
    pub fn state(&self, slot: Slot) -> Option<State> {
        self.session(slot).map(Session::state)
    }

    /// Everything that happened, in order.
    #[must_use]
    pub fn log(&self) -> &[Record] {
        &self.log
    }

    /// Runs for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Runs until the virtual clock reads `until`.
    pub fn run_until(&mut self, until: Instant) {
        while let Some(at) = self.next_at() {
            if at > until {
                break;
            }
            self.now = self.now.max(at);
            self.step();
        }
        self.now = self.now.max(until);
    }

    /// Runs until `done` holds (checked after every step) or `limit` passes; returns
    /// whether `done` held.
    pub fn run_until_true(&mut self, limit: Duration, mut done: impl FnMut(&Net) -> bool) -> bool {
        let until = self.now + limit;
        if done(self) {
            return true;
        }
        while let Some(at) = self.next_at() {
            if at > until {
                break;
            }
            self.now = self.now.max(at);
            self.step();
            if done(self) {
                return true;
            }
        }
        self.now = self.now.max(until);
        done(self)
    }

    fn next_at(&self) -> Option<Instant> {
        let packet = self.in_flight.peek().map(|Reverse(p)| p.at);
        let timers = self
            .endpoints
            .iter()
            .filter_map(|e| e.sessions.as_ref()?.poll_timeout())
            .min();
        match (packet, timers) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Delivers every packet due and fires every timer due at `self.now`.
    fn step(&mut self) {
        let now = self.now;
        while self.in_flight.peek().is_some_and(|Reverse(p)| p.at <= now) {
            let Some(Reverse(p)) = self.in_flight.pop() else {
                break;
            };
            self.deliver(p);
        }
        for n in 0..self.endpoints.len() {
            let due = self.endpoints[n]
                .sessions
                .as_ref()
                .and_then(Sessions::poll_timeout)
                .is_some_and(|at| at <= now);
            if due {
                if let Some(s) = self.endpoints[n].sessions.as_mut() {
                    s.handle_timeout(now);
                }
                self.drain(n);
            }
        }
    }

    fn deliver(&mut self, p: InFlight) {
        let now = self.now;
        let e = &mut self.endpoints[p.to];
        let Some(sessions) = e.sessions.as_mut() else {
            return;
        };
        let meta = RxMeta::new(p.src, p.dst, 1, p.ttl, p.multihop);
        match sessions.handle_packet(now, &p.bytes, &meta) {
            Ok(_) => {}
            Err(err) => self.record(p.to, None, Happening::Dropped(err)),
        }
        self.drain(p.to);
    }

    /// Sends what `n` has queued and logs its events.
    fn drain(&mut self, n: usize) {
        let now = self.now;
        let mut buf = [0u8; MAX_PACKET_LEN];
        loop {
            let Some(sessions) = self.endpoints[n].sessions.as_mut() else {
                return;
            };
            let Some(t) = sessions.poll_transmit(now, &mut buf) else {
                break;
            };
            let slot = self.endpoints[n].slot_of(t.session);
            let p = BfdPacket::new_unchecked(&buf[..t.len]);
            let what = Happening::Sent {
                state: p.state(),
                poll: p.poll(),
                final_: p.final_(),
            };
            self.record(n, slot, what);
            let Some(to) = self.endpoints.iter().position(|e| e.addr == t.dst.ip()) else {
                continue;
            };
            let link = self.link(EndpointId(n), EndpointId(to));
            if !link.up || self.rng.chance(link.loss) {
                continue;
            }
            let jitter = if link.jitter.is_zero() {
                Duration::ZERO
            } else {
                Duration::from_nanos(self.rng.below(link.jitter.as_nanos() as u64))
            };
            self.seq += 1;
            self.in_flight.push(Reverse(InFlight {
                at: now + link.delay + jitter,
                seq: self.seq,
                to,
                src: self.endpoints[n].addr,
                dst: t.dst.ip(),
                multihop: t.dst.port() == PORT_MULTIHOP,
                ttl: link.ttl,
                bytes: buf[..t.len].to_vec(),
            }));
        }
        while let Some((id, ev)) = self.endpoints[n]
            .sessions
            .as_mut()
            .and_then(Sessions::poll_event)
        {
            let slot = self.endpoints[n].slot_of(id);
            self.record(n, slot, Happening::Event(ev));
        }
    }

    fn record(&mut self, n: usize, slot: Option<usize>, what: Happening) {
        self.log.push(Record {
            at: self.now - self.base,
            endpoint: EndpointId(n),
            slot,
            what,
        });
    }
}
