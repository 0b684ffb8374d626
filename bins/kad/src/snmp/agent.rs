//! An AgentX session's socket, driven by a child's mio loop: connecting, reading and
//! writing never block (a master agent that stalls costs buffered bytes, never an advert),
//! and a master that goes away is reconnected to by the session's retry timer.
//!
//! Addresses as net-snmp writes them (`snmp_socket`, `-A`): `unix:/path` or `/path`, and
//! `tcp:HOST:PORT`.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Instant;

use mio::net::{TcpStream, UnixStream};
use mio::{Interest, Registry, Token};

use super::agentx::session::{Config, Event, Reason};
use super::agentx::{Mib, Oid, Session, VarBind};

/// Bytes queued for a master agent that does not read are capped; past this the session
/// is dropped and reopened (notifications in between are lost, as keepalived's would be).
const MAX_QUEUED: usize = 1 << 20;

enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Stream {
    fn connect(addr: &str) -> std::io::Result<Stream> {
        if let Some(rest) = addr.strip_prefix("tcp:") {
            let sa: SocketAddr = rest
                .to_socket_addrs()?
                .next()
                .ok_or_else(|| std::io::Error::new(ErrorKind::NotFound, "no address"))?;
            return Ok(Stream::Tcp(TcpStream::connect(sa)?));
        }
        let path = addr.strip_prefix("unix:").unwrap_or(addr);
        Ok(Stream::Unix(UnixStream::connect(path)?))
    }

    fn source(&mut self) -> &mut dyn mio::event::Source {
        match self {
            Stream::Unix(s) => s,
            Stream::Tcp(s) => s,
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }

    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }

    /// Whether a non-blocking connect has finished (and how).
    fn connect_result(&mut self) -> std::io::Result<bool> {
        let (err, peer) = match self {
            Stream::Unix(s) => (s.take_error()?, s.peer_addr().map(|_| ())),
            Stream::Tcp(s) => (s.take_error()?, s.peer_addr().map(|_| ())),
        };
        if let Some(e) = err {
            return Err(e);
        }
        match peer {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotConnected => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// A subagent: the session and its socket.
pub struct Agent {
    session: Session,
    address: String,
    token: Token,
    stream: Option<Stream>,
    connected: bool,
    out: Vec<u8>,
    /// What the process's log says about the session, once per change.
    last_logged: Option<String>,
    /// Committed Sets not yet taken by the process ([`Agent::take_sets`]).
    sets: Vec<VarBind>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("address", &self.address)
            .field("connected", &self.connected)
            .field("session", &self.session)
            .finish()
    }
}

impl Agent {
    /// A subagent for `config` that connects to `address` when first driven; `token` is
    /// the loop's token for its socket.
    pub fn new(config: Config, address: &str, token: Token, now: Instant) -> Agent {
        log_info!("Starting SNMP subagent");
        Agent {
            session: Session::new(config, now),
            address: address.to_owned(),
            token,
            stream: None,
            connected: false,
            out: Vec::new(),
            last_logged: None,
            sets: Vec::new(),
        }
    }

    /// When [`Agent::handle_timeout`] is due.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.session.poll_timeout()
    }

    /// Whether the session is open and registered.
    pub fn is_up(&self) -> bool {
        self.session.is_up()
    }

    /// Timers: reconnect, or give up on an unanswered request.
    pub fn handle_timeout(&mut self, registry: &Registry, now: Instant) {
        if self.session.poll_timeout().is_some_and(|t| t <= now) {
            self.session.handle_timeout(now);
            self.drive(registry, now);
        }
    }

    /// The socket is ready; `mib` builds the objects if a query needs them.
    pub fn ready(&mut self, registry: &Registry, now: Instant, mib: &impl Mib) {
        if !self.connected {
            let Some(s) = &mut self.stream else { return };
            match s.connect_result() {
                Ok(true) => {
                    self.connected = true;
                    self.session.connected(now);
                }
                Ok(false) => return,
                Err(e) => {
                    self.log_once(format!("SNMP: cannot connect to {}: {e}", self.address));
                    self.drop_stream(registry);
                    self.session.disconnected(now);
                    return;
                }
            }
        }
        let mut buf = [0u8; 4096];
        while let Some(s) = &mut self.stream {
            match s.read(&mut buf) {
                Ok(0) => {
                    self.log_once(format!("SNMP: master agent {} closed", self.address));
                    self.drop_stream(registry);
                    self.session.disconnected(now);
                    break;
                }
                Ok(n) => self.session.handle_bytes(now, &buf[..n], mib),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    self.log_once(format!("SNMP: {}: {e}", self.address));
                    self.drop_stream(registry);
                    self.session.disconnected(now);
                    break;
                }
            }
        }
        self.drive(registry, now);
    }

    /// The writes the master committed since the last call, for the process to apply.
    pub fn take_sets(&mut self) -> Vec<VarBind> {
        std::mem::take(&mut self.sets)
    }

    /// Sends a notification (dropped while the session is down).
    pub fn notify(&mut self, registry: &Registry, now: Instant, trap: Oid, objects: Vec<VarBind>) {
        self.session.notify(now, trap, objects);
        self.drive(registry, now);
    }

    /// Closes the session as the process stops.
    pub fn close(&mut self, registry: &Registry, now: Instant) {
        self.session.close(now);
        self.flush_queued();
        self.flush(registry, now);
        self.drop_stream(registry);
    }

    fn log_once(&mut self, line: String) {
        if self.last_logged.as_ref() != Some(&line) {
            log_warn!("{line}");
            self.last_logged = Some(line);
        }
    }

    fn drop_stream(&mut self, registry: &Registry) {
        if let Some(mut s) = self.stream.take() {
            let _ = registry.deregister(s.source());
        }
        self.connected = false;
        self.out.clear();
    }

    fn flush_queued(&mut self) {
        while let Some(pdu) = self.session.poll_transmit() {
            self.out.extend_from_slice(&pdu);
        }
    }

    /// Carries out what the session asked for, then writes what it queued.
    fn drive(&mut self, registry: &Registry, now: Instant) {
        self.flush_queued();
        while let Some(ev) = self.session.poll_event() {
            match ev {
                Event::Connect => self.connect(registry, now),
                Event::Disconnect(reason) => {
                    self.flush(registry, now);
                    self.drop_stream(registry);
                    let why = match reason {
                        Reason::Closed(r) => format!("closed by the master agent ({r:?})"),
                        Reason::OpenFailed(e) => format!("open refused (error {e})"),
                        Reason::Timeout => "no response from the master agent".to_owned(),
                        Reason::Decode(e) => format!("bad PDU from the master agent: {e}"),
                    };
                    self.log_once(format!("SNMP: session {why}"));
                }
                Event::Up => {
                    let line = format!("SNMP: registered with the master agent {}", self.address);
                    log_info!("{line}");
                    self.last_logged = Some(line);
                }
                Event::Set(vbs) => self.sets.extend(vbs),
                Event::RegisterFailed { oid, error } => {
                    log_warn!("SNMP: cannot register {oid} (error {error})");
                }
            }
            self.flush_queued();
        }
        self.flush(registry, now);
    }

    fn connect(&mut self, registry: &Registry, now: Instant) {
        self.drop_stream(registry);
        match Stream::connect(&self.address) {
            Ok(mut s) => {
                let interest = Interest::READABLE | Interest::WRITABLE;
                if let Err(e) = registry.register(s.source(), self.token, interest) {
                    log_err!("SNMP: {e}");
                    self.session.disconnected(now);
                    return;
                }
                self.stream = Some(s);
                // A Unix socket connects at once; a TCP one reports through WRITABLE.
                if let Some(Ok(true)) = self.stream.as_mut().map(Stream::connect_result) {
                    self.connected = true;
                    self.session.connected(now);
                    self.flush_queued();
                }
            }
            Err(e) => {
                self.log_once(format!("SNMP: cannot connect to {}: {e}", self.address));
                self.session.disconnected(now);
            }
        }
    }

    fn flush(&mut self, registry: &Registry, now: Instant) {
        if !self.connected {
            return;
        }
        while !self.out.is_empty() {
            let Some(s) = &mut self.stream else { return };
            match s.write(&self.out) {
                Ok(n) => {
                    self.out.drain(..n);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    self.log_once(format!("SNMP: {}: {e}", self.address));
                    self.drop_stream(registry);
                    self.session.disconnected(now);
                    return;
                }
            }
        }
        if self.out.len() > MAX_QUEUED {
            self.log_once(format!("SNMP: master agent {} does not read", self.address));
            self.drop_stream(registry);
            self.session.disconnected(now);
        }
    }
}
