//! Interfaces as the socket layer needs them (index, name, Ethernet address), and the
//! packet socket that sends gratuitous ARP and unsolicited NA frames.
//!
//! Lookups go through `getifaddrs`, which asks the kernel over netlink from the calling
//! thread, so they see the caller's network namespace (unlike `/sys/class/net`, which shows
//! the namespace `/sys` was mounted in).

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

use nix::sys::socket::{self, AddressFamily, LinkAddr, MsgFlags, SockFlag, SockType};

use super::error::NetError;

/// An interface of the current network namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Its name (`SO_BINDTODEVICE` takes the name).
    pub name: String,
    /// Its index.
    pub ifindex: u32,
    /// Its Ethernet address; `None` for interfaces without one (`lo`, tunnels).
    pub hw_addr: Option<[u8; 6]>,
    /// The `AF_PACKET` address `getifaddrs` reported, used to bind packet sockets.
    ll: LinkAddr,
}

impl Link {
    /// The interface called `name`.
    pub fn by_name(name: &str) -> Result<Link, NetError> {
        find(|l| l.name == name).and_then(|found| {
            found.ok_or_else(|| NetError::NoSuchInterface {
                name: name.to_owned(),
            })
        })
    }

    /// The interface with index `ifindex`.
    pub fn by_index(ifindex: u32) -> Result<Link, NetError> {
        find(|l| l.ifindex == ifindex)
            .and_then(|found| found.ok_or(NetError::NoSuchIfindex { ifindex }))
    }

    /// The `AF_PACKET` address of the interface (index, protocol 0), to `bind` a packet
    /// socket to it.
    #[must_use]
    pub fn link_addr(&self) -> &LinkAddr {
        &self.ll
    }

    /// Whether IPv6 forwarding is on for this interface: keepalived then sets the router
    /// flag in its neighbour advertisements (RFC 4861 §4.4). Unreadable counts as off.
    #[must_use]
    pub fn ipv6_forwarding(&self) -> bool {
        // /proc/sys/net follows the network namespace of the thread that opens it.
        std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{}/forwarding", self.name))
            .map(|s| s.trim() != "0")
            .unwrap_or(false)
    }
}

fn find(pred: impl Fn(&Link) -> bool) -> Result<Option<Link>, NetError> {
    let addrs = nix::ifaddrs::getifaddrs().map_err(|e| NetError::Interfaces {
        source: io::Error::from(e),
    })?;
    for ifa in addrs {
        let Some(ll) = ifa.address.as_ref().and_then(|a| a.as_link_addr()).copied() else {
            continue;
        };
        let link = Link {
            ifindex: u32::try_from(ll.ifindex()).unwrap_or(0),
            hw_addr: ll.addr().filter(|_| ll.halen() == 6),
            name: ifa.interface_name,
            ll,
        };
        if pred(&link) {
            return Ok(Some(link));
        }
    }
    Ok(None)
}

/// Sends complete Ethernet frames (gratuitous ARP, unsolicited NA) through one
/// `AF_PACKET`/`SOCK_RAW` socket per interface, as keepalived's `garp_fd`/`ndisc_fd`.
///
/// The sockets are opened with protocol 0 and bound with protocol 0, so the kernel never
/// queues received frames on them (no receive hook is registered; keepalived instead
/// attaches a drop-all filter); the kernel takes the frame's protocol from its Ethernet
/// type. Building the frame here rather than sending an ICMPv6 datagram lets the source
/// MAC be a VMAC and the source address a VIP the kernel may still consider tentative.
#[derive(Debug, Default)]
pub struct LinkSender {
    sockets: HashMap<u32, OwnedFd>,
}

impl LinkSender {
    /// A sender with no socket open yet; each interface's socket opens on first use.
    #[must_use]
    pub fn new() -> LinkSender {
        LinkSender::default()
    }

    /// Sends one frame (Ethernet header included) out of `link`. `what` names it in errors.
    pub fn send_frame(
        &mut self,
        link: &Link,
        frame: &[u8],
        what: &'static str,
    ) -> Result<(), NetError> {
        let fd = self.socket(link)?;
        socket::send(fd.as_raw_fd(), frame, MsgFlags::empty())
            .map(drop)
            .map_err(|e| NetError::SendFrame {
                what,
                ifname: link.name.clone(),
                source: e.into(),
            })
    }

    /// Opens the socket for `link` now instead of on the first send. Sockets belong to the
    /// network namespace of the thread that creates them, so a caller that switches
    /// namespaces opens them while in the right one.
    pub fn open(&mut self, link: &Link) -> Result<(), NetError> {
        self.socket(link).map(drop)
    }

    /// Closes the socket of an interface that went away (or all of them on reload).
    pub fn forget(&mut self, ifindex: u32) {
        self.sockets.remove(&ifindex);
    }

    fn socket(&mut self, link: &Link) -> Result<&OwnedFd, NetError> {
        match self.sockets.entry(link.ifindex) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(v) => {
                let fd = socket::socket(
                    AddressFamily::Packet,
                    SockType::Raw,
                    SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
                    None,
                )
                .map_err(|e| NetError::Open {
                    kind: "packet",
                    source: e.into(),
                })?;
                // The address from getifaddrs has the index and protocol 0, which keeps
                // the socket's protocol (0: receive nothing).
                socket::bind(fd.as_raw_fd(), &link.ll).map_err(|e| NetError::BindLink {
                    ifname: link.name.clone(),
                    source: e.into(),
                })?;
                Ok(v.insert(fd))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_found_by_name_and_index() {
        let lo = Link::by_name("lo").expect("lo exists");
        assert!(lo.ifindex > 0);
        let again = Link::by_index(lo.ifindex).expect("by index");
        assert_eq!(again.name, "lo");
    }

    #[test]
    fn unknown_interface_is_a_distinct_error() {
        let err = Link::by_name("kad-no-such0").unwrap_err();
        assert!(matches!(err, NetError::NoSuchInterface { .. }), "{err}");
        let err = Link::by_index(u32::MAX).unwrap_err();
        assert!(matches!(err, NetError::NoSuchIfindex { .. }), "{err}");
    }
}
