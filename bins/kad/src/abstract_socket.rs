//! The abstract Unix datagram sockets kad's processes talk over (BFD events, `bfd_takeover`
//! requests, metrics scrapes). Abstract names need no file that could be planted or left
//! behind, and the children are re-executed binaries, so pipes inherited at fork are not
//! available to them.

use std::os::fd::{AsRawFd, OwnedFd};

use nix::sys::socket::{bind, socket, AddressFamily, SockFlag, SockType, UnixAddr};

/// The abstract address `name` (no leading NUL: nix adds it).
pub fn address(name: &str) -> nix::Result<UnixAddr> {
    UnixAddr::new_abstract(name.as_bytes())
}

/// A non-blocking, close-on-exec datagram socket bound to the abstract address `name`.
pub fn bind_datagram(name: &str) -> nix::Result<OwnedFd> {
    let fd = socket(
        AddressFamily::Unix,
        SockType::Datagram,
        SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    bind(fd.as_raw_fd(), &address(name)?)?;
    Ok(fd)
}
