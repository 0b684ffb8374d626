//! Why a socket operation failed: one variant per cause, each with the context the log
//! line needs.

use std::io;
use std::net::IpAddr;

/// A failure of the VRRP network layer.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// `socket()` failed (no `CAP_NET_RAW`, or the family is not supported).
    #[error("cannot open {kind} socket: {source}")]
    Open {
        /// Which socket: "VRRP IPv4 receive", "packet", …
        kind: &'static str,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// A `setsockopt` the socket cannot work without failed.
    #[error("cannot set {option} on {kind} socket: {source}")]
    SetOption {
        /// Which socket.
        kind: &'static str,
        /// The option, as named in the kernel headers.
        option: &'static str,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// `bind` to a multicast group or `unicast_src_ip` failed (the address is not local).
    #[error("cannot bind {kind} socket to {addr}: {source}")]
    Bind {
        /// Which socket.
        kind: &'static str,
        /// The address.
        addr: IpAddr,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// `bind` of a packet socket to an interface failed.
    #[error("cannot bind packet socket to interface {ifname}: {source}")]
    BindLink {
        /// The interface.
        ifname: String,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// `SO_BINDTODEVICE` failed (the interface went away).
    #[error("cannot bind {kind} socket to device {ifname}: {source}")]
    BindDevice {
        /// Which socket.
        kind: &'static str,
        /// The interface.
        ifname: String,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// Joining the VRRP multicast group (`IP_ADD_MEMBERSHIP`, `IPV6_ADD_MEMBERSHIP`) failed.
    #[error("cannot join {group} on {ifname}: {source}")]
    Join {
        /// The group.
        group: IpAddr,
        /// The interface.
        ifname: String,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// `sendmsg` of an advert failed.
    #[error("cannot send VRRP advert to {dst}: {source}")]
    SendAdvert {
        /// The destination.
        dst: IpAddr,
        /// The system error (`EAGAIN` when the send buffer is full).
        #[source]
        source: io::Error,
    },
    /// An advert's destination is not of the socket's family.
    #[error("advert destination {dst} does not match the socket's address family")]
    WrongFamily {
        /// The destination.
        dst: IpAddr,
    },
    /// `send` of a link-layer frame (GARP, NA) failed.
    #[error("cannot send {what} on {ifname}: {source}")]
    SendFrame {
        /// "gratuitous ARP" or "neighbour advertisement".
        what: &'static str,
        /// The interface.
        ifname: String,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// `recvmsg` failed with something other than `EAGAIN`.
    #[error("cannot receive on {kind} socket: {source}")]
    Recv {
        /// Which socket.
        kind: &'static str,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// A received datagram was larger than the buffer (keepalived logs and drops it too).
    #[error("received datagram of {len} bytes truncated to the {capacity}-byte buffer")]
    Truncated {
        /// The datagram's length.
        len: usize,
        /// The buffer's length.
        capacity: usize,
    },
    /// `getifaddrs` failed.
    #[error("cannot list interfaces: {source}")]
    Interfaces {
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// No interface has this name (in this network namespace).
    #[error("no interface named {name}")]
    NoSuchInterface {
        /// The name.
        name: String,
    },
    /// No interface has this index.
    #[error("no interface with index {ifindex}")]
    NoSuchIfindex {
        /// The index.
        ifindex: u32,
    },
    /// GARP/NA need an Ethernet address and the interface has none.
    #[error("interface {ifname} has no Ethernet address")]
    NoHwAddr {
        /// The interface.
        ifname: String,
    },
    /// Another instance on the same socket already has this VRID (keepalived refuses
    /// such a configuration).
    #[error("VRID {vrid} is already registered on this socket")]
    DuplicateVrid {
        /// The VRID.
        vrid: u8,
    },
}

impl NetError {
    /// Whether this is `EAGAIN`/`EWOULDBLOCK` on a send: the caller may retry on the next
    /// writable event, or drop the packet as keepalived does.
    #[must_use]
    pub fn is_would_block(&self) -> bool {
        match self {
            NetError::SendAdvert { source, .. } | NetError::SendFrame { source, .. } => {
                source.kind() == io::ErrorKind::WouldBlock
            }
            _ => false,
        }
    }

    /// Whether a send failed because the interface is down or gone (`ENETDOWN`,
    /// `ENETUNREACH`, `ENODEV`, `ENXIO`): the link trackers report that on their own.
    #[must_use]
    pub fn is_link_down(&self) -> bool {
        match self {
            NetError::SendAdvert { source, .. } | NetError::SendFrame { source, .. } => matches!(
                source.raw_os_error(),
                Some(libc::ENETDOWN | libc::ENETUNREACH | libc::ENODEV | libc::ENXIO)
            ),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn would_block_only_for_sends_that_hit_eagain() {
        let eagain = || io::Error::from(io::ErrorKind::WouldBlock);
        let dst: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(NetError::SendAdvert {
            dst,
            source: eagain()
        }
        .is_would_block());
        let frame = NetError::SendFrame {
            what: "gratuitous ARP",
            ifname: "eth0".into(),
            source: eagain(),
        };
        assert!(frame.is_would_block());
        let other = NetError::SendAdvert {
            dst,
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert!(!other.is_would_block());
        assert!(!NetError::Recv {
            kind: "x",
            source: eagain()
        }
        .is_would_block());
        assert_eq!(
            NetError::Truncated {
                len: 2000,
                capacity: 1500
            }
            .to_string(),
            "received datagram of 2000 bytes truncated to the 1500-byte buffer"
        );
    }
}
