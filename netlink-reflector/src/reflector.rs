//! The monitor: a non-blocking rtnetlink socket subscribed to link and address events, whose
//! messages keep a [`Table`] current (keepalived's `nl_kernel` socket and its interface queue).

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::{Duration, Instant};

use netlink_packet_route::address::AddressMessage;
use netlink_packet_route::link::LinkMessage;
use netlink_packet_route::RouteNetlinkMessage;

use crate::error::Result;
use crate::socket::{Batch, NlSocket, RcvBuf};
use crate::table::{Change, Table};

/// `RTNLGRP_LINK`.
const RTNLGRP_LINK: u32 = 1;
/// `RTNLGRP_IPV4_IFADDR`.
const RTNLGRP_IPV4_IFADDR: u32 = 5;
/// `RTNLGRP_IPV6_IFADDR`.
const RTNLGRP_IPV6_IFADDR: u32 = 9;

/// The kernel's links and addresses, kept current from rtnetlink events.
///
/// Call order: [`Reflector::open`] dumps the current state; register [`Reflector::as_fd`] for
/// readability in the event loop; when it is readable call [`Reflector::process`] and act on the
/// returned changes. The table is consistent with the changes returned so far.
#[derive(Debug)]
pub struct Reflector {
    sock: NlSocket,
    /// Dumps go through a second socket without group memberships, so a monitor queue full of
    /// events (the very situation a resync repairs) cannot starve the dump's replies.
    dump_sock: NlSocket,
    table: Table,
    resyncs: u64,
}

impl Reflector {
    /// Opens the monitor socket in the calling thread's network namespace, subscribes to link
    /// and IPv4/IPv6 address events, and fills the table from a dump. `rcvbuf` is
    /// `vrrp_netlink_monitor_rcv_bufs[_force]`.
    pub fn open(rcvbuf: Option<RcvBuf>) -> Result<Self> {
        let sock = NlSocket::open(
            &[RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR],
            rcvbuf,
        )?;
        sock.set_non_blocking(true)?;
        let dump_sock = NlSocket::open(&[], None)?;
        let mut r = Self {
            sock,
            dump_sock,
            table: Table::default(),
            resyncs: 0,
        };
        r.table = r.dump()?;
        Ok(r)
    }

    /// The mirrored state.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// How many times events were lost and the table rebuilt.
    pub fn resyncs(&self) -> u64 {
        self.resyncs
    }

    /// Kernel messages skipped because they could not be decoded.
    pub fn undecodable(&self) -> u64 {
        self.sock.undecodable
    }

    /// Reads every queued event, applies it and returns what changed, in kernel order. Never
    /// blocks. On a receive-buffer overrun (`ENOBUFS`) the table is rebuilt from a dump and the
    /// difference is returned after a [`Change::Resynced`].
    pub fn process(&mut self) -> Result<Vec<Change>> {
        let mut out = Vec::new();
        loop {
            match self.sock.recv_batch("reading link/address events")? {
                Batch::WouldBlock => return Ok(out),
                Batch::Overrun => {
                    out.extend(self.resync()?);
                }
                Batch::Messages(msgs) => {
                    for m in msgs {
                        if let netlink_packet_core::NetlinkPayload::InnerMessage(inner) = m.payload
                        {
                            self.table.apply(&inner, &mut out);
                        }
                    }
                }
            }
        }
    }

    /// Rebuilds the table from a fresh dump and returns `Resynced` followed by the difference.
    pub fn resync(&mut self) -> Result<Vec<Change>> {
        self.resyncs += 1;
        // Whatever is still queued predates the dump about to be taken.
        // Bounded, so a relentless event stream cannot hold the resync here forever.
        for _ in 0..4096 {
            if let Batch::WouldBlock = self.sock.recv_batch("draining events")? {
                break;
            }
        }
        let new = self.dump()?;
        let mut out = vec![Change::Resynced];
        self.table.diff(&new, &mut out);
        self.table = new;
        Ok(out)
    }

    /// Waits up to `timeout` for at least one change (for simple programs and tests; an event
    /// loop polls [`Reflector::as_fd`] instead).
    pub fn wait_changes(&mut self, timeout: Duration) -> Result<Vec<Change>> {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        let deadline = Instant::now() + timeout;
        loop {
            let changes = self.process()?;
            let now = Instant::now();
            if !changes.is_empty() || now >= deadline {
                return Ok(changes);
            }
            let left = (deadline - now).as_millis().min(i32::MAX as u128) as i32;
            let mut fds = [PollFd::new(self.sock.fd(), PollFlags::POLLIN)];
            let _ = poll(
                &mut fds,
                PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX),
            );
        }
    }

    fn dump(&mut self) -> Result<Table> {
        let mut table = Table::default();
        let mut sink = Vec::new();
        let mut late = Vec::new();
        let links = self.dump_sock.dump(
            "links",
            RouteNetlinkMessage::GetLink(LinkMessage::default()),
            &mut late,
        )?;
        for m in &links {
            table.apply(m, &mut sink);
        }
        let addrs = self.dump_sock.dump(
            "addresses",
            RouteNetlinkMessage::GetAddress(AddressMessage::default()),
            &mut late,
        )?;
        for m in &addrs {
            table.apply(m, &mut sink);
        }
        // Events that the monitor queues while the dump runs are applied by the next
        // `process`; they may repeat a state the dump already holds (no change results) or
        // replay an older one just before its successor, so each object ends in its latest
        // reported state.
        for m in &late {
            table.apply(m, &mut sink);
        }
        Ok(table)
    }
}

impl AsFd for Reflector {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.fd()
    }
}

impl AsRawFd for Reflector {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.raw_fd()
    }
}
