//! The `/metrics` endpoint: a small HTTP/1.x server on its own thread of the parent, so a
//! scrape never runs inside the parent's loop, let alone a child's.
//!
//! What a client can make it spend is bounded whatever it sends:
//! - at most [`Limits::max_connections`] connections; more are closed as they are accepted
//!   (10,000 connections cost 10,000 accepts, not 10,000 buffers);
//! - a request header of at most [`Limits::max_request`] bytes, answered 431 beyond that;
//! - a request must be complete within [`Limits::request_timeout`] of the accept, however
//!   slowly it trickles in (slowloris), and the response written within
//!   [`Limits::write_timeout`];
//! - requests waiting at the same moment share one gather and one body.
//!
//! `GET /metrics` (and `HEAD`) is answered; any other path is 404, any other method 405.
//! Every response closes the connection.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

use super::text::Format;

/// What one client may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once.
    pub max_connections: usize,
    /// Bytes of one request header.
    pub max_request: usize,
    /// From accept to a complete request.
    pub request_timeout: Duration,
    /// From a complete request to the last byte of the response.
    pub write_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 64,
            max_request: 8192,
            request_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// The server's own counters, which a scrape shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// Connections accepted and served.
    pub accepted: u64,
    /// Connections closed at accept: [`Limits::max_connections`] were open.
    pub refused: u64,
    /// Connections closed at [`Limits::request_timeout`] or [`Limits::write_timeout`].
    pub timed_out: u64,
    /// Requests over [`Limits::max_request`].
    pub oversized: u64,
    /// Requests that were not HTTP.
    pub malformed: u64,
    /// 404 and 405 answers.
    pub not_found: u64,
    /// Bodies gathered (one per group of requests waiting together).
    pub gathers: u64,
}

/// Makes a body: the metrics in `format`.
pub trait Scrape: Send {
    /// The whole exposition, `stats` included.
    fn scrape(&mut self, format: Format, stats: &ServerStats) -> Vec<u8>;
}

const LISTENER: Token = Token(0);

#[derive(Debug)]
enum Phase {
    Reading(Vec<u8>),
    Waiting {
        format: Format,
        head_only: bool,
    },
    Writing {
        head: Vec<u8>,
        body: Arc<Vec<u8>>,
        pos: usize,
    },
}

#[derive(Debug)]
struct Conn {
    stream: TcpStream,
    phase: Phase,
    deadline: Instant,
}

/// The server; [`Server::run`] never returns.
#[derive(Debug)]
pub struct Server<S> {
    poll: Poll,
    listener: TcpListener,
    conns: HashMap<Token, Conn>,
    next: usize,
    limits: Limits,
    scrape: S,
    /// Counters.
    pub stats: ServerStats,
}

impl<S: Scrape> Server<S> {
    /// Listens on `addr`.
    pub fn bind(addr: SocketAddr, limits: Limits, scrape: S) -> io::Result<Server<S>> {
        let poll = Poll::new()?;
        let mut listener = TcpListener::bind(addr)?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        Ok(Server {
            poll,
            listener,
            conns: HashMap::new(),
            next: 1,
            limits,
            scrape,
            stats: ServerStats::default(),
        })
    }

    /// The address it listens on (to learn a port chosen by the kernel).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves forever.
    pub fn run(mut self) {
        let mut events = Events::with_capacity(256);
        loop {
            self.turn(&mut events);
        }
    }

    /// One wait for events and what follows it.
    fn turn(&mut self, events: &mut Events) {
        let now = Instant::now();
        let timeout = self
            .conns
            .values()
            .map(|c| c.deadline)
            .min()
            .map(|d| d.saturating_duration_since(now) + Duration::from_millis(1));
        if let Err(e) = self.poll.poll(events, timeout) {
            if e.kind() != io::ErrorKind::Interrupted {
                std::thread::sleep(Duration::from_millis(10));
            }
            return;
        }
        for ev in events.iter() {
            match ev.token() {
                LISTENER => self.accept(),
                t => self.ready(t),
            }
        }
        self.expire(Instant::now());
        self.answer_waiting();
    }

    fn accept(&mut self) {
        loop {
            let (mut stream, _) = match self.listener.accept() {
                Ok(s) => s,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // EMFILE and the like: try again at the next readiness.
                Err(_) => return,
            };
            if self.conns.len() >= self.limits.max_connections {
                self.stats.refused += 1;
                let _ = stream.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                continue;
            }
            let token = Token(self.next);
            self.next = self.next.wrapping_add(1).max(1);
            if self
                .poll
                .registry()
                .register(&mut stream, token, Interest::READABLE)
                .is_err()
            {
                continue;
            }
            self.stats.accepted += 1;
            self.conns.insert(
                token,
                Conn {
                    stream,
                    phase: Phase::Reading(Vec::new()),
                    deadline: Instant::now() + self.limits.request_timeout,
                },
            );
        }
    }

    fn ready(&mut self, token: Token) {
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        let keep = match conn.phase {
            Phase::Reading(_) => self.read(token),
            Phase::Writing { .. } => write(conn),
            Phase::Waiting { .. } => true,
        };
        if !keep {
            self.close(token);
        }
    }

    /// Reads what has arrived; false to close the connection.
    fn read(&mut self, token: Token) -> bool {
        let max = self.limits.max_request;
        let Some(conn) = self.conns.get_mut(&token) else {
            return false;
        };
        let Phase::Reading(buf) = &mut conn.phase else {
            return true;
        };
        let mut chunk = [0u8; 2048];
        loop {
            match conn.stream.read(&mut chunk) {
                Ok(0) => return false,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.len() > max {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        let parsed = req.parse(buf);
        let answer = match parsed {
            Ok(httparse::Status::Complete(_)) => route(&req),
            Ok(httparse::Status::Partial) if buf.len() <= max => return true,
            Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
                self.stats.oversized += 1;
                Route::Status(431, "Request Header Fields Too Large")
            }
            Err(_) => {
                self.stats.malformed += 1;
                Route::Status(400, "Bad Request")
            }
        };
        match answer {
            Route::Metrics { format, head_only } => {
                conn.phase = Phase::Waiting { format, head_only };
                conn.deadline = Instant::now() + self.limits.write_timeout;
                true
            }
            Route::Status(code, reason) => {
                if code == 404 || code == 405 {
                    self.stats.not_found += 1;
                }
                let head = format!(
                    "HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reason}\n",
                    reason.len() + 1
                );
                self.respond(token, head.into_bytes(), Arc::new(Vec::new()))
            }
        }
    }

    fn respond(&mut self, token: Token, head: Vec<u8>, body: Arc<Vec<u8>>) -> bool {
        let write_timeout = self.limits.write_timeout;
        let Some(conn) = self.conns.get_mut(&token) else {
            return false;
        };
        conn.phase = Phase::Writing { head, body, pos: 0 };
        conn.deadline = Instant::now() + write_timeout;
        let _ = self
            .poll
            .registry()
            .reregister(&mut conn.stream, token, Interest::WRITABLE);
        write(conn)
    }

    fn answer_waiting(&mut self) {
        let mut bodies: [Option<Arc<Vec<u8>>>; 2] = [None, None];
        let waiting: Vec<(Token, Format, bool)> = self
            .conns
            .iter()
            .filter_map(|(t, c)| match c.phase {
                Phase::Waiting { format, head_only } => Some((*t, format, head_only)),
                _ => None,
            })
            .collect();
        for (token, format, head_only) in waiting {
            let slot = &mut bodies[usize::from(format == Format::OpenMetrics)];
            let body = match slot {
                Some(b) => b.clone(),
                None => {
                    self.stats.gathers += 1;
                    let b = Arc::new(self.scrape.scrape(format, &self.stats));
                    *slot = Some(b.clone());
                    b
                }
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                format.content_type(),
                body.len()
            );
            let body = if head_only {
                Arc::new(Vec::new())
            } else {
                body
            };
            if !self.respond(token, head.into_bytes(), body) {
                self.close(token);
            }
        }
    }

    fn expire(&mut self, now: Instant) {
        let late: Vec<Token> = self
            .conns
            .iter()
            .filter(|(_, c)| c.deadline <= now && !matches!(c.phase, Phase::Waiting { .. }))
            .map(|(t, _)| *t)
            .collect();
        for t in late {
            self.stats.timed_out += 1;
            self.close(t);
        }
    }

    fn close(&mut self, token: Token) {
        if let Some(mut c) = self.conns.remove(&token) {
            let _ = self.poll.registry().deregister(&mut c.stream);
        }
    }
}

/// Writes what the socket takes; false when done or failed (close it).
fn write(conn: &mut Conn) -> bool {
    let Phase::Writing { head, body, pos } = &mut conn.phase else {
        return true;
    };
    loop {
        let rest: &[u8] = if *pos < head.len() {
            &head[*pos..]
        } else {
            match body.get(*pos - head.len()..) {
                Some(r) if !r.is_empty() => r,
                _ => {
                    let _ = conn.stream.shutdown(std::net::Shutdown::Write);
                    return false;
                }
            }
        };
        match conn.stream.write(rest) {
            Ok(0) => return false,
            Ok(n) => *pos += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

enum Route {
    Metrics { format: Format, head_only: bool },
    Status(u16, &'static str),
}

fn route(req: &httparse::Request<'_, '_>) -> Route {
    let head_only = match req.method {
        Some("GET") => false,
        Some("HEAD") => true,
        _ => return Route::Status(405, "Method Not Allowed"),
    };
    let path = req.path.unwrap_or("");
    let path = path.split('?').next().unwrap_or(path);
    if path != "/metrics" {
        return Route::Status(404, "Not Found");
    }
    let accept = req
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("accept"))
        .filter_map(|h| std::str::from_utf8(h.value).ok())
        .collect::<Vec<_>>()
        .join(",");
    Route::Metrics {
        format: Format::from_accept(&accept),
        head_only,
    }
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
