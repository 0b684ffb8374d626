//! The TCP connection, set up as keepalived's `socket_bind_connect()` (core/layer4.c) does, so
//! the same failures produce the same messages.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use socket2::{Domain, SockAddr, Socket, Type};

use crate::session::Failure;

/// keepalived lets a closed checker socket linger this long to send what it still holds.
const LINGER: Duration = Duration::from_secs(5);

/// Connects to `addr` within `timeout`, marking the socket with `fwmark` if non-zero.
///
/// keepalived connects without blocking and sorts the outcome: an immediate unreachable or
/// refused is "HTTP_CHECK - network unreachable", a connect that later fails is "Connection
/// failed", one that does not finish in time is "Timeout connecting". A socket that cannot
/// be set up (e.g. `SO_MARK` without CAP_NET_ADMIN) is reported as "Error connecting", where
/// keepalived 2.2.7 would retry forever.
pub fn connect(addr: SocketAddr, fwmark: u32, timeout: Duration) -> Result<TcpStream, Failure> {
    let deadline = Instant::now() + timeout;
    let setup = |source| Failure::ConnectError { source };
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None).map_err(setup)?;
    socket.set_linger(Some(LINGER)).map_err(setup)?;
    if fwmark != 0 {
        socket.set_mark(fwmark).map_err(setup)?;
    }
    socket.set_nonblocking(true).map_err(setup)?;
    match socket.connect(&SockAddr::from(addr)) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(Errno::EINPROGRESS as i32) => {
            wait_writable(&socket, deadline)?;
            match socket.take_error() {
                Ok(None) => {}
                Ok(Some(e)) if e.kind() == io::ErrorKind::TimedOut => {
                    return Err(Failure::ConnectTimeout)
                }
                Ok(Some(source)) => return Err(Failure::ConnectFailed { source }),
                Err(source) => return Err(Failure::ConnectError { source }),
            }
        }
        Err(source) if is_connect_failure(&source) => {
            return Err(Failure::NetworkUnreachable { source })
        }
        Err(source) => return Err(Failure::ConnectError { source }),
    }
    socket.set_nonblocking(false).map_err(setup)?;
    Ok(socket.into())
}

/// The errno values keepalived counts as "could not reach the server" rather than "could not
/// run the check".
fn is_connect_failure(e: &io::Error) -> bool {
    let Some(code) = e.raw_os_error() else {
        return false;
    };
    [
        Errno::ENETUNREACH,
        Errno::EHOSTUNREACH,
        Errno::ECONNREFUSED,
        Errno::EHOSTDOWN,
        Errno::ENETDOWN,
        Errno::ECONNRESET,
        Errno::ECONNABORTED,
        Errno::ETIMEDOUT,
    ]
    .iter()
    .any(|&errno| errno as i32 == code)
}

/// Waits until the connecting socket is writable, or the deadline passes.
fn wait_writable(socket: &Socket, deadline: Instant) -> Result<(), Failure> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = i32::try_from(left.as_micros().div_ceil(1000)).unwrap_or(i32::MAX);
        let timeout = PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(socket.as_fd(), PollFlags::POLLOUT)];
        match poll(&mut fds, timeout) {
            Ok(0) => return Err(Failure::ConnectTimeout),
            Ok(_) => return Ok(()),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(Failure::ConnectError { source: e.into() }),
        }
    }
}

/// Time left before `deadline`, or `None` once it has passed; std's socket timeouts reject
/// zero, so a spent budget must be handled by the caller.
pub fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

/// Whether an I/O error is a socket timeout (`SO_RCVTIMEO`/`SO_SNDTIMEO` expired).
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
