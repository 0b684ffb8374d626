//! The signals every kad process handles, delivered as readable events on a signalfd so the
//! single-threaded loops see them in order with everything else (keepalived's signal pipe
//! serves the same purpose).

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use mio::event::Source;
use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};

/// What a process was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// SIGTERM / SIGINT: shut down cleanly.
    Stop,
    /// SIGHUP: re-read the configuration.
    Reload,
    /// SIGUSR1: write the data dump.
    DumpData,
    /// SIGUSR2: write the statistics dump.
    DumpStats,
    /// SIGRTMIN+2 (keepalived's `--signum=JSON`): write the JSON state.
    DumpJson,
    /// SIGCHLD: reap children.
    Child,
}

/// A non-blocking signalfd for the signals in [`Request`]; they are blocked for normal
/// delivery while it lives. Children inherit the blocked mask (std's `Command` does not
/// reset it), so `spawn.rs` clears it before exec.
#[derive(Debug)]
pub struct Signals {
    fd: SignalFd,
}

/// The real-time signal keepalived uses for the JSON dump (`kill -s $(keepalived
/// --signum=JSON)`).
pub fn json_signal() -> i32 {
    libc::SIGRTMIN() + 2
}

impl Signals {
    /// Blocks the signals and opens the descriptor that reports them.
    pub fn new() -> nix::Result<Signals> {
        let mut mask = SigSet::empty();
        for s in [
            Signal::SIGTERM,
            Signal::SIGINT,
            Signal::SIGHUP,
            Signal::SIGUSR1,
            Signal::SIGUSR2,
            Signal::SIGCHLD,
        ] {
            mask.add(s);
        }
        let set = with_realtime(mask, json_signal());
        set.thread_block()?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
        Ok(Signals { fd })
    }
}

/// The pending requests, in the order the signals arrived; `None` once none is pending.
impl Iterator for Signals {
    type Item = Request;

    fn next(&mut self) -> Option<Request> {
        loop {
            let info = self.fd.read_signal().ok()??;
            let signo = info.ssi_signo as i32;
            let req = match signo {
                libc::SIGTERM | libc::SIGINT => Request::Stop,
                libc::SIGHUP => Request::Reload,
                libc::SIGUSR1 => Request::DumpData,
                libc::SIGUSR2 => Request::DumpStats,
                libc::SIGCHLD => Request::Child,
                s if s == json_signal() => Request::DumpJson,
                _ => continue,
            };
            return Some(req);
        }
    }
}

/// Adds a real-time signal, which nix's `Signal` cannot name, to a set.
#[allow(unsafe_code)]
fn with_realtime(set: SigSet, signo: i32) -> SigSet {
    let mut raw: libc::sigset_t = *set.as_ref();
    // SAFETY: `raw` is an initialised sigset_t (copied from a SigSet); sigaddset only fails
    // with EINVAL for an out-of-range number, which leaves the set unchanged.
    unsafe {
        libc::sigaddset(&mut raw, signo);
        SigSet::from_sigset_t_unchecked(raw)
    }
}

impl AsFd for Signals {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Source for Signals {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> std::io::Result<()> {
        SourceFd(&self.fd.as_fd().as_raw_fd()).register(r, t, i)
    }
    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> std::io::Result<()> {
        SourceFd(&self.fd.as_fd().as_raw_fd()).reregister(r, t, i)
    }
    fn deregister(&mut self, r: &Registry) -> std::io::Result<()> {
        SourceFd(&self.fd.as_fd().as_raw_fd()).deregister(r)
    }
}
