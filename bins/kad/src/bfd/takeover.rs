//! The channel of `bfd_takeover` between the VRRP and BFD processes.
//!
//! UDP port 3784 belongs to the BFD process, so the sessions a backup runs to its master live
//! there; the VRRP process says which sessions it wants and hears their Up and Down. Like
//! [`super::events`], the channel is a pair of abstract Unix datagram sockets named after the
//! parent's pid (`kad-bfdtko-<parent>-bfd` and `-vrrp`), and each end accepts datagrams only
//! from the other's address.
//!
//! Records, one per datagram, in text:
//! - VRRP → BFD: `W` and then one line per wanted session. The whole set every time, so
//!   a lost or repeated record does no harm and either process may restart:
//!   - `A PEER LOCAL MIN_RX MIN_TX MULT`: run a session from LOCAL to PEER (this router is a
//!     backup of the master PEER), intervals in microseconds;
//!   - `P LOCAL MIN_RX MIN_TX MULT`: answer sessions that other routers open toward LOCAL
//!     (their master, or a master they will follow after a failover), passively.
//! - BFD → VRRP: `H` (the BFD process started: send the set again); `U PEER LOCAL`;
//!   `D PEER LOCAL AGE` (the session went Down AGE microseconds before the record was sent).

use std::net::IpAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::socket::{recvfrom, sendto, MsgFlags, UnixAddr};

use super::events::parent_pid;

/// The largest record read: a `W` with a few hundred sessions.
const MAX_RECORD: usize = 64 * 1024;

/// Timers of a session, as the extension file gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timers {
    /// Required Min RX Interval.
    pub min_rx: Duration,
    /// Desired Min TX Interval.
    pub min_tx: Duration,
    /// Detect Mult.
    pub multiplier: u8,
}

impl Timers {
    /// The faster of two: what a session shared by instances with different settings runs.
    pub fn fastest(self, other: Timers) -> Timers {
        Timers {
            min_rx: self.min_rx.min(other.min_rx),
            min_tx: self.min_tx.min(other.min_tx),
            multiplier: self.multiplier.min(other.multiplier),
        }
    }
}

/// The sessions the VRRP process wants, in a canonical order so that two sets compare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// (peer, local) → timers: sessions this router opens, as a backup, to its master.
    pub active: Vec<((IpAddr, IpAddr), Timers)>,
    /// local → timers: addresses whose incoming sessions this router answers.
    pub passive: Vec<(IpAddr, Timers)>,
}

impl Wanted {
    /// The record.
    pub fn encode(&self) -> String {
        let mut out = String::from("W\n");
        for ((peer, local), t) in &self.active {
            out.push_str(&format!(
                "A {peer} {local} {} {} {}\n",
                t.min_rx.as_micros(),
                t.min_tx.as_micros(),
                t.multiplier
            ));
        }
        for (local, t) in &self.passive {
            out.push_str(&format!(
                "P {local} {} {} {}\n",
                t.min_rx.as_micros(),
                t.min_tx.as_micros(),
                t.multiplier
            ));
        }
        out
    }

    /// Reads a record; `None` when it is not a well-formed `W`.
    pub fn decode(text: &str) -> Option<Wanted> {
        let mut lines = text.lines();
        if lines.next()? != "W" {
            return None;
        }
        let mut w = Wanted::default();
        for line in lines {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["A", peer, local, rx, tx, mult] => w.active.push((
                    (peer.parse().ok()?, local.parse().ok()?),
                    timers(rx, tx, mult)?,
                )),
                ["P", local, rx, tx, mult] => {
                    w.passive.push((local.parse().ok()?, timers(rx, tx, mult)?))
                }
                _ => return None,
            }
        }
        Some(w)
    }
}

fn timers(rx: &str, tx: &str, mult: &str) -> Option<Timers> {
    let t = Timers {
        min_rx: Duration::from_micros(rx.parse().ok()?),
        min_tx: Duration::from_micros(tx.parse().ok()?),
        multiplier: mult.parse().ok()?,
    };
    (!t.min_rx.is_zero() && !t.min_tx.is_zero() && t.multiplier > 0).then_some(t)
}

/// What the BFD process tells the VRRP process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// The BFD process (re)started.
    Hello,
    /// The session from `local` to `peer` came Up.
    Up {
        /// The other router.
        peer: IpAddr,
        /// This router's address.
        local: IpAddr,
    },
    /// The session went Down (detection time expired, or the peer said Down) `age` ago.
    Down {
        /// The other router.
        peer: IpAddr,
        /// This router's address.
        local: IpAddr,
        /// How long before the record was sent.
        age: Duration,
    },
}

impl Report {
    /// The record.
    pub fn encode(&self) -> String {
        match self {
            Report::Hello => "H".to_owned(),
            Report::Up { peer, local } => format!("U {peer} {local}"),
            Report::Down { peer, local, age } => {
                format!("D {peer} {local} {}", age.as_micros())
            }
        }
    }

    /// Reads a record.
    pub fn decode(text: &str) -> Option<Report> {
        let words: Vec<&str> = text.split(' ').collect();
        Some(match words.as_slice() {
            ["H"] => Report::Hello,
            ["U", peer, local] => Report::Up {
                peer: peer.parse().ok()?,
                local: local.parse().ok()?,
            },
            ["D", peer, local, age] => Report::Down {
                peer: peer.parse().ok()?,
                local: local.parse().ok()?,
                age: Duration::from_micros(age.parse().ok()?),
            },
            _ => return None,
        })
    }
}

/// Which end of the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Bfd,
    Vrrp,
}

fn name(parent: u32, side: Side) -> String {
    let word = match side {
        Side::Bfd => "bfd",
        Side::Vrrp => "vrrp",
    };
    format!("kad-bfdtko-{parent}-{word}")
}

fn address(parent: u32, side: Side) -> nix::Result<UnixAddr> {
    crate::abstract_socket::address(&name(parent, side))
}

/// One end: its socket and the other end's address.
#[derive(Debug)]
pub struct End {
    fd: OwnedFd,
    other: UnixAddr,
    /// Records lost because the other end's queue was full.
    pub dropped: u64,
    /// Datagrams from anyone but the other end, or malformed, ignored.
    pub foreign: u64,
}

/// What a send did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Queued at the other end.
    Done,
    /// The other end is not running; it asks (or says hello) when it starts.
    Absent,
    /// Its queue was full: try again later.
    Full,
}

impl End {
    fn open(parent: u32, side: Side) -> nix::Result<End> {
        let fd = crate::abstract_socket::bind_datagram(&name(parent, side))?;
        let other = address(
            parent,
            match side {
                Side::Bfd => Side::Vrrp,
                Side::Vrrp => Side::Bfd,
            },
        )?;
        Ok(End {
            fd,
            other,
            dropped: 0,
            foreign: 0,
        })
    }

    /// The BFD process's end, which says hello at once.
    pub fn bfd() -> nix::Result<End> {
        let end = End::open(parent_pid(), Side::Bfd)?;
        end.send(&Report::Hello.encode());
        Ok(end)
    }

    /// The VRRP process's end.
    pub fn vrrp() -> nix::Result<End> {
        End::open(parent_pid(), Side::Vrrp)
    }

    /// Sends one record without blocking.
    pub fn send(&self, record: &str) -> Sent {
        match sendto(
            self.fd.as_raw_fd(),
            record.as_bytes(),
            &self.other,
            MsgFlags::MSG_DONTWAIT,
        ) {
            Ok(_) => Sent::Done,
            Err(Errno::EAGAIN) | Err(Errno::ENOBUFS) => Sent::Full,
            Err(_) => Sent::Absent,
        }
    }

    /// [`send`](Self::send), counting a full queue.
    pub fn send_counted(&mut self, record: &str) -> Sent {
        let sent = self.send(record);
        if sent == Sent::Full {
            self.dropped += 1;
        }
        sent
    }

    /// Every record waiting from the other end, as text.
    pub fn drain(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; MAX_RECORD];
        loop {
            let (n, from) = match recvfrom::<UnixAddr>(self.fd.as_raw_fd(), &mut buf) {
                Ok(r) => r,
                Err(Errno::EINTR) => continue,
                Err(_) => return out,
            };
            match (
                from.as_ref() == Some(&self.other),
                std::str::from_utf8(&buf[..n]),
            ) {
                (true, Ok(text)) => out.push(text.to_owned()),
                _ => self.foreign += 1,
            }
        }
    }
}

impl AsFd for End {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// When a record that found a full queue is sent again.
pub const RETRY: Duration = Duration::from_millis(50);

/// A resend deadline after `sent`.
pub fn retry_after(sent: Sent, now: Instant) -> Option<Instant> {
    (sent == Sent::Full).then_some(now + RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::socket::{socket, AddressFamily, SockFlag, SockType};

    fn t(rx: u64, tx: u64, m: u8) -> Timers {
        Timers {
            min_rx: Duration::from_micros(rx),
            min_tx: Duration::from_micros(tx),
            multiplier: m,
        }
    }

    #[test]
    fn records_round_trip() {
        let w = Wanted {
            active: vec![(
                ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap()),
                t(10_000, 10_000, 3),
            )],
            passive: vec![("2001:db8::2".parse().unwrap(), t(20_000, 5_500, 4))],
        };
        let text = w.encode();
        assert_eq!(
            text,
            "W\nA 192.0.2.1 192.0.2.2 10000 10000 3\nP 2001:db8::2 20000 5500 4\n"
        );
        assert_eq!(Wanted::decode(&text), Some(w));
        assert_eq!(Wanted::decode("W\n"), Some(Wanted::default()));
        for bad in [
            "",
            "X\n",
            "W\nA 192.0.2.1 10 10 3\n",
            "W\nP 192.0.2.1 0 10 3\n",
        ] {
            assert_eq!(Wanted::decode(bad), None, "{bad:?}");
        }
        let reports = [
            Report::Hello,
            Report::Up {
                peer: "192.0.2.1".parse().unwrap(),
                local: "192.0.2.2".parse().unwrap(),
            },
            Report::Down {
                peer: "192.0.2.1".parse().unwrap(),
                local: "192.0.2.2".parse().unwrap(),
                age: Duration::from_micros(17),
            },
        ];
        for r in reports {
            assert_eq!(Report::decode(&r.encode()), Some(r));
        }
        assert_eq!(Report::decode("D 192.0.2.1"), None);
    }

    #[test]
    fn the_faster_settings_win() {
        assert_eq!(t(10, 20, 5).fastest(t(30, 5, 3)), t(10, 5, 3),);
    }

    #[test]
    fn ends_hear_only_each_other() {
        // A parent id no real kad has (pids are below 2^22).
        let parent = (1 << 30) + std::process::id() * 8 + 5;
        let mut bfd = End::open(parent, Side::Bfd).unwrap();
        let mut vrrp = End::open(parent, Side::Vrrp).unwrap();
        assert_eq!(vrrp.send("W\n"), Sent::Done);
        assert_eq!(bfd.send(&Report::Hello.encode()), Sent::Done);
        assert_eq!(bfd.drain(), ["W\n"]);
        assert_eq!(vrrp.drain(), ["H"]);
        let stranger = socket(
            AddressFamily::Unix,
            SockType::Datagram,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .unwrap();
        let to = address(parent, Side::Vrrp).unwrap();
        sendto(stranger.as_raw_fd(), b"H", &to, MsgFlags::empty()).unwrap();
        assert!(vrrp.drain().is_empty());
        assert_eq!(vrrp.foreign, 1);
        drop(bfd);
        assert_eq!(vrrp.send("W\n"), Sent::Absent);
    }
}
