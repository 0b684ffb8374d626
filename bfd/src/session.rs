//! One BFD session (RFC 5880 §6.8.1 state variables) and what it does with packets and
//! timers. The transitions themselves are the table in [`crate::fsm`]; this module
//! classifies inputs, carries out the table's steps and runs the timers of §6.8.3, §6.8.4
//! and §6.8.7 (transmit interval, jitter, detection time, Poll sequences).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::auth::{self, RxSeq};
use crate::config::{RxMeta, SessionConfig};
use crate::endpoint::{fresh_discr, DiscrMap, SessionId};
use crate::error::RxError;
use crate::fsm::{self, Input, Step};
use crate::packet::{BfdPacket, ControlRepr, Diag, Interval, State};
use crate::rng::Rng;
use crate::stats::SessionStats;
use crate::timers::{Timer, TimerTable};
use crate::Event;

/// bfd.RemoteMinRxInterval before the peer is heard (§6.8.1: "MUST be initialized to 1").
const INITIAL_REMOTE_MIN_RX: Interval = Interval(1);

/// What a session needs from its [`crate::Sessions`] while it handles an input.
pub(crate) struct Ctx<'a> {
    pub id: SessionId,
    pub rng: &'a mut Rng,
    pub events: &'a mut VecDeque<(SessionId, Event)>,
    pub tx_queue: &'a mut VecDeque<SessionId>,
    pub discrs: &'a mut DiscrMap,
}

/// One session: its configuration, the state variables of RFC 5880 §6.8.1, its timers and
/// counters. Read-only outside the crate; [`crate::Sessions`] drives it.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    state: State,
    local_diag: Diag,
    local_discr: u32,
    remote_discr: u32,
    remote_state: State,
    remote_diag: Diag,
    remote_min_rx: Interval,
    remote_min_tx: Interval,
    remote_detect_mult: u8,
    /// DesiredMinTxInterval and RequiredMinRxInterval as advertised in our packets.
    adv_tx: Duration,
    adv_rx: Duration,
    /// The values in effect for timing; they lag the advertised ones during a Poll
    /// sequence when §6.8.3 says so (a longer TX or a shorter RX waits for the Final).
    tx_used: Duration,
    rx_used: Duration,
    polling: bool,
    timers: TimerTable,
    /// A periodic (or state-change) packet is queued.
    tx_due: bool,
    /// A packet with F, answering a Poll, is queued.
    final_due: bool,
    /// Removed and done sending AdminDown: dropped once nothing is queued.
    gone: bool,
    xmit_seq: u32,
    rx_seq: RxSeq,
    last_state_change: Option<Instant>,
    stats: SessionStats,
}

impl Session {
    pub(crate) fn new(
        config: SessionConfig,
        local_discr: u32,
        now: Instant,
        ctx: &mut Ctx<'_>,
    ) -> Self {
        let idle = config.effective_idle_tx();
        let rx = config.required_min_rx;
        let mut s = Self {
            state: State::Down,
            local_diag: Diag::None,
            local_discr,
            remote_discr: 0,
            remote_state: State::Down,
            remote_diag: Diag::None,
            remote_min_rx: INITIAL_REMOTE_MIN_RX,
            remote_min_tx: Interval::ZERO,
            remote_detect_mult: 0,
            adv_tx: idle,
            adv_rx: rx,
            tx_used: idle,
            rx_used: rx,
            polling: false,
            timers: TimerTable::default(),
            tx_due: false,
            final_due: false,
            gone: false,
            xmit_seq: ctx.rng.next_u32(),
            rx_seq: RxSeq::default(),
            last_state_change: None,
            stats: SessionStats::default(),
            config,
        };
        s.schedule_tx(now, ctx);
        s
    }

    // ----- getters -----

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// bfd.SessionState.
    pub fn state(&self) -> State {
        self.state
    }

    /// bfd.LocalDiag: why the session last changed state.
    pub fn local_diag(&self) -> Diag {
        self.local_diag
    }

    /// bfd.RemoteSessionState: the State field last received.
    pub fn remote_state(&self) -> State {
        self.remote_state
    }

    /// The Diag field last received.
    pub fn remote_diag(&self) -> Diag {
        self.remote_diag
    }

    /// bfd.LocalDiscr.
    pub fn local_discr(&self) -> u32 {
        self.local_discr
    }

    /// bfd.RemoteDiscr (0 until heard, and after a Detection Time without packets).
    pub fn remote_discr(&self) -> u32 {
        self.remote_discr
    }

    /// bfd.RemoteMinRxInterval (1 µs until heard, as §6.8.1 initialises it).
    pub fn remote_min_rx(&self) -> Duration {
        self.remote_min_rx.as_duration()
    }

    /// The Desired Min TX Interval last received.
    pub fn remote_min_tx(&self) -> Duration {
        self.remote_min_tx.as_duration()
    }

    /// The Detect Mult last received (0 until heard).
    pub fn remote_detect_mult(&self) -> u8 {
        self.remote_detect_mult
    }

    /// The negotiated transmit interval before jitter (§6.8.7): the larger of our
    /// DesiredMinTxInterval in effect and the peer's RequiredMinRxInterval.
    pub fn tx_interval(&self) -> Duration {
        self.tx_used.max(self.remote_min_rx.as_duration())
    }

    /// The Detection Time (§6.8.4, asynchronous mode): the peer's Detect Mult times the
    /// larger of our RequiredMinRxInterval in effect and the peer's Desired Min TX; zero
    /// until the peer is heard.
    pub fn detection_time(&self) -> Duration {
        self.rx_used.max(self.remote_min_tx.as_duration()) * u32::from(self.remote_detect_mult)
    }

    /// The DesiredMinTxInterval we advertise.
    pub fn desired_min_tx(&self) -> Duration {
        self.adv_tx
    }

    /// The RequiredMinRxInterval we advertise.
    pub fn required_min_rx(&self) -> Duration {
        self.adv_rx
    }

    /// Whether a Poll sequence is running (§6.5).
    pub fn is_polling(&self) -> bool {
        self.polling
    }

    /// When the state last changed.
    pub fn last_state_change(&self) -> Option<Instant> {
        self.last_state_change
    }

    /// Traffic and transition counters.
    pub fn stats(&self) -> &SessionStats {
        &self.stats
    }

    /// The earliest deadline of the session's timers.
    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.timers.next_timeout()
    }

    pub(crate) fn is_gone(&self) -> bool {
        self.gone && !self.tx_due && !self.final_due
    }

    pub(crate) fn has_queued(&self) -> bool {
        self.tx_due || self.final_due
    }

    // ----- inputs -----

    /// Checks and applies a packet that passed the header checks and was demultiplexed to
    /// this session: TTL, authentication, then §6.8.6's updates and the state table.
    pub(crate) fn receive(
        &mut self,
        now: Instant,
        p: &BfdPacket<&[u8]>,
        meta: &RxMeta,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), RxError> {
        let src = meta.src;
        if meta.ttl < self.config.min_rx_ttl {
            return Err(RxError::TtlTooLow {
                ttl: meta.ttl,
                min: self.config.min_rx_ttl,
                src,
            });
        }
        let seq = auth::verify(p, self.config.auth.as_ref(), src)?;
        if let (Some(seq), Some(a)) = (seq, self.config.auth.as_ref()) {
            let meticulous = a.auth_type().is_meticulous();
            let mult = self.config.effective_detect_mult();
            if let Err((low, high)) = self.rx_seq.check(seq, meticulous, mult) {
                return Err(RxError::AuthSequence {
                    seq,
                    low,
                    high,
                    src,
                });
            }
        }
        if self.state == State::AdminDown {
            return Err(RxError::SessionAdminDown { src });
        }
        if let Some(seq) = seq {
            self.rx_seq.accept(seq);
        }
        self.stats.rx += 1;
        self.remote_discr = p.my_discr();
        self.remote_state = p.state();
        self.remote_diag = p.diag();
        self.remote_detect_mult = p.detect_mult();
        self.remote_min_tx = p.desired_min_tx();
        self.remote_min_rx = p.required_min_rx();
        if p.final_() && self.polling {
            self.end_poll();
        }
        self.arm_detect(now);
        self.apply(now, Input::from_received(p.state()), ctx);
        if p.poll() {
            // §6.8.6: answer at once, P clear and F set, whatever the transmit timer says.
            self.queue(ctx, true);
        }
        self.schedule_tx(now, ctx);
        Ok(())
    }

    /// Fires every expired timer. Idempotent.
    pub(crate) fn fire_timers(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        while let Some(timer) = self.timers.take_expired(now) {
            match timer {
                Timer::Tx => {
                    if self.can_send() {
                        self.queue(ctx, false);
                        let next = now + self.jittered(ctx.rng);
                        self.timers.set(Timer::Tx, next);
                    }
                }
                Timer::Detect => self.apply(now, Input::DetectExpired, ctx),
                Timer::AuthSeq => self.rx_seq.forget(),
                Timer::Drop => {
                    self.gone = true;
                    self.timers = TimerTable::default();
                }
            }
        }
    }

    // ----- commands -----

    /// New configuration: state and discriminators stay; changed intervals go through a
    /// Poll sequence while Up (§6.8.3). A change of Detect Mult needs none.
    pub(crate) fn reconfigure(&mut self, config: SessionConfig, now: Instant, ctx: &mut Ctx<'_>) {
        if config.auth != self.config.auth {
            self.rx_seq.forget();
        }
        self.config = config;
        if self.state == State::AdminDown {
            return;
        }
        let tx = if self.state == State::Up {
            self.config.desired_min_tx
        } else {
            self.config.effective_idle_tx()
        };
        self.set_intervals(tx, self.config.required_min_rx, ctx);
        if self.remote_detect_mult != 0 {
            self.arm_detect(now);
        }
        self.schedule_tx(now, ctx);
    }

    /// Starts sending AdminDown (diag 7) for one Detection Time (§6.8.16); then the session
    /// is dropped. A session never heard from sends one packet and goes at once.
    pub(crate) fn remove(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        if self.state == State::AdminDown {
            return;
        }
        let hold = self.detection_time();
        self.apply(now, Input::AdminDown, ctx);
        self.timers.set(Timer::Drop, now + hold);
    }

    // ----- outputs -----

    /// Bytes the next packet needs.
    pub(crate) fn packet_len(&self) -> usize {
        self.repr(false, false).buffer_len()
    }

    /// Writes the queued packet into `buf`. `None` when nothing is queued or the key is
    /// invalid (counted in [`SessionStats::tx_errors`]).
    pub(crate) fn build(&mut self, buf: &mut [u8]) -> Option<usize> {
        if !self.has_queued() {
            return None;
        }
        let final_ = self.final_due;
        // Never P and F together (§6.5): an F answer goes alone; a periodic packet due at
        // the same time follows it if a Poll is running, otherwise the F packet serves.
        let poll = self.polling && !final_;
        self.final_due = false;
        if !(final_ && self.polling) {
            self.tx_due = false;
        }
        let repr = self.repr(poll, final_);
        let len = repr.emit(buf).ok()?;
        self.xmit_seq = self.xmit_seq.wrapping_add(1);
        if let Some(a) = &self.config.auth {
            if auth::sign(&mut buf[..len], a).is_err() {
                self.stats.tx_errors += 1;
                return None;
            }
        }
        self.stats.tx += 1;
        Some(len)
    }

    fn repr(&self, poll: bool, final_: bool) -> ControlRepr {
        ControlRepr {
            diag: self.local_diag,
            state: self.state,
            poll,
            final_,
            control_plane_independent: false,
            demand: false,
            multipoint: false,
            detect_mult: self.config.effective_detect_mult(),
            my_discr: self.local_discr,
            your_discr: self.remote_discr,
            desired_min_tx: Interval::from_duration(self.adv_tx),
            required_min_rx: Interval::from_duration(self.adv_rx),
            required_min_echo_rx: Interval::ZERO,
            auth: self.config.auth.as_ref().map(|a| a.section(self.xmit_seq)),
        }
    }

    // ----- internals -----

    fn apply(&mut self, now: Instant, input: Input, ctx: &mut Ctx<'_>) {
        let Some(t) = fsm::transition(self.state, input) else {
            return;
        };
        if t.next != self.state {
            self.last_state_change = Some(now);
        }
        self.state = t.next;
        for step in t.steps {
            match *step {
                Step::Diag(d) => self.local_diag = d,
                Step::ForgetRemote => {
                    self.remote_discr = 0;
                    self.remote_state = State::Down;
                    self.remote_min_rx = INITIAL_REMOTE_MIN_RX;
                    self.remote_min_tx = Interval::ZERO;
                    self.remote_detect_mult = 0;
                    self.timers.stop(Timer::Detect);
                }
                Step::NewLocalDiscr => {
                    ctx.discrs.remove(&self.local_discr);
                    self.local_discr = fresh_discr(ctx.rng, ctx.discrs);
                    ctx.discrs.insert(self.local_discr, ctx.id);
                }
                Step::EnterUp => {
                    self.stats.up += 1;
                    self.set_intervals(
                        self.config.desired_min_tx,
                        self.config.required_min_rx,
                        ctx,
                    );
                }
                Step::LeaveUp => {
                    self.stats.down += 1;
                    self.polling = false;
                    self.adv_tx = self.config.effective_idle_tx();
                    self.tx_used = self.adv_tx;
                    self.rx_used = self.adv_rx;
                }
                Step::StopDetect => {
                    self.timers.stop(Timer::Detect);
                    self.timers.stop(Timer::AuthSeq);
                }
                Step::SendNow => {
                    if self.can_send() {
                        self.queue(ctx, false);
                        let next = now + self.jittered(ctx.rng);
                        self.timers.set(Timer::Tx, next);
                    }
                }
                Step::NotifyUp => ctx.events.push_back((ctx.id, Event::Up)),
                Step::NotifyDown | Step::NotifyPeerAdminDown => ctx.events.push_back((
                    ctx.id,
                    Event::Down {
                        diag: self.local_diag,
                        peer_admin_down: *step == Step::NotifyPeerAdminDown,
                    },
                )),
            }
        }
    }

    /// §6.8.3: new advertised intervals. While Up a change starts a Poll sequence, and a
    /// longer TX or shorter RX takes effect only when the Final comes; otherwise at once.
    fn set_intervals(&mut self, tx: Duration, rx: Duration, ctx: &mut Ctx<'_>) {
        if tx == self.adv_tx && rx == self.adv_rx {
            return;
        }
        self.adv_tx = tx;
        self.adv_rx = rx;
        if self.state == State::Up {
            if tx < self.tx_used {
                self.tx_used = tx;
            }
            if rx > self.rx_used {
                self.rx_used = rx;
            }
            if !self.polling {
                self.stats.polls += 1;
            }
            self.polling = true;
            // The first packet of the sequence goes out at once.
            if self.can_send() {
                self.queue(ctx, false);
            }
        } else {
            self.tx_used = tx;
            self.rx_used = rx;
        }
    }

    fn end_poll(&mut self) {
        self.polling = false;
        self.tx_used = self.adv_tx;
        self.rx_used = self.adv_rx;
    }

    fn arm_detect(&mut self, now: Instant) {
        let d = self.detection_time();
        if d.is_zero() {
            self.timers.stop(Timer::Detect);
        } else {
            self.timers.set(Timer::Detect, now + d);
        }
        if self.config.auth.is_some() && !d.is_zero() {
            self.timers.set(Timer::AuthSeq, now + d * 2);
        }
    }

    /// §6.8.7: no periodic packets while the peer asks for none (RequiredMinRx 0), nor, when
    /// passive, before the peer's discriminator is known (§6.1); none after removal ended.
    fn can_send(&self) -> bool {
        !self.gone
            && self.remote_min_rx != Interval::ZERO
            && !(self.config.passive && self.remote_discr == 0)
    }

    /// The transmit interval less 0–25 % (§6.8.7), or 10–25 % when bfd.DetectMult is 1 so
    /// that a single lost packet cannot expire the peer's detection time.
    fn jittered(&self, rng: &mut Rng) -> Duration {
        let interval = self.tx_interval();
        let per_mille = if self.config.effective_detect_mult() == 1 {
            750 + rng.below(151)
        } else {
            750 + rng.below(251)
        };
        let nanos = interval.as_nanos() * u128::from(per_mille) / 1000;
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// After anything that changes whether or how often we send: stop the transmit timer,
    /// start it at once, or bring it forward to one (jittered) new interval.
    fn schedule_tx(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        if !self.can_send() {
            self.timers.stop(Timer::Tx);
            return;
        }
        match self.timers.get(Timer::Tx) {
            None => self.timers.set(Timer::Tx, now),
            Some(at) => {
                let next = now + self.jittered(ctx.rng);
                if at > next {
                    self.timers.set(Timer::Tx, next);
                }
            }
        }
    }

    fn queue(&mut self, ctx: &mut Ctx<'_>, final_: bool) {
        if !self.has_queued() {
            ctx.tx_queue.push_back(ctx.id);
        }
        if final_ {
            self.final_due = true;
        } else {
            self.tx_due = true;
        }
    }
}
