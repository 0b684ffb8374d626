//! One fetch, from connect to digest, in keepalived's order and with its messages.
//!
//! keepalived runs genhash as a checker on its event loop; the steps and their time limits
//! (`connection_to`, the `-t` value) are:
//!
//! 1. connect within the limit;
//! 2. with `-S`, the TLS handshake within what is left of the connect limit;
//! 3. write the request within the limit;
//! 4. wait up to the limit for the first response byte;
//! 5. read: for plain HTTP each read may take up to the limit; for TLS all reads together
//!    share one limit counted from step 4.
//!
//! Each failure prints one fixed line on stdout ([`Failure`]'s text) and genhash still exits
//! 0, as keepalived's does; only a bad command line exits 1.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use rustls::{ClientConnection, StreamOwned};
use thiserror::Error;

use crate::cli::Options;
use crate::digest::to_hex;
use crate::net::{self, is_timeout, remaining};
use crate::request::build_request;
use crate::response::{dump_digest, ResponseDigest};
use crate::tls;

/// Why a fetch stopped before a digest; `Display` is keepalived's exact line.
#[derive(Debug, Error)]
pub enum Failure {
    /// connect() failed at once (unreachable, refused …).
    #[error("HTTP_CHECK - network unreachable")]
    NetworkUnreachable {
        /// The connect error.
        source: io::Error,
    },
    /// The socket could not be created or set up, or connect() failed oddly.
    #[error("Error connecting")]
    ConnectError {
        /// The system error.
        source: io::Error,
    },
    /// The connection (or the TLS handshake) did not complete in time.
    #[error("Timeout connecting")]
    ConnectTimeout,
    /// The connection attempt failed after starting (refused, reset …).
    #[error("Connection failed")]
    ConnectFailed {
        /// The socket error.
        source: io::Error,
    },
    /// The TLS handshake failed.
    #[error("SSL handshake/communication error connecting to")]
    TlsHandshake {
        /// What rustls or the socket reported.
        source: io::Error,
    },
    /// The request could not be written in time.
    #[error("Timeout WEB write")]
    WriteTimeout,
    /// Writing the request failed.
    #[error("Cannot send get request to")]
    SendFailed {
        /// The write error.
        source: io::Error,
    },
    /// No response byte arrived in time.
    #[error("Timeout WEB read")]
    FirstReadTimeout,
    /// A plain HTTP read took longer than the limit.
    #[error("Timeout HTTP read")]
    HttpReadTimeout,
    /// The TLS reads took longer than the limit.
    #[error("Timeout SSL read")]
    SslReadTimeout,
    /// A plain HTTP read failed.
    #[error("Read error with")]
    ReadError {
        /// The read error.
        source: io::Error,
    },
    /// The TLS peer closed cleanly before sending a whole header.
    #[error("SSL read error from")]
    SslClosedEarly,
}

/// How a fetch ended.
#[derive(Debug)]
pub enum Outcome {
    /// The digest of the body.
    Digest(Vec<u8>),
    /// The stream ended before a complete header ("no data received from remote webserver").
    NoData,
    /// A step failed.
    Failed(Failure),
}

/// Where a fetch writes: `out` is stdout, `err` stderr.
pub struct Output<'a> {
    /// Digest, failure lines and, with `-v`, the dumps.
    pub out: &'a mut dyn Write,
    /// The "no data" complaint.
    pub err: &'a mut dyn Write,
}

impl std::fmt::Debug for Output<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Output")
    }
}

/// Runs one fetch and prints what keepalived's genhash prints.
pub fn run(opts: &Options, io: Output<'_>) -> io::Result<Outcome> {
    let started = Instant::now();
    let outcome = match fetch(opts, &mut *io.out) {
        Ok(outcome) => outcome,
        Err(FetchError::Io(e)) => return Err(e),
        Err(FetchError::Failed(f)) => Outcome::Failed(f),
    };
    match &outcome {
        Outcome::Digest(d) => writeln!(io.out, "{}", to_hex(d))?,
        Outcome::NoData => writeln!(io.err, "no data received from remote webserver")?,
        Outcome::Failed(f) => writeln!(io.out, "{f}")?,
    }
    if opts.verbose {
        write!(
            io.out,
            "\nGlobal response time for [{}] = {} usecs\n",
            opts.url,
            started.elapsed().as_micros()
        )?;
    }
    Ok(outcome)
}

/// A failure to report, or an error writing our own output.
enum FetchError {
    Failed(Failure),
    Io(io::Error),
}

impl From<Failure> for FetchError {
    fn from(f: Failure) -> Self {
        Self::Failed(f)
    }
}

fn fetch(opts: &Options, out: &mut dyn Write) -> Result<Outcome, FetchError> {
    let connect_deadline = Instant::now() + opts.timeout;
    let sock = net::connect(opts.server, opts.fwmark, opts.timeout)?;
    let request = build_request(opts);
    if opts.use_ssl {
        let mut tls = handshake(opts, sock, connect_deadline)?;
        send(opts.timeout, |limit| {
            tls.sock.set_write_timeout(Some(limit))?;
            tls.write_all(&request)?;
            tls.flush()
        })?;
        wait_first_byte(&tls.sock, opts.timeout)?;
        read_tls(opts, &mut tls, out)
    } else {
        let mut sock = sock;
        send(opts.timeout, |limit| {
            sock.set_write_timeout(Some(limit))?;
            sock.write_all(&request)
        })?;
        wait_first_byte(&sock, opts.timeout)?;
        read_plain(opts, &mut sock, out)
    }
}

fn handshake(
    opts: &Options,
    sock: TcpStream,
    deadline: Instant,
) -> Result<StreamOwned<ClientConnection, TcpStream>, Failure> {
    let tls_err = |source| Failure::TlsHandshake { source };
    let (config, name) = tls::client_setup(opts).map_err(|e| tls_err(io::Error::other(e)))?;
    let conn = ClientConnection::new(config, name).map_err(|e| tls_err(io::Error::other(e)))?;
    let mut tls = StreamOwned::new(conn, sock);
    while tls.conn.is_handshaking() {
        // With `-t 0`, keepalived's scheduler still runs a handshake step whose socket is
        // ready when it looks, so the handshake usually completes; a short grace does that.
        let left = match remaining(deadline) {
            Some(left) => left,
            None if opts.timeout.is_zero() => ZERO_TIMEOUT_GRACE,
            None => return Err(Failure::ConnectTimeout),
        };
        set_timeouts(&tls.sock, left).map_err(tls_err)?;
        match tls.conn.complete_io(&mut tls.sock) {
            Ok(_) => {}
            Err(e) if is_timeout(&e) => return Err(Failure::ConnectTimeout),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(tls_err(e)),
        }
    }
    Ok(tls)
}

/// How long a handshake step may take under `-t 0`; see [`handshake`].
const ZERO_TIMEOUT_GRACE: Duration = Duration::from_millis(100);

fn set_timeouts(sock: &TcpStream, limit: Duration) -> io::Result<()> {
    sock.set_read_timeout(Some(limit))?;
    sock.set_write_timeout(Some(limit))
}

/// Step 3: write the request within `limit`.
fn send(limit: Duration, write: impl FnOnce(Duration) -> io::Result<()>) -> Result<(), Failure> {
    if limit.is_zero() {
        return Err(Failure::WriteTimeout);
    }
    match write(limit) {
        Ok(()) => Ok(()),
        Err(e) if is_timeout(&e) => Err(Failure::WriteTimeout),
        Err(source) => Err(Failure::SendFailed { source }),
    }
}

/// Step 4: wait for the socket to become readable, consuming nothing. End of stream and
/// socket errors count as readable; the read that follows reports them.
fn wait_first_byte(sock: &TcpStream, limit: Duration) -> Result<(), Failure> {
    if limit.is_zero() {
        return Err(Failure::FirstReadTimeout);
    }
    sock.set_read_timeout(Some(limit))
        .map_err(|source| Failure::ReadError { source })?;
    let mut probe = [0u8; 1];
    loop {
        match sock.peek(&mut probe) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) => return Err(Failure::FirstReadTimeout),
            _ => return Ok(()),
        }
    }
}

fn verbose_sink<'a>(opts: &Options, out: &'a mut dyn Write) -> Option<&'a mut dyn Write> {
    opts.verbose.then_some(out)
}

/// Step 5 for plain HTTP (`http_read_thread()`): read to end of stream, each read within the
/// limit.
fn read_plain(
    opts: &Options,
    sock: &mut TcpStream,
    out: &mut dyn Write,
) -> Result<Outcome, FetchError> {
    let mut response = ResponseDigest::new(opts.hash);
    loop {
        match sock.read(response.read_space()) {
            Ok(0) => {
                let header_done = response.header_done();
                let digest = response.finish();
                if opts.verbose {
                    dump_digest(out, &digest).map_err(FetchError::Io)?;
                }
                return Ok(if header_done {
                    Outcome::Digest(digest)
                } else {
                    Outcome::NoData
                });
            }
            Ok(n) => response
                .received(n, verbose_sink(opts, out))
                .map_err(FetchError::Io)?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => return Err(Failure::HttpReadTimeout.into()),
            Err(source) => return Err(Failure::ReadError { source }.into()),
        }
    }
}

/// Step 5 over TLS (`ssl_read_thread()`): all reads share one limit. A clean close
/// (close_notify) before a whole header is "SSL read error from"; any other end of the
/// stream (a TCP close without close_notify, a TLS error) gives the digest if the header was
/// complete and "no data" otherwise, and only a clean close gets the verbose digest dump.
fn read_tls(
    opts: &Options,
    tls: &mut StreamOwned<ClientConnection, TcpStream>,
    out: &mut dyn Write,
) -> Result<Outcome, FetchError> {
    let deadline = Instant::now() + opts.timeout;
    let mut response = ResponseDigest::new(opts.hash);
    loop {
        let left = remaining(deadline).ok_or(Failure::SslReadTimeout)?;
        tls.sock
            .set_read_timeout(Some(left))
            .map_err(|source| Failure::ReadError { source })?;
        let result = if response.read_space().is_empty() {
            // keepalived's SSL_read() of 0 bytes once a header fills the buffer.
            Err(io::Error::from(io::ErrorKind::OutOfMemory))
        } else {
            tls.read(response.read_space())
        };
        match result {
            Ok(0) => {
                let header_done = response.header_done();
                let digest = response.finish();
                if opts.verbose {
                    dump_digest(out, &digest).map_err(FetchError::Io)?;
                }
                return Ok(if header_done {
                    Outcome::Digest(digest)
                } else {
                    Outcome::Failed(Failure::SslClosedEarly)
                });
            }
            Ok(n) => response
                .received(n, verbose_sink(opts, out))
                .map_err(FetchError::Io)?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => return Err(Failure::SslReadTimeout.into()),
            Err(_) => {
                let header_done = response.header_done();
                let digest = response.finish();
                return Ok(if header_done {
                    Outcome::Digest(digest)
                } else {
                    Outcome::NoData
                });
            }
        }
    }
}
