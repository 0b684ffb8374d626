//! Readiness: children tell the parent they have read the configuration (keepalived's
//! `notify_config_read()` eventfd), and the parent tells systemd (`Type=notify` in Debian's
//! `keepalived.service`, which runs `keepalived --dont-fork`) once every child has.
//!
//! The parent hands each child the write end of one pipe as its standard input (no file
//! descriptor numbers to pass, no unsafe code); a child writes one byte per configuration read.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::os::unix::net::UnixDatagram;
use std::process::Stdio;
use std::sync::Mutex;

use nix::fcntl::OFlag;

use kad::privileges::Process;

use super::children::Kind;
use super::env;

/// The parent's end: readable when a child reports a configuration read.
#[derive(Debug)]
pub struct ReadyPipe {
    read: File,
    write: OwnedFd,
}

impl ReadyPipe {
    /// A close-on-exec pipe whose read end never blocks.
    pub fn new() -> io::Result<ReadyPipe> {
        let (r, w) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
        let read = File::from(r);
        let flags = nix::fcntl::fcntl(&read, nix::fcntl::FcntlArg::F_GETFL)?;
        let flags = OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK;
        nix::fcntl::fcntl(&read, nix::fcntl::FcntlArg::F_SETFL(flags))?;
        Ok(ReadyPipe { read, write: w })
    }

    /// The descriptor to poll.
    pub fn reader(&self) -> &File {
        &self.read
    }

    /// A copy of the write end to give a child as its stdin.
    pub fn for_child(&self) -> Option<Stdio> {
        self.write.try_clone().ok().map(Stdio::from)
    }

    /// The children that reported since the last call, one entry per report.
    pub fn drain_kinds(&mut self) -> Vec<Kind> {
        let mut out = Vec::new();
        let mut buf = [0u8; 64];
        loop {
            match self.read.read(&mut buf) {
                Ok(0) => return out,
                Ok(k) => out.extend(buf[..k].iter().filter_map(|b| kind_of(*b))),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return out,
            }
        }
    }
}

/// The byte a child writes: which child it is.
fn byte_of(kind: Kind) -> u8 {
    match kind {
        Kind::Vrrp => b'v',
        Kind::Checker => b'c',
        Kind::Bfd => b'b',
    }
}

fn kind_of(b: u8) -> Option<Kind> {
    match b {
        b'v' => Some(Kind::Vrrp),
        b'c' => Some(Kind::Checker),
        b'b' => Some(Kind::Bfd),
        _ => None,
    }
}

/// The child that narrows its capabilities at its first [`config_read`], once start-up is
/// done (see [`kad::privileges`]).
static RESTRICT: Mutex<Option<Process>> = Mutex::new(None);

/// This child's end of the pipe and the byte it reports with.
static CHILD_END: Mutex<Option<(File, u8)>> = Mutex::new(None);

/// In a child, at start: take the parent's pipe from stdin (when `KAD_READY` says it is
/// there) so [`config_read`] can use it.
pub fn child_init(kind: Kind) {
    *RESTRICT.lock().unwrap_or_else(|e| e.into_inner()) = Some(match kind {
        Kind::Vrrp => Process::Vrrp,
        Kind::Checker => Process::Checker,
        Kind::Bfd => Process::Bfd,
    });
    if std::env::var_os(env::READY).is_none() {
        return;
    }
    std::env::remove_var(env::READY);
    let is_fifo = std::fs::metadata("/proc/self/fd/0").is_ok_and(|m| m.file_type().is_fifo());
    if !is_fifo {
        return;
    }
    // Re-opening the pipe through /proc gives a writable handle to the same pipe.
    if let Ok(f) = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open("/proc/self/fd/0")
    {
        *CHILD_END.lock().unwrap_or_else(|e| e.into_inner()) = Some((f, byte_of(kind)));
    }
}

/// Tell the parent this child has read its configuration (at start-up and after each
/// reload). The parent logs "Startup complete" / "Reload complete" and tells systemd
/// `READY=1` when every child has. Does nothing outside a kad child.
pub fn config_read() {
    let first = RESTRICT.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(process) = first {
        kad::privileges::restrict(process);
    }
    let mut guard = CHILD_END.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((f, b)) = guard.as_mut() {
        if let Err(e) = f.write_all(&[*b]) {
            log_info!(
                "Write child_reloaded_event errno {} - {e}",
                e.raw_os_error().unwrap_or(0)
            );
        }
    }
}

/// `$NOTIFY_SOCKET`, when systemd started kad (keepalived's `check_parent_systemd()`).
#[derive(Debug)]
pub struct Systemd {
    sock: UnixDatagram,
    addr: std::os::unix::net::SocketAddr,
}

impl Systemd {
    /// The socket from the environment, removed from it so no child or script inherits it.
    pub fn from_env() -> Option<Systemd> {
        let path = std::env::var_os("NOTIFY_SOCKET")?;
        std::env::remove_var("NOTIFY_SOCKET");
        let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
        let addr = match bytes.split_first() {
            Some((b'@', name)) => {
                use std::os::linux::net::SocketAddrExt;
                std::os::unix::net::SocketAddr::from_abstract_name(name).ok()?
            }
            Some((b'/', _)) => std::os::unix::net::SocketAddr::from_pathname(&path).ok()?,
            _ => return None,
        };
        let sock = UnixDatagram::unbound().ok()?;
        Some(Systemd { sock, addr })
    }

    fn send(&self, msg: &str) {
        let _ = self.sock.send_to_addr(msg.as_bytes(), &self.addr);
    }

    /// `systemd_notify_running()`.
    pub fn ready(&self) {
        self.send(&format!("READY=1\nMAINPID={}", std::process::id()));
    }

    /// `systemd_notify_reloading()`.
    pub fn reloading(&self) {
        self.send("RELOADING=1");
    }

    /// `systemd_notify_stopping()`.
    pub fn stopping(&self) {
        self.send("STOPPING=1");
    }

    /// `systemd_notify_error()`.
    pub fn error(&self, errno: i32) {
        self.send(&format!("ERRNO={errno}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_counts_reports() {
        let mut p = ReadyPipe::new().unwrap();
        assert!(p.drain_kinds().is_empty());
        let mut w = File::from(p.write.try_clone().unwrap());
        w.write_all(b"vcv").unwrap();
        assert_eq!(p.drain_kinds(), [Kind::Vrrp, Kind::Checker, Kind::Vrrp]);
        assert!(p.drain_kinds().is_empty());
    }
}
