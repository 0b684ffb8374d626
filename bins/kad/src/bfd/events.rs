//! BFD state changes from the BFD process to the VRRP and checker processes.
//!
//! keepalived writes `{name, state}` records to non-blocking pipes its parent created before
//! forking. kad's children are separate executions of the binary, so the channel is instead a
//! Unix datagram socket per process in the abstract namespace, named after the parent's pid
//! (`kad-bfd-<parent>-<role>`), which needs no file and no descriptor passing and vanishes
//! with its process.
//!
//! - A datagram is one record: `U` or `D`, then the instance name. A receiver accepts records
//!   only from the BFD process's own address, which nobody else can bind while it runs.
//! - Sending never blocks the BFD loop: a receiver whose queue is full (or that is not
//!   running) loses the record, the drop is counted, and the receiver is marked for a
//!   resend of every state once it drains ([`Publisher::retry_due`]).
//! - A receiver that starts (or restarts) asks for every state with an `S` datagram, and the
//!   BFD process sends every state when it starts, so both sides converge whichever starts
//!   first (keepalived's VRRP process, too, hears each instance's state at start:
//!   "Received BFD event: instance b1 is in state Down").

use std::collections::BTreeMap;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::socket::{recvfrom, sendto, MsgFlags, UnixAddr};

/// How long after a dropped record the full state is sent again.
const RETRY: Duration = Duration::from_millis(50);
/// A record's largest size: a letter and an instance name (at most 31 bytes in keepalived).
const MAX_RECORD: usize = 256;

/// Which process a socket belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The BFD process (sender).
    Bfd,
    /// The VRRP process (`track_bfd`).
    Vrrp,
    /// The checker process (`BFD_CHECK`).
    Checker,
}

impl Role {
    fn word(self) -> &'static str {
        match self {
            Role::Bfd => "bfd",
            Role::Vrrp => "vrrp",
            Role::Checker => "checker",
        }
    }
}

/// The abstract socket name of `role` for the kad parent `parent`.
fn name(parent: u32, role: Role) -> String {
    format!("kad-bfd-{parent}-{}", role.word())
}

fn address(parent: u32, role: Role) -> nix::Result<UnixAddr> {
    crate::abstract_socket::address(&name(parent, role))
}

fn open(parent: u32, role: Role) -> nix::Result<OwnedFd> {
    crate::abstract_socket::bind_datagram(&name(parent, role))
}

/// The pid of the kad parent, which names the sockets (every child shares it).
pub fn parent_pid() -> u32 {
    nix::unistd::getppid().as_raw().unsigned_abs()
}

/// One instance's state as the BFD process last reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    up: bool,
    to_vrrp: bool,
    to_checker: bool,
}

/// The BFD process's end.
#[derive(Debug)]
pub struct Publisher {
    fd: OwnedFd,
    parent: u32,
    states: BTreeMap<String, Entry>,
    /// Receivers that lost a record, and since when.
    retry: [Option<Instant>; 2],
    /// Records dropped because a receiver's queue was full.
    pub dropped: u64,
}

impl Publisher {
    /// Binds the BFD process's address.
    pub fn open(parent: u32) -> nix::Result<Publisher> {
        Ok(Publisher {
            fd: open(parent, Role::Bfd)?,
            parent,
            states: BTreeMap::new(),
            retry: [None, None],
            dropped: 0,
        })
    }

    /// Sets the instances and where their events go (at start and after a reload): each
    /// with `kept` when its session carries on (its state too), else it starts Down. A
    /// removed instance is forgotten (keepalived sends nothing for it).
    pub fn set_instances<'a>(&mut self, list: impl Iterator<Item = (&'a str, bool, bool, bool)>) {
        let mut next = BTreeMap::new();
        for (name, to_vrrp, to_checker, kept) in list {
            let up = kept && self.states.get(name).is_some_and(|e| e.up);
            next.insert(
                name.to_owned(),
                Entry {
                    up,
                    to_vrrp,
                    to_checker,
                },
            );
        }
        self.states = next;
    }

    /// Records and sends a state change.
    pub fn publish(&mut self, name: &str, up: bool, now: Instant) {
        let Some(e) = self.states.get_mut(name) else {
            return;
        };
        e.up = up;
        let e = *e;
        for (i, role) in [Role::Vrrp, Role::Checker].into_iter().enumerate() {
            let wanted = if role == Role::Vrrp {
                e.to_vrrp
            } else {
                e.to_checker
            };
            if wanted && self.retry[i].is_none() && !self.send(role, name, up) {
                self.retry[i] = Some(now);
            }
        }
    }

    /// Sends every state to `role`; false when a record was dropped.
    pub fn send_all(&mut self, role: Role) -> bool {
        let list: Vec<(String, bool)> = self
            .states
            .iter()
            .filter(|(_, e)| match role {
                Role::Vrrp => e.to_vrrp,
                Role::Checker => e.to_checker,
                Role::Bfd => false,
            })
            .map(|(n, e)| (n.clone(), e.up))
            .collect();
        list.iter().all(|(n, up)| self.send(role, n, *up))
    }

    /// Sends one record; false when the receiver's queue was full.
    fn send(&mut self, role: Role, name: &str, up: bool) -> bool {
        let Ok(to) = address(self.parent, role) else {
            return true;
        };
        let mut rec = Vec::with_capacity(name.len() + 1);
        rec.push(if up { b'U' } else { b'D' });
        rec.extend_from_slice(name.as_bytes());
        match sendto(self.fd.as_raw_fd(), &rec, &to, MsgFlags::MSG_DONTWAIT) {
            Ok(_) => true,
            Err(Errno::EAGAIN) | Err(Errno::ENOBUFS) => {
                self.dropped += 1;
                false
            }
            // Not running (yet): it asks for every state when it starts.
            Err(_) => true,
        }
    }

    /// When [`Publisher::retry`] should run next.
    pub fn retry_due(&self) -> Option<Instant> {
        self.retry.iter().flatten().map(|t| *t + RETRY).min()
    }

    /// Resends everything to the receivers that lost records, if their time has come.
    pub fn retry(&mut self, now: Instant) {
        for (i, role) in [Role::Vrrp, Role::Checker].into_iter().enumerate() {
            if self.retry[i].is_some_and(|t| t + RETRY <= now) {
                self.retry[i] = None;
                if !self.send_all(role) {
                    self.retry[i] = Some(now);
                }
            }
        }
    }

    /// Answers the receivers' `S` requests.
    pub fn readable(&mut self, now: Instant) {
        let mut buf = [0u8; MAX_RECORD];
        for _ in 0..64 {
            let Ok((n, Some(from))) = recvfrom::<UnixAddr>(self.fd.as_raw_fd(), &mut buf) else {
                return;
            };
            if buf.get(..n) != Some(b"S") {
                continue;
            }
            for (i, role) in [Role::Vrrp, Role::Checker].into_iter().enumerate() {
                if address(self.parent, role).is_ok_and(|a| a == from) && !self.send_all(role) {
                    self.retry[i] = Some(now);
                }
            }
        }
    }
}

impl AsFd for Publisher {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// The VRRP or checker process's end.
#[derive(Debug)]
pub struct Subscriber {
    fd: OwnedFd,
    from: UnixAddr,
    /// Each instance's last reported state (for the dumps).
    states: BTreeMap<String, bool>,
    /// Records from anyone but the BFD process, ignored.
    pub foreign: u64,
}

impl Subscriber {
    /// Binds `role`'s address and asks the BFD process (if it runs) for every state.
    pub fn open(role: Role) -> nix::Result<Subscriber> {
        let parent = parent_pid();
        let s = Subscriber {
            fd: open(parent, role)?,
            from: address(parent, Role::Bfd)?,
            states: BTreeMap::new(),
            foreign: 0,
        };
        s.request_all();
        Ok(s)
    }

    /// Asks for every state again (after a reload, whose trackers start afresh).
    pub fn request_all(&self) {
        let _ = sendto(
            self.fd.as_raw_fd(),
            b"S",
            &self.from,
            MsgFlags::MSG_DONTWAIT,
        );
    }

    /// Every record waiting: `(instance name, up)`.
    pub fn drain(&mut self) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        let mut buf = [0u8; MAX_RECORD];
        loop {
            let (n, from) = match recvfrom::<UnixAddr>(self.fd.as_raw_fd(), &mut buf) {
                Ok(r) => r,
                Err(Errno::EINTR) => continue,
                Err(_) => return out,
            };
            if from.as_ref() != Some(&self.from) {
                self.foreign += 1;
                continue;
            }
            let up = match buf.first() {
                Some(b'U') if n > 1 => true,
                Some(b'D') if n > 1 => false,
                _ => continue,
            };
            if let Ok(name) = std::str::from_utf8(&buf[1..n]) {
                self.states.insert(name.to_owned(), up);
                out.push((name.to_owned(), up));
            }
        }
    }

    /// Each instance's last reported state: `true` for Up.
    pub fn states(&self) -> &BTreeMap<String, bool> {
        &self.states
    }
}

impl AsFd for Subscriber {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::socket::{socket, AddressFamily, SockFlag, SockType};

    /// A parent id no real kad has (pids are below 2^22), so tests never meet a daemon.
    fn fake_parent(n: u32) -> u32 {
        (1 << 30) + std::process::id() * 8 + n
    }

    fn subscriber(parent: u32, role: Role) -> Subscriber {
        Subscriber {
            fd: open(parent, role).expect("bind"),
            from: address(parent, Role::Bfd).expect("addr"),
            states: BTreeMap::new(),
            foreign: 0,
        }
    }

    #[test]
    fn states_reach_their_receivers_only() {
        let parent = fake_parent(1);
        let mut p = Publisher::open(parent).expect("bind");
        let mut v = subscriber(parent, Role::Vrrp);
        let mut c = subscriber(parent, Role::Checker);
        p.set_instances([("b1", true, true, false), ("b2", true, false, false)].into_iter());
        let now = Instant::now();
        p.publish("b1", true, now);
        p.publish("b2", true, now);
        p.publish("unknown", true, now);
        assert_eq!(
            v.drain(),
            [("b1".to_owned(), true), ("b2".to_owned(), true)]
        );
        assert_eq!(c.drain(), [("b1".to_owned(), true)]);
        // A reload keeps the states of instances that stay.
        p.set_instances([("b2", true, true, true)].into_iter());
        v.request_all();
        c.request_all();
        p.readable(now);
        assert_eq!(v.drain(), [("b2".to_owned(), true)]);
        assert_eq!(c.drain(), [("b2".to_owned(), true)]);
    }

    #[test]
    fn a_full_receiver_never_blocks_and_resyncs() {
        let parent = fake_parent(2);
        let mut p = Publisher::open(parent).expect("bind");
        let mut v = subscriber(parent, Role::Vrrp);
        p.set_instances([("b1", true, false, false)].into_iter());
        let t0 = Instant::now();
        let mut up = false;
        for _ in 0..100_000 {
            up = !up;
            p.publish("b1", up, t0);
            if p.retry_due().is_some() {
                break;
            }
        }
        assert!(p.dropped > 0, "the queue never filled");
        assert_eq!(p.retry_due(), Some(t0 + RETRY));
        let _ = v.drain();
        p.retry(t0 + RETRY);
        assert_eq!(p.retry_due(), None);
        assert_eq!(v.drain(), [("b1".to_owned(), up)]);
    }

    #[test]
    fn records_from_strangers_are_ignored() {
        let parent = fake_parent(3);
        let mut v = subscriber(parent, Role::Vrrp);
        let stranger = socket(
            AddressFamily::Unix,
            SockType::Datagram,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .expect("socket");
        let to = address(parent, Role::Vrrp).expect("addr");
        sendto(stranger.as_raw_fd(), b"Ub1", &to, MsgFlags::empty()).expect("send");
        assert!(v.drain().is_empty());
        assert_eq!(v.foreign, 1);
    }
}
