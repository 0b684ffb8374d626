//! BFD's UDP sockets.
//!
//! - Receive: one socket per family and port, 3784 (single hop, RFC 5881 §4) and 4784
//!   (multihop, RFC 5883 §5), each asking the kernel for the received TTL / hop limit and the
//!   destination address and interface (`IP_RECVTTL`, `IP_PKTINFO`, `IPV6_RECVHOPLIMIT`,
//!   `IPV6_RECVPKTINFO`), which the session core checks (GTSM, RFC 5881 §5) and demultiplexes on.
//! - Send: one socket per session, bound to `source_ip` and a source port fixed for the
//!   session's life in 49152–65535 (RFC 5881 §4), sending with the configured TTL.

use std::io::{self, IoSliceMut};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use keepalive_bfd::RxMeta;
use nix::cmsg_space;
use nix::sys::socket::{
    recvmsg, setsockopt, sockopt, ControlMessageOwned, MsgFlags, SockaddrStorage,
};
use socket2::{Domain, Protocol, Socket, Type};

/// The first port of the dynamic range a session's source port comes from (RFC 5881 §4).
const SRC_PORT_MIN: u16 = 49152;
/// How many random ports a session tries before giving up.
const PORT_TRIES: usize = 64;

/// One receiving socket.
#[derive(Debug)]
pub struct RxSocket {
    sock: Socket,
    /// Port 4784: packets are multihop.
    pub multihop: bool,
}

/// One datagram read from an [`RxSocket`].
#[derive(Debug, Clone, Copy)]
pub enum Received {
    /// `len` bytes of the buffer, with where they came from.
    Packet { len: usize, meta: RxMeta },
    /// A datagram larger than the buffer, or without the ancillary data the checks need.
    Unusable,
    /// Nothing more to read.
    Empty,
}

impl RxSocket {
    /// Binds `[::]:port` or `0.0.0.0:port`, non-blocking, with the ancillary data on.
    pub fn bind(v6: bool, multihop: bool) -> io::Result<RxSocket> {
        let port = super::mapping::peer_port(multihop);
        let (domain, addr) = if v6 {
            (
                Domain::IPV6,
                SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
            )
        } else {
            (
                Domain::IPV4,
                SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
            )
        };
        let sock = Socket::new(domain, Type::DGRAM.cloexec(), Some(Protocol::UDP))?;
        let fd = sock.as_fd();
        if v6 {
            sock.set_only_v6(true)?;
            setsockopt(&fd, sockopt::Ipv6RecvHopLimit, &true)?;
            setsockopt(&fd, sockopt::Ipv6RecvPacketInfo, &true)?;
        } else {
            setsockopt(&fd, sockopt::Ipv4RecvTtl, &true)?;
            setsockopt(&fd, sockopt::Ipv4PacketInfo, &true)?;
        }
        sock.set_nonblocking(true)?;
        sock.bind(&addr.into())?;
        Ok(RxSocket { sock, multihop })
    }

    /// Reads one datagram into `buf`.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Received> {
        let mut cmsg = cmsg_space!(libc::in6_pktinfo, libc::c_int, libc::in_pktinfo);
        let mut iov = [IoSliceMut::new(buf)];
        let msg = match recvmsg::<SockaddrStorage>(
            self.sock.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_TRUNC,
        ) {
            Ok(m) => m,
            Err(nix::errno::Errno::EAGAIN) => return Ok(Received::Empty),
            Err(e) => return Err(e.into()),
        };
        let len = msg.bytes;
        if msg.flags.contains(MsgFlags::MSG_TRUNC) {
            return Ok(Received::Unusable);
        }
        let Some(src) = msg.address.as_ref().and_then(source_ip) else {
            return Ok(Received::Unusable);
        };
        let (mut ttl, mut dst, mut ifindex) = (None, None, 0u32);
        let Ok(cmsgs) = msg.cmsgs() else {
            return Ok(Received::Unusable);
        };
        for c in cmsgs {
            match c {
                ControlMessageOwned::Ipv4Ttl(t) => ttl = u8::try_from(t).ok(),
                ControlMessageOwned::Ipv6HopLimit(t) => ttl = u8::try_from(t).ok(),
                ControlMessageOwned::Ipv4PacketInfo(p) => {
                    dst = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(p.ipi_addr.s_addr))));
                    ifindex = u32::try_from(p.ipi_ifindex).unwrap_or(0);
                }
                ControlMessageOwned::Ipv6PacketInfo(p) => {
                    dst = Some(IpAddr::V6(Ipv6Addr::from(p.ipi6_addr.s6_addr)));
                    ifindex = p.ipi6_ifindex;
                }
                _ => {}
            }
        }
        let (Some(ttl), Some(dst)) = (ttl, dst) else {
            return Ok(Received::Unusable);
        };
        Ok(Received::Packet {
            len,
            meta: RxMeta::new(src, dst, ifindex, ttl, self.multihop),
        })
    }
}

impl AsFd for RxSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

fn source_ip(a: &SockaddrStorage) -> Option<IpAddr> {
    if let Some(v4) = a.as_sockaddr_in() {
        return Some(IpAddr::V4(v4.ip()));
    }
    let v6 = a.as_sockaddr_in6()?;
    let ip = v6.ip();
    // A v6-only socket never sees mapped addresses; unmap anyway so demultiplexing is exact.
    Some(match ip.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(ip),
    })
}

/// A session's sending socket.
#[derive(Debug)]
pub struct TxSocket {
    sock: OwnedFd,
}

impl TxSocket {
    /// A socket bound to `local` (or the family's any address) and a free random port
    /// from the dynamic range, sending with `ttl`. `rand` yields random numbers.
    pub fn open(
        peer: IpAddr,
        local: Option<IpAddr>,
        ttl: u8,
        rand: &mut dyn FnMut() -> u64,
    ) -> io::Result<TxSocket> {
        let v6 = peer.is_ipv6();
        let domain = if v6 { Domain::IPV6 } else { Domain::IPV4 };
        let sock = Socket::new(domain, Type::DGRAM.cloexec(), Some(Protocol::UDP))?;
        if v6 {
            sock.set_only_v6(true)?;
            sock.set_unicast_hops_v6(u32::from(ttl))?;
        } else {
            sock.set_ttl(u32::from(ttl))?;
        }
        sock.set_nonblocking(true)?;
        // Nothing is read from this socket; a small buffer bounds what strays can queue.
        let _ = sock.set_recv_buffer_size(4096);
        let ip = local.unwrap_or(if v6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        });
        let span = u64::from(u16::MAX - SRC_PORT_MIN) + 1;
        let mut last = io::Error::from(io::ErrorKind::AddrInUse);
        for _ in 0..PORT_TRIES {
            let port = SRC_PORT_MIN + (rand() % span) as u16;
            match sock.bind(&SocketAddr::new(ip, port).into()) {
                Ok(()) => return Ok(TxSocket { sock: sock.into() }),
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// Sends one packet; a full socket buffer drops it (the next one follows within an
    /// interval, and BFD tolerates loss up to the detection time).
    pub fn send(&self, bytes: &[u8], dst: SocketAddr) -> io::Result<()> {
        let to: SockaddrStorage = dst.into();
        nix::sys::socket::sendto(self.sock.as_raw_fd(), bytes, &to, MsgFlags::empty())
            .map(drop)
            .map_err(io::Error::from)
    }
}
