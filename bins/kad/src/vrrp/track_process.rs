//! `vrrp_track_process`: counts the running processes that match a name (or a command line
//! and parameters) and reports whether the count is within `quorum ..= quorum_max`, as
//! keepalived 2.2.7 does in `keepalived/core/track_process.c`.
//!
//! How it works (keepalived's design, kept):
//! - at start `/proc/[1-9]*` is scanned once (`read_procs`): `/proc/PID/stat` for the name
//!   (zombies skipped) when a tracker matches names, `/proc/PID/cmdline` when one matches the
//!   full command; after that the kernel's process-events connector (NETLINK_CONNECTOR,
//!   `CN_IDX_PROC`, `PROC_CN_MCAST_LISTEN`) reports fork, exec, comm change and exit;
//! - a process matches on its name (`/proc/PID/comm`, exact, as `pgrep ^NAME$`) or, with
//!   `full_command` (implied by parameters or `param_match`), on `argv[0]` exactly plus the
//!   parameters: `param_match` exact (the default), `partial` (the configured parameters are
//!   the first ones) or `initial` (and the last may be longer) (`check_params`);
//! - the fork of a counted process counts the child (`check_process_fork`); an exec re-reads
//!   the name and command line (`check_process`); a comm change re-matches on the new name
//!   (`check_process_comm_change`); an exit uncounts (`check_process_termination`); threads
//!   are ignored;
//! - `fork_delay` defers the quorum change caused by a fork, `terminate_delay` the one caused
//!   by an exit; the opposite event cancels a pending delay. Exec and comm changes act at
//!   once, as in keepalived;
//! - ENOBUFS on the socket means events were lost: after one second the receive buffer is
//!   doubled ("Setting global_def process_monitor_rcv_bufs to N - recommend updating
//!   configuration file") and `/proc` is scanned again (`reinitialise_track_processes`);
//! - "Quorum gained/lost for tracked process NAME" is logged on every reported change
//!   (`process_update_track_process_status`); the VRRP side applies weights.
//!
//! Deliberate differences: a process is counted at most once per tracker (keepalived counts
//! twice an exec that keeps a counted name until the exit); after a rescan the delays apply to
//! the state change they defer (keepalived starts the fork timer with the terminate delay and
//! reports at once); a gap in a CPU's event sequence numbers ("Missed N messages on CPU C")
//! also schedules the rescan, since the counts are then wrong; and further losses while a
//! rescan is pending do not postpone it (keepalived re-arms its timer on every ENOBUFS, so a
//! busy host can starve the rescan).

use std::collections::HashMap;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::{Duration, Instant};

use keepalive_confparse::model::vrrp::track::{ParamMatch, TrackProcess};
use keepalive_netlink::proc_connector::{
    self, McastOp, ProcEvent, ProcMessage, CN_IDX_PROC, NETLINK_CONNECTOR,
};
use nix::errno::Errno;
use nix::sys::socket::{self, sockopt, MsgFlags, NetlinkAddr};
use socket2::{Domain, Protocol, Socket, Type};

/// How long keepalived lets things settle after ENOBUFS before rescanning (`TIMER_HZ`).
const RESCAN_DELAY: Duration = Duration::from_secs(1);
/// How long keepalived waits for the kernel's acknowledgement of the listen request.
const ACK_WAIT: Duration = Duration::from_millis(100);

/// Why process tracking could not start, or a runtime problem (logged with keepalived's
/// wording).
#[derive(Debug, thiserror::Error)]
pub enum TrackProcessError {
    /// The kernel has no process-events connector.
    #[error("track_process not available - is CONFIG_PROC_EVENTS enabled in kernel config?")]
    NotSupported,
    /// `socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR)` failed otherwise.
    #[error("Failed to open process monitoring socket - {}", os_err(.0))]
    Socket(#[source] io::Error),
    /// Binding to the `CN_IDX_PROC` group failed.
    #[error("Failed to bind to process monitoring socket - {}", errno(*.0))]
    Bind(#[source] Errno),
    /// Sending `PROC_CN_MCAST_LISTEN`/`IGNORE` failed (needs CAP_NET_ADMIN in the initial
    /// user and PID namespaces).
    #[error("Failed to set/clear process event listen - {}", errno(*.0))]
    Listen(#[source] Errno),
    /// The socket was opened outside the initial network namespace, where the kernel has no
    /// connector to answer (open it with [`ProcSocket::open`] before entering a namespace).
    #[error("Failed to set/clear process event listen - errno 111 - Connection refused (process events are only available in the initial network namespace)")]
    NotInitialNamespace,
    /// `/proc` could not be listed.
    #[error("Unable to read /proc for track_process - {}", os_err(.0))]
    ProcScan(#[source] io::Error),
    /// Setting the socket's receive buffer failed.
    #[error("Cannot set process monitor SO_RCVBUF{} option. {}", if *.force { "FORCE" } else { "" }, errno(*.source))]
    RcvBuf {
        /// Whether SO_RCVBUFFORCE was used.
        force: bool,
        /// The error.
        #[source]
        source: Errno,
    },
    /// Receiving from the socket failed (other than "no more data" or lost messages).
    #[error("process monitor netlink recv error {} - {}", *.0 as i32, .0.desc())]
    Recv(#[source] Errno),
}

fn errno(e: Errno) -> String {
    format!("errno={} ({})", e as i32, e.desc())
}

fn os_err(e: &io::Error) -> String {
    format!("errno {} - {}", e.raw_os_error().unwrap_or(0), e)
}

/// Settings from `global_defs` that the process monitor uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessOptions {
    /// `process_monitor_rcv_bufs`: the socket's receive buffer size, if set.
    pub rcv_bufs: Option<u32>,
    /// `process_monitor_rcv_bufs_force`: use SO_RCVBUFFORCE (beyond `rmem_max`).
    pub rcv_bufs_force: bool,
}

/// One `vrrp_track_process`, with keepalived's implied settings resolved.
#[derive(Debug)]
struct Tracker {
    name: String,
    /// The process name, or `argv[0]` with `full_command`.
    path: Vec<u8>,
    /// The parameters, each followed by a NUL (keepalived's `process_params`).
    params: Vec<u8>,
    has_params: bool,
    param_match: Option<ParamMatch>,
    full_command: bool,
    quorum: u32,
    quorum_max: u32,
    fork_delay: Option<Duration>,
    terminate_delay: Option<Duration>,
    count: u32,
    up: bool,
    fork_timer: Option<Instant>,
    terminate_timer: Option<Instant>,
}

impl Tracker {
    fn from_config(p: &TrackProcess) -> Self {
        let mut it = p.process.iter();
        let path = it.next().map(|s| s.as_bytes().to_vec()).unwrap_or_default();
        let mut params = Vec::new();
        for a in it {
            params.extend_from_slice(a.as_bytes());
            params.push(0);
        }
        let has_params = p.process.len() > 1;
        // Parameters imply an exact match; parameters or param_match imply full_command
        // (vrrp_tprocess_process_handler, vrrp_tprocess_match_handler).
        let param_match = p.param_match.or(has_params.then_some(ParamMatch::Exact));
        let quorum_max = p.quorum_max.unwrap_or(u32::MAX);
        Tracker {
            name: p.name.clone(),
            path,
            params,
            has_params,
            param_match,
            full_command: p.full_command || param_match.is_some(),
            // `quorum_max 0` means "no process may run" (vrrp_tprocess_quorum_max_handler).
            quorum: if quorum_max == 0 { 0 } else { p.quorum },
            quorum_max,
            fork_delay: p.fork_delay.map(|d| d.as_duration()),
            terminate_delay: p.terminate_delay.map(|d| d.as_duration()),
            count: 0,
            up: false,
            fork_timer: None,
            terminate_timer: None,
        }
    }

    fn in_quorum(&self) -> bool {
        self.quorum <= self.count && self.count <= self.quorum_max
    }

    /// Whether a process named `name` (comm, or argv\[0\]) with parameters `params` matches:
    /// `None` if the name differs, `Some(false)` if only the parameters do.
    fn matches(&self, name: &[u8], params: &[u8]) -> Option<bool> {
        if name != self.path.as_slice() {
            return None;
        }
        Some(match self.param_match {
            None => true,
            Some(m) => check_params(m, self.has_params.then_some(&self.params[..]), params),
        })
    }
}

/// keepalived's `check_params`: `configured` is the NUL-terminated parameters (`None` when
/// none were given), `actual` the process's, from its command line after `argv[0]`.
pub fn check_params(m: ParamMatch, configured: Option<&[u8]>, actual: &[u8]) -> bool {
    let plen = configured.map_or(0, <[u8]>::len);
    if m == ParamMatch::Exact && configured.is_none() && actual.is_empty() {
        return true;
    }
    if actual.len() < plen {
        return false;
    }
    let Some(conf) = configured else {
        return m != ParamMatch::Exact;
    };
    match m {
        ParamMatch::Exact => actual == conf,
        ParamMatch::Partial => actual[..plen] == *conf,
        ParamMatch::Initial => plen == 1 || actual[..plen - 1] == conf[..plen - 1],
    }
}

/// What is read from `/proc/PID` for matching.
struct ProcInfo {
    comm: Option<Vec<u8>>,
    cmdline: Option<Vec<u8>>,
}

/// Reads at most `limit` bytes of `path`.
fn read_limited(path: &str, limit: usize) -> io::Result<Vec<u8>> {
    let f = std::fs::File::open(path)?;
    let mut buf = Vec::with_capacity(limit.min(4096));
    f.take(limit as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The process-events connector socket, subscribed (`nl_connect` + `set_proc_ev_listen`).
///
/// A netlink socket stays in the network namespace it was created in, so opening this
/// before `setns` keeps process tracking working inside `net_namespace`.
#[derive(Debug)]
pub struct ProcSocket(Socket);

impl ProcSocket {
    /// Opens the socket, joins `CN_IDX_PROC` and asks the kernel to send process events.
    pub fn open() -> Result<Self, TrackProcessError> {
        let sock = Socket::new(
            Domain::from(libc::AF_NETLINK),
            Type::DGRAM.nonblocking().cloexec(),
            Some(Protocol::from(NETLINK_CONNECTOR)),
        )
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::EPROTONOSUPPORT) {
                TrackProcessError::NotSupported
            } else {
                TrackProcessError::Socket(e)
            }
        })?;
        // Port id 0: the kernel picks a unique one, so several trackers may coexist.
        socket::bind(sock.as_raw_fd(), &NetlinkAddr::new(0, CN_IDX_PROC))
            .map_err(TrackProcessError::Bind)?;
        socket::send(
            sock.as_raw_fd(),
            &proc_connector::mcast_request(McastOp::Listen),
            MsgFlags::empty(),
        )
        .map_err(|e| match e {
            Errno::ECONNREFUSED => TrackProcessError::NotInitialNamespace,
            e => TrackProcessError::Listen(e),
        })?;
        Ok(ProcSocket(sock))
    }
}

/// The `vrrp_track_process`es of the VRRP process: one connector socket, a `mio` source.
///
/// Call order: [`ProcessTracker::new`], read [`ProcessTracker::current`] for the initial
/// states, register it with `mio` (readable); on readable call [`ProcessTracker::process`];
/// when [`ProcessTracker::poll_timeout`] passes call [`ProcessTracker::handle_timeout`]. Both
/// return the changes to apply, in order. `now` must not go backwards.
#[derive(Debug)]
pub struct ProcessTracker {
    sock: Socket,
    trackers: Vec<Tracker>,
    /// pid → indices of the trackers that count it.
    procs: HashMap<i32, Vec<usize>>,
    cpu_seq: HashMap<u32, u32>,
    rescan_at: Option<(Instant, bool)>,
    ack_deadline: Option<Instant>,
    acked: bool,
    rcv_bufs_force: bool,
    rescans: u32,
    buf: Vec<u8>,
}

impl ProcessTracker {
    /// Opens the connector, subscribes, and scans `/proc` for `procs`.
    pub fn new(procs: &[TrackProcess]) -> Result<Self, TrackProcessError> {
        Self::with_options(procs, ProcessOptions::default(), Instant::now())
    }

    /// As [`ProcessTracker::new`], with `global_defs` settings; `now` starts the wait for the
    /// kernel's acknowledgement.
    pub fn with_options(
        procs: &[TrackProcess],
        opts: ProcessOptions,
        now: Instant,
    ) -> Result<Self, TrackProcessError> {
        Self::with_socket(ProcSocket::open()?, procs, opts, now)
    }

    /// As [`ProcessTracker::with_options`] over a socket opened earlier, e.g. before entering
    /// `net_namespace` (the connector exists only in the initial network namespace, which is
    /// why keepalived opens it before `setns`).
    pub fn with_socket(
        sock: ProcSocket,
        procs: &[TrackProcess],
        opts: ProcessOptions,
        now: Instant,
    ) -> Result<Self, TrackProcessError> {
        let sock = sock.0;
        if let Some(size) = opts.rcv_bufs {
            set_rcv_buf(&sock, size as usize, opts.rcv_bufs_force);
        }
        let mut t = ProcessTracker {
            sock,
            trackers: procs.iter().map(Tracker::from_config).collect(),
            procs: HashMap::new(),
            cpu_seq: HashMap::new(),
            rescan_at: None,
            ack_deadline: Some(now + ACK_WAIT),
            acked: false,
            rcv_bufs_force: opts.rcv_bufs_force,
            rescans: 0,
            buf: vec![0; 4096],
        };
        t.scan()?;
        for tr in &mut t.trackers {
            tr.up = tr.in_quorum();
        }
        Ok(t)
    }

    /// Replaces the configuration on a reload, keeping the socket (and its `mio`
    /// registration), and rescans `/proc`; the new states are in
    /// [`ProcessTracker::current`] (keepalived's `reload_track_processes`).
    pub fn reload(&mut self, procs: &[TrackProcess]) -> Result<(), TrackProcessError> {
        self.trackers = procs.iter().map(Tracker::from_config).collect();
        self.procs.clear();
        self.scan()?;
        for tr in &mut self.trackers {
            tr.up = tr.in_quorum();
        }
        Ok(())
    }

    /// Each tracked process's name and whether it has quorum (as last reported).
    pub fn current(&self) -> impl Iterator<Item = (&str, bool)> {
        self.trackers.iter().map(|t| (t.name.as_str(), t.up))
    }

    /// How many processes match `name` now, if it is tracked (for dumps and tests).
    pub fn count(&self, name: &str) -> Option<u32> {
        self.trackers
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.count)
    }

    /// How many times `/proc` was rescanned after lost events.
    pub fn rescans(&self) -> u32 {
        self.rescans
    }

    /// The earliest time [`ProcessTracker::handle_timeout`] has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.trackers
            .iter()
            .flat_map(|t| [t.fork_timer, t.terminate_timer])
            .chain([self.rescan_at.map(|r| r.0), self.ack_deadline])
            .flatten()
            .min()
    }

    /// Runs the delays and rescans that are due; returns the changes. Idempotent.
    #[must_use = "the changes must be applied to the tracking instances"]
    pub fn handle_timeout(&mut self, now: Instant) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        if self.ack_deadline.is_some_and(|d| d <= now) {
            self.ack_deadline = None;
            if !self.acked {
                crate::log_info!(
                    "WARNING - the kernel does not support proc events - track_process will not work"
                );
            }
        }
        if let Some((at, grow)) = self.rescan_at {
            if at <= now {
                self.rescan_at = None;
                self.reinitialise(grow, now, &mut out);
            }
        }
        for i in 0..self.trackers.len() {
            let t = &mut self.trackers[i];
            let fork_due = t.fork_timer.is_some_and(|d| d <= now);
            let term_due = t.terminate_timer.is_some_and(|d| d <= now);
            if fork_due {
                t.fork_timer = None;
            }
            if term_due {
                t.terminate_timer = None;
            }
            if fork_due || term_due {
                let q = t.in_quorum();
                self.update(i, q, &mut out);
            }
        }
        out
    }

    /// Drains the socket (call when it is readable); returns the changes, in order. Never
    /// blocks.
    #[must_use = "the changes must be applied to the tracking instances"]
    pub fn process(&mut self, now: Instant) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        loop {
            let (len, from) =
                match socket::recvfrom::<NetlinkAddr>(self.sock.as_raw_fd(), &mut self.buf) {
                    Ok(r) => r,
                    Err(Errno::EINTR) => continue,
                    Err(Errno::EAGAIN) => break,
                    Err(Errno::ENOBUFS) => {
                        // Events were lost: let things settle, then rescan. Keep reading: mio
                        // wakes us only for new data.
                        self.schedule_rescan(now, true);
                        continue;
                    }
                    Err(e) => {
                        crate::log_info!("{}", TrackProcessError::Recv(e));
                        break;
                    }
                };
            if len == 0 {
                crate::log_info!("proc_event recvmsg returned 0");
                break;
            }
            // Only the kernel (port 0) may send process events.
            if from.is_none_or(|a| a.pid() != 0) {
                continue;
            }
            let Some(ProcMessage {
                cpu,
                seq,
                event: ev,
            }) = proc_connector::parse(&self.buf[..len])
            else {
                continue;
            };
            if ev == ProcEvent::Ack {
                self.acked = true;
                crate::log_debug!("proc_events has confirmed it is configured");
                continue;
            }
            if let Some(prev) = self.cpu_seq.insert(cpu, seq) {
                if seq != prev.wrapping_add(1) {
                    if self.rescan_at.is_none() {
                        crate::log_info!(
                            "Missed {} messages on CPU {cpu}",
                            i64::from(seq) - i64::from(prev) - 1
                        );
                    }
                    self.schedule_rescan(now, false);
                }
            }
            self.event(ev, now, &mut out);
        }
        out
    }

    /// Arms the rescan one second ahead, unless it is armed already: a steady stream of
    /// losses must not postpone it for ever.
    fn schedule_rescan(&mut self, now: Instant, grow: bool) {
        match &mut self.rescan_at {
            Some((_, g)) => *g |= grow,
            None => self.rescan_at = Some((now + RESCAN_DELAY, grow)),
        }
    }

    fn event(&mut self, ev: ProcEvent, now: Instant, out: &mut Vec<(String, bool)>) {
        match ev {
            ProcEvent::Fork { parent, child } => self.fork(parent, child, now, out),
            ProcEvent::Exec(pid) => self.check_process(pid, None, out),
            ProcEvent::Comm(pid, comm) => self.comm_change(pid, comm, out),
            ProcEvent::Exit(pid) => self.exit(pid, now, out),
            _ => {}
        }
    }

    /// Reports `up` for tracker `i` if it differs from what was last reported.
    fn update(&mut self, i: usize, up: bool, out: &mut Vec<(String, bool)>) {
        let t = &mut self.trackers[i];
        if t.up == up {
            return;
        }
        t.up = up;
        crate::log_info!(
            "Quorum {} for tracked process {}",
            if up { "gained" } else { "lost" },
            t.name
        );
        out.push((t.name.clone(), up));
    }

    /// Counts `pid` for tracker `i`; `fork` says whether `fork_delay` may defer the change.
    fn add(&mut self, pid: i32, i: usize, fork: Option<Instant>, out: &mut Vec<(String, bool)>) {
        let set = self.procs.entry(pid).or_default();
        if set.contains(&i) {
            return;
        }
        set.push(i);
        let t = &mut self.trackers[i];
        t.count += 1;
        if t.count == t.quorum || t.count == t.quorum_max.wrapping_add(1) {
            if t.terminate_timer.take().is_none() {
                if let (Some(now), Some(d)) = (fork, t.fork_delay) {
                    t.fork_timer.get_or_insert(now + d);
                    return;
                }
            }
            let up = t.count == t.quorum;
            self.update(i, up, out);
        }
    }

    /// Uncounts `pid` for tracker `i`; `exit` says whether `terminate_delay` may defer it.
    fn remove(&mut self, pid: i32, i: usize, exit: Option<Instant>, out: &mut Vec<(String, bool)>) {
        let Some(set) = self.procs.get_mut(&pid) else {
            return;
        };
        let Some(pos) = set.iter().position(|&x| x == i) else {
            return;
        };
        set.swap_remove(pos);
        if set.is_empty() {
            self.procs.remove(&pid);
        }
        let t = &mut self.trackers[i];
        let before = t.count;
        t.count -= 1;
        if before == t.quorum || t.count == t.quorum_max {
            if t.fork_timer.take().is_none() {
                if let (Some(now), Some(d)) = (exit, t.terminate_delay) {
                    t.terminate_timer.get_or_insert(now + d);
                    return;
                }
            }
            let up = t.count == t.quorum_max;
            self.update(i, up, out);
        }
    }

    /// `check_process_fork`: the child of a counted process is counted by the same trackers.
    fn fork(&mut self, parent: i32, child: i32, now: Instant, out: &mut Vec<(String, bool)>) {
        let Some(set) = self.procs.get(&parent).cloned() else {
            return;
        };
        for i in set {
            self.add(child, i, Some(now), out);
        }
    }

    /// `check_process_termination`.
    fn exit(&mut self, pid: i32, now: Instant, out: &mut Vec<(String, bool)>) {
        let Some(set) = self.procs.get(&pid).cloned() else {
            return;
        };
        for i in set {
            self.remove(pid, i, Some(now), out);
        }
        self.procs.remove(&pid);
    }

    /// `check_process_comm_change`: a counted process renamed itself (prctl PR_SET_NAME or
    /// /proc/PID/comm).
    fn comm_change(&mut self, pid: i32, comm: Vec<u8>, out: &mut Vec<(String, bool)>) {
        if let Some(set) = self.procs.get(&pid).cloned() {
            for i in set {
                if self.trackers[i].full_command {
                    continue;
                }
                if self.trackers[i].path == comm {
                    return;
                }
                self.remove(pid, i, None, out);
            }
        }
        self.check_process(pid, Some(comm), out);
    }

    fn max_cmdline(&self) -> usize {
        self.trackers
            .iter()
            .filter(|t| t.full_command)
            .map(|t| t.path.len() + 1 + t.params.len())
            .max()
            .unwrap_or(0)
            + 2
    }

    fn need_cmdline(&self) -> bool {
        self.trackers.iter().any(|t| t.full_command)
    }

    fn need_comm(&self) -> bool {
        self.trackers.iter().any(|t| !t.full_command)
    }

    /// `check_process`: after an exec (`comm` None) or a rename (`comm` given), match `pid`
    /// again; exec and rename changes are never delayed.
    fn check_process(&mut self, pid: i32, comm: Option<Vec<u8>>, out: &mut Vec<(String, bool)>) {
        let renamed = comm.is_some();
        let info = if let Some(c) = comm {
            ProcInfo {
                comm: Some(c),
                cmdline: None,
            }
        } else {
            let cmdline = if self.need_cmdline() {
                match read_limited(&format!("/proc/{pid}/cmdline"), self.max_cmdline()) {
                    Ok(b) => Some(b),
                    Err(_) => return,
                }
            } else {
                None
            };
            let comm = if self.need_comm() {
                match read_limited(&format!("/proc/{pid}/comm"), 16) {
                    Ok(mut b) => {
                        if b.last() == Some(&b'\n') {
                            b.pop();
                        }
                        Some(b)
                    }
                    Err(_) => return,
                }
            } else {
                None
            };
            ProcInfo { comm, cmdline }
        };
        let had = self.procs.contains_key(&pid);
        for i in 0..self.trackers.len() {
            if renamed && self.trackers[i].full_command {
                continue;
            }
            match self.match_one(i, &info) {
                Some(true) => self.add(pid, i, None, out),
                Some(false) => {
                    if had {
                        self.remove(pid, i, None, out);
                    }
                }
                None => {
                    if had && !renamed {
                        self.remove(pid, i, None, out);
                    }
                }
            }
        }
    }

    fn match_one(&self, i: usize, info: &ProcInfo) -> Option<bool> {
        let t = &self.trackers[i];
        if t.full_command {
            let cmd = info.cmdline.as_deref()?;
            let (argv0, params) = match cmd.iter().position(|&b| b == 0) {
                Some(n) => (&cmd[..n], &cmd[n + 1..]),
                None => (cmd, &[][..]),
            };
            t.matches(argv0, params)
        } else {
            t.matches(info.comm.as_deref()?, &[])
        }
    }

    /// `read_procs`: counts every matching process in `/proc` (zombies excluded).
    fn scan(&mut self) -> Result<(), TrackProcessError> {
        for t in &mut self.trackers {
            t.count = 0;
        }
        let need_cmdline = self.need_cmdline();
        let need_comm = self.need_comm();
        let max_cmd = self.max_cmdline();
        let dir = std::fs::read_dir("/proc").map_err(TrackProcessError::ProcScan)?;
        for ent in dir.flatten() {
            let name = ent.file_name();
            let name = name.as_encoded_bytes();
            if !matches!(name.first(), Some(b'1'..=b'9')) || !name.iter().all(u8::is_ascii_digit) {
                continue;
            }
            let Some(pid) = std::str::from_utf8(name)
                .ok()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            let cmdline = if need_cmdline {
                match read_limited(&format!("/proc/{pid}/cmdline"), max_cmd) {
                    Ok(b) => Some(b),
                    Err(_) => continue,
                }
            } else {
                None
            };
            let comm = if need_comm {
                let Ok(stat) = read_limited(&format!("/proc/{pid}/stat"), 127) else {
                    continue;
                };
                // "PID (COMM) S ...": the name is between the first '(' and the last ')'.
                let (Some(open), Some(close)) = (
                    stat.iter().position(|&b| b == b'('),
                    stat.iter().rposition(|&b| b == b')'),
                ) else {
                    continue;
                };
                if close < open || stat.get(close + 2) == Some(&b'Z') {
                    continue;
                }
                Some(stat[open + 1..close].to_vec())
            } else {
                None
            };
            let info = ProcInfo { comm, cmdline };
            for i in 0..self.trackers.len() {
                if self.match_one(i, &info) == Some(true) {
                    // Counting only: the caller decides what the new counts mean.
                    let set = self.procs.entry(pid).or_default();
                    if !set.contains(&i) {
                        set.push(i);
                        self.trackers[i].count += 1;
                    }
                }
            }
        }
        Ok(())
    }

    /// `reinitialise_track_processes`: after lost events, optionally grow the receive
    /// buffer, forget every pid and timer, rescan, and report what the new counts mean.
    fn reinitialise(&mut self, grow: bool, now: Instant, out: &mut Vec<(String, bool)>) {
        self.rescans += 1;
        if grow {
            match socket::getsockopt(&self.sock, sockopt::RcvBuf) {
                Ok(size) => {
                    let size = size.saturating_mul(2);
                    set_rcv_buf(&self.sock, size, self.rcv_bufs_force);
                    crate::log_info!(
                        "Setting global_def process_monitor_rcv_bufs to {size} - recommend updating configuration file"
                    );
                }
                Err(e) => {
                    crate::log_info!("Cannot get process monitor SO_RCVBUF option. {}", errno(e))
                }
            }
        }
        self.cpu_seq.clear();
        self.procs.clear();
        let saved: Vec<u32> = self.trackers.iter().map(|t| t.count).collect();
        for t in &mut self.trackers {
            t.fork_timer = None;
            t.terminate_timer = None;
        }
        if let Err(e) = self.scan() {
            crate::log_err!("{e}");
            return;
        }
        for (i, was) in saved.into_iter().enumerate() {
            let t = &mut self.trackers[i];
            if was != t.count {
                crate::log_debug!(
                    "Process {}, number of current processes changed from {was} to {}",
                    t.name,
                    t.count
                );
            }
            let q = t.in_quorum();
            if q == t.up {
                continue;
            }
            let delay = if q { t.fork_delay } else { t.terminate_delay };
            match delay {
                Some(d) if q => t.fork_timer = Some(now + d),
                Some(d) => t.terminate_timer = Some(now + d),
                None => self.update(i, q, out),
            }
        }
    }
}

fn set_rcv_buf(sock: &Socket, size: usize, force: bool) {
    let r = if force {
        socket::setsockopt(sock, sockopt::RcvBufForce, &size)
    } else {
        socket::setsockopt(sock, sockopt::RcvBuf, &size)
    };
    if let Err(source) = r {
        crate::log_info!("{}", TrackProcessError::RcvBuf { force, source });
    }
}

impl Drop for ProcessTracker {
    fn drop(&mut self) {
        // end_process_monitor: tell the kernel we stop listening (best effort).
        let _ = socket::send(
            self.sock.as_raw_fd(),
            &proc_connector::mcast_request(McastOp::Ignore),
            MsgFlags::MSG_DONTWAIT,
        );
    }
}

impl AsFd for ProcessTracker {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

impl mio::event::Source for ProcessTracker {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.sock.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.sock.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.sock.as_raw_fd()).deregister(registry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalive_confparse::model::values::Micros;
    use keepalive_confparse::token::Loc;
    use nix::sys::signal::{killpg, Signal};
    use nix::unistd::Pid;
    use std::os::unix::process::CommandExt;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Mutex, MutexGuard};

    /// Process tests run one at a time: the ENOBUFS test floods the connector, and delays
    /// are measured, so they must not disturb each other.
    fn serial() -> MutexGuard<'static, ()> {
        static LOCK: Mutex<()> = Mutex::new(());
        LOCK.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A process name no other test (or system process) uses; at most 15 bytes (comm).
    fn unique(prefix: &str) -> String {
        static N: AtomicU32 = AtomicU32::new(0);
        format!(
            "{prefix}{:x}x{}",
            std::process::id() & 0xfffff,
            N.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// Scratch directory holding the symlinks that give processes their names.
    struct Links(PathBuf);

    impl Links {
        fn new() -> Self {
            let p = std::env::temp_dir().join(unique("kad-tp-"));
            std::fs::create_dir_all(&p).unwrap();
            Links(p)
        }

        /// A symlink called `name` to `target`: exec through it and comm is `name`.
        fn link(&self, name: &str, target: &str) -> PathBuf {
            let p = self.0.join(name);
            std::os::unix::fs::symlink(target, &p).unwrap();
            p
        }
    }

    impl Drop for Links {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Children, each in its own process group, killed (with their own children) on drop.
    #[derive(Default)]
    struct Kids(Vec<Option<Child>>);

    impl Kids {
        fn spawn(&mut self, path: &Path, args: &[&str]) -> usize {
            self.spawn_with(path, args, Stdio::null())
        }

        fn spawn_with(&mut self, path: &Path, args: &[&str], stdin: Stdio) -> usize {
            let c = Command::new(path)
                .args(args)
                .process_group(0)
                .stdin(stdin)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            self.0.push(Some(c));
            self.0.len() - 1
        }

        fn pid(&self, i: usize) -> u32 {
            self.0[i].as_ref().unwrap().id()
        }

        fn kill(&mut self, i: usize) {
            if let Some(mut c) = self.0[i].take() {
                let _ = killpg(Pid::from_raw(c.id() as i32), Signal::SIGKILL);
                let _ = c.wait();
            }
        }
    }

    impl Drop for Kids {
        fn drop(&mut self) {
            for i in 0..self.0.len() {
                self.kill(i);
            }
        }
    }

    /// Waits until `pid`'s comm is `name` (the exec has happened).
    fn wait_comm(pid: u32, name: &str) {
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if let Ok(c) = std::fs::read_to_string(format!("/proc/{pid}/comm")) {
                if c.trim_end() == name {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("process {pid} never became {name}");
    }

    fn tp(name: &str, process: &[&str]) -> TrackProcess {
        TrackProcess {
            loc: Loc::new("test.conf".into(), 1, 1),
            name: name.to_string(),
            process: process.iter().map(|s| s.to_string()).collect(),
            param_match: None,
            weight: 1,
            reverse: false,
            quorum: 1,
            quorum_max: None,
            fork_delay: None,
            terminate_delay: None,
            full_command: false,
        }
    }

    type Changes = Vec<(String, bool, Instant)>;

    /// A tracker in its own mio poll, driven as the VRRP loop drives it.
    struct Driver {
        poll: mio::Poll,
        events: mio::Events,
        t: ProcessTracker,
        log: Changes,
    }

    impl Driver {
        fn new(procs: &[TrackProcess]) -> Self {
            Self::with(ProcessTracker::new(procs).unwrap())
        }

        fn with(mut t: ProcessTracker) -> Self {
            let poll = mio::Poll::new().unwrap();
            poll.registry()
                .register(&mut t, mio::Token(3), mio::Interest::READABLE)
                .unwrap();
            Driver {
                poll,
                events: mio::Events::with_capacity(16),
                t,
                log: Vec::new(),
            }
        }

        fn step(&mut self, max: Duration) {
            let now = Instant::now();
            let wait = self
                .t
                .poll_timeout()
                .map_or(max, |d| d.saturating_duration_since(now).min(max));
            self.poll.poll(&mut self.events, Some(wait)).unwrap();
            let now = Instant::now();
            let mut c = self.t.process(now);
            c.extend(self.t.handle_timeout(now));
            self.log.extend(c.into_iter().map(|(n, u)| (n, u, now)));
        }

        /// Drives until `done` holds (panics after 15 s).
        fn until(&mut self, what: &str, done: impl Fn(&Self) -> bool) {
            let end = Instant::now() + Duration::from_secs(15);
            while !done(self) {
                assert!(
                    Instant::now() < end,
                    "timed out waiting for {what}: {:?}",
                    self.log
                );
                self.step(Duration::from_millis(50));
            }
        }

        /// Drives for `d`.
        fn run_for(&mut self, d: Duration) {
            let end = Instant::now() + d;
            while Instant::now() < end {
                self.step(end.saturating_duration_since(Instant::now()));
            }
        }

        fn up(&self, name: &str) -> bool {
            self.t.current().any(|(n, u)| n == name && u)
        }

        fn changes_of(&self, name: &str) -> Vec<bool> {
            self.log
                .iter()
                .filter(|c| c.0 == name)
                .map(|c| c.1)
                .collect()
        }

        fn time_of(&self, name: &str, up: bool) -> Instant {
            self.log
                .iter()
                .find(|c| c.0 == name && c.1 == up)
                .map(|c| c.2)
                .unwrap()
        }
    }

    #[test]
    fn param_matching_rules() {
        use ParamMatch::*;
        let c = Some(&b"a\0bc\0"[..]);
        assert!(check_params(Exact, c, b"a\0bc\0"));
        assert!(!check_params(Exact, c, b"a\0bc\0d\0"));
        assert!(!check_params(Exact, c, b"a\0bcd\0"));
        assert!(!check_params(Exact, c, b"a\0"));
        assert!(check_params(Partial, c, b"a\0bc\0d\0"));
        assert!(!check_params(Partial, c, b"a\0bcd\0"));
        assert!(check_params(Initial, c, b"a\0bcd\0"));
        assert!(check_params(Initial, c, b"a\0bc\0d\0"));
        assert!(!check_params(Initial, c, b"a\0bd\0"));
        // No parameters configured: exact means "none", the others mean "any".
        assert!(check_params(Exact, None, b""));
        assert!(!check_params(Exact, None, b"x\0"));
        assert!(check_params(Partial, None, b"x\0"));
        assert!(check_params(Initial, None, b"x\0"));
    }

    #[test]
    fn implied_settings_resolved() {
        let mut p = tp("x", &["/bin/x", "-d"]);
        let t = Tracker::from_config(&p);
        assert!(t.full_command);
        assert_eq!(t.param_match, Some(ParamMatch::Exact));
        assert_eq!(t.params, b"-d\0");
        p.process.truncate(1);
        p.param_match = Some(ParamMatch::Partial);
        assert!(Tracker::from_config(&p).full_command);
        p.param_match = None;
        p.quorum_max = Some(0);
        let t = Tracker::from_config(&p);
        assert!(!t.full_command);
        assert_eq!((t.quorum, t.quorum_max), (0, 0));
        assert!(t.in_quorum());
    }

    #[test]
    fn not_supported_wording() {
        assert_eq!(
            TrackProcessError::NotSupported.to_string(),
            "track_process not available - is CONFIG_PROC_EVENTS enabled in kernel config?"
        );
    }

    #[test]
    fn started_and_killed() {
        let _s = serial();
        let links = Links::new();
        let name = unique("kta");
        let path = links.link(&name, "/usr/bin/sleep");
        let mut d = Driver::new(&[tp("P", &[&name])]);
        assert!(!d.up("P"));
        let mut kids = Kids::default();
        let k = kids.spawn(&path, &["1000"]);
        d.until("up", |d| d.up("P"));
        assert_eq!(d.t.count("P"), Some(1));
        kids.kill(k);
        d.until("down", |d| !d.up("P"));
        assert_eq!(d.changes_of("P"), vec![true, false]);
        assert_eq!(d.t.count("P"), Some(0));
    }

    #[test]
    fn initial_scan_quorum_and_quorum_max() {
        let _s = serial();
        let links = Links::new();
        let name = unique("ktb");
        let path = links.link(&name, "/usr/bin/sleep");
        let mut kids = Kids::default();
        for _ in 0..2 {
            let k = kids.spawn(&path, &["1000"]);
            wait_comm(kids.pid(k), &name);
        }
        let two = TrackProcess {
            quorum: 2,
            ..tp("two", &[&name])
        };
        let at_most_two = TrackProcess {
            quorum_max: Some(2),
            ..tp("max2", &[&name])
        };
        let none = TrackProcess {
            quorum_max: Some(0),
            ..tp("none", &[&name])
        };
        let mut d = Driver::new(&[two, at_most_two, none]);
        assert_eq!(d.t.count("two"), Some(2));
        assert!(d.up("two") && d.up("max2") && !d.up("none"));
        let k3 = kids.spawn(&path, &["1000"]);
        d.until("three", |d| d.t.count("two") == Some(3));
        assert!(d.up("two") && !d.up("max2"));
        kids.kill(k3);
        kids.kill(0);
        d.until("one", |d| d.t.count("two") == Some(1));
        assert!(!d.up("two") && d.up("max2"));
        kids.kill(1);
        d.until("none", |d| d.up("none"));
        assert_eq!(d.changes_of("two"), vec![false]);
        assert_eq!(d.changes_of("max2"), vec![false, true, false]);
        assert_eq!(d.changes_of("none"), vec![true]);
    }

    #[test]
    fn full_command_and_param_match() {
        let _s = serial();
        let links = Links::new();
        let name = unique("ktc");
        let path = links.link(&name, "/usr/bin/sleep");
        let p = path.to_str().unwrap();
        let with = |n: &str, args: &[&str], m: Option<ParamMatch>| {
            let mut v = vec![p];
            v.extend_from_slice(args);
            TrackProcess {
                param_match: m,
                ..tp(n, &v)
            }
        };
        let comm_only = tp("comm", &[&name]);
        let argv0 = TrackProcess {
            full_command: true,
            ..tp("argv0", &[p])
        };
        // `cat` with an open stdin runs without parameters (sleep would exit at once).
        let cat = links.0.join("cat");
        std::fs::create_dir(&cat).unwrap();
        let cat = cat.join(&name);
        std::os::unix::fs::symlink("/usr/bin/cat", &cat).unwrap();
        let no_params = TrackProcess {
            param_match: Some(ParamMatch::Exact),
            ..tp("noparams", &[cat.to_str().unwrap()])
        };
        let exact = with("exact", &["1000", "2000"], None);
        let exact_short = with("exact_short", &["1000"], None);
        let partial = with("partial", &["1000"], Some(ParamMatch::Partial));
        let partial_bad = with("partial_bad", &["100"], Some(ParamMatch::Partial));
        let initial = with("initial", &["1000", "20"], Some(ParamMatch::Initial));
        let initial_bad = with("initial_bad", &["100", "2000"], Some(ParamMatch::Initial));
        let mut d = Driver::new(&[
            comm_only,
            argv0,
            no_params,
            exact,
            exact_short,
            partial,
            partial_bad,
            initial,
            initial_bad,
        ]);
        let mut kids = Kids::default();
        kids.spawn(&path, &["1000", "2000"]);
        let matching = ["comm", "argv0", "exact", "partial", "initial"];
        d.until("matches", |d| matching.iter().all(|n| d.up(n)));
        for n in ["noparams", "exact_short", "partial_bad", "initial_bad"] {
            assert_eq!(d.t.count(n), Some(0), "{n}");
        }
        // Started through another path, argv[0] differs: only the name matches.
        let other = links.0.join("sub");
        std::fs::create_dir(&other).unwrap();
        let path2 = other.join(&name);
        std::os::unix::fs::symlink("/usr/bin/sleep", &path2).unwrap();
        let k = kids.spawn(&path2, &["1000", "2000"]);
        d.until("second", |d| d.t.count("comm") == Some(2));
        assert_eq!(d.t.count("exact"), Some(1));
        kids.kill(k);
        // Without parameters (and a parameter makes it not match).
        let k = kids.spawn_with(&cat, &[], Stdio::piped());
        d.until("no params", |d| d.up("noparams"));
        assert_eq!(d.t.count("exact"), Some(1));
        let k2 = kids.spawn_with(&cat, &["-"], Stdio::piped());
        d.until("cat -", |d| d.t.count("comm") == Some(3));
        assert_eq!(d.t.count("noparams"), Some(1));
        kids.kill(k);
        kids.kill(k2);
        d.until("gone", |d| d.t.count("comm") == Some(1));
    }

    #[test]
    fn terminate_delay_defers_loss_and_restart_cancels_it() {
        let _s = serial();
        let links = Links::new();
        let name = unique("ktd");
        let path = links.link(&name, "/usr/bin/sleep");
        let delayed = TrackProcess {
            terminate_delay: Some(Micros(1_500_000)),
            ..tp("delayed", &[&name])
        };
        let mut d = Driver::new(&[delayed]);
        let mut kids = Kids::default();
        let k = kids.spawn(&path, &["1000"]);
        d.until("up", |d| d.up("delayed"));
        // A restart inside the delay: no transition at all.
        kids.kill(k);
        d.until("exit seen", |d| d.t.count("delayed") == Some(0));
        assert!(d.up("delayed") && d.t.poll_timeout().is_some());
        let k = kids.spawn(&path, &["1000"]);
        d.until("back", |d| d.t.count("delayed") == Some(1));
        d.run_for(Duration::from_secs(2));
        assert_eq!(d.changes_of("delayed"), vec![true]);
        // A real stop: lost after the delay.
        kids.kill(k);
        d.until("exit seen", |d| d.t.count("delayed") == Some(0));
        let seen = Instant::now();
        d.until("down", |d| !d.up("delayed"));
        let took = d.time_of("delayed", false) - seen;
        assert!(took >= Duration::from_millis(1300), "{took:?}");
        assert_eq!(d.changes_of("delayed"), vec![true, false]);
    }

    #[test]
    fn fork_delay_suppresses_fork_exec_bounce() {
        let _s = serial();
        let links = Links::new();
        let name = unique("kte");
        let bash = links.link(&name, "/usr/bin/bash");
        let plain = TrackProcess {
            quorum: 2,
            ..tp("plain", &[&name])
        };
        let delayed = TrackProcess {
            quorum: 2,
            fork_delay: Some(Micros(3_000_000)),
            ..tp("delayed", &[&name])
        };
        let mut d = Driver::new(&[plain, delayed]);
        let mut kids = Kids::default();
        // bash forks a child (still named like bash) that execs sleep: 1 -> 2 -> 1.
        kids.spawn(&bash, &["-c", "sleep 1000 & wait"]);
        d.until("bounce", |d| d.changes_of("plain") == [true, false]);
        d.run_for(Duration::from_millis(500));
        assert!(d.changes_of("delayed").is_empty());
        assert_eq!(d.t.count("delayed"), Some(1));
    }

    #[test]
    fn fork_delay_defers_gain_from_a_lasting_fork() {
        let _s = serial();
        let links = Links::new();
        let name = unique("ktf");
        let bash = links.link(&name, "/usr/bin/bash");
        let delayed = TrackProcess {
            quorum: 2,
            fork_delay: Some(Micros(1_000_000)),
            ..tp("delayed", &[&name])
        };
        let mut d = Driver::new(&[delayed]);
        let mut kids = Kids::default();
        // The subshell stays a bash: two processes for good.
        kids.spawn(&bash, &["-c", "(sleep 1000; :) & wait"]);
        d.until("two", |d| d.t.count("delayed") == Some(2));
        let seen = Instant::now();
        assert!(!d.up("delayed"));
        d.until("up", |d| d.up("delayed"));
        let took = d.time_of("delayed", true) - seen;
        assert!(took >= Duration::from_millis(800), "{took:?}");
    }

    #[test]
    fn comm_change_moves_the_process() {
        let _s = serial();
        let links = Links::new();
        let old = unique("ktg");
        let new = unique("kth");
        let bash = links.link(&old, "/usr/bin/bash");
        let mut d = Driver::new(&[tp("old", &[&old]), tp("new", &[&new])]);
        let mut kids = Kids::default();
        let script =
            format!("sleep 1; printf %s {new} > /proc/$$/comm; while :; do sleep 1000; done");
        kids.spawn(&bash, &["-c", &script]);
        d.until("renamed", |d| d.up("new"));
        assert!(!d.up("old"));
        assert_eq!(d.changes_of("old"), vec![true, false]);
        // The loop's forked child counts until it execs sleep.
        d.until("settled", |d| d.t.count("new") == Some(1));
        assert_eq!(d.changes_of("new"), vec![true]);
    }

    #[test]
    fn lost_events_rescan_proc() {
        let _s = serial();
        let links = Links::new();
        let name = unique("kti");
        let path = links.link(&name, "/usr/bin/sleep");
        let three = TrackProcess {
            quorum: 3,
            ..tp("three", &[&name])
        };
        // The smallest buffer the kernel allows, and nothing read while processes come and
        // go: events are lost (ENOBUFS), and the count must still come right.
        let t = ProcessTracker::with_options(
            &[three],
            ProcessOptions {
                rcv_bufs: Some(1),
                rcv_bufs_force: false,
            },
            Instant::now(),
        )
        .unwrap();
        let mut kids = Kids::default();
        for _ in 0..3 {
            kids.spawn(&path, &["1000"]);
        }
        for _ in 0..40 {
            Command::new("/usr/bin/true").status().unwrap();
        }
        for i in 0..3 {
            wait_comm(kids.pid(i), &name);
        }
        let mut d = Driver::with(t);
        d.until("rescan", |d| d.t.rescans() >= 1 && d.up("three"));
        assert_eq!(d.t.count("three"), Some(3));
    }

    #[test]
    fn socket_opened_before_entering_a_network_namespace() {
        let _s = serial();
        let links = Links::new();
        let name = unique("ktk");
        let path = links.link(&name, "/usr/bin/sleep");
        let sock = ProcSocket::open().unwrap();
        // unshare(CLONE_NEWNET) moves only this thread, which then ends.
        let t = std::thread::spawn(move || {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
            let inside = ProcessTracker::new(&[tp("x", &[&name])]);
            assert!(matches!(
                inside,
                Err(TrackProcessError::NotInitialNamespace)
            ));
            ProcessTracker::with_socket(
                sock,
                &[tp("x", &[&name])],
                ProcessOptions::default(),
                Instant::now(),
            )
            .unwrap()
        })
        .join()
        .unwrap();
        let mut d = Driver::with(t);
        let mut kids = Kids::default();
        kids.spawn(&path, &["1000"]);
        d.until("up", |d| d.up("x"));
    }

    #[test]
    fn reload_keeps_the_socket() {
        let _s = serial();
        let links = Links::new();
        let name = unique("ktj");
        let path = links.link(&name, "/usr/bin/sleep");
        let mut kids = Kids::default();
        let k = kids.spawn(&path, &["1000"]);
        wait_comm(kids.pid(k), &name);
        let mut d = Driver::new(&[tp("a", &["nonexistent-x"])]);
        assert!(!d.up("a"));
        d.t.reload(&[tp("b", &[&name])]).unwrap();
        assert!(d.up("b"));
        kids.kill(k);
        d.until("down", |d| !d.up("b"));
    }
}
