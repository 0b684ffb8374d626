//! A thin rtnetlink socket: sequence numbers, request/acknowledge and dump exchanges, and the
//! receive-buffer settings of `vrrp_netlink_*_rcv_bufs[_force]`.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR,
    NLM_F_MULTIPART, NLM_F_REQUEST,
};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
use nix::errno::Errno;
use nix::sys::socket::{setsockopt, sockopt, MsgFlags};

use crate::error::{Error, Result};

/// Size of one receive; the kernel caps a netlink datagram at 32 KiB for dumps.
const RECV_BUF: usize = 64 * 1024;

/// Receive buffer size for a netlink socket, as set by `vrrp_netlink_monitor_rcv_bufs BYTES`
/// (or `..._cmd_rcv_bufs`) and its `_force` companion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RcvBuf {
    /// Requested `SO_RCVBUF` in bytes (the kernel doubles it for bookkeeping).
    pub bytes: usize,
    /// Use `SO_RCVBUFFORCE`, which may exceed `net.core.rmem_max` (needs `CAP_NET_ADMIN`).
    pub force: bool,
}

/// One decoded message of a batch, with the header fields callers act upon.
pub(crate) type Msg = NetlinkMessage<RouteNetlinkMessage>;

/// An rtnetlink socket with its own sequence counter.
#[derive(Debug)]
pub(crate) struct NlSocket {
    sock: Socket,
    seq: u32,
    buf: Vec<u8>,
    /// Messages skipped because they could not be decoded.
    pub(crate) undecodable: u64,
}

/// What one `recv` produced.
pub(crate) enum Batch {
    /// Decoded messages, in the order the kernel sent them.
    Messages(Vec<Msg>),
    /// Nothing to read (non-blocking socket).
    WouldBlock,
    /// The receive queue overflowed and events were lost (`ENOBUFS`).
    Overrun,
}

impl NlSocket {
    /// Opens an `NETLINK_ROUTE` socket, binds it and joins `groups` (RTNLGRP_* numbers).
    pub(crate) fn open(groups: &[u32], rcvbuf: Option<RcvBuf>) -> Result<Self> {
        let sock_err = |step| move |source| Error::Socket { step, source };
        let mut sock = Socket::new(NETLINK_ROUTE).map_err(sock_err("open"))?;
        if let Some(rb) = rcvbuf {
            if rb.force {
                setsockopt(&sock.as_fd(), sockopt::RcvBufForce, &rb.bytes)
                    .map_err(io::Error::from)
                    .map_err(sock_err("set SO_RCVBUFFORCE"))?;
            } else {
                setsockopt(&sock.as_fd(), sockopt::RcvBuf, &rb.bytes)
                    .map_err(io::Error::from)
                    .map_err(sock_err("set SO_RCVBUF"))?;
            }
        }
        sock.bind(&SocketAddr::new(0, 0))
            .map_err(sock_err("bind"))?;
        // Extended acks add the kernel's textual reason to NLMSG_ERROR, and capped acks keep the
        // echoed request down to its header; both are optional (older kernels lack them).
        let _ = sock.set_ext_ack(true);
        let _ = sock.set_cap_ack(true);
        for &g in groups {
            sock.add_membership(g)
                .map_err(sock_err("join multicast group"))?;
        }
        Ok(Self {
            sock,
            seq: 1,
            buf: Vec::with_capacity(RECV_BUF),
            undecodable: 0,
        })
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    pub(crate) fn raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }

    pub(crate) fn set_non_blocking(&self, nb: bool) -> Result<()> {
        self.sock
            .set_non_blocking(nb)
            .map_err(|source| Error::Socket {
                step: "set O_NONBLOCK",
                source,
            })
    }

    /// Sends one request; returns its sequence number.
    pub(crate) fn send(&mut self, what: &str, msg: RouteNetlinkMessage, flags: u16) -> Result<u32> {
        self.seq = self.seq.wrapping_add(1).max(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = self.seq;
        let mut nl = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(msg));
        nl.finalize();
        let mut bytes = vec![0u8; nl.buffer_len()];
        nl.serialize(&mut bytes);
        self.sock.send(&bytes, 0).map_err(|source| Error::Send {
            what: what.to_owned(),
            source,
        })?;
        Ok(self.seq)
    }

    /// Reads one datagram and decodes every message in it. `MSG_TRUNC` makes the kernel
    /// report the datagram's full length, so a cut-short read is detected, not misparsed.
    pub(crate) fn recv_batch(&mut self, what: &str) -> Result<Batch> {
        self.buf.clear();
        let n = match self.sock.recv(&mut self.buf, MsgFlags::MSG_TRUNC.bits()) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Batch::WouldBlock),
            Err(e) if e.raw_os_error() == Some(Errno::ENOBUFS as i32) => return Ok(Batch::Overrun),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(Batch::Messages(vec![])),
            Err(source) => {
                return Err(Error::Receive {
                    what: what.to_owned(),
                    source,
                })
            }
        };
        if n > self.buf.len() {
            return Err(Error::Truncated {
                what: what.to_owned(),
            });
        }
        let out = split_datagram(&self.buf, what, &mut self.undecodable)?;
        Ok(Batch::Messages(out))
    }

    /// Sends `msg` with `NLM_F_ACK` and waits (blocking) for its acknowledgement.
    pub(crate) fn request(
        &mut self,
        what: &str,
        msg: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<()> {
        let seq = self.send(what, msg, flags | NLM_F_ACK)?;
        loop {
            let Batch::Messages(msgs) = self.recv_batch(what)? else {
                continue;
            };
            for m in msgs {
                if m.header.sequence_number != seq {
                    continue;
                }
                let flags = m.header.flags;
                if let NetlinkPayload::Error(e) = m.payload {
                    return match e.code {
                        None => Ok(()),
                        Some(code) => Err(Error::Kernel {
                            what: what.to_owned(),
                            errno: Errno::from_raw(-code.get()),
                            message: ext_ack_message(flags, &e.header),
                        }),
                    };
                }
            }
        }
    }

    /// Sends a dump request and collects every reply until `NLMSG_DONE`. Multicast messages
    /// that arrive meanwhile (port 0, other sequence) go to `other`, in arrival order.
    pub(crate) fn dump(
        &mut self,
        what: &'static str,
        msg: RouteNetlinkMessage,
        other: &mut Vec<RouteNetlinkMessage>,
    ) -> Result<Vec<RouteNetlinkMessage>> {
        for _attempt in 0..5 {
            let seq = self.send(what, msg.clone(), NLM_F_DUMP)?;
            let mut out = Vec::new();
            let mut interrupted = false;
            'recv: loop {
                let msgs = match self.recv_batch(what)? {
                    Batch::Messages(m) => m,
                    Batch::WouldBlock => {
                        wait_readable(self.fd(), what)?;
                        continue;
                    }
                    // Lost multicast events; the dump itself is what the caller is rebuilding from.
                    Batch::Overrun => continue,
                };
                for m in msgs {
                    if m.header.sequence_number != seq {
                        if let NetlinkPayload::InnerMessage(inner) = m.payload {
                            other.push(inner);
                        }
                        continue;
                    }
                    if m.header.flags & NLM_F_DUMP_INTR != 0 {
                        interrupted = true;
                    }
                    let flags = m.header.flags;
                    match m.payload {
                        NetlinkPayload::InnerMessage(inner) => out.push(inner),
                        NetlinkPayload::Done(_) => break 'recv,
                        NetlinkPayload::Error(e) => match e.code {
                            Some(code) => {
                                return Err(Error::Kernel {
                                    what: what.to_owned(),
                                    errno: Errno::from_raw(-code.get()),
                                    message: ext_ack_message(flags, &e.header),
                                })
                            }
                            None => break 'recv,
                        },
                        _ => {}
                    }
                    if m.header.flags & NLM_F_MULTIPART == 0 {
                        break 'recv;
                    }
                }
            }
            if !interrupted {
                return Ok(out);
            }
        }
        Err(Error::DumpInterrupted { what })
    }
}

/// Decodes every message in one received datagram. A message the decoder rejects (an attribute
/// layout newer than netlink-packet-route knows) is skipped and counted in `undecodable` rather
/// than stalling the monitor; a length that does not fit the datagram is an error.
pub(crate) fn split_datagram(buf: &[u8], what: &str, undecodable: &mut u64) -> Result<Vec<Msg>> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + 16 <= buf.len() {
        let len = u32::from_ne_bytes([buf[off], buf[off + 1], buf[off + 2], buf[off + 3]]) as usize;
        if len < 16 || len > buf.len() - off {
            return Err(Error::Decode {
                what: what.to_owned(),
                detail: format!("netlink length {len} at offset {off} of {}", buf.len()),
            });
        }
        match Msg::deserialize(&buf[off..off + len]) {
            Ok(m) => out.push(m),
            Err(_) => *undecodable += 1,
        }
        off += (len + 3) & !3;
    }
    Ok(out)
}

/// `NLM_F_CAPPED` on an `NLMSG_ERROR`: the echoed request is only its 16-byte header.
const NLM_F_CAPPED: u16 = 0x100;
/// `NLM_F_ACK_TLVS` on an `NLMSG_ERROR`: extended-ack attributes follow the echoed request.
const NLM_F_ACK_TLVS: u16 = 0x200;
/// `NLMSGERR_ATTR_MSG`: a NUL-terminated human-readable reason.
const NLMSGERR_ATTR_MSG: u16 = 1;

/// The kernel's extended-ack text from the bytes after an `NLMSG_ERROR`'s code (the echoed
/// request, then attributes), if the message carries one (netlink(7), "extended ACK").
pub(crate) fn ext_ack_message(flags: u16, rest: &[u8]) -> Option<String> {
    if flags & NLM_F_ACK_TLVS == 0 || rest.len() < 16 {
        return None;
    }
    let echoed = if flags & NLM_F_CAPPED != 0 {
        16
    } else {
        u32::from_ne_bytes(rest[..4].try_into().ok()?) as usize
    };
    let mut tlvs = rest.get((echoed + 3) & !3..)?;
    while tlvs.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([tlvs[0], tlvs[1]]));
        let kind = u16::from_ne_bytes([tlvs[2], tlvs[3]]) & 0x3fff;
        if len < 4 || len > tlvs.len() {
            return None;
        }
        if kind == NLMSGERR_ATTR_MSG {
            let text = &tlvs[4..len];
            let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
            return Some(String::from_utf8_lossy(&text[..end]).into_owned());
        }
        tlvs = tlvs.get((len + 3) & !3..).unwrap_or(&[]);
    }
    None
}

/// Blocks until `fd` is readable (used by dumps on a non-blocking socket).
fn wait_readable(fd: BorrowedFd<'_>, what: &str) -> Result<()> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
    match poll(&mut fds, PollTimeout::from(5000u16)) {
        Ok(0) => Err(Error::Timeout {
            what: what.to_owned(),
        }),
        Ok(_) | Err(Errno::EINTR) => Ok(()),
        Err(e) => Err(Error::Receive {
            what: what.to_owned(),
            source: e.into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An extended ack as the kernel sends it with NETLINK_CAP_ACK: the request's header, then
    /// an `NLMSGERR_ATTR_MSG` attribute (and an `NLMSGERR_ATTR_OFFS` one after it).
    #[test]
    fn ext_ack_text_is_extracted() {
        let mut rest = vec![0u8; 16];
        let text = b"Nexthop has invalid gateway\0";
        let len = 4 + text.len();
        rest.extend_from_slice(&(len as u16).to_ne_bytes());
        rest.extend_from_slice(&NLMSGERR_ATTR_MSG.to_ne_bytes());
        rest.extend_from_slice(text);
        rest.resize((rest.len() + 3) & !3, 0);
        rest.extend_from_slice(&[8, 0, 2, 0, 20, 0, 0, 0]);
        let flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
        assert_eq!(
            ext_ack_message(flags, &rest).as_deref(),
            Some("Nexthop has invalid gateway")
        );
        assert_eq!(ext_ack_message(NLM_F_CAPPED, &rest), None);
        assert_eq!(ext_ack_message(flags, &rest[..10]), None);
        let mut broken = rest.clone();
        broken[16] = 200; // attribute longer than the buffer
        assert_eq!(ext_ack_message(flags, &broken), None);
    }
}
