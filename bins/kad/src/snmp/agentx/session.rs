//! The subagent's side of an AgentX session (RFC 2741 §7), with no socket and no clock.
//!
//! | state       | event                        | action                                   | next        |
//! |-------------|------------------------------|------------------------------------------|-------------|
//! | Closed      | retry due (`handle_timeout`) | [`Event::Connect`]                       | Closed      |
//! | Closed      | `connected`                  | send Open                                | Opening     |
//! | Opening     | Response, no error           | send Register + AddAgentCaps per subtree | Registering |
//! | Registering | last Response                | [`Event::Up`]                            | Ready       |
//! | Ready       | Get / GetNext / GetBulk      | answer from the [`Mib`]                  | Ready       |
//! | Ready       | TestSet                      | [`Mib::test_set`] each varbind; keep them | Ready       |
//! | Ready       | CommitSet (after a good test) | [`Event::Set`] with the tested varbinds  | Ready       |
//! | Ready       | UndoSet / CleanupSet         | forget the tested varbinds               | Ready       |
//! | Ready       | `notify`                     | send Notify                              | Ready       |
//! | not Ready   | `notify`                     | queue it (sent at Up)                    | same        |
//! | any open    | no Response in time          | [`Event::Disconnect`]                    | Closed      |
//! | any open    | Close, bad PDU, `disconnected` | [`Event::Disconnect`]                  | Closed      |
//!
//! A session that closes retries after [`Config::retry`], so a master agent that restarts
//! gets kad's registrations back (keepalived relies on net-snmp's ping every 120 s for the
//! same). Call order, as for `keepalive_vrrp::Instance`: `connected`/`handle_bytes`/
//! `handle_timeout`/`notify` with a `now` that never goes backwards, then drain
//! [`Session::poll_transmit`] and [`Session::poll_event`], then [`Session::poll_timeout`].

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::error::DecodeError;
use super::oid::Oid;
use super::pdu::{frame_len, res_error, Body, CloseReason, Pdu, SearchRange};
use super::varbind::{Value, VarBind};

/// What the session answers queries from: the objects of the registered subtrees, in OID
/// order.
pub trait Mib {
    /// The value of `oid`, if it is an object instance.
    fn get(&self, oid: &Oid) -> Option<Value>;
    /// The first object instance strictly after `oid`.
    fn next(&self, oid: &Oid) -> Option<(Oid, Value)>;
    /// Whether `vb` may be written (RFC 2741 §7.2.4.1, TestSet): `Err` carries the SNMP
    /// error status (`wrongType`, `notWritable`…). Objects are read-only unless a MIB says.
    fn test_set(&self, vb: &VarBind) -> Result<(), u16> {
        let _ = vb;
        Err(res_error::NOT_WRITABLE)
    }
}

/// A subtree to register, with the sysORTable description keepalived gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtree {
    /// The registered OID.
    pub oid: Oid,
    /// keepalived's `"The MIB module for " name`.
    pub descr: String,
}

/// How the session presents itself.
#[derive(Debug, Clone)]
pub struct Config {
    /// `o.id` of the Open PDU.
    pub id: Oid,
    /// `o.descr`.
    pub descr: String,
    /// What to register.
    pub subtrees: Vec<Subtree>,
    /// How long to wait for the master's response before giving up on it.
    pub response_timeout: Duration,
    /// How long to wait before connecting again.
    pub retry: Duration,
}

/// What the driver must do or may log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Connect to the master agent and then call [`Session::connected`] (or
    /// [`Session::disconnected`] when that fails).
    Connect,
    /// Drop the connection (after sending what is queued).
    Disconnect(Reason),
    /// Open and registered: queries are answered, notifications sent.
    Up,
    /// A Set the master committed (RFC 2741 §7.2.4.2): the varbinds [`Mib::test_set`]
    /// accepted, for the driver to apply at once (as keepalived's write methods do in
    /// their COMMIT phase, which cannot fail).
    Set(Vec<VarBind>),
    /// The master refused a registration (another agent has it, usually).
    RegisterFailed {
        /// The subtree.
        oid: Oid,
        /// `res.error`.
        error: u16,
    },
}

/// Why the session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The master sent Close.
    Closed(CloseReason),
    /// The master refused to open the session.
    OpenFailed(u16),
    /// It did not answer in time.
    Timeout,
    /// It sent something that is not AgentX.
    Decode(DecodeError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed,
    Opening,
    Registering,
    Ready,
}

/// A request of ours the master has to answer.
#[derive(Debug, Clone)]
enum Pending {
    Open,
    Register(Oid),
    Other,
}

/// Counters for the driver's logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Queries answered.
    pub queries: u64,
    /// Notifications sent.
    pub notifications: u64,
    /// Notifications dropped because too many waited for a session to open.
    pub notifications_dropped: u64,
    /// PDUs that could not be decoded.
    pub decode_errors: u64,
    /// Sessions opened.
    pub opens: u64,
}

/// Notifications kept while the session is not open.
pub const MAX_QUEUED_NOTIFY: usize = 32;

/// Responses to GetBulk are capped at this many varbinds.
const MAX_BULK: usize = 256;

/// One subagent session; see the module's table.
#[derive(Debug)]
pub struct Session {
    config: Config,
    state: State,
    session_id: u32,
    next_packet: u32,
    pending: Vec<(u32, Pending, Instant)>,
    retry_at: Option<Instant>,
    started: Instant,
    rx: Vec<u8>,
    tx: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    queued: VecDeque<Vec<VarBind>>,
    /// The varbinds of the last TestSet that passed, until CommitSet, UndoSet or CleanupSet.
    tested: Option<Vec<VarBind>>,
    stats: Stats,
}

impl Session {
    /// A closed session that asks to connect at once.
    pub fn new(config: Config, now: Instant) -> Session {
        Session {
            config,
            state: State::Closed,
            session_id: 0,
            next_packet: 1,
            pending: Vec::new(),
            retry_at: Some(now),
            started: now,
            rx: Vec::new(),
            tx: VecDeque::new(),
            events: VecDeque::new(),
            queued: VecDeque::new(),
            tested: None,
            stats: Stats::default(),
        }
    }

    /// Whether queries are answered and notifications sent.
    pub fn is_up(&self) -> bool {
        self.state == State::Ready
    }

    /// The counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The transport is connected: open the session (§7.1.1).
    pub fn connected(&mut self, now: Instant) {
        self.reset();
        self.state = State::Opening;
        self.retry_at = None;
        let body = Body::Open {
            timeout: self.config.response_timeout.as_secs().clamp(1, 255) as u8,
            id: self.config.id.clone(),
            descr: self.config.descr.as_bytes().to_vec(),
        };
        self.request(now, body, Pending::Open);
    }

    /// The transport failed or closed: try again after [`Config::retry`].
    pub fn disconnected(&mut self, now: Instant) {
        self.reset();
        self.state = State::Closed;
        self.retry_at = Some(now + self.config.retry);
    }

    /// Bytes read from the transport; answers what they complete.
    pub fn handle_bytes(&mut self, now: Instant, bytes: &[u8], mib: &impl Mib) {
        self.rx.extend_from_slice(bytes);
        loop {
            let len = match frame_len(&self.rx) {
                Ok(Some(len)) if len <= self.rx.len() => len,
                Ok(_) => return,
                Err(e) => return self.protocol_error(now, e),
            };
            let parsed = Pdu::parse(&self.rx[..len]);
            self.rx.drain(..len);
            match parsed {
                Ok(pdu) => self.handle_pdu(now, pdu, mib),
                Err(e) => return self.protocol_error(now, e),
            }
            if self.state == State::Closed {
                return;
            }
        }
    }

    /// Time passed: a due retry or an unanswered request.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == State::Closed {
            if self.retry_at.is_some_and(|t| t <= now) {
                self.retry_at = Some(now + self.config.retry);
                self.events.push_back(Event::Connect);
            }
            return;
        }
        if self
            .pending
            .iter()
            .any(|(_, _, sent)| *sent + self.config.response_timeout <= now)
        {
            self.end(now, Reason::Timeout);
        }
    }

    /// Sends an SNMPv2 notification: `trap` as snmpTrapOID.0, then `objects` (§6.2.10).
    /// While the session is not open they wait, at most [`MAX_QUEUED_NOTIFY`] (the oldest
    /// is dropped and counted): keepalived opens its session synchronously before its
    /// instances start, so its start-up notifications reach the master, and kad's must too.
    pub fn notify(&mut self, now: Instant, trap: Oid, objects: Vec<VarBind>) {
        let mut vbs = vec![VarBind::new(
            Oid(vec![1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0]),
            Value::ObjectIdentifier(trap),
        )];
        vbs.extend(objects);
        if self.state != State::Ready {
            if self.queued.len() == MAX_QUEUED_NOTIFY {
                self.queued.pop_front();
                self.stats.notifications_dropped += 1;
            }
            self.queued.push_back(vbs);
            return;
        }
        self.stats.notifications += 1;
        self.request(now, Body::Notify(vbs), Pending::Other);
    }

    /// Closes the session (§7.1.8), e.g. as the process stops.
    pub fn close(&mut self, now: Instant) {
        if self.state != State::Closed {
            self.send(Body::Close(CloseReason::Shutdown), 0);
        }
        self.reset();
        self.state = State::Closed;
        self.retry_at = None;
        let _ = now;
    }

    /// The next PDU to write to the transport.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.tx.pop_front()
    }

    /// The next thing for the driver to do or log.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Session::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let waiting = self
            .pending
            .iter()
            .map(|(_, _, sent)| *sent + self.config.response_timeout)
            .min();
        match self.state {
            State::Closed => self.retry_at,
            _ => waiting,
        }
    }
}

impl Session {
    fn reset(&mut self) {
        self.pending.clear();
        self.rx.clear();
        self.tx.clear();
        self.session_id = 0;
    }

    fn uptime(&self, now: Instant) -> u32 {
        (now.saturating_duration_since(self.started).as_millis() / 10) as u32
    }

    fn send(&mut self, body: Body, packet_id: u32) {
        let mut out = Vec::new();
        Pdu {
            session_id: self.session_id,
            transaction_id: 0,
            packet_id,
            flags: 0,
            context: None,
            body,
        }
        .emit(&mut out);
        self.tx.push_back(out);
    }

    fn request(&mut self, now: Instant, body: Body, what: Pending) {
        let id = self.next_packet;
        self.next_packet = self.next_packet.wrapping_add(1).max(1);
        self.pending.push((id, what, now));
        self.send(body, id);
    }

    fn end(&mut self, now: Instant, reason: Reason) {
        self.disconnected(now);
        self.events.push_back(Event::Disconnect(reason));
    }

    fn protocol_error(&mut self, now: Instant, e: DecodeError) {
        self.stats.decode_errors += 1;
        if self.state != State::Closed {
            self.send(Body::Close(CloseReason::ParseError), 0);
        }
        let queued = std::mem::take(&mut self.tx);
        self.end(now, Reason::Decode(e));
        self.tx = queued;
    }

    fn handle_pdu(&mut self, now: Instant, pdu: Pdu, mib: &impl Mib) {
        let reply = |s: &mut Session, error: u16, index: u16, varbinds: Vec<VarBind>| {
            let mut out = Vec::new();
            Pdu {
                session_id: pdu.session_id,
                transaction_id: pdu.transaction_id,
                packet_id: pdu.packet_id,
                flags: 0,
                context: pdu.context.clone(),
                body: Body::Response {
                    sys_uptime: s.uptime(now),
                    error,
                    index,
                    varbinds,
                },
            }
            .emit(&mut out);
            s.tx.push_back(out);
        };
        match &pdu.body {
            Body::Response { error, .. } => {
                self.response(now, pdu.packet_id, pdu.session_id, *error)
            }
            Body::Close(reason) => self.end(now, Reason::Closed(*reason)),
            _ if self.state != State::Ready => {
                reply(self, res_error::NOT_OPEN, 0, vec![]);
            }
            Body::Get(ranges) => {
                self.stats.queries += 1;
                let vbs = ranges
                    .iter()
                    .map(|r| {
                        let v = mib.get(&r.start).unwrap_or(Value::NoSuchObject);
                        VarBind::new(r.start.clone(), v)
                    })
                    .collect();
                reply(self, res_error::NO_ERROR, 0, vbs);
            }
            Body::GetNext(ranges) => {
                self.stats.queries += 1;
                let vbs = ranges.iter().map(|r| next_in(mib, r)).collect();
                reply(self, res_error::NO_ERROR, 0, vbs);
            }
            Body::GetBulk {
                non_repeaters,
                max_repetitions,
                ranges,
            } => {
                self.stats.queries += 1;
                let vbs = bulk(mib, usize::from(*non_repeaters), *max_repetitions, ranges);
                reply(self, res_error::NO_ERROR, 0, vbs);
            }
            Body::TestSet(vbs) => {
                let refused = vbs
                    .iter()
                    .enumerate()
                    .find_map(|(i, vb)| mib.test_set(vb).err().map(|e| (e, i as u16 + 1)));
                match refused {
                    Some((error, index)) => {
                        self.tested = None;
                        reply(self, error, index, vec![]);
                    }
                    None => {
                        self.tested = Some(vbs.clone());
                        reply(self, res_error::NO_ERROR, 0, vec![]);
                    }
                }
            }
            Body::CommitSet => {
                if let Some(vbs) = self.tested.take() {
                    self.events.push_back(Event::Set(vbs));
                }
                reply(self, res_error::NO_ERROR, 0, vec![]);
            }
            Body::UndoSet => {
                self.tested = None;
                reply(self, res_error::NO_ERROR, 0, vec![]);
            }
            Body::CleanupSet => self.tested = None,
            _ => reply(self, res_error::PROCESSING_ERROR, 0, vec![]),
        }
    }

    fn response(&mut self, now: Instant, packet_id: u32, session_id: u32, error: u16) {
        let Some(at) = self.pending.iter().position(|(id, ..)| *id == packet_id) else {
            return;
        };
        let (_, what, _) = self.pending.remove(at);
        match what {
            Pending::Open if error != res_error::NO_ERROR => {
                self.end(now, Reason::OpenFailed(error));
            }
            Pending::Open => {
                self.session_id = session_id;
                self.stats.opens += 1;
                self.state = State::Registering;
                for s in self.config.subtrees.clone() {
                    let reg = Body::Register {
                        timeout: 0,
                        priority: 127,
                        range_subid: 0,
                        subtree: s.oid.clone(),
                        upper_bound: None,
                    };
                    self.request(now, reg, Pending::Register(s.oid.clone()));
                    let caps = Body::AddAgentCaps {
                        id: s.oid,
                        descr: format!("The MIB module for {}", s.descr).into_bytes(),
                    };
                    self.request(now, caps, Pending::Other);
                }
            }
            Pending::Register(oid) if error != res_error::NO_ERROR => {
                self.events.push_back(Event::RegisterFailed { oid, error });
            }
            Pending::Register(_) | Pending::Other => {}
        }
        if self.state == State::Registering
            && !self
                .pending
                .iter()
                .any(|(_, p, _)| matches!(p, Pending::Register(_)))
        {
            self.state = State::Ready;
            self.events.push_back(Event::Up);
            for vbs in std::mem::take(&mut self.queued) {
                self.stats.notifications += 1;
                self.request(now, Body::Notify(vbs), Pending::Other);
            }
        }
    }
}

/// GetNext within a search range (§7.2.3.2).
fn next_in(mib: &impl Mib, r: &SearchRange) -> VarBind {
    let found = if r.include {
        mib.get(&r.start)
            .map(|v| (r.start.clone(), v))
            .or_else(|| mib.next(&r.start))
    } else {
        mib.next(&r.start)
    };
    match found {
        Some((oid, v)) if r.end.is_null() || oid < r.end => VarBind::new(oid, v),
        _ => VarBind::new(r.start.clone(), Value::EndOfMibView),
    }
}

/// GetBulk (§7.2.3.3): the non-repeaters once, the others up to `max_repetitions` times.
fn bulk(
    mib: &impl Mib,
    non_repeaters: usize,
    max_rep: u16,
    ranges: &[SearchRange],
) -> Vec<VarBind> {
    let n = non_repeaters.min(ranges.len());
    let mut out: Vec<VarBind> = ranges[..n].iter().map(|r| next_in(mib, r)).collect();
    let mut cursors: Vec<SearchRange> = ranges[n..].to_vec();
    for _ in 0..max_rep {
        if cursors.is_empty() || out.len() >= MAX_BULK {
            break;
        }
        let mut all_done = true;
        for c in cursors.iter_mut() {
            let vb = next_in(mib, c);
            if vb.value != Value::EndOfMibView {
                all_done = false;
                c.start = vb.name.clone();
                c.include = false;
            }
            out.push(vb);
        }
        if all_done {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::pdu::SearchRange;
    use super::*;
    use crate::snmp::tree::Tree;

    const ROOT: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5, 2];

    fn config() -> Config {
        Config {
            id: Oid(ROOT.to_vec()),
            descr: "kad".into(),
            subtrees: vec![Subtree {
                oid: Oid(ROOT.to_vec()),
                descr: "KEEPALIVED-VRRP".into(),
            }],
            response_timeout: Duration::from_secs(5),
            retry: Duration::from_secs(5),
        }
    }

    fn tree() -> Tree {
        let mut t = Tree::default();
        let root = Oid(ROOT.to_vec());
        t.set(root.child(&[3, 1, 2, 1]), Value::string("VI_1"));
        t.set(root.child(&[3, 1, 2, 2]), Value::string("VI_2"));
        t.set(root.child(&[3, 1, 3, 1]), Value::Gauge32(51));
        t.set(root.child(&[3, 1, 3, 2]), Value::Gauge32(52));
        t
    }

    fn from_master(packet_id: u32, body: Body) -> Vec<u8> {
        let mut out = Vec::new();
        Pdu {
            session_id: 9,
            transaction_id: 4,
            packet_id,
            flags: 0,
            context: None,
            body,
        }
        .emit(&mut out);
        out
    }

    fn ok(packet_id: u32) -> Vec<u8> {
        from_master(
            packet_id,
            Body::Response {
                sys_uptime: 0,
                error: 0,
                index: 0,
                varbinds: vec![],
            },
        )
    }

    fn sent(s: &mut Session) -> Vec<Pdu> {
        std::iter::from_fn(|| s.poll_transmit())
            .map(|b| Pdu::parse(&b).expect("kad's PDUs parse"))
            .collect()
    }

    /// A session through Open, Register and AddAgentCaps.
    fn open(now: Instant) -> Session {
        let mut s = Session::new(config(), now);
        s.handle_timeout(now);
        assert_eq!(s.poll_event(), Some(Event::Connect));
        s.connected(now);
        let open = sent(&mut s);
        assert!(matches!(
            open[..],
            [Pdu {
                body: Body::Open { .. },
                packet_id: 1,
                ..
            }]
        ));
        s.handle_bytes(now, &ok(1), &tree());
        let regs = sent(&mut s);
        assert!(matches!(
            &regs[..],
            [
                Pdu {
                    body: Body::Register { priority: 127, .. },
                    session_id: 9,
                    ..
                },
                Pdu {
                    body: Body::AddAgentCaps { .. },
                    ..
                },
            ]
        ));
        s.handle_bytes(now, &ok(2), &tree());
        s.handle_bytes(now, &ok(3), &tree());
        assert_eq!(s.poll_event(), Some(Event::Up));
        assert!(s.is_up());
        s
    }

    fn answer(s: &mut Session, now: Instant, body: Body) -> Vec<VarBind> {
        s.handle_bytes(now, &from_master(77, body), &tree());
        match sent(s).pop().map(|p| (p.packet_id, p.body)) {
            Some((
                77,
                Body::Response {
                    varbinds, error: 0, ..
                },
            )) => varbinds,
            other => panic!("{other:?}"),
        }
    }

    fn range(sub: &[u32], include: bool) -> SearchRange {
        SearchRange {
            start: Oid(ROOT.to_vec()).child(sub),
            include,
            end: Oid::default(),
        }
    }

    #[test]
    fn get_getnext_and_getbulk_are_answered_in_oid_order() {
        let now = Instant::now();
        let mut s = open(now);
        let vbs = answer(
            &mut s,
            now,
            Body::Get(vec![range(&[3, 1, 2, 2], false), range(&[9], false)]),
        );
        assert_eq!(vbs[0].value, Value::string("VI_2"));
        assert_eq!(vbs[1].value, Value::NoSuchObject);
        let vbs = answer(
            &mut s,
            now,
            Body::GetNext(vec![range(&[3, 1, 2, 2], false)]),
        );
        assert_eq!(vbs[0].name, Oid(ROOT.to_vec()).child(&[3, 1, 3, 1]));
        let vbs = answer(&mut s, now, Body::GetNext(vec![range(&[3, 1, 2, 2], true)]));
        assert_eq!(vbs[0].value, Value::string("VI_2"));
        let vbs = answer(
            &mut s,
            now,
            Body::GetNext(vec![range(&[3, 1, 3, 2], false)]),
        );
        assert_eq!(vbs[0].value, Value::EndOfMibView);
        let vbs = answer(
            &mut s,
            now,
            Body::GetBulk {
                non_repeaters: 0,
                max_repetitions: 10,
                ranges: vec![range(&[], false)],
            },
        );
        assert_eq!(vbs.len(), 5, "four objects then endOfMibView: {vbs:?}");
        assert_eq!(vbs[4].value, Value::EndOfMibView);
    }

    #[test]
    fn a_search_range_end_bounds_getnext() {
        let now = Instant::now();
        let mut s = open(now);
        let mut r = range(&[3, 1, 2, 2], false);
        r.end = Oid(ROOT.to_vec()).child(&[3, 1, 3]);
        let vbs = answer(&mut s, now, Body::GetNext(vec![r]));
        assert_eq!(vbs[0].value, Value::EndOfMibView);
    }

    #[test]
    fn sets_are_refused_as_not_writable() {
        let now = Instant::now();
        let mut s = open(now);
        let vb = VarBind::new(Oid(ROOT.to_vec()).child(&[3, 1, 7, 1]), Value::Integer(1));
        s.handle_bytes(now, &from_master(5, Body::TestSet(vec![vb])), &tree());
        assert!(matches!(
            sent(&mut s)[..],
            [Pdu {
                body: Body::Response {
                    error: res_error::NOT_WRITABLE,
                    index: 1,
                    ..
                },
                ..
            }]
        ));
        s.handle_bytes(now, &from_master(6, Body::CleanupSet), &tree());
        assert!(sent(&mut s).is_empty(), "CleanupSet has no response");
    }

    /// The tree with column 3 writable as Gauge32, as a MIB with a write method says.
    struct Writable(Tree);

    impl Mib for Writable {
        fn get(&self, oid: &Oid) -> Option<Value> {
            self.0.get(oid)
        }
        fn next(&self, oid: &Oid) -> Option<(Oid, Value)> {
            self.0.next(oid)
        }
        fn test_set(&self, vb: &VarBind) -> Result<(), u16> {
            match (self.0.get(&vb.name), &vb.value) {
                (Some(Value::Gauge32(_)), Value::Gauge32(_)) => Ok(()),
                (Some(_), _) => Err(res_error::WRONG_TYPE),
                (None, _) => Err(res_error::NO_CREATION),
            }
        }
    }

    fn error_of(pdus: &[Pdu]) -> (u16, u16) {
        match pdus {
            [Pdu {
                body: Body::Response { error, index, .. },
                ..
            }] => (*error, *index),
            other => panic!("one response expected, got {other:?}"),
        }
    }

    #[test]
    fn a_tested_set_is_handed_over_at_commit_and_only_then() {
        let now = Instant::now();
        let mut s = open(now);
        let mib = Writable(tree());
        let vb = VarBind::new(Oid(ROOT.to_vec()).child(&[3, 1, 3, 2]), Value::Gauge32(7));
        s.handle_bytes(now, &from_master(5, Body::TestSet(vec![vb.clone()])), &mib);
        assert_eq!(error_of(&sent(&mut s)), (res_error::NO_ERROR, 0));
        assert_eq!(s.poll_event(), None, "nothing is applied at TestSet");
        s.handle_bytes(now, &from_master(6, Body::CommitSet), &mib);
        assert_eq!(error_of(&sent(&mut s)), (res_error::NO_ERROR, 0));
        assert_eq!(s.poll_event(), Some(Event::Set(vec![vb.clone()])));
        s.handle_bytes(now, &from_master(7, Body::CleanupSet), &mib);
        assert!(sent(&mut s).is_empty());
        // Undone before the commit: nothing to apply.
        s.handle_bytes(now, &from_master(8, Body::TestSet(vec![vb])), &mib);
        sent(&mut s);
        s.handle_bytes(now, &from_master(9, Body::UndoSet), &mib);
        s.handle_bytes(now, &from_master(10, Body::CommitSet), &mib);
        sent(&mut s);
        assert_eq!(s.poll_event(), None);
    }

    #[test]
    fn a_set_names_its_first_bad_varbind() {
        let now = Instant::now();
        let mut s = open(now);
        let mib = Writable(tree());
        let root = Oid(ROOT.to_vec());
        let good = VarBind::new(root.child(&[3, 1, 3, 1]), Value::Gauge32(1));
        for (bad, error) in [
            (
                VarBind::new(root.child(&[3, 1, 3, 1]), Value::Integer(1)),
                res_error::WRONG_TYPE,
            ),
            (
                VarBind::new(root.child(&[3, 1, 3, 9]), Value::Gauge32(1)),
                res_error::NO_CREATION,
            ),
        ] {
            let pdu = from_master(5, Body::TestSet(vec![good.clone(), bad]));
            s.handle_bytes(now, &pdu, &mib);
            assert_eq!(error_of(&sent(&mut s)), (error, 2));
            s.handle_bytes(now, &from_master(6, Body::CommitSet), &mib);
            sent(&mut s);
            assert_eq!(s.poll_event(), None, "a refused set is never applied");
        }
    }

    #[test]
    fn notifications_wait_for_the_session_and_then_go_in_order() {
        let now = Instant::now();
        let mut s = Session::new(config(), now);
        let trap = Oid(ROOT.to_vec()).child(&[10, 0, 2]);
        s.notify(now, trap.clone(), vec![]);
        assert!(sent(&mut s).is_empty());
        s.handle_timeout(now);
        s.connected(now);
        for id in 1..=3 {
            s.handle_bytes(now, &ok(id), &tree());
        }
        let out = sent(&mut s);
        let notify = out.last().expect("the queued notification");
        match &notify.body {
            Body::Notify(vbs) => {
                assert_eq!(vbs[0].name.to_string(), ".1.3.6.1.6.3.1.1.4.1.0");
                assert_eq!(vbs[0].value, Value::ObjectIdentifier(trap));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.stats().notifications, 1);
    }

    #[test]
    fn a_close_from_the_master_disconnects_and_retries() {
        let now = Instant::now();
        let mut s = open(now);
        s.handle_bytes(
            now,
            &from_master(0, Body::Close(CloseReason::Shutdown)),
            &tree(),
        );
        assert_eq!(
            s.poll_event(),
            Some(Event::Disconnect(Reason::Closed(CloseReason::Shutdown)))
        );
        assert!(!s.is_up());
        let retry = s.poll_timeout().expect("a retry");
        assert_eq!(retry, now + Duration::from_secs(5));
        s.handle_timeout(retry);
        assert_eq!(s.poll_event(), Some(Event::Connect));
    }

    #[test]
    fn an_unanswered_open_times_out() {
        let now = Instant::now();
        let mut s = Session::new(config(), now);
        s.handle_timeout(now);
        let _ = s.poll_event();
        s.connected(now);
        let due = s.poll_timeout().expect("response timer");
        s.handle_timeout(due);
        assert_eq!(s.poll_event(), Some(Event::Disconnect(Reason::Timeout)));
    }

    #[test]
    fn a_refused_open_and_a_refused_registration_are_reported() {
        let now = Instant::now();
        let mut s = Session::new(config(), now);
        s.handle_timeout(now);
        let _ = s.poll_event();
        s.connected(now);
        let refuse = |id, error| {
            from_master(
                id,
                Body::Response {
                    sys_uptime: 0,
                    error,
                    index: 0,
                    varbinds: vec![],
                },
            )
        };
        s.handle_bytes(now, &refuse(1, res_error::OPEN_FAILED), &tree());
        assert_eq!(
            s.poll_event(),
            Some(Event::Disconnect(Reason::OpenFailed(
                res_error::OPEN_FAILED
            )))
        );
        let mut s = Session::new(config(), now);
        s.connected(now);
        s.handle_bytes(now, &ok(1), &tree());
        s.handle_bytes(now, &refuse(2, res_error::DUPLICATE_REGISTRATION), &tree());
        s.handle_bytes(now, &ok(3), &tree());
        assert_eq!(
            s.poll_event(),
            Some(Event::RegisterFailed {
                oid: Oid(ROOT.to_vec()),
                error: res_error::DUPLICATE_REGISTRATION
            })
        );
        assert_eq!(s.poll_event(), Some(Event::Up));
    }

    #[test]
    fn bytes_that_are_not_agentx_close_the_session_with_parse_error() {
        let now = Instant::now();
        let mut s = open(now);
        s.handle_bytes(now, &[2; 20], &tree());
        assert!(matches!(
            sent(&mut s)[..],
            [Pdu {
                body: Body::Close(CloseReason::ParseError),
                ..
            }]
        ));
        assert_eq!(
            s.poll_event(),
            Some(Event::Disconnect(Reason::Decode(DecodeError::Version(2))))
        );
        assert_eq!(s.stats().decode_errors, 1);
    }

    #[test]
    fn a_pdu_split_across_reads_is_reassembled() {
        let now = Instant::now();
        let mut s = open(now);
        let get = from_master(8, Body::Get(vec![range(&[3, 1, 2, 1], false)]));
        for chunk in get.chunks(3) {
            s.handle_bytes(now, chunk, &tree());
        }
        assert!(matches!(
            &sent(&mut s)[..],
            [Pdu { packet_id: 8, body: Body::Response { varbinds, .. }, .. }] if varbinds[0].value == Value::string("VI_1")
        ));
    }
}
