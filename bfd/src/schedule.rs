//! The endpoint's timer queue: each session's earliest deadline in a min-heap, so that
//! [`Sessions::poll_timeout`](crate::Sessions::poll_timeout) is one peek and
//! [`Sessions::handle_timeout`](crate::Sessions::handle_timeout) visits only the sessions
//! whose deadline passed, however many sessions there are. kad's loop asks for the next
//! deadline after every packet, so a scan of every session would cost it O(n) per packet.
//!
//! Nothing is removed from the middle of the heap. A deadline moving *later* (the detection
//! timer re-armed by every packet) leaves the session's entry in place as an early bound;
//! a deadline moving *earlier* pushes a new entry. [`settle`](Schedule::settle) then
//! corrects the top entry only, which keeps the peek exact. `live` says which entry stands
//! for each slot; the others are stale and dropped when they reach the top.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use crate::endpoint::SessionId;

type Entry = (Instant, SessionId);

#[derive(Debug, Default)]
pub(crate) struct Schedule {
    heap: BinaryHeap<Reverse<Entry>>,
    /// By slot index: the heap entry standing for the session in that slot, if any.
    live: Vec<Option<Entry>>,
}

impl Schedule {
    /// Room for `sessions` sessions' entries and their stale ones, so that an update on
    /// receive never allocates.
    pub fn reserve(&mut self, sessions: usize) {
        let want = 2 * sessions + 8;
        self.heap.reserve(want.saturating_sub(self.heap.len()));
        self.live.reserve(sessions.saturating_sub(self.live.len()));
    }

    /// Session `id`'s earliest deadline is now `next`.
    pub fn update(&mut self, id: SessionId, next: Option<Instant>) {
        let i = id.index() as usize;
        if self.live.len() <= i {
            self.live.resize(i + 1, None);
        }
        let current = self.live[i].filter(|&(_, l)| l == id);
        match (current, next) {
            // An id of a removed session must not clear its slot's new session.
            (None, None) => {}
            (Some(_), None) => self.live[i] = None,
            // Still a valid early bound; `settle` moves it when it reaches the top.
            (Some((at, _)), Some(t)) if at <= t => {}
            (_, Some(t)) => {
                if self.heap.len() == self.heap.capacity() {
                    self.drop_stale();
                }
                self.heap.push(Reverse((t, id)));
                self.live[i] = Some((t, id));
            }
        }
    }

    /// Session `id` is gone.
    pub fn forget(&mut self, id: SessionId) {
        self.update(id, None);
    }

    /// Makes the top entry exact: drops stale entries and moves early bounds to the
    /// session's real deadline (`next_of`), until the top is a session's real deadline.
    pub fn settle(&mut self, next_of: impl Fn(SessionId) -> Option<Instant>) {
        while let Some(&Reverse((t, id))) = self.heap.peek() {
            let i = id.index() as usize;
            if self.live[i] != Some((t, id)) {
                self.heap.pop();
                continue;
            }
            let real = next_of(id);
            if real == Some(t) {
                return;
            }
            self.heap.pop();
            self.live[i] = None;
            if let Some(r) = real {
                self.heap.push(Reverse((r, id)));
                self.live[i] = Some((r, id));
            }
        }
    }

    /// The earliest deadline (exact after [`settle`](Self::settle)).
    pub fn next(&self) -> Option<Instant> {
        self.heap.peek().map(|&Reverse((t, _))| t)
    }

    /// Takes the entry of a session whose deadline (or early bound) is not after `now`;
    /// the caller fires its timers and [`update`](Self::update)s it.
    pub fn pop_expired(&mut self, now: Instant) -> Option<SessionId> {
        while let Some(&Reverse((t, id))) = self.heap.peek() {
            if t > now {
                return None;
            }
            self.heap.pop();
            let i = id.index() as usize;
            if self.live[i] == Some((t, id)) {
                self.live[i] = None;
                return Some(id);
            }
        }
        None
    }

    /// Entries in the heap, stale ones included.
    #[cfg(test)]
    pub fn heap_len(&self) -> usize {
        self.heap.len()
    }

    fn drop_stale(&mut self) {
        let live = &self.live;
        self.heap
            .retain(|&Reverse((t, id))| live[id.index() as usize] == Some((t, id)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn id(i: u32) -> SessionId {
        SessionId::new(i, 0)
    }

    #[test]
    fn a_later_deadline_is_corrected_at_the_top_and_an_earlier_one_pushed() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut s = Schedule::default();
        let mut real = [Some(t0 + ms(10)), Some(t0 + ms(20))];
        for (i, r) in real.iter().enumerate() {
            s.update(id(i as u32), *r);
        }
        assert_eq!(s.next(), Some(t0 + ms(10)));
        // Session 0 moves later: its entry stays an early bound until settle.
        real[0] = Some(t0 + ms(30));
        s.update(id(0), real[0]);
        assert_eq!(s.heap_len(), 2);
        s.settle(|x| real[x.index() as usize]);
        assert_eq!(s.next(), Some(t0 + ms(20)));
        // Session 1 moves earlier: a new entry, the old one stale.
        real[1] = Some(t0 + ms(5));
        s.update(id(1), real[1]);
        s.settle(|x| real[x.index() as usize]);
        assert_eq!(s.next(), Some(t0 + ms(5)));
        assert_eq!(s.pop_expired(t0 + ms(5)), Some(id(1)));
        // Its stale 20 ms entry is skipped.
        assert_eq!(s.pop_expired(t0 + ms(25)), None);
        assert_eq!(s.pop_expired(t0 + ms(30)), Some(id(0)));
        assert_eq!(s.next(), None);
    }

    #[test]
    fn a_forgotten_session_and_a_reused_slot_do_not_fire_for_each_other() {
        let t0 = Instant::now();
        let mut s = Schedule::default();
        s.update(id(0), Some(t0));
        s.forget(id(0));
        let reused = SessionId::new(0, 1);
        s.update(reused, Some(t0 + Duration::from_millis(1)));
        assert_eq!(s.pop_expired(t0), None);
        assert_eq!(s.pop_expired(t0 + Duration::from_millis(1)), Some(reused));
    }

    #[test]
    fn the_heap_stays_within_its_reserve() {
        let t0 = Instant::now();
        let mut s = Schedule::default();
        s.reserve(10);
        let cap = s.heap.capacity();
        // Deadlines moving earlier push an entry each time; stale ones are dropped before
        // the heap would grow.
        for k in (0..10_000u64).rev() {
            s.update(id((k % 10) as u32), Some(t0 + Duration::from_micros(k)));
        }
        assert_eq!(s.heap.capacity(), cap);
    }

    /// The queue agrees with a scan of every session after any sequence of adds, removes,
    /// reconfigurations, peer packets and timeouts, and handles each session's expiry.
    mod model {
        use std::net::{IpAddr, Ipv4Addr};
        use std::time::{Duration, Instant};

        use proptest::prelude::*;

        use crate::{
            ControlRepr, Diag, Interval, RxMeta, SessionConfig, SessionId, Sessions, State,
        };

        #[derive(Debug, Clone)]
        enum Op {
            Add {
                peer: u8,
                ms: u64,
                passive: bool,
            },
            Remove(usize),
            Reconfigure(usize, u64),
            Packet {
                k: usize,
                state: u8,
                known: bool,
                ms: u32,
                poll: bool,
            },
            Advance(u64),
        }

        fn op() -> impl Strategy<Value = Op> {
            let ms = prop_oneof![Just(10u64), Just(50), Just(300), Just(1000)];
            prop_oneof![
                (0u8..6, ms.clone(), any::<bool>()).prop_map(|(peer, ms, passive)| Op::Add {
                    peer,
                    ms,
                    passive
                }),
                any::<usize>().prop_map(Op::Remove),
                (any::<usize>(), ms).prop_map(|(k, ms)| Op::Reconfigure(k, ms)),
                (
                    any::<usize>(),
                    0u8..4,
                    any::<bool>(),
                    0u32..400,
                    any::<bool>()
                )
                    .prop_map(|(k, state, known, ms, poll)| Op::Packet {
                        k,
                        state,
                        known,
                        ms,
                        poll
                    }),
                (0u64..1_500_000).prop_map(Op::Advance),
                (0u64..1_500_000).prop_map(Op::Advance),
            ]
        }

        fn config(peer: u8, ms: u64, passive: bool) -> SessionConfig {
            let mut c = SessionConfig::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10 + peer)));
            c.local = Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
            c.desired_min_tx = Duration::from_millis(ms);
            c.required_min_rx = Duration::from_millis(ms);
            c.detect_mult = 3;
            c.passive = passive;
            c
        }

        proptest! {
            #[test]
            fn poll_timeout_is_the_earliest_deadline(ops in prop::collection::vec(op(), 1..120)) {
                let mut now = Instant::now();
                let mut s = Sessions::new(7);
                let mut ids: Vec<SessionId> = Vec::new();
                let mut buf = [0u8; 128];
                for op in ops {
                    let pick = |k: usize| (!ids.is_empty()).then(|| ids[k % ids.len()]);
                    match op {
                        Op::Add { peer, ms, passive } => ids.push(s.add(config(peer, ms, passive), now)),
                        Op::Remove(k) => {
                            if let Some(id) = pick(k) {
                                s.remove(id, now);
                            }
                        }
                        Op::Reconfigure(k, ms) => {
                            if let Some(id) = pick(k) {
                                if let Some(c) = s.session(id).map(|x| x.config().clone()) {
                                    let (peer, passive) = (c.peer, c.passive);
                                    let mut n = config(0, ms, passive);
                                    n.peer = peer;
                                    s.reconfigure(id, n, now);
                                }
                            }
                        }
                        Op::Packet { k, state, known, ms, poll } => {
                            if let Some((id, x)) = pick(k).and_then(|id| Some((id, s.session(id)?))) {
                                let _ = id;
                                let r = ControlRepr {
                                    diag: Diag::None,
                                    state: State::from_bits(state),
                                    poll,
                                    final_: !poll,
                                    control_plane_independent: false,
                                    demand: false,
                                    multipoint: false,
                                    detect_mult: 3,
                                    my_discr: 0x4000_0000 | u32::from(x.config().peer.to_string().len() as u8),
                                    your_discr: if known { x.local_discr() } else { 0 },
                                    desired_min_tx: Interval(ms * 1000),
                                    required_min_rx: Interval(ms * 1000),
                                    required_min_echo_rx: Interval::ZERO,
                                    auth: None,
                                };
                                let meta = RxMeta::new(x.config().peer, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 1, 255, false);
                                let n = r.emit(&mut buf).unwrap();
                                let _ = s.handle_packet(now, &buf[..n], &meta);
                            }
                        }
                        Op::Advance(us) => {
                            now += Duration::from_micros(us);
                            s.handle_timeout(now);
                            // Nothing expired is left behind.
                            prop_assert!(s.scan_timeout().is_none_or(|t| t > now));
                        }
                    }
                    while s.poll_transmit(now, &mut buf).is_some() {}
                    while s.poll_event().is_some() {}
                    prop_assert_eq!(s.poll_timeout(), s.scan_timeout());
                }
            }
        }
    }
}
