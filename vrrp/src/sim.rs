//! A deterministic simulator: routers running [`Instance`]s or [`SyncGroup`]s on one
//! virtual LAN, driven by a virtual clock (enable the `sim` feature).
//!
//! Links have a delay, jitter and loss rate and can be cut (partitions); each router has
//! its own clock, offset and running fast or slow by some parts per million. Everything
//! random comes from the seed given to [`Lan::new`], so a failing run replays exactly.
//! Nothing sleeps: an hour of VRRP takes milliseconds.
//!
//! ```
//! use keepalive_vrrp::sim::Lan;
//! use keepalive_vrrp::{InstanceConfig, Priority, State};
//! use std::time::Duration;
//!
//! let mut lan = Lan::new(1);
//! let mut config = InstanceConfig::new("VI_1", 51, "192.0.2.1".parse().unwrap());
//! config.vips.push("192.0.2.100".parse().unwrap());
//! config.priority = Priority(200);
//! let a = lan.add(config.clone());
//! config.primary_addr = "192.0.2.2".parse().unwrap();
//! config.priority = Priority(100);
//! let b = lan.add(config);
//! lan.run_for(Duration::from_secs(10));
//! assert_eq!(lan.state(a), State::Master);
//! assert_eq!(lan.state(b), State::Backup);
//! ```

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::action::{Action, GarpReason, Notification, NotifyEvent};
use crate::config::InstanceConfig;
use crate::instance::{Input, Instance, Rng};
use crate::packet::Family;
use crate::priority::Priority;
use crate::rx::{locate, RxMeta};
use crate::state::State;
use crate::sync_group::{Origin, SyncGroup, SyncGroupConfig};
use crate::tracker::{TrackerId, TrackerState};

/// A router's index in its [`Lan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouterId(pub usize);

/// One direction of a link between two routers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// One-way delay.
    pub delay: Duration,
    /// Extra delay, uniform in `0..jitter`.
    pub jitter: Duration,
    /// Probability that a packet is lost (0.0..=1.0).
    pub loss: f64,
    /// Whether packets pass at all.
    pub up: bool,
}

impl Default for Link {
    /// 100 µs, no jitter, no loss, up.
    fn default() -> Self {
        Self {
            delay: Duration::from_micros(100),
            jitter: Duration::ZERO,
            loss: 0.0,
            up: true,
        }
    }
}

/// What happened, for assertions and printing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Happening {
    /// A notification (state changes, MASTER_RX_LOWER_PRI, priority changes).
    Notify(Notification),
    /// An advert was sent.
    Advert {
        /// Its destination.
        dst: IpAddr,
        /// Its priority.
        priority: Priority,
    },
    /// GARP or unsolicited NA was sent.
    Garp {
        /// Why.
        reason: GarpReason,
        /// Rounds.
        repeat: u32,
    },
    /// Virtual addresses were added.
    AddVips,
    /// Virtual addresses were removed.
    DelVips,
    /// The router crashed (no goodbye).
    Crashed,
    /// The router started again.
    Restarted,
}

/// One line of the simulation log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Virtual time since the simulation started.
    pub at: Duration,
    /// Which router.
    pub router: RouterId,
    /// Which sync-group member, for group routers (`None` for the group itself or a
    /// plain instance).
    pub member: Option<usize>,
    /// What.
    pub what: Happening,
}

#[derive(Debug)]
enum Node {
    Single(Box<Instance>),
    Group(Box<SyncGroup>),
}

#[derive(Debug, Clone)]
enum Blueprint {
    Single(Box<InstanceConfig>),
    Group(SyncGroupConfig, Vec<InstanceConfig>),
}

/// A router's clock: `local = base + offset + elapsed × (1 + ppm / 10⁶)`.
#[derive(Debug, Clone, Copy, Default)]
struct Clock {
    offset: Duration,
    ppm: i32,
}

impl Clock {
    fn scale(self) -> u128 {
        (1_000_000i64 + i64::from(self.ppm)).max(1) as u128
    }

    fn to_local(self, base: Instant, virt: Instant) -> Instant {
        let elapsed = virt.duration_since(base).as_nanos();
        base + self.offset + nanos(elapsed * self.scale() / 1_000_000)
    }

    /// The first virtual instant at which the local clock reads at least `local`.
    fn to_virtual(self, base: Instant, local: Instant) -> Instant {
        let since = local
            .saturating_duration_since(base + self.offset)
            .as_nanos();
        base + nanos((since * 1_000_000).div_ceil(self.scale()))
    }
}

fn nanos(n: u128) -> Duration {
    Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX))
}

#[derive(Debug)]
struct Router {
    blueprint: Blueprint,
    node: Option<Node>,
    clock: Clock,
    vips: BTreeSet<IpAddr>,
    /// The current node's seed and local creation time, and (for single instances) every
    /// input it was given, for replay.
    seed: u64,
    born: Instant,
    inputs: Vec<Input>,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: Instant,
    seq: u64,
    to: usize,
    bytes: Vec<u8>,
    src: IpAddr,
    dst: IpAddr,
}

/// The virtual LAN.
#[derive(Debug)]
pub struct Lan {
    base: Instant,
    now: Instant,
    routers: Vec<Router>,
    default_link: Link,
    links: HashMap<(usize, usize), Link>,
    in_flight: BinaryHeap<Reverse<InFlight>>,
    rng: Rng,
    seq: u64,
    log: Vec<Record>,
}

impl Lan {
    /// An empty LAN whose randomness (loss, jitter, instance seeds) comes from `seed`.
    pub fn new(seed: u64) -> Self {
        let base = Instant::now();
        Self {
            base,
            now: base,
            routers: Vec::new(),
            default_link: Link::default(),
            links: HashMap::new(),
            in_flight: BinaryHeap::new(),
            rng: Rng::new(seed),
            seq: 0,
            log: Vec::new(),
        }
    }

    // ----- building -----

    /// Starts a router running one instance, now.
    pub fn add(&mut self, config: InstanceConfig) -> RouterId {
        self.add_router(Blueprint::Single(Box::new(config)))
    }

    /// Starts a router running a sync group, now.
    pub fn add_group(&mut self, group: SyncGroupConfig, members: Vec<InstanceConfig>) -> RouterId {
        self.add_router(Blueprint::Group(group, members))
    }

    fn add_router(&mut self, blueprint: Blueprint) -> RouterId {
        let id = self.routers.len();
        self.routers.push(Router {
            blueprint,
            node: None,
            clock: Clock::default(),
            vips: BTreeSet::new(),
            seed: 0,
            born: self.now,
            inputs: Vec::new(),
        });
        self.boot(id);
        RouterId(id)
    }

    fn boot(&mut self, id: usize) {
        let local = self.local_now(id);
        let seed = self.rng.next_u64();
        let router = &mut self.routers[id];
        router.vips.clear();
        router.seed = seed;
        router.born = local;
        router.inputs.clear();
        router.node = Some(match &router.blueprint {
            Blueprint::Single(c) => {
                Node::Single(Box::new(Instance::new((**c).clone(), local, seed)))
            }
            Blueprint::Group(g, m) => {
                Node::Group(Box::new(SyncGroup::new(g.clone(), m.clone(), local, seed)))
            }
        });
        self.drain(id);
    }

    /// The link used between routers without a [`set_link`](Self::set_link).
    pub fn set_default_link(&mut self, link: Link) {
        self.default_link = link;
    }

    /// Sets the link from `from` to `to` (one direction).
    pub fn set_link(&mut self, from: RouterId, to: RouterId, link: Link) {
        self.links.insert((from.0, to.0), link);
    }

    /// Cuts every link between the two sides, both ways.
    pub fn partition(&mut self, side_a: &[RouterId], side_b: &[RouterId]) {
        for a in side_a {
            for b in side_b {
                for (x, y) in [(a.0, b.0), (b.0, a.0)] {
                    let mut link = self.link(x, y);
                    link.up = false;
                    self.links.insert((x, y), link);
                }
            }
        }
    }

    /// Restores every link to the default.
    pub fn heal(&mut self) {
        self.links.clear();
    }

    /// Gives a router's clock an offset and a rate error in parts per million (it runs
    /// `ppm` µs fast per second; negative is slow). Its timers follow its own clock.
    pub fn set_clock(&mut self, router: RouterId, offset: Duration, ppm: i32) {
        self.routers[router.0].clock = Clock { offset, ppm };
    }

    // ----- events -----

    /// Kills the router: it sends nothing more, not even a priority-0 advert.
    pub fn crash(&mut self, router: RouterId) {
        self.routers[router.0].node = None;
        self.routers[router.0].vips.clear();
        self.record(router.0, None, Happening::Crashed);
    }

    /// Starts a crashed or stopped router again with a fresh instance.
    pub fn restart(&mut self, router: RouterId) {
        self.record(router.0, None, Happening::Restarted);
        self.boot(router.0);
    }

    /// Stops the router gracefully (SIGTERM): priority-0 advert from a master.
    pub fn shutdown(&mut self, router: RouterId) {
        let local = self.local_now(router.0);
        let r = &mut self.routers[router.0];
        match &mut r.node {
            Some(Node::Single(i)) => {
                r.inputs.push(Input::Shutdown { at: local - r.born });
                i.shutdown(local)
            }
            Some(Node::Group(g)) => g.shutdown(local),
            None => return,
        }
        self.drain(router.0);
    }

    /// Reports a tracked object's state on a router.
    pub fn set_tracker(&mut self, router: RouterId, id: TrackerId, state: TrackerState) {
        let local = self.local_now(router.0);
        let r = &mut self.routers[router.0];
        match &mut r.node {
            Some(Node::Single(i)) => {
                r.inputs.push(Input::Tracker {
                    at: local - r.born,
                    id,
                    state,
                });
                i.set_tracker(local, id, state);
            }
            Some(Node::Group(g)) => {
                g.set_tracker(local, id, state);
            }
            None => return,
        }
        self.drain(router.0);
    }

    /// Tells a router that the router at `master` is down, as its detector saw `age` ago
    /// (a BFD session to it going Down): [`Instance::master_down`] or
    /// [`SyncGroup::master_down`]. Returns whether it was acted on.
    pub fn master_down(&mut self, router: RouterId, master: IpAddr, age: Duration) -> bool {
        let local = self.local_now(router.0);
        let since = local.checked_sub(age).unwrap_or(local);
        let r = &mut self.routers[router.0];
        let acted = match &mut r.node {
            Some(Node::Single(i)) => {
                r.inputs.push(Input::MasterDown {
                    at: local - r.born,
                    master,
                    age,
                });
                i.master_down(local, master, since).is_ok()
            }
            Some(Node::Group(g)) => g.master_down(local, master, since).is_ok(),
            None => return false,
        };
        self.drain(router.0);
        acted
    }

    // ----- running -----

    /// Advances to the next packet arrival or timer, handles it, and returns whether
    /// anything was left to do.
    pub fn step(&mut self) -> bool {
        let Some(next) = self.next_event() else {
            return false;
        };
        self.advance(next);
        true
    }

    /// Like [`step`](Self::step) but not past `limit` from now: handles the next event if
    /// it falls within `limit` and returns `true`; otherwise moves the clock forward by
    /// `limit` and returns `false`.
    pub fn step_within(&mut self, limit: Duration) -> bool {
        let end = self.now + limit;
        match self.next_event().filter(|&t| t <= end) {
            Some(next) => {
                self.advance(next);
                true
            }
            None => {
                self.now = end;
                false
            }
        }
    }

    /// Runs for `duration` of virtual time.
    pub fn run_for(&mut self, duration: Duration) {
        let end = self.now + duration;
        while let Some(next) = self.next_event().filter(|&t| t <= end) {
            self.advance(next);
        }
        self.now = end;
    }

    /// Runs until `done` holds (checked after every event) or `limit` has passed;
    /// returns the virtual time it took, or `None` on timeout.
    pub fn run_until(
        &mut self,
        limit: Duration,
        mut done: impl FnMut(&Lan) -> bool,
    ) -> Option<Duration> {
        let start = self.now;
        let end = start + limit;
        if done(self) {
            return Some(Duration::ZERO);
        }
        while let Some(next) = self.next_event().filter(|&t| t <= end) {
            self.advance(next);
            if done(self) {
                return Some(self.now - start);
            }
        }
        self.now = end;
        None
    }

    fn next_event(&self) -> Option<Instant> {
        let packet = self.in_flight.peek().map(|Reverse(p)| p.at);
        let timer = (0..self.routers.len())
            .filter_map(|i| {
                let local = self.node_timeout(i)?;
                Some(self.routers[i].clock.to_virtual(self.base, local))
            })
            .min();
        [packet, timer]
            .into_iter()
            .flatten()
            .min()
            .map(|t| t.max(self.now))
    }

    fn node_timeout(&self, i: usize) -> Option<Instant> {
        match self.routers[i].node.as_ref()? {
            Node::Single(n) => n.poll_timeout(),
            Node::Group(g) => g.poll_timeout(),
        }
    }

    fn advance(&mut self, to: Instant) {
        self.now = to;
        while self.in_flight.peek().is_some_and(|Reverse(p)| p.at <= to) {
            let Reverse(p) = self.in_flight.pop().expect("peeked");
            self.deliver(p);
        }
        for i in 0..self.routers.len() {
            let local = self.local_now(i);
            let router = &mut self.routers[i];
            match &mut router.node {
                Some(Node::Single(n)) => {
                    if n.poll_timeout().is_some_and(|t| t <= local) {
                        router.inputs.push(Input::Timeout {
                            at: local - router.born,
                        });
                    }
                    n.handle_timeout(local)
                }
                Some(Node::Group(g)) => g.handle_timeout(local),
                None => continue,
            }
            self.drain(i);
        }
    }

    fn deliver(&mut self, p: InFlight) {
        let local = self.local_now(p.to);
        let family = Family::of(&p.src);
        let Ok(located) = locate(&p.bytes, family) else {
            return;
        };
        let meta = RxMeta {
            src: p.src,
            dst: Some(p.dst),
            ttl_or_hop_limit: Some(255),
            ifindex: 1,
        };
        let router = &mut self.routers[p.to];
        match &mut router.node {
            Some(Node::Single(n)) => {
                if n.config().vrid == located.vrid && n.config().family() == family {
                    router.inputs.push(Input::Packet {
                        at: local - router.born,
                        bytes: p.bytes.clone(),
                        meta,
                    });
                    let _ = n.handle_packet(local, &p.bytes, &meta);
                }
            }
            Some(Node::Group(g)) => {
                if let Some(m) = g.member_by_vrid(located.vrid) {
                    if g.members()[m].config().family() == family {
                        let _ = g.handle_packet(local, m, &p.bytes, &meta);
                    }
                }
            }
            None => return,
        }
        self.drain(p.to);
    }

    fn drain(&mut self, i: usize) {
        loop {
            let (member, action, src) = match &mut self.routers[i].node {
                Some(Node::Single(n)) => match n.poll_action() {
                    Some(a) => (None, a, n.config().primary_addr),
                    None => return,
                },
                Some(Node::Group(g)) => match g.poll_action() {
                    Some((Origin::Member(m), a)) => {
                        (Some(m), a, g.members()[m].config().primary_addr)
                    }
                    Some((Origin::Group, a)) => (None, a, IpAddr::from([0, 0, 0, 0])),
                    None => return,
                },
                None => return,
            };
            self.execute(i, member, src, action);
        }
    }

    fn execute(&mut self, i: usize, member: Option<usize>, src: IpAddr, action: Action) {
        let what = match action {
            Action::SendAdvert {
                bytes,
                dst,
                priority,
            } => {
                self.transmit(i, src, dst, bytes);
                Happening::Advert { dst, priority }
            }
            Action::AddVips { addrs, .. } => {
                self.routers[i].vips.extend(addrs);
                Happening::AddVips
            }
            Action::DelVips { addrs, .. } => {
                for a in &addrs {
                    self.routers[i].vips.remove(a);
                }
                Happening::DelVips
            }
            Action::Garp { reason, repeat, .. } | Action::UnsolicitedNa { reason, repeat, .. } => {
                Happening::Garp { reason, repeat }
            }
            Action::Notify(n) => Happening::Notify(n),
            _ => return,
        };
        self.record(i, member, what);
    }

    fn transmit(&mut self, from: usize, src: IpAddr, dst: IpAddr, bytes: Vec<u8>) {
        let multicast = match dst {
            IpAddr::V4(a) => a.is_multicast(),
            IpAddr::V6(a) => a.is_multicast(),
        };
        for to in 0..self.routers.len() {
            if to == from || self.routers[to].node.is_none() {
                continue;
            }
            if !multicast && !self.routers[to].addresses().contains(&dst) {
                continue;
            }
            let link = self.link(from, to);
            if !link.up || (link.loss > 0.0 && self.rng.chance(link.loss)) {
                continue;
            }
            let jitter = if link.jitter.is_zero() {
                Duration::ZERO
            } else {
                Duration::from_nanos(self.rng.below(link.jitter.as_nanos() as u64))
            };
            self.seq += 1;
            self.in_flight.push(Reverse(InFlight {
                at: self.now + link.delay + jitter,
                seq: self.seq,
                to,
                bytes: bytes.clone(),
                src,
                dst,
            }));
        }
    }

    fn link(&self, from: usize, to: usize) -> Link {
        self.links
            .get(&(from, to))
            .copied()
            .unwrap_or(self.default_link)
    }

    fn local_now(&self, i: usize) -> Instant {
        self.routers[i].clock.to_local(self.base, self.now)
    }

    fn record(&mut self, i: usize, member: Option<usize>, what: Happening) {
        self.log.push(Record {
            at: self.now - self.base,
            router: RouterId(i),
            member,
            what,
        });
    }

    // ----- looking -----

    /// Virtual time since the LAN was created.
    pub fn elapsed(&self) -> Duration {
        self.now - self.base
    }

    /// The virtual clock (routers' own clocks may differ, see [`set_clock`](Self::set_clock)).
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Every router.
    pub fn routers(&self) -> impl Iterator<Item = RouterId> {
        (0..self.routers.len()).map(RouterId)
    }

    /// The state of a router's instance (a group's state for a group router); `Stopped`
    /// if it has crashed.
    pub fn state(&self, router: RouterId) -> State {
        match &self.routers[router.0].node {
            Some(Node::Single(n)) => n.state(),
            Some(Node::Group(g)) => g.state(),
            None => State::Stopped,
        }
    }

    /// The state of member `member` of a group router.
    pub fn member_state(&self, router: RouterId, member: usize) -> State {
        match &self.routers[router.0].node {
            Some(Node::Group(g)) => g.members()[member].state(),
            Some(Node::Single(n)) if member == 0 => n.state(),
            _ => State::Stopped,
        }
    }

    /// The router's instance, if it runs one and is alive.
    pub fn instance(&self, router: RouterId) -> Option<&Instance> {
        match &self.routers[router.0].node {
            Some(Node::Single(n)) => Some(n),
            _ => None,
        }
    }

    /// The router's sync group, if it runs one and is alive.
    pub fn group(&self, router: RouterId) -> Option<&SyncGroup> {
        match &self.routers[router.0].node {
            Some(Node::Group(g)) => Some(g),
            _ => None,
        }
    }

    /// Routers with an instance of `vrid` in Master.
    pub fn masters_of(&self, vrid: u8) -> Vec<RouterId> {
        self.routers()
            .filter(|&r| {
                self.instances(r)
                    .any(|i| i.config().vrid == vrid && i.state() == State::Master)
            })
            .collect()
    }

    /// Routers with any instance in Master.
    pub fn masters(&self) -> Vec<RouterId> {
        self.routers()
            .filter(|&r| self.instances(r).any(|i| i.state() == State::Master))
            .collect()
    }

    fn instances(&self, router: RouterId) -> Box<dyn Iterator<Item = &Instance> + '_> {
        match &self.routers[router.0].node {
            Some(Node::Single(n)) => Box::new(std::iter::once(&**n)),
            Some(Node::Group(g)) => Box::new(g.members().iter()),
            None => Box::new(std::iter::empty()),
        }
    }

    /// The virtual addresses the router has installed.
    pub fn vips(&self, router: RouterId) -> &BTreeSet<IpAddr> {
        &self.routers[router.0].vips
    }

    /// What is needed to replay a single-instance router's current run: its
    /// configuration, the seed its instance was created with, and every input given to it
    /// since (times relative to its creation). `None` for group routers.
    pub fn recording(&self, router: RouterId) -> Option<(InstanceConfig, u64, &[Input])> {
        let r = &self.routers[router.0];
        match &r.blueprint {
            Blueprint::Single(c) => Some(((**c).clone(), r.seed, &r.inputs)),
            Blueprint::Group(..) => None,
        }
    }

    /// Everything that happened, in order.
    pub fn log(&self) -> &[Record] {
        &self.log
    }

    /// The state notifications of instances (not groups), as (time, router, state).
    pub fn transitions(&self) -> impl Iterator<Item = (Duration, RouterId, State)> + '_ {
        self.log.iter().filter_map(|r| match &r.what {
            Happening::Notify(Notification {
                scope: crate::action::NotifyScope::Instance,
                event: NotifyEvent::State(s),
                ..
            }) => Some((r.at, r.router, *s)),
            _ => None,
        })
    }
}

impl Router {
    fn addresses(&self) -> Vec<IpAddr> {
        match &self.blueprint {
            Blueprint::Single(c) => vec![c.primary_addr],
            Blueprint::Group(_, m) => m.iter().map(|c| c.primary_addr).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_round_trip_never_early() {
        let base = Instant::now();
        for ppm in [-500, -1, 0, 1, 77, 100_000] {
            let clock = Clock {
                offset: Duration::from_millis(3),
                ppm,
            };
            for ms in [0u64, 1, 999, 123_456] {
                let local = base + Duration::from_millis(3) + Duration::from_micros(ms * 1000 + 7);
                let virt = clock.to_virtual(base, local);
                assert!(clock.to_local(base, virt) >= local, "{ppm} {ms}");
            }
        }
    }
}
