//! The raw IP sockets of one VRRP socket-pool entry: a receive socket and a send socket
//! per (interface, family, VRRP or AH, multicast group or unicast source), set up as
//! keepalived's `open_vrrp_read_socket` / `open_vrrp_send_socket` do.
//!
//! IPv4 adverts are sent with `IP_HDRINCL`: `keepalive-vrrp` emits the IPv4 header itself
//! (TTL 255 or `unicast_ttl`, TOS 0xc0, identification, AH), as keepalived does. IPv6
//! adverts are the VRRP message alone; the codec fills the checksum with the pseudo-header
//! of the source given in [`TxOpts::src`], which is sent as `IPV6_PKTINFO` so that the
//! kernel uses exactly that source. `IPV6_CHECKSUM` is therefore not set: the kernel would
//! only recompute the same value on send, and on receive the codec checks the checksum
//! itself using the destination from `IPV6_PKTINFO`.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use keepalive_vrrp::auth::Auth;
use keepalive_vrrp::ip::{VRRP_MCAST_V4, VRRP_MCAST_V6};
use keepalive_vrrp::packet::Family;
use keepalive_vrrp::rx::RxMeta;
use keepalive_vrrp::InstanceConfig;
use mio::unix::SourceFd;
use nix::errno::Errno;
use nix::sys::socket::{
    self as nsock, sockopt, ControlMessage, ControlMessageOwned, MsgFlags, SockaddrIn6,
    SockaddrStorage,
};
use socket2::{Domain, InterfaceIndexOrAddress, Protocol, SockAddr, Socket, Type};

use super::error::NetError;
use super::link::Link;

/// IP protocol number of VRRP (RFC 5798 §5.1.1.4).
pub const IPPROTO_VRRP: i32 = 112;
/// IP protocol number of AH, which carries keepalived's VRRPv2 IPSEC-AH adverts.
pub const IPPROTO_AH: i32 = 51;
/// TTL / hop limit of every multicast advert (RFC 5798 §5.1.1.3, §5.1.2.3).
pub const VRRP_HOPS: u32 = 255;
/// IP TOS / IPv6 traffic class of adverts: internetwork control (keepalived
/// `if_setsockopt_priority`).
pub const TOS_INTERNETWORK_CONTROL: u32 = 0xc0;

/// Which IP protocol the socket carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    /// VRRP (112).
    Vrrp,
    /// AH (51): VRRPv2 with `auth_type AH`.
    Ah,
}

impl Proto {
    fn number(self) -> i32 {
        match self {
            Proto::Vrrp => IPPROTO_VRRP,
            Proto::Ah => IPPROTO_AH,
        }
    }
}

/// Multicast (to a group) or unicast (from `unicast_src_ip` to `unicast_peer`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Multicast to `group`: 224.0.0.18, ff02::12, or `mcast_dst_ip`.
    Multicast {
        /// The group.
        group: IpAddr,
    },
    /// Unicast; the receive socket is bound to `src` so only datagrams to it arrive.
    Unicast {
        /// `unicast_src_ip` (or the interface's primary address).
        src: IpAddr,
    },
}

/// What identifies one pool entry: instances with equal keys share its sockets (keepalived
/// `sock_t`: family, protocol, interface, unicast source, multicast group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SockKey {
    /// The interface the sockets are bound to (`SO_BINDTODEVICE`).
    pub ifindex: u32,
    /// VRRP or AH.
    pub proto: Proto,
    /// Multicast group or unicast source.
    pub mode: Mode,
}

impl SockKey {
    /// A multicast key; `group` fixes the family.
    #[must_use]
    pub fn multicast(ifindex: u32, group: IpAddr, proto: Proto) -> SockKey {
        SockKey {
            ifindex,
            proto,
            mode: Mode::Multicast { group },
        }
    }

    /// A unicast key; `src` fixes the family.
    #[must_use]
    pub fn unicast(ifindex: u32, src: IpAddr, proto: Proto) -> SockKey {
        SockKey {
            ifindex,
            proto,
            mode: Mode::Unicast { src },
        }
    }

    /// The key of an instance on interface `ifindex`: unicast from its `primary_addr` when
    /// it has `unicast_peer`s, else multicast to `mcast_dst_ip` or the family's group; AH
    /// when its authentication is AH.
    #[must_use]
    pub fn for_instance(config: &InstanceConfig, ifindex: u32) -> SockKey {
        let proto = match config.auth {
            Auth::Ah(_) => Proto::Ah,
            _ => Proto::Vrrp,
        };
        if config.unicast_peers.is_empty() {
            let group = config.mcast_group.unwrap_or(match config.primary_addr {
                IpAddr::V4(_) => IpAddr::V4(VRRP_MCAST_V4),
                IpAddr::V6(_) => IpAddr::V6(VRRP_MCAST_V6),
            });
            SockKey::multicast(ifindex, group, proto)
        } else {
            SockKey::unicast(ifindex, config.primary_addr, proto)
        }
    }

    /// The address family of the sockets.
    #[must_use]
    pub fn family(&self) -> Family {
        let addr = match self.mode {
            Mode::Multicast { group } => group,
            Mode::Unicast { src } => src,
        };
        match addr {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    fn domain(&self) -> Domain {
        match self.family() {
            Family::Ipv4 => Domain::IPV4,
            Family::Ipv6 => Domain::IPV6,
        }
    }
}

fn raw_socket(key: &SockKey, kind: &'static str) -> Result<Socket, NetError> {
    let ty = Type::RAW.nonblocking().cloexec();
    Socket::new(key.domain(), ty, Some(Protocol::from(key.proto.number())))
        .map_err(|source| NetError::Open { kind, source })
}

fn opt(kind: &'static str, option: &'static str) -> impl FnOnce(io::Error) -> NetError {
    move |source| NetError::SetOption {
        kind,
        option,
        source,
    }
}

fn bind_device(sock: &Socket, link: &Link, kind: &'static str) -> Result<(), NetError> {
    sock.bind_device(Some(link.name.as_bytes()))
        .map_err(|source| NetError::BindDevice {
            kind,
            ifname: link.name.clone(),
            source,
        })
}

/// Socket address of `ip` on `ifindex`: IPv6 link-local and multicast addresses need the
/// scope.
fn sockaddr(ip: IpAddr, ifindex: u32) -> SocketAddr {
    match ip {
        IpAddr::V4(a) => SocketAddr::V4(SocketAddrV4::new(a, 0)),
        IpAddr::V6(a) => SocketAddr::V6(SocketAddrV6::new(a, 0, 0, scope_of(a, ifindex))),
    }
}

fn scope_of(a: Ipv6Addr, ifindex: u32) -> u32 {
    let link_local = a.segments()[0] & 0xffc0 == 0xfe80;
    let link_scope_mcast = a.segments()[0] & 0xff0f == 0xff02;
    if link_local || link_scope_mcast {
        ifindex
    } else {
        0
    }
}

/// Room for `IPV6_PKTINFO` (20 bytes) and `IPV6_HOPLIMIT` (4) with their headers
/// (`CMSG_SPACE` 40 + 24), and more, aligned as `struct cmsghdr` needs, on the stack so a
/// receive allocates nothing.
const CMSG_BUF_LEN: usize = 128;

#[repr(C, align(8))]
struct CmsgBuf([u8; CMSG_BUF_LEN]);

/// The receive socket of a pool entry.
///
/// Multicast: joined to the group on the interface and bound to the group, so unicast
/// VRRP does not arrive here. Unicast: bound to the local address. Both: bound to the
/// device, `IP_MULTICAST_ALL`/`IPV6_MULTICAST_ALL` off (no other socket's groups), and for
/// IPv6 `IPV6_RECVHOPLIMIT` and `IPV6_RECVPKTINFO` so that [`RxMeta`] gets the hop limit
/// and destination RFC 5798 §7.1 checks.
#[derive(Debug)]
pub struct RxSocket {
    sock: Socket,
    key: SockKey,
}

impl RxSocket {
    /// Opens the receive socket for `key` on `link`; `rcvbuf` is `vrrp_rx_bufs_multiplier`
    /// times the largest advert, or `None` for the kernel default.
    pub fn open(link: &Link, key: SockKey, rcvbuf: Option<usize>) -> Result<RxSocket, NetError> {
        let kind = match key.family() {
            Family::Ipv4 => "VRRP IPv4 receive",
            Family::Ipv6 => "VRRP IPv6 receive",
        };
        let sock = raw_socket(&key, kind)?;
        if let Some(size) = rcvbuf {
            sock.set_recv_buffer_size(size)
                .map_err(opt(kind, "SO_RCVBUF"))?;
        }
        match key.family() {
            Family::Ipv4 => sock
                .set_multicast_all_v4(false)
                .map_err(opt(kind, "IP_MULTICAST_ALL"))?,
            Family::Ipv6 => sock
                .set_multicast_all_v6(false)
                .map_err(opt(kind, "IPV6_MULTICAST_ALL"))?,
        }
        let local = match key.mode {
            Mode::Multicast { group } => {
                let joined = match group {
                    IpAddr::V4(g) => {
                        sock.join_multicast_v4_n(&g, &InterfaceIndexOrAddress::Index(key.ifindex))
                    }
                    IpAddr::V6(g) => sock.join_multicast_v6(&g, key.ifindex),
                };
                joined.map_err(|source| NetError::Join {
                    group,
                    ifname: link.name.clone(),
                    source,
                })?;
                group
            }
            Mode::Unicast { src } => src,
        };
        sock.bind(&SockAddr::from(sockaddr(local, key.ifindex)))
            .map_err(|source| NetError::Bind {
                kind,
                addr: local,
                source,
            })?;
        if key.family() == Family::Ipv6 {
            sock.set_recv_hoplimit_v6(true)
                .map_err(opt(kind, "IPV6_RECVHOPLIMIT"))?;
            nsock::setsockopt(&sock, sockopt::Ipv6RecvPacketInfo, &true)
                .map_err(|e| opt(kind, "IPV6_RECVPKTINFO")(e.into()))?;
        }
        bind_device(&sock, link, kind)?;
        Ok(RxSocket { sock, key })
    }

    /// The key it was opened for.
    #[must_use]
    pub fn key(&self) -> &SockKey {
        &self.key
    }

    fn kind(&self) -> &'static str {
        match self.key.family() {
            Family::Ipv4 => "VRRP IPv4 receive",
            Family::Ipv6 => "VRRP IPv6 receive",
        }
    }

    /// Reads one datagram into `buf`: its length and receive metadata, or `Ok(None)` when
    /// nothing is queued. IPv4: `buf` starts with the IPv4 header. IPv6: `buf` is the VRRP
    /// message; `dst` and hop limit come from ancillary data (`None` if the kernel did not
    /// give them, which skips those checks as keepalived does).
    ///
    /// A datagram larger than `buf` is consumed and reported as
    /// [`NetError::Truncated`]; read again for the next one.
    pub fn recv(&self, buf: &mut [u8]) -> Result<Option<(usize, RxMeta)>, NetError> {
        let capacity = buf.len();
        let mut cmsg = CmsgBuf([0; CMSG_BUF_LEN]);
        let fd = self.sock.as_raw_fd();
        loop {
            let mut iov = [IoSliceMut::new(buf)];
            let msg = match nsock::recvmsg::<SockaddrStorage>(
                fd,
                &mut iov,
                Some(&mut cmsg.0),
                MsgFlags::MSG_TRUNC,
            ) {
                Ok(msg) => msg,
                Err(Errno::EINTR) => continue,
                Err(Errno::EAGAIN) => return Ok(None),
                Err(e) => {
                    return Err(NetError::Recv {
                        kind: self.kind(),
                        source: e.into(),
                    })
                }
            };
            let len = msg.bytes;
            if msg.flags.contains(MsgFlags::MSG_TRUNC) || len > capacity {
                return Err(NetError::Truncated { len, capacity });
            }
            let src = msg.address.as_ref().and_then(|a| {
                a.as_sockaddr_in()
                    .map(|s| IpAddr::V4(s.ip()))
                    .or_else(|| a.as_sockaddr_in6().map(|s| IpAddr::V6(s.ip())))
            });
            let mut meta = RxMeta {
                src: src.unwrap_or(match self.key.family() {
                    Family::Ipv4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                    Family::Ipv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                }),
                dst: None,
                ttl_or_hop_limit: None,
                ifindex: self.key.ifindex,
            };
            // A truncated control buffer gives an error here: keep the packet, without
            // the metadata (keepalived clears msg_controllen in that case).
            if let Ok(cmsgs) = msg.cmsgs() {
                for c in cmsgs {
                    match c {
                        ControlMessageOwned::Ipv6PacketInfo(info) => {
                            meta.dst = Some(IpAddr::V6(Ipv6Addr::from(info.ipi6_addr.s6_addr)));
                            meta.ifindex = info.ipi6_ifindex;
                        }
                        ControlMessageOwned::Ipv6HopLimit(h) => {
                            meta.ttl_or_hop_limit = u8::try_from(h).ok();
                        }
                        _ => {}
                    }
                }
            }
            return Ok(Some((len, meta)));
        }
    }
}

impl AsRawFd for RxSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

impl AsFd for RxSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

impl mio::event::Source for RxSocket {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.sock.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.sock.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        SourceFd(&self.sock.as_raw_fd()).deregister(registry)
    }
}

/// Per-advert send options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TxOpts {
    /// IPv6: the source address, which must be the one the codec put in the checksum's
    /// pseudo-header (the instance's `primary_addr`); with `None` the kernel picks one and
    /// the checksum is only right if it picks the same. Ignored for IPv4, whose header is
    /// in the bytes.
    pub src: Option<IpAddr>,
    /// IPv6 unicast: `unicast_ttl` as `IPV6_HOPLIMIT` ancillary data. IPv4 carries its TTL
    /// in the header the codec wrote.
    pub hop_limit: Option<u8>,
}

impl TxOpts {
    /// The options for an instance's adverts: its `primary_addr` as IPv6 source, and
    /// `unicast_ttl` as IPv6 hop limit in unicast mode.
    #[must_use]
    pub fn for_instance(config: &InstanceConfig) -> TxOpts {
        match config.primary_addr {
            IpAddr::V4(_) => TxOpts::default(),
            IpAddr::V6(_) => TxOpts {
                src: Some(config.primary_addr),
                hop_limit: (!config.unicast_peers.is_empty()).then_some(config.unicast_ttl),
            },
        }
    }
}

/// The send socket of a pool entry.
///
/// IPv4: `IP_HDRINCL`; IPv6: multicast hops 255 (multicast), unicast hops 255 (overridden
/// per advert by [`TxOpts::hop_limit`]). Both: bound to the device, multicast loop off,
/// TOS / traffic class 0xc0, a minimal receive buffer and a drop-all filter, since nothing
/// is read from it.
#[derive(Debug)]
pub struct TxSocket {
    sock: Socket,
    key: SockKey,
}

impl TxSocket {
    /// Opens the send socket for `key` on `link`.
    pub fn open(link: &Link, key: SockKey) -> Result<TxSocket, NetError> {
        let kind = match key.family() {
            Family::Ipv4 => "VRRP IPv4 send",
            Family::Ipv6 => "VRRP IPv6 send",
        };
        let sock = raw_socket(&key, kind)?;
        sock.set_recv_buffer_size(0)
            .map_err(opt(kind, "SO_RCVBUF"))?;
        // BPF "ret #0": accept no packet.
        let drop_all = [libc::sock_filter {
            code: (libc::BPF_RET | libc::BPF_K) as u16,
            jt: 0,
            jf: 0,
            k: 0,
        }];
        sock.attach_filter(&drop_all)
            .map_err(opt(kind, "SO_ATTACH_FILTER"))?;
        let multicast = matches!(key.mode, Mode::Multicast { .. });
        match key.family() {
            Family::Ipv4 => {
                sock.set_multicast_all_v4(false)
                    .map_err(opt(kind, "IP_MULTICAST_ALL"))?;
                sock.set_header_included_v4(true)
                    .map_err(opt(kind, "IP_HDRINCL"))?;
                sock.set_tos(TOS_INTERNETWORK_CONTROL)
                    .map_err(opt(kind, "IP_TOS"))?;
                if multicast {
                    // The outgoing interface of IPv4 multicast is the bound device
                    // (SO_BINDTODEVICE sets the route's output interface); the TTL is in
                    // the header we write, but set the option too for clarity in `ss`.
                    sock.set_multicast_ttl_v4(VRRP_HOPS)
                        .map_err(opt(kind, "IP_MULTICAST_TTL"))?;
                    sock.set_multicast_loop_v4(false)
                        .map_err(opt(kind, "IP_MULTICAST_LOOP"))?;
                }
            }
            Family::Ipv6 => {
                sock.set_multicast_all_v6(false)
                    .map_err(opt(kind, "IPV6_MULTICAST_ALL"))?;
                sock.set_tclass_v6(TOS_INTERNETWORK_CONTROL)
                    .map_err(opt(kind, "IPV6_TCLASS"))?;
                if multicast {
                    sock.set_multicast_hops_v6(VRRP_HOPS)
                        .map_err(opt(kind, "IPV6_MULTICAST_HOPS"))?;
                    sock.set_multicast_if_v6(key.ifindex)
                        .map_err(opt(kind, "IPV6_MULTICAST_IF"))?;
                    sock.set_multicast_loop_v6(false)
                        .map_err(opt(kind, "IPV6_MULTICAST_LOOP"))?;
                } else {
                    sock.set_unicast_hops_v6(VRRP_HOPS)
                        .map_err(opt(kind, "IPV6_UNICAST_HOPS"))?;
                }
            }
        }
        bind_device(&sock, link, kind)?;
        Ok(TxSocket { sock, key })
    }

    /// The key it was opened for.
    #[must_use]
    pub fn key(&self) -> &SockKey {
        &self.key
    }

    /// Sends one advert (`Action::SendAdvert`'s `bytes`) to `dst`. Multicast goes out with
    /// `MSG_DONTROUTE`, as keepalived sends it.
    pub fn send(&self, bytes: &[u8], dst: IpAddr, opts: &TxOpts) -> Result<(), NetError> {
        let err = |source: io::Error| NetError::SendAdvert { dst, source };
        let flags = if dst.is_multicast() {
            MsgFlags::from_bits_retain(libc::MSG_DONTROUTE)
        } else {
            MsgFlags::empty()
        };
        match (self.key.family(), dst) {
            (Family::Ipv4, IpAddr::V4(d)) => {
                let to = SockAddr::from(SocketAddrV4::new(d, 0));
                self.sock
                    .send_to_with_flags(bytes, &to, flags.bits())
                    .map(drop)
                    .map_err(err)
            }
            (Family::Ipv6, IpAddr::V6(d)) => {
                let to =
                    SockaddrIn6::from(SocketAddrV6::new(d, 0, 0, scope_of(d, self.key.ifindex)));
                let src = match opts.src {
                    Some(IpAddr::V6(s)) => s,
                    _ => Ipv6Addr::UNSPECIFIED,
                };
                let info = libc::in6_pktinfo {
                    ipi6_addr: libc::in6_addr {
                        s6_addr: src.octets(),
                    },
                    ipi6_ifindex: self.key.ifindex,
                };
                let hops = libc::c_int::from(opts.hop_limit.unwrap_or(0));
                let both = [
                    ControlMessage::Ipv6PacketInfo(&info),
                    ControlMessage::Ipv6HopLimit(&hops),
                ];
                let cmsgs = if opts.hop_limit.is_some() {
                    &both[..]
                } else {
                    &both[..1]
                };
                let iov = [IoSlice::new(bytes)];
                loop {
                    match nsock::sendmsg(self.sock.as_raw_fd(), &iov, cmsgs, flags, Some(&to)) {
                        Ok(_) => return Ok(()),
                        Err(Errno::EINTR) => continue,
                        Err(e) => return Err(err(e.into())),
                    }
                }
            }
            _ => Err(NetError::WrongFamily { dst }),
        }
    }
}

impl AsRawFd for TxSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalive_vrrp::rx::UnicastPeer;

    #[test]
    fn key_family_follows_the_address() {
        let k = SockKey::multicast(3, "224.0.0.18".parse().unwrap(), Proto::Vrrp);
        assert_eq!(k.family(), Family::Ipv4);
        let k = SockKey::unicast(3, "2001:db8::1".parse().unwrap(), Proto::Vrrp);
        assert_eq!(k.family(), Family::Ipv6);
    }

    #[test]
    fn keys_and_options_of_instances() {
        let mut c = InstanceConfig::new("VI_1", 51, "192.0.2.1".parse().unwrap());
        assert_eq!(
            SockKey::for_instance(&c, 4),
            SockKey::multicast(4, VRRP_MCAST_V4.into(), Proto::Vrrp)
        );
        assert_eq!(TxOpts::for_instance(&c), TxOpts::default());
        c.auth = Auth::Ah(Auth::pass_octets("x"));
        c.mcast_group = Some("239.192.0.18".parse().unwrap());
        assert_eq!(
            SockKey::for_instance(&c, 4),
            SockKey::multicast(4, "239.192.0.18".parse().unwrap(), Proto::Ah)
        );

        let a6: IpAddr = "fe80::1".parse().unwrap();
        let mut c = InstanceConfig::new("VI_6", 51, a6);
        assert_eq!(
            SockKey::for_instance(&c, 4),
            SockKey::multicast(4, VRRP_MCAST_V6.into(), Proto::Vrrp)
        );
        assert_eq!(
            TxOpts::for_instance(&c),
            TxOpts {
                src: Some(a6),
                hop_limit: None
            }
        );
        c.unicast_peers = vec![UnicastPeer::new("fe80::2".parse().unwrap())];
        c.unicast_ttl = 10;
        assert_eq!(
            SockKey::for_instance(&c, 4),
            SockKey::unicast(4, a6, Proto::Vrrp)
        );
        assert_eq!(TxOpts::for_instance(&c).hop_limit, Some(10));
    }

    #[test]
    fn scope_only_for_link_scoped_ipv6() {
        assert_eq!(scope_of("fe80::1".parse().unwrap(), 7), 7);
        assert_eq!(scope_of("ff02::12".parse().unwrap(), 7), 7);
        assert_eq!(scope_of("2001:db8::1".parse().unwrap(), 7), 0);
        assert_eq!(scope_of("ff05::12".parse().unwrap(), 7), 0);
    }
}
