//! How the parent asks each child for its metrics at scrape time, without ever making a child
//! wait for the parent.
//!
//! Every process binds a Unix datagram socket in the abstract namespace named after the
//! parent's pid (`kad-metrics-<parent>-<role>`), as the BFD events do ([`crate::bfd::events`]).
//!
//! - The parent sends a request: the format byte and a sequence number.
//! - The child, in its own loop, writes its families into a fresh memfd and sends the memfd
//!   back in one datagram (`SCM_RIGHTS`) with the sequence number. One non-blocking
//!   `sendmsg`, whatever the size of the snapshot: nothing is left half-written in the child
//!   when the parent is slow, and a reply the parent's queue has no room for is dropped
//!   and counted ([`Responder::dropped`]).
//! - The parent reads each memfd up to [`MAX_FRAGMENT`] bytes, takes replies only from the
//!   children's addresses (which nobody else can bind while they run) and only for the
//!   request it is waiting for, and gives up on a child at the scrape's deadline: a child
//!   that is stopped or busy costs that one scrape its families, never a hang.

use std::fs::File;
use std::io::{IoSlice, IoSliceMut, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::memfd::{memfd_create, MFdFlags};
use nix::sys::socket::{
    recvfrom, recvmsg, sendmsg, sendto, ControlMessage, ControlMessageOwned, MsgFlags, UnixAddr,
};

use super::text::{Exposition, Format};

/// The largest fragment the parent reads from one child (a checker with 100,000 real servers
/// writes about 40 MB).
pub const MAX_FRAGMENT: u64 = 256 << 20;
/// A request: the format byte and a little-endian sequence number.
const REQUEST_LEN: usize = 9;

/// Which process a metrics socket belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The parent (asks).
    Parent,
    /// The VRRP process.
    Vrrp,
    /// The checker process.
    Checker,
    /// The BFD process.
    Bfd,
}

impl Role {
    /// The children, in the order their families appear in a scrape.
    pub const CHILDREN: [Role; 3] = [Role::Vrrp, Role::Checker, Role::Bfd];

    /// The `child` label value, and the socket name's last word.
    pub fn word(self) -> &'static str {
        match self {
            Role::Parent => "parent",
            Role::Vrrp => "vrrp",
            Role::Checker => "checker",
            Role::Bfd => "bfd",
        }
    }
}

/// The abstract socket name of `role` under `scope` (the parent's pid, or a test's name).
fn name(scope: &str, role: Role) -> String {
    format!("kad-metrics-{scope}-{}", role.word())
}

fn address(scope: &str, role: Role) -> nix::Result<UnixAddr> {
    crate::abstract_socket::address(&name(scope, role))
}

fn open(scope: &str, role: Role) -> nix::Result<OwnedFd> {
    crate::abstract_socket::bind_datagram(&name(scope, role))
}

/// Set by the parent for its children when `--metrics-listen` is given.
pub const ENV: &str = "KAD_METRICS";

/// A child's end: answers the parent's requests from the child's loop.
#[derive(Debug)]
pub struct Responder {
    fd: OwnedFd,
    parent: UnixAddr,
    /// Replies the parent's queue had no room for.
    pub dropped: u64,
    /// Datagrams from anyone but the parent, or malformed.
    pub foreign: u64,
}

impl Responder {
    /// The child `role`'s socket when the parent serves metrics (`KAD_METRICS` set), else
    /// `None`: without `--metrics-listen` the children open nothing.
    pub fn from_env(role: Role) -> Option<Responder> {
        std::env::var_os(ENV)?;
        let scope = crate::bfd::events::parent_pid().to_string();
        match Responder::open(&scope, role) {
            Ok(r) => Some(r),
            Err(e) => {
                log_err!("metrics: cannot open the {} socket - {e}", role.word());
                None
            }
        }
    }

    /// Binds `role`'s address under `scope`.
    pub fn open(scope: &str, role: Role) -> nix::Result<Responder> {
        Ok(Responder {
            fd: open(scope, role)?,
            parent: address(scope, Role::Parent)?,
            dropped: 0,
            foreign: 0,
        })
    }

    /// Answers the requests waiting, the newest only: `render` writes this process's
    /// families. Call it when the socket is readable.
    pub fn serve(&mut self, render: impl FnOnce(&mut Exposition<'_>)) {
        let mut buf = [0u8; 64];
        let mut last = None;
        for _ in 0..64 {
            match recvfrom::<UnixAddr>(self.fd.as_raw_fd(), &mut buf) {
                Ok((n, from)) => {
                    let format = buf.first().copied().and_then(Format::from_byte);
                    match (from.as_ref() == Some(&self.parent), n, format) {
                        (true, REQUEST_LEN, Some(f)) => last = Some((f, buf[1..9].to_owned())),
                        _ => self.foreign += 1,
                    }
                }
                Err(Errno::EINTR) => {}
                Err(_) => break,
            }
        }
        let Some((format, seq)) = last else {
            return;
        };
        let mut text = String::new();
        render(&mut Exposition::new(&mut text, format));
        let Ok(fd) = memfd_create("kad-metrics", MFdFlags::MFD_CLOEXEC) else {
            self.dropped += 1;
            return;
        };
        let mut file = File::from(fd);
        if file.write_all(text.as_bytes()).is_err() {
            self.dropped += 1;
            return;
        }
        drop(text);
        let fds = [file.as_raw_fd()];
        let sent = sendmsg(
            self.fd.as_raw_fd(),
            &[IoSlice::new(&seq)],
            &[ControlMessage::ScmRights(&fds)],
            MsgFlags::MSG_DONTWAIT,
            Some(&self.parent),
        );
        if sent.is_err() {
            self.dropped += 1;
        }
    }
}

impl AsFd for Responder {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// What one child gave for a scrape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fragment {
    /// Its families.
    Text(Vec<u8>),
    /// Not running: not asked.
    NotRunning,
    /// No answer before the deadline (stopped, wedged or too slow).
    Timeout,
    /// Its reply could not be read (over [`MAX_FRAGMENT`], or an I/O error).
    Unreadable,
}

/// The parent's end.
#[derive(Debug)]
pub struct Gatherer {
    fd: OwnedFd,
    children: Vec<(Role, UnixAddr)>,
    seq: u64,
    /// Replies that came too late for their scrape, or from strangers.
    pub stale: u64,
}

impl Gatherer {
    /// Binds the parent's address under `scope`.
    pub fn open(scope: &str) -> nix::Result<Gatherer> {
        let children = Role::CHILDREN
            .iter()
            .map(|r| Ok((*r, address(scope, *r)?)))
            .collect::<nix::Result<_>>()?;
        Ok(Gatherer {
            fd: open(scope, Role::Parent)?,
            children,
            seq: 0,
            stale: 0,
        })
    }

    /// Asks each child in `running` for its families in `format` and waits for the answers
    /// until `deadline`. The result has one entry per child of [`Role::CHILDREN`].
    pub fn gather(
        &mut self,
        format: Format,
        running: &[Role],
        deadline: Instant,
    ) -> Vec<(Role, Fragment)> {
        self.discard_stale();
        self.seq += 1;
        let mut request = [0u8; REQUEST_LEN];
        request[0] = format.to_byte();
        request[1..].copy_from_slice(&self.seq.to_le_bytes());
        let mut out: Vec<(Role, Option<Fragment>)> = Vec::new();
        for (role, addr) in &self.children {
            if !running.contains(role) {
                out.push((*role, Some(Fragment::NotRunning)));
                continue;
            }
            let sent = sendto(self.fd.as_raw_fd(), &request, addr, MsgFlags::MSG_DONTWAIT);
            // A child whose queue is full is as good as wedged.
            let state = match sent {
                Ok(_) => None,
                Err(Errno::ECONNREFUSED | Errno::ENOENT) => Some(Fragment::NotRunning),
                Err(_) => Some(Fragment::Timeout),
            };
            out.push((*role, state));
        }
        while out.iter().any(|(_, f)| f.is_none()) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let ms = left.as_millis().clamp(1, i32::MAX as u128) as i32;
            let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)];
            match poll(
                &mut fds,
                PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX),
            ) {
                Ok(0) => continue,
                Ok(_) => {}
                Err(Errno::EINTR) => continue,
                Err(_) => break,
            }
            while let Some((role, fragment)) = self.receive() {
                if let Some(slot) = out.iter_mut().find(|(r, f)| *r == role && f.is_none()) {
                    slot.1 = Some(fragment);
                }
            }
        }
        out.into_iter()
            .map(|(r, f)| (r, f.unwrap_or(Fragment::Timeout)))
            .collect()
    }

    /// Drops replies to earlier scrapes (from a child that was late).
    fn discard_stale(&mut self) {
        while self.receive().is_some() {
            self.stale += 1;
        }
    }

    /// One reply to the current request, if one is waiting.
    fn receive(&mut self) -> Option<(Role, Fragment)> {
        loop {
            let mut seq = [0u8; 8];
            let mut cmsg = nix::cmsg_space!([RawFd; 4]);
            let mut iov = [IoSliceMut::new(&mut seq)];
            let msg = match recvmsg::<UnixAddr>(
                self.fd.as_raw_fd(),
                &mut iov,
                Some(&mut cmsg),
                MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_CMSG_CLOEXEC,
            ) {
                Ok(m) => m,
                Err(Errno::EINTR) => continue,
                Err(_) => return None,
            };
            let mut files: Vec<File> = Vec::new();
            if let Ok(cmsgs) = msg.cmsgs() {
                for c in cmsgs {
                    if let ControlMessageOwned::ScmRights(fds) = c {
                        files.extend(fds.into_iter().map(owned));
                    }
                }
            }
            let (bytes, from) = (msg.bytes, msg.address);
            let role = self
                .children
                .iter()
                .find(|(_, a)| Some(a) == from.as_ref())
                .map(|(r, _)| *r);
            let current = bytes == 8 && u64::from_le_bytes(seq) == self.seq;
            match (role, current, files.len()) {
                (Some(role), true, 1) => {
                    let file = files.pop()?;
                    return Some((role, read_fragment(file)));
                }
                _ => self.stale += 1,
            }
        }
    }
}

/// A descriptor received with `SCM_RIGHTS`, owned from here on so that it is closed.
#[allow(unsafe_code)]
fn owned(fd: RawFd) -> File {
    // SAFETY: the kernel installed `fd` in this process for this message; nothing else
    // refers to it, so it is ours to own and close.
    File::from(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A child's memfd, read from its start (the child left the offset at its end).
fn read_fragment(mut file: File) -> Fragment {
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_FRAGMENT || file.seek(SeekFrom::Start(0)).is_err() {
        return Fragment::Unreadable;
    }
    let mut text = Vec::with_capacity(len as usize);
    match file.take(MAX_FRAGMENT).read_to_end(&mut text) {
        Ok(_) => Fragment::Text(text),
        Err(_) => Fragment::Unreadable,
    }
}

/// How long a scrape waits for the children by default.
pub const DEFAULT_DEADLINE: Duration = Duration::from_millis(1000);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::text::Kind;
    use nix::sys::socket::{socket, AddressFamily, SockFlag, SockType};

    fn scope(n: u32) -> String {
        format!("test-{}-{n}", std::process::id())
    }

    #[test]
    fn a_child_answers_with_its_families() {
        let s = scope(1);
        let mut g = Gatherer::open(&s).expect("bind parent");
        let mut v = Responder::open(&s, Role::Vrrp).expect("bind vrrp");
        let child = std::thread::spawn(move || {
            let mut fds = [PollFd::new(v.as_fd(), PollFlags::POLLIN)];
            let _ = poll(&mut fds, PollTimeout::from(5000u16));
            v.serve(|e| e.single("kad_test", Kind::Gauge, "T.", 7));
            v
        });
        let got = g.gather(
            Format::Prometheus,
            &[Role::Vrrp],
            Instant::now() + Duration::from_secs(5),
        );
        let v = child.join().expect("child");
        assert_eq!(v.dropped, 0);
        assert_eq!(
            got[0],
            (
                Role::Vrrp,
                Fragment::Text(b"# HELP kad_test T.\n# TYPE kad_test gauge\nkad_test 7\n".to_vec())
            )
        );
        assert_eq!(got[1], (Role::Checker, Fragment::NotRunning));
        assert_eq!(got[2], (Role::Bfd, Fragment::NotRunning));
    }

    #[test]
    fn a_silent_child_times_out_and_its_late_answer_is_dropped() {
        let s = scope(2);
        let mut g = Gatherer::open(&s).expect("bind parent");
        let mut v = Responder::open(&s, Role::Vrrp).expect("bind vrrp");
        let t0 = Instant::now();
        let got = g.gather(
            Format::Prometheus,
            &[Role::Vrrp, Role::Checker],
            t0 + Duration::from_millis(100),
        );
        assert!(t0.elapsed() < Duration::from_secs(5));
        assert_eq!(got[0], (Role::Vrrp, Fragment::Timeout));
        // Nobody bound the checker's name.
        assert_eq!(got[1], (Role::Checker, Fragment::NotRunning));
        // The late reply answers the old request; the next scrape ignores it.
        v.serve(|e| e.single("old", Kind::Gauge, "Old.", 1));
        assert_eq!((v.dropped, v.foreign), (0, 0));
        let got = g.gather(
            Format::Prometheus,
            &[Role::Vrrp],
            Instant::now() + Duration::from_millis(100),
        );
        assert_eq!(got[0], (Role::Vrrp, Fragment::Timeout));
        assert_eq!(g.stale, 1);
    }

    #[test]
    fn requests_from_strangers_are_ignored() {
        let s = scope(3);
        let mut v = Responder::open(&s, Role::Vrrp).expect("bind vrrp");
        let stranger = socket(
            AddressFamily::Unix,
            SockType::Datagram,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .expect("socket");
        let to = address(&s, Role::Vrrp).expect("addr");
        sendto(stranger.as_raw_fd(), b"P12345678", &to, MsgFlags::empty()).expect("send");
        let mut called = false;
        v.serve(|_| called = true);
        assert!(!called);
        assert_eq!(v.foreign, 1);
    }

    #[test]
    fn a_big_fragment_crosses_in_one_datagram() {
        let s = scope(4);
        let mut g = Gatherer::open(&s).expect("bind parent");
        let mut c = Responder::open(&s, Role::Checker).expect("bind");
        let child = std::thread::spawn(move || {
            let mut fds = [PollFd::new(c.as_fd(), PollFlags::POLLIN)];
            let _ = poll(&mut fds, PollTimeout::from(5000u16));
            c.serve(|e| {
                e.family("kad_big", Kind::Gauge, "Big.");
                for i in 0..100_000 {
                    e.sample("kad_big", &[("i", &i.to_string())], i);
                }
            });
        });
        let got = g.gather(
            Format::Prometheus,
            &[Role::Checker],
            Instant::now() + Duration::from_secs(5),
        );
        child.join().expect("child");
        match &got[1].1 {
            Fragment::Text(t) => assert!(t.len() > 1_000_000, "{}", t.len()),
            other => panic!("{other:?}"),
        }
    }
}
