//! E-mail alerts, as keepalived's `core/smtp.c` sends them (keepalived.conf(5): `smtp_server`,
//! `smtp_helo_name`, `smtp_connect_timeout`, `notification_email_from`, `notification_email`,
//! `router_id`, and the `smtp_alert*` switches).
//!
//! Operators filter these mails by subject and some relays log the dialogue, so both are
//! keepalived's, byte for byte: `HELO`, `MAIL FROM:<…>`, one `RCPT TO:<…>` per recipient,
//! `DATA`, the headers `Date`, `From`, `Subject`, `X-Mailer: Keepalived`, `To`, the body, `QUIT`;
//! subjects such as `[router_id] VRRP Instance VI_1 - Entering MASTER state`; and the log lines
//! (`Remote SMTP server [192.0.2.25]:25 connected.`, `SMTP alert successfully sent.`, and each
//! failure's own sentence).
//!
//! A mail server that is slow or dead must never delay an advert or a health check, so each
//! alert is delivered by its own short-lived thread whose every connect, read and write is
//! bounded by `smtp_connect_timeout` (keepalived applies it to each step the same way), and
//! at most [`MAX_IN_FLIGHT`] alerts are in progress at once: past that an alert is dropped
//! and logged rather than queued without bound.
//!
//! The `Date:` header and the data dump's timestamps need the local time zone, which `std`
//! does not offer; [`LocalTime`] reads it with the logger's `localtime_r(3)` shim.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use keepalive_checkers::proto::ReplyReader;
use keepalive_confparse::model::global::GlobalDefs;
use keepalive_vrrp::State;

/// Alerts in progress at once; one more is dropped (and logged) instead of queued.
pub const MAX_IN_FLIGHT: usize = 16;

/// keepalived's `MAX_HEADERS_LENGTH`: the subject is cut to fit in it (with its NUL).
const MAX_SUBJECT: usize = 256 - 1;
/// keepalived's `MAX_BODY_LENGTH`: the body is cut to fit in it (with its NUL).
const MAX_BODY: usize = 512 - 1;
/// keepalived's `SMTP_BUFFER_MAX`: a reply that does not end within it is refused.
const REPLY_BUFFER_MAX: usize = 1024;

/// The mail server's address as keepalived prints it (`inet_sockaddrtopair`): the address in
/// brackets for both families, then the port: `[192.0.2.25]:25`, `[2001:db8::25]:25`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server(pub SocketAddr);

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]:{}", self.0.ip(), self.0.port())
    }
}

/// Why alerts cannot be set up from `global_defs`.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// `smtp_server` names a host that does not resolve.
    #[error("Invalid smtp server {host} {port}: {source}")]
    Resolve {
        /// The name as configured.
        host: String,
        /// The configured port.
        port: u16,
        /// The resolver's answer.
        #[source]
        source: io::Error,
    },
    /// The name resolved to no address at all.
    #[error("Invalid smtp server {host} {port}: no address")]
    NoAddress {
        /// The name as configured.
        host: String,
        /// The configured port.
        port: u16,
    },
}

/// Why one alert was not (completely) delivered. Each message is the sentence keepalived
/// logs at LOG_INFO for the same failure.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// The TCP connection was refused or failed.
    #[error("SMTP connection ERROR to {server}.")]
    Connect {
        /// The mail server.
        server: Server,
        /// What `connect` said.
        #[source]
        source: io::Error,
    },
    /// No TCP connection within `smtp_connect_timeout`.
    #[error("Timeout opening connection to remote SMTP server {server}.")]
    ConnectTimeout {
        /// The mail server.
        server: Server,
    },
    /// Writing a command failed.
    #[error("Cannot send data to remote SMTP server {server}.")]
    Send {
        /// The mail server.
        server: Server,
        /// What `send` said.
        #[source]
        source: io::Error,
    },
    /// No complete reply within `smtp_connect_timeout`.
    #[error("Timeout reading data to remote SMTP server {server}.")]
    ReadTimeout {
        /// The mail server.
        server: Server,
    },
    /// Reading a reply failed.
    #[error("Error reading data from remote SMTP server {server}.")]
    Read {
        /// The mail server.
        server: Server,
        /// What `read` said.
        #[source]
        source: io::Error,
    },
    /// The server closed the connection before the dialogue ended.
    #[error("Remote SMTP server {server} has closed the connection.")]
    Closed {
        /// The mail server.
        server: Server,
    },
    /// A reply line longer than keepalived's 1 KiB buffer.
    #[error(
        "Received buffer from remote SMTP server {server} overflow our get read buffer length."
    )]
    Overflow {
        /// The mail server.
        server: Server,
    },
    /// The server answered a command with an unexpected code.
    #[error("Error processing {stage} cmd on SMTP server {server}. SMTP status code = {code}")]
    Status {
        /// keepalived's name for the step: `(E)SMTP` (the greeting), `HELO`, `MAIL`, `RCPT`,
        /// `DATA`, `BODY`, `QUIT`.
        stage: &'static str,
        /// The mail server.
        server: Server,
        /// The code received.
        code: i32,
    },
}

/// Everything one delivery needs, resolved once from `global_defs` as keepalived does at
/// configuration time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `smtp_server` (default port 25).
    pub server: Server,
    /// `smtp_helo_name` (default: the host name).
    pub helo: String,
    /// `notification_email_from` (default: `user@hostname`).
    pub from: String,
    /// `notification_email`, in order.
    pub to: Vec<String>,
    /// `router_id` (default: the host name): the `[…]` that starts every subject.
    pub router_id: Option<String>,
    /// `smtp_connect_timeout` (default 30 s): bounds the connect and each reply.
    pub timeout: Duration,
    /// `-D`/`--log-detail`: log each connection and each success, as keepalived then does.
    pub log_detail: bool,
}

impl Settings {
    /// The settings `global_defs` gives, or `Ok(None)` when alerts are off because there is
    /// no `smtp_server` or no `notification_email` (keepalived then sends nothing). A host
    /// name is resolved here, once, like keepalived's parser does.
    pub fn from_global(g: &GlobalDefs, log_detail: bool) -> Result<Option<Settings>, SetupError> {
        let Some(srv) = &g.smtp_server else {
            return Ok(None);
        };
        if g.notification_email.is_empty() {
            return Ok(None);
        }
        let addr = resolve(&srv.host, srv.port)?;
        let host = local_name();
        Ok(Some(Settings {
            server: Server(addr),
            helo: g.smtp_helo_name.clone().unwrap_or_else(|| host.clone()),
            from: g
                .notification_email_from
                .clone()
                .unwrap_or_else(|| format!("{}@{host}", user_name())),
            to: g.notification_email.clone(),
            router_id: Some(g.router_id.clone().unwrap_or(host)),
            timeout: g
                .smtp_connect_timeout
                .as_duration()
                .max(Duration::from_secs(1)),
            log_detail,
        }))
    }
}

fn resolve(host: &str, port: u16) -> Result<SocketAddr, SetupError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let mut addrs = (host, port)
        .to_socket_addrs()
        .map_err(|source| SetupError::Resolve {
            host: host.to_string(),
            port,
            source,
        })?;
    addrs.next().ok_or_else(|| SetupError::NoAddress {
        host: host.to_string(),
        port,
    })
}

/// The node name (keepalived asks the resolver for its canonical name; kad takes the node
/// name as the kernel has it, which is the same on a host whose name is fully qualified).
fn local_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "[unknown]".to_string())
}

fn user_name() -> String {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| "root".to_string())
}

/// The VRRP states keepalived mails about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    /// Entering MASTER.
    Master,
    /// Entering BACKUP.
    Backup,
    /// Entering FAULT.
    Fault,
    /// Stopping (shutdown).
    Stop,
    /// Removed by a reload (instances only).
    Deleted,
}

impl AlertState {
    /// The state to mail about, if any (keepalived sends nothing for INIT).
    pub fn of(state: State) -> Option<AlertState> {
        match state {
            State::Master => Some(AlertState::Master),
            State::Backup => Some(AlertState::Backup),
            State::Fault => Some(AlertState::Fault),
            State::Stopped => Some(AlertState::Stop),
            State::Deleted => Some(AlertState::Deleted),
            State::Init => None,
        }
    }

    fn subject(self) -> &'static str {
        match self {
            AlertState::Master => "Entering MASTER state",
            AlertState::Backup => "Entering BACKUP state",
            AlertState::Fault => "Entering FAULT state",
            AlertState::Stop => "Stopping",
            AlertState::Deleted => "Deleted",
        }
    }
}

/// One alert, in the shapes keepalived's `smtp_alert()` knows; each builds its subject and
/// body with keepalived's wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    /// A `vrrp_instance` changed state (`vrrp_smtp_notifier`).
    VrrpInstance {
        /// The instance name.
        name: String,
        /// The new state.
        state: AlertState,
    },
    /// A `vrrp_sync_group` changed state (`vrrp_sync_smtp_notifier`); never `Deleted`.
    VrrpGroup {
        /// The group name.
        name: String,
        /// The new state.
        state: AlertState,
    },
    /// A checker brought a real server up or down (`SMTP_MSG_RS`).
    RealServer {
        /// The real server as keepalived prints it: `[192.0.2.10]:tcp:80`.
        rs: String,
        /// The virtual server: `[192.0.2.1]:tcp:80`, `FWM 7` or `[group]:80`.
        vs: String,
        /// Whether the real server is now up.
        up: bool,
        /// The checker's message, e.g. [`checker_message`].
        body: String,
    },
    /// A real server removed at shutdown or reload (`SMTP_MSG_RS_SHUT`): always `DOWN`.
    RealServerShut {
        /// The real server, as in [`Alert::RealServer`].
        rs: String,
        /// The virtual server, as in [`Alert::RealServer`].
        vs: String,
        /// Shutting down (`=> Shutting down <=`) rather than removed (`=> Removing <=`).
        stopping: bool,
    },
    /// A virtual server gained or lost quorum (`SMTP_MSG_VS`).
    VirtualServer {
        /// The virtual server, as in [`Alert::RealServer`].
        vs: String,
        /// Whether quorum is up.
        up: bool,
        /// e.g. [`quorum_message`].
        body: String,
    },
    /// Anything else: subject after the `[router_id]`, and body.
    Other {
        /// The subject.
        subject: String,
        /// The body.
        body: String,
    },
}

impl Alert {
    /// The `Subject:` header, `[router_id] …`, cut to keepalived's 255 bytes.
    pub fn subject(&self, router_id: Option<&str>) -> String {
        let rid = router_id.unwrap_or("");
        let s = match self {
            Alert::VrrpInstance { name, state } => {
                format!("[{rid}] VRRP Instance {name} - {}", state.subject())
            }
            Alert::VrrpGroup { name, state } => {
                format!("[{rid}] VRRP Group {name} - {}", state.subject())
            }
            Alert::RealServer { rs, vs, up, .. } => format!(
                "[{rid}] Realserver {rs} of virtual server {vs} - {}",
                if *up { "UP" } else { "DOWN" }
            ),
            Alert::RealServerShut { rs, vs, .. } => {
                format!("[{rid}] Realserver {rs} of virtual server {vs} - DOWN")
            }
            Alert::VirtualServer { vs, up, .. } => format!(
                "[{rid}] Virtualserver {vs} - {}",
                if *up { "UP" } else { "DOWN" }
            ),
            Alert::Other { subject, .. } => match router_id {
                Some(rid) => format!("[{rid}] {subject}"),
                None => subject.clone(),
            },
        };
        truncate(s, MAX_SUBJECT)
    }

    /// The body, cut to keepalived's 511 bytes.
    pub fn body(&self) -> String {
        let b = match self {
            Alert::VrrpInstance { state, .. } => match state {
                AlertState::Master => "=> VRRP Instance is now owning VRRP VIPs <=",
                AlertState::Backup | AlertState::Fault => {
                    "=> VRRP Instance is no longer owning VRRP VIPs <="
                }
                AlertState::Stop => "=> VRRP Instance stopping <=",
                AlertState::Deleted => "=> VRRP Deleted at reload <=",
            },
            Alert::VrrpGroup { state, .. } => match state {
                AlertState::Master => "=> All VRRP group instances are now in MASTER state <=",
                AlertState::Backup => "=> All VRRP group instances are now in BACKUP state <=",
                AlertState::Fault => "=> All VRRP group instances are now in FAULT state <=",
                AlertState::Stop | AlertState::Deleted => {
                    "=> All VRRP group instances are now stopping <="
                }
            },
            Alert::RealServerShut { stopping, .. } => {
                if *stopping {
                    "=> Shutting down <="
                } else {
                    "=> Removing <="
                }
            }
            Alert::RealServer { body, .. }
            | Alert::VirtualServer { body, .. }
            | Alert::Other { body, .. } => body,
        };
        truncate(b.to_string(), MAX_BODY)
    }
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// The checkers whose mails keepalived words alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// `TCP_CHECK`.
    Tcp,
    /// `UDP_CHECK`.
    Udp,
    /// `HTTP_GET` / `SSL_GET`.
    Http,
    /// `SMTP_CHECK`.
    Smtp,
    /// `DNS_CHECK`.
    Dns,
    /// `PING_CHECK`.
    Ping,
}

/// The body keepalived's checker sends when a real server goes up or down. `detail` is the
/// reason an `SMTP_CHECK` gives for a failure (keepalived: `=> CHECK failed on service :
/// REASON <=`); other checkers ignore it.
pub fn checker_message(kind: CheckKind, up: bool, detail: Option<&str>) -> String {
    match (kind, up) {
        (CheckKind::Tcp, true) => "=> TCP CHECK succeed on service <=".into(),
        (CheckKind::Tcp, false) => "=> TCP CHECK failed on service <=".into(),
        (CheckKind::Udp, true) => "=> UDP CHECK succeed on service <=".into(),
        (CheckKind::Udp, false) => "=> UDP CHECK failed on service <=".into(),
        (CheckKind::Http | CheckKind::Smtp, true) => "=> CHECK succeed on service <=".into(),
        (CheckKind::Http, false) => "=> CHECK failed on service : HTTP request failed <=".into(),
        (CheckKind::Smtp, false) => match detail {
            Some(d) => format!("=> CHECK failed on service : {d} <="),
            None => "=> CHECK failed on service <=".into(),
        },
        (CheckKind::Dns, true) => "=> DNS_CHECK: succeed on service <=".into(),
        (CheckKind::Dns, false) => "=> DNS_CHECK: failed on service <=".into(),
        (CheckKind::Ping, true) => "=> ICMP CHECK succeed on service <=".into(),
        (CheckKind::Ping, false) => "=> ICMP CHECK failed on service <=".into(),
    }
}

/// A `MISC_CHECK` mail body; `exit` is `succeeded`, `failed` or `timed out`.
pub fn misc_message(exit: &str) -> String {
    format!("=> MISC CHECK {exit} on service <=")
}

/// A `BFD_CHECK` mail body.
pub fn bfd_message(bfd_name: &str, up: bool) -> String {
    format!(
        "=> BFD CHECK {bfd_name} {} on service <=",
        if up { "succeeded" } else { "failed" }
    )
}

/// A virtual server's quorum mail body (`do_vs_notifies`): `=> Gained quorum 3+1=2 <= 4 <=`,
/// or `=> Shutting down <=` when `stopping`.
pub fn quorum_message(
    up: bool,
    init: bool,
    stopping: bool,
    quorum: u32,
    hysteresis: u32,
    weight_sum: i64,
) -> String {
    if stopping {
        return "=> Shutting down <=".into();
    }
    let what = match (up, init) {
        (true, true) => "Starting with quorum up",
        (true, false) => "Gained quorum",
        (false, true) => "Starting with quorum down",
        (false, false) => "Lost quorum",
    };
    let threshold = i64::from(quorum) - i64::from(hysteresis);
    format!("=> {what} {quorum}+{hysteresis}={threshold} <= {weight_sum} <=")
}

/// Resolves an `smtp_alert` switch as keepalived does: the object's own setting, else the
/// process-wide one (`smtp_alert_vrrp` / `smtp_alert_checker`), else the global `smtp_alert`,
/// else `default` (false for VRRP instances, groups and virtual servers; true for real
/// servers, which keepalived keeps for backward compatibility).
pub fn alert_enabled(
    own: Option<bool>,
    process: Option<bool>,
    global: Option<bool>,
    default: bool,
) -> bool {
    own.or(process).or(global).unwrap_or(default)
}

/// keepalived's `last_email_state` filter for one instance or sync group: mail a state once
/// when it is entered, and no FAULT under `no_email_faults`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateGate {
    last: Option<AlertState>,
}

impl StateGate {
    /// Whether entering `state` should be mailed; remembers it when so.
    pub fn admit(&mut self, enabled: bool, no_email_faults: bool, state: State) -> bool {
        let Some(s) = AlertState::of(state) else {
            return false;
        };
        if !enabled || (no_email_faults && s == AlertState::Fault) || self.last == Some(s) {
            return false;
        }
        self.last = Some(s);
        true
    }
}

/// The text after `DATA`: headers, a blank line, the body, and the end-of-data marker, as
/// keepalived writes them (`SMTP_HEADERS_CMD SMTP_BODY_CMD SMTP_SEND_CMD`). A body line that
/// starts with a dot is doubled (RFC 5321 §4.5.2); keepalived's own bodies never have one.
pub fn compose(settings: &Settings, subject: &str, body: &str, date: &str) -> String {
    let mut stuffed = String::with_capacity(body.len());
    for (i, line) in body.split("\r\n").enumerate() {
        if i > 0 {
            stuffed.push_str("\r\n");
        }
        if line.starts_with('.') {
            stuffed.push('.');
        }
        stuffed.push_str(line);
    }
    format!(
        "Date: {date}\r\nFrom: {}\r\nSubject: {subject}\r\nX-Mailer: Keepalived\r\nTo: {}\r\n\r\n{stuffed}\r\n\r\n.\r\n",
        settings.from,
        settings.to.join(", "),
    )
}

/// How one delivery went; the log lines are written from it in keepalived's order.
#[derive(Debug, Default)]
pub struct Delivery {
    /// The TCP connection was made (`Remote SMTP server … connected.`).
    pub connected: bool,
    /// The server accepted the message (`SMTP alert successfully sent.`).
    pub sent: bool,
    /// What went wrong, before or (at `QUIT`) after the message was accepted.
    pub error: Option<SmtpError>,
}

impl Delivery {
    /// Logs the outcome as keepalived does: the detail lines only under `-D`, failures at
    /// LOG_INFO.
    pub fn log(&self, settings: &Settings) {
        if settings.log_detail && self.connected {
            crate::log_info!("Remote SMTP server {} connected.", settings.server);
        }
        if settings.log_detail && self.sent {
            crate::log_info!("SMTP alert successfully sent.");
        }
        if let Some(e) = &self.error {
            crate::log_info!("{e}");
        }
    }
}

/// keepalived's SMTP steps: what each sends and the reply code it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Greeting,
    Helo,
    Mail,
    Rcpt,
    Data,
    Body,
    Quit,
}

impl Stage {
    fn expected(self) -> i32 {
        match self {
            Stage::Greeting => 220,
            Stage::Helo | Stage::Mail | Stage::Rcpt | Stage::Body => 250,
            Stage::Data => 354,
            Stage::Quit => 221,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Stage::Greeting => "(E)SMTP",
            Stage::Helo => "HELO",
            Stage::Mail => "MAIL",
            Stage::Rcpt => "RCPT",
            Stage::Data => "DATA",
            Stage::Body => "BODY",
            Stage::Quit => "QUIT",
        }
    }
}

/// One connection's dialogue state.
struct Conversation<'a> {
    settings: &'a Settings,
    stream: TcpStream,
    replies: ReplyReader,
    /// The step whose reply is awaited.
    stage: Stage,
}

impl Conversation<'_> {
    fn server(&self) -> Server {
        self.settings.server
    }

    fn send(&mut self, text: &str) -> Result<(), SmtpError> {
        self.stream
            .write_all(text.as_bytes())
            .map_err(|source| SmtpError::Send {
                server: self.server(),
                source,
            })
    }

    /// Reads one complete reply and returns its code, taken like keepalived from the first
    /// line not marked as continued (`NNN-`).
    fn reply(&mut self) -> Result<i32, SmtpError> {
        let deadline = Instant::now() + self.settings.timeout;
        loop {
            match self.replies.next_reply() {
                Some(Ok(reply)) => return Ok(reply.keepalived_code()),
                Some(Err(_)) => {
                    return Err(SmtpError::Overflow {
                        server: self.server(),
                    })
                }
                None => {}
            }
            if self.replies.buffered() >= REPLY_BUFFER_MAX - 1 {
                self.replies.clear();
                return Err(SmtpError::Overflow {
                    server: self.server(),
                });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(SmtpError::ReadTimeout {
                    server: self.server(),
                });
            }
            // Setting a zero timeout is an error; `left` is never zero here.
            let _ = self.stream.set_read_timeout(Some(left));
            let mut chunk = [0u8; 512];
            let room = (REPLY_BUFFER_MAX - 1 - self.replies.buffered()).min(chunk.len());
            match self.stream.read(&mut chunk[..room]) {
                Ok(0) => {
                    return Err(SmtpError::Closed {
                        server: self.server(),
                    })
                }
                Ok(n) => self.replies.push(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(SmtpError::ReadTimeout {
                        server: self.server(),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(SmtpError::Read {
                        server: self.server(),
                        source,
                    })
                }
            }
        }
    }

    fn expect(&mut self, stage: Stage) -> Result<(), SmtpError> {
        self.stage = stage;
        let code = self.reply()?;
        if code == stage.expected() {
            Ok(())
        } else {
            Err(SmtpError::Status {
                stage: stage.name(),
                server: self.server(),
                code,
            })
        }
    }

    /// keepalived answers most failures with `QUIT` and waits for its reply; whatever
    /// happens then is not logged.
    fn quit_quietly(&mut self) {
        if self.send("QUIT\r\n").is_ok() {
            let _ = self.reply();
        }
    }
}

/// Sends one message and returns how it went. Blocks for at most a few multiples of
/// `settings.timeout`; call it from a worker thread, never from an event loop.
pub fn deliver(settings: &Settings, subject: &str, body: &str, date: &str) -> Delivery {
    let mut d = Delivery::default();
    let server = settings.server;
    let stream = match TcpStream::connect_timeout(&server.0, settings.timeout) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            d.error = Some(SmtpError::ConnectTimeout { server });
            return d;
        }
        Err(source) => {
            d.error = Some(SmtpError::Connect { server, source });
            return d;
        }
    };
    let _ = stream.set_write_timeout(Some(settings.timeout));
    let _ = stream.set_nodelay(true);
    d.connected = true;
    let mut c = Conversation {
        settings,
        stream,
        replies: ReplyReader::new(REPLY_BUFFER_MAX),
        stage: Stage::Greeting,
    };
    if let Err(e) = dialogue(&mut c, subject, body, date, &mut d.sent) {
        // keepalived still says QUIT after a timeout, a read error, an overlong or an
        // unexpected reply; after a closed connection or a failed send it just closes.
        let polite = matches!(
            e,
            SmtpError::ReadTimeout { .. }
                | SmtpError::Read { .. }
                | SmtpError::Overflow { .. }
                | SmtpError::Status { .. }
        );
        if polite && c.stage != Stage::Quit {
            c.quit_quietly();
        }
        d.error = Some(e);
    }
    let _ = c.stream.shutdown(Shutdown::Both);
    d
}

fn dialogue(
    c: &mut Conversation<'_>,
    subject: &str,
    body: &str,
    date: &str,
    sent: &mut bool,
) -> Result<(), SmtpError> {
    let s = c.settings;
    c.expect(Stage::Greeting)?;
    c.send(&format!("HELO {}\r\n", s.helo))?;
    c.expect(Stage::Helo)?;
    c.send(&format!("MAIL FROM:<{}>\r\n", s.from))?;
    c.expect(Stage::Mail)?;
    for rcpt in &s.to {
        c.send(&format!("RCPT TO:<{rcpt}>\r\n"))?;
        c.expect(Stage::Rcpt)?;
    }
    c.send("DATA\r\n")?;
    c.expect(Stage::Data)?;
    c.send(&compose(s, subject, body, date))?;
    c.expect(Stage::Body)?;
    *sent = true;
    c.send("QUIT\r\n")?;
    c.expect(Stage::Quit)
}

/// Sends alerts without ever blocking its caller.
///
/// ```ignore
/// let mailer = Mailer::new(&config.global, cli.log_detail > 0)?; // None: alerts are off
/// let enabled = alert_enabled(inst.smtp_alert, g.smtp_alert_vrrp, g.smtp_alert, false);
/// if let Some(m) = &mailer {
///     if gate.admit(enabled, g.no_email_faults, new_state) {
///         m.vrrp_instance("VI_1", new_state);
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Mailer {
    settings: Arc<Settings>,
    in_flight: Arc<AtomicUsize>,
    limit: usize,
}

impl Mailer {
    /// A mailer for `global_defs`, or `Ok(None)` when alerts are off (no `smtp_server` or no
    /// `notification_email`). `log_detail` is `-D`.
    pub fn new(g: &GlobalDefs, log_detail: bool) -> Result<Option<Mailer>, SetupError> {
        Ok(Settings::from_global(g, log_detail)?.map(Mailer::with_settings))
    }

    /// A mailer for settings built by hand.
    pub fn with_settings(settings: Settings) -> Mailer {
        Mailer {
            settings: Arc::new(settings),
            in_flight: Arc::new(AtomicUsize::new(0)),
            limit: MAX_IN_FLIGHT,
        }
    }

    /// The same mailer with another bound on alerts in progress.
    pub fn with_limit(mut self, limit: usize) -> Mailer {
        self.limit = limit;
        self
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Starts delivering `alert` in the background and returns at once. Returns false (and
    /// logs) when [`MAX_IN_FLIGHT`] alerts are already in progress or no thread can be
    /// started.
    pub fn send(&self, alert: Alert) -> bool {
        let subject = alert.subject(self.settings.router_id.as_deref());
        let body = alert.body();
        self.send_raw(subject, body)
    }

    /// Mails that instance `name` entered `state` (nothing for INIT). The caller has
    /// already asked its [`StateGate`].
    pub fn vrrp_instance(&self, name: &str, state: State) -> bool {
        AlertState::of(state).is_some_and(|state| {
            self.send(Alert::VrrpInstance {
                name: name.to_string(),
                state,
            })
        })
    }

    /// Mails that sync group `name` entered `state` (nothing for INIT or DELETED).
    pub fn vrrp_group(&self, name: &str, state: State) -> bool {
        AlertState::of(state)
            .filter(|s| *s != AlertState::Deleted)
            .is_some_and(|state| {
                self.send(Alert::VrrpGroup {
                    name: name.to_string(),
                    state,
                })
            })
    }

    /// [`send`](Self::send) for a subject and body already complete.
    pub fn send_raw(&self, subject: String, body: String) -> bool {
        let prev = self.in_flight.fetch_add(1, Ordering::SeqCst);
        if prev >= self.limit {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            crate::log_warn!(
                "SMTP alert '{subject}' dropped: {prev} alerts to {} already in progress",
                self.settings.server
            );
            return false;
        }
        let settings = Arc::clone(&self.settings);
        let in_flight = Arc::clone(&self.in_flight);
        let spawned = thread::Builder::new()
            .name("smtp-alert".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                let date = LocalTime::now().rfc2822();
                let d = deliver(&settings, &subject, &body, &date);
                d.log(&settings);
                in_flight.fetch_sub(1, Ordering::SeqCst);
            });
        match spawned {
            Ok(_) => true,
            Err(e) => {
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
                crate::log_err!("SMTP alert not sent: cannot start a thread: {e}");
                false
            }
        }
    }

    /// Alerts still in progress.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Waits up to `timeout` for every alert in progress to finish (e.g. the `Stopping`
    /// mails at shutdown, which keepalived itself abandons); true if none is left.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        while self.in_flight() > 0 {
            if Instant::now() >= end {
                return false;
            }
            thread::sleep(Duration::from_millis(10));
        }
        true
    }
}

/// A moment broken down in the local time zone, for keepalived's timestamps: the mail's
/// `Date:` (`strftime("%a, %d %b %Y %H:%M:%S %z")`) and the dumps' `ctime`-style text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// Full year.
    pub year: i64,
    /// 0 = January.
    pub month: u32,
    /// 1..=31.
    pub day: u32,
    /// 0..=23.
    pub hour: u32,
    /// 0..=59.
    pub minute: u32,
    /// 0..=60.
    pub second: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    /// Seconds east of UTC.
    pub utc_offset: i64,
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl LocalTime {
    /// Now, in the local time zone.
    pub fn now() -> LocalTime {
        LocalTime::at(SystemTime::now())
    }

    /// `t` in the local time zone (UTC if the zone cannot be read).
    pub fn at(t: SystemTime) -> LocalTime {
        let secs = unix_secs(t);
        localtime(secs).unwrap_or_else(|| LocalTime::utc(secs))
    }

    /// `secs` after the epoch, in UTC.
    pub fn utc(secs: i64) -> LocalTime {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        LocalTime {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem / 60 % 60) as u32,
            second: (rem % 60) as u32,
            weekday: (days + 4).rem_euclid(7) as u32,
            utc_offset: 0,
        }
    }

    /// `Sat, 21 Nov 2026 22:43:14 +0000`.
    pub fn rfc2822(&self) -> String {
        let off = self.utc_offset;
        let sign = if off < 0 { '-' } else { '+' };
        let off = off.abs();
        format!(
            "{}, {:02} {} {} {:02}:{:02}:{:02} {sign}{:02}{:02}",
            WEEKDAYS[self.weekday as usize % 7],
            self.day,
            MONTHS[self.month as usize % 12],
            self.year,
            self.hour,
            self.minute,
            self.second,
            off / 3600,
            off / 60 % 60
        )
    }

    /// keepalived's `ctime_us_r`: `Sat Nov 21 22:42:36.383867 2026`.
    pub fn ctime_us(&self, micros: u32) -> String {
        format!(
            "{} {}{:3} {:02}:{:02}:{:02}.{:06} {}",
            WEEKDAYS[self.weekday as usize % 7],
            MONTHS[self.month as usize % 12],
            self.day,
            self.hour,
            self.minute,
            self.second,
            micros,
            self.year
        )
    }
}

/// Seconds since the epoch, negative before it.
pub fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Howard Hinnant's days-to-civil algorithm: (year, month 0-11, day 1-31).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 2 } else { mp - 10 } as u32;
    (if m <= 1 { y + 1 } else { y }, m, d)
}

/// `localtime_r(3)`, through the logger's shim.
fn localtime(secs: i64) -> Option<LocalTime> {
    let tm = crate::logger::local_time(secs)?;
    Some(LocalTime {
        year: i64::from(tm.tm_year) + 1900,
        month: u32::try_from(tm.tm_mon).ok()?,
        day: u32::try_from(tm.tm_mday).ok()?,
        hour: u32::try_from(tm.tm_hour).ok()?,
        minute: u32::try_from(tm.tm_min).ok()?,
        second: u32::try_from(tm.tm_sec).ok()?,
        weekday: u32::try_from(tm.tm_wday).ok()?,
        utc_offset: tm.tm_gmtoff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::path::PathBuf;
    use std::process::{Child, Command, Stdio};
    use std::sync::mpsc;

    /// The settings of the reference run against keepalived 2.2.7 (see `KEEPALIVED_DIALOGUE`).
    fn settings(port: u16) -> Settings {
        Settings {
            server: Server(SocketAddr::from(([127, 0, 0, 1], port))),
            helo: "helo.example.net".into(),
            from: "kad@example.net".into(),
            to: vec!["ops@example.com".into(), "noc@example.org".into()],
            router_id: Some("kadB".into()),
            timeout: Duration::from_secs(5),
            log_detail: true,
        }
    }

    /// What keepalived 2.2.7 (Debian) sent to a recording SMTP server on 127.0.0.1:2525 with
    /// `router_id kadB`, `smtp_helo_name helo.example.net`, `notification_email_from
    /// kad@example.net`, two `notification_email`s and `smtp_alert`, when VI_1 entered BACKUP
    /// (the server answered HELO with a two-line `250-rec` / `250 ok`).
    const KEEPALIVED_DIALOGUE: &str = "HELO helo.example.net\r\n\
        MAIL FROM:<kad@example.net>\r\n\
        RCPT TO:<ops@example.com>\r\n\
        RCPT TO:<noc@example.org>\r\n\
        DATA\r\n\
        Date: Sat, 21 Nov 2026 22:43:14 +0000\r\n\
        From: kad@example.net\r\n\
        Subject: [kadB] VRRP Instance VI_1 - Entering BACKUP state\r\n\
        X-Mailer: Keepalived\r\n\
        To: ops@example.com, noc@example.org\r\n\
        \r\n\
        => VRRP Instance is no longer owning VRRP VIPs <=\r\n\
        \r\n\
        .\r\n\
        QUIT\r\n";

    /// How a scripted server answers each client line.
    #[derive(Clone, Copy)]
    enum Script {
        /// Like the recorder used against keepalived.
        Good,
        /// `550` to the first RCPT.
        RejectRcpt,
        /// Greets, then closes.
        CloseAfterGreeting,
        /// Accepts and says nothing.
        Silent,
        /// Greets with 2000 bytes and no line end.
        Flood,
    }

    /// A one-connection SMTP server on loopback; returns its port and, when the client is
    /// done, everything the client sent.
    fn scripted_server(script: Script) -> (u16, mpsc::Receiver<Vec<u8>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let (mut c, _) = l.accept().unwrap();
            c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let mut got = Vec::new();
            match script {
                Script::Silent => {
                    let mut b = [0u8; 64];
                    while let Ok(n) = c.read(&mut b) {
                        if n == 0 {
                            break;
                        }
                        got.extend_from_slice(&b[..n]);
                    }
                    let _ = tx.send(got);
                    return;
                }
                Script::Flood => {
                    let _ = c.write_all(&[b'2'; 2000]);
                }
                _ => {
                    let _ = c.write_all(b"220 rec ESMTP\r\n");
                }
            }
            if matches!(script, Script::CloseAfterGreeting) {
                // Close our side, then read until the client closes: closing with its HELO
                // unread would send a reset, and the client would see ECONNRESET instead of
                // the end of the stream (a race under load).
                let _ = c.shutdown(std::net::Shutdown::Write);
                let mut b = [0u8; 1024];
                while matches!(c.read(&mut b), Ok(n) if n > 0) {}
                let _ = tx.send(got);
                return;
            }
            let mut buf = Vec::new();
            let mut in_data = false;
            let mut b = [0u8; 1024];
            'conn: while let Ok(n) = c.read(&mut b) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&b[..n]);
                buf.extend_from_slice(&b[..n]);
                loop {
                    if in_data {
                        let Some(i) = buf.windows(5).position(|w| w == b"\r\n.\r\n") else {
                            break;
                        };
                        buf.drain(..i + 5);
                        in_data = false;
                        let _ = c.write_all(b"250 ok queued\r\n");
                        continue;
                    }
                    let Some(i) = buf.windows(2).position(|w| w == b"\r\n") else {
                        break;
                    };
                    let line: Vec<u8> = buf.drain(..i + 2).collect();
                    let reply: &[u8] = if line.starts_with(b"HELO") {
                        b"250-rec\r\n250 ok\r\n"
                    } else if line.starts_with(b"RCPT") && matches!(script, Script::RejectRcpt) {
                        b"550 no such user\r\n"
                    } else if line.starts_with(b"DATA") {
                        in_data = true;
                        b"354 go\r\n"
                    } else if line.starts_with(b"QUIT") {
                        let _ = c.write_all(b"221 bye\r\n");
                        break 'conn;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = c.write_all(reply);
                }
            }
            let _ = tx.send(got);
        });
        (port, rx)
    }

    fn run(script: Script, timeout: Duration) -> (Delivery, String) {
        let (port, rx) = scripted_server(script);
        let mut s = settings(port);
        s.timeout = timeout;
        let alert = Alert::VrrpInstance {
            name: "VI_1".into(),
            state: AlertState::Backup,
        };
        let d = deliver(
            &s,
            &alert.subject(s.router_id.as_deref()),
            &alert.body(),
            "Sat, 21 Nov 2026 22:43:14 +0000",
        );
        let got = rx.recv_timeout(Duration::from_secs(30)).unwrap();
        (d, String::from_utf8(got).unwrap())
    }

    #[test]
    fn dialogue_is_keepalived_byte_for_byte() {
        let (d, got) = run(Script::Good, Duration::from_secs(5));
        assert!(d.connected && d.sent, "{d:?}");
        assert!(d.error.is_none(), "{d:?}");
        assert_eq!(got, KEEPALIVED_DIALOGUE);
    }

    #[test]
    fn rejected_recipient_is_logged_and_quit() {
        let (d, got) = run(Script::RejectRcpt, Duration::from_secs(5));
        assert!(!d.sent);
        let e = d.error.unwrap();
        assert!(matches!(
            e,
            SmtpError::Status {
                stage: "RCPT",
                code: 550,
                ..
            }
        ));
        let text = e.to_string();
        assert!(
            text.starts_with("Error processing RCPT cmd on SMTP server [127.0.0.1]:")
                && text.ends_with(". SMTP status code = 550"),
            "{text}"
        );
        assert!(
            got.ends_with("RCPT TO:<ops@example.com>\r\nQUIT\r\n"),
            "{got}"
        );
    }

    #[test]
    fn closed_connection() {
        let (d, _) = run(Script::CloseAfterGreeting, Duration::from_secs(5));
        assert!(matches!(d.error, Some(SmtpError::Closed { .. })), "{d:?}");
        assert!(d
            .error
            .unwrap()
            .to_string()
            .ends_with("has closed the connection."));
    }

    #[test]
    fn silent_server_times_out_in_bounded_time() {
        let t0 = Instant::now();
        let (d, got) = run(Script::Silent, Duration::from_secs(1));
        assert!(
            matches!(d.error, Some(SmtpError::ReadTimeout { .. })),
            "{d:?}"
        );
        // keepalived says QUIT after a read timeout, then gives up on the reply too.
        assert_eq!(got, "QUIT\r\n");
        assert!(t0.elapsed() < Duration::from_secs(15));
    }

    #[test]
    fn overlong_reply_is_refused() {
        let (d, got) = run(Script::Flood, Duration::from_secs(5));
        assert!(matches!(d.error, Some(SmtpError::Overflow { .. })), "{d:?}");
        assert!(got.starts_with("QUIT\r\n"), "{got}");
    }

    #[test]
    fn refused_connection() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let d = deliver(&settings(port), "s", "b", "d");
        assert!(!d.connected);
        let e = d.error.unwrap();
        assert!(matches!(e, SmtpError::Connect { .. }));
        assert_eq!(
            e.to_string(),
            format!("SMTP connection ERROR to [127.0.0.1]:{port}.")
        );
    }

    #[test]
    fn error_sentences_are_keepalived_s() {
        let server = Server("[2001:db8::25]:25".parse().unwrap());
        assert_eq!(server.to_string(), "[2001:db8::25]:25");
        let v4 = Server("192.0.2.25:2525".parse().unwrap());
        assert_eq!(
            SmtpError::ReadTimeout { server: v4 }.to_string(),
            "Timeout reading data to remote SMTP server [192.0.2.25]:2525."
        );
        assert_eq!(
            SmtpError::ConnectTimeout { server: v4 }.to_string(),
            "Timeout opening connection to remote SMTP server [192.0.2.25]:2525."
        );
        assert_eq!(
            SmtpError::Overflow { server: v4 }.to_string(),
            "Received buffer from remote SMTP server [192.0.2.25]:2525 overflow our get read buffer length."
        );
    }

    #[test]
    fn subjects_and_bodies() {
        let rid = Some("lb1");
        let vi = |state| Alert::VrrpInstance {
            name: "VI_1".into(),
            state,
        };
        assert_eq!(
            vi(AlertState::Master).subject(rid),
            "[lb1] VRRP Instance VI_1 - Entering MASTER state"
        );
        assert_eq!(
            vi(AlertState::Master).body(),
            "=> VRRP Instance is now owning VRRP VIPs <="
        );
        assert_eq!(
            vi(AlertState::Fault).subject(rid),
            "[lb1] VRRP Instance VI_1 - Entering FAULT state"
        );
        assert_eq!(
            vi(AlertState::Stop).subject(rid),
            "[lb1] VRRP Instance VI_1 - Stopping"
        );
        assert_eq!(vi(AlertState::Stop).body(), "=> VRRP Instance stopping <=");
        assert_eq!(
            vi(AlertState::Deleted).body(),
            "=> VRRP Deleted at reload <="
        );
        let g = Alert::VrrpGroup {
            name: "SG1".into(),
            state: AlertState::Backup,
        };
        assert_eq!(
            g.subject(rid),
            "[lb1] VRRP Group SG1 - Entering BACKUP state"
        );
        assert_eq!(
            g.body(),
            "=> All VRRP group instances are now in BACKUP state <="
        );
        let rs = Alert::RealServer {
            rs: "[192.0.2.10]:tcp:80".into(),
            vs: "[192.0.2.1]:tcp:80".into(),
            up: false,
            body: checker_message(CheckKind::Tcp, false, None),
        };
        assert_eq!(
            rs.subject(rid),
            "[lb1] Realserver [192.0.2.10]:tcp:80 of virtual server [192.0.2.1]:tcp:80 - DOWN"
        );
        assert_eq!(rs.body(), "=> TCP CHECK failed on service <=");
        let shut = Alert::RealServerShut {
            rs: "[192.0.2.10]:tcp:80".into(),
            vs: "FWM 7".into(),
            stopping: true,
        };
        assert!(shut
            .subject(rid)
            .ends_with("of virtual server FWM 7 - DOWN"));
        assert_eq!(shut.body(), "=> Shutting down <=");
        let vs = Alert::VirtualServer {
            vs: "[192.0.2.1]:tcp:80".into(),
            up: true,
            body: quorum_message(true, false, false, 3, 1, 4),
        };
        assert_eq!(
            vs.subject(rid),
            "[lb1] Virtualserver [192.0.2.1]:tcp:80 - UP"
        );
        assert_eq!(vs.body(), "=> Gained quorum 3+1=2 <= 4 <=");
        let other = Alert::Other {
            subject: "hello".into(),
            body: "x".into(),
        };
        assert_eq!(other.subject(rid), "[lb1] hello");
        assert_eq!(other.subject(None), "hello");
        assert_eq!(
            checker_message(CheckKind::Smtp, false, Some("connection refused")),
            "=> CHECK failed on service : connection refused <="
        );
        assert_eq!(
            misc_message("timed out"),
            "=> MISC CHECK timed out on service <="
        );
        assert_eq!(
            bfd_message("b1", true),
            "=> BFD CHECK b1 succeeded on service <="
        );
    }

    #[test]
    fn long_subject_and_body_are_cut_like_keepalived() {
        let a = Alert::Other {
            subject: "é".repeat(300),
            body: "b".repeat(900),
        };
        assert!(a.subject(Some("r")).len() <= 255);
        assert_eq!(a.body().len(), 511);
    }

    #[test]
    fn compose_dot_stuffs() {
        let s = settings(25);
        let m = compose(&s, "s", ".hidden\r\nok", "D");
        assert!(m.contains("\r\n\r\n..hidden\r\nok\r\n\r\n.\r\n"), "{m}");
    }

    fn take_reply(r: &mut ReplyReader) -> Option<i32> {
        r.next_reply()
            .map(|reply| reply.map_or(-1, |reply| reply.keepalived_code()))
    }

    #[test]
    fn replies_multi_line_and_split() {
        let mut r = ReplyReader::new(REPLY_BUFFER_MAX);
        r.push(b"250-a\r\n250-b\r\n250 ok\r\n354");
        assert_eq!(take_reply(&mut r), Some(250));
        assert_eq!(r.buffered(), 3);
        assert_eq!(take_reply(&mut r), None);
        r.push(b" go\r\n");
        assert_eq!(take_reply(&mut r), Some(354));
        assert_eq!(r.buffered(), 0);
    }

    proptest::proptest! {
        #[test]
        fn reply_parser_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let mut r = ReplyReader::new(REPLY_BUFFER_MAX);
            r.push(&bytes);
            while take_reply(&mut r).is_some() {}
        }
    }

    #[test]
    fn switches_resolve_like_keepalived() {
        assert!(!alert_enabled(None, None, None, false));
        assert!(alert_enabled(None, None, None, true));
        assert!(alert_enabled(None, None, Some(true), false));
        assert!(!alert_enabled(None, Some(false), Some(true), false));
        assert!(alert_enabled(Some(true), Some(false), Some(false), false));
        let mut g = StateGate::default();
        assert!(!g.admit(true, false, State::Init));
        assert!(g.admit(true, false, State::Backup));
        assert!(!g.admit(true, false, State::Backup));
        assert!(!g.admit(true, true, State::Fault));
        assert!(g.admit(true, false, State::Master));
        assert!(!g.admit(false, false, State::Backup));
    }

    #[test]
    fn dates() {
        // 1795300956 is when keepalived's reference dump was taken (UTC host).
        let t = LocalTime::utc(1_795_300_956);
        assert_eq!(t.rfc2822(), "Sat, 21 Nov 2026 22:42:36 +0000");
        assert_eq!(t.ctime_us(383_867), "Sat Nov 21 22:42:36.383867 2026");
        let t = LocalTime::utc(1_793_491_200); // 2026-11-01 00:00:00
        assert_eq!(t.ctime_us(5), "Sun Nov  1 00:00:00.000005 2026");
        assert_eq!(
            LocalTime::utc(0).rfc2822(),
            "Thu, 01 Jan 1970 00:00:00 +0000"
        );
        let off = LocalTime {
            utc_offset: -(5 * 3600 + 30 * 60),
            ..LocalTime::utc(0)
        };
        assert!(off.rfc2822().ends_with(" -0530"));
        // The C library agrees with the arithmetic, in whatever zone this host is.
        let now = SystemTime::now();
        let local = LocalTime::at(now);
        let shifted = LocalTime::utc(unix_secs(now) + local.utc_offset);
        assert_eq!(
            local,
            LocalTime {
                utc_offset: local.utc_offset,
                ..shifted
            }
        );
    }

    #[test]
    fn settings_from_global_defs() {
        use keepalive_confparse::model::global::SmtpServer;
        let mut g = GlobalDefs::default();
        assert!(Settings::from_global(&g, false).unwrap().is_none());
        g.smtp_server = Some(SmtpServer {
            host: "192.0.2.25".into(),
            port: 25,
        });
        // No recipients: keepalived sends nothing.
        assert!(Settings::from_global(&g, false).unwrap().is_none());
        g.notification_email = vec!["ops@example.com".into()];
        let s = Settings::from_global(&g, false).unwrap().unwrap();
        assert_eq!(s.server.to_string(), "[192.0.2.25]:25");
        assert_eq!(s.timeout, Duration::from_secs(30));
        let host = local_name();
        assert_eq!(s.helo, host);
        assert_eq!(s.router_id.as_deref(), Some(host.as_str()));
        assert!(s.from.ends_with(&format!("@{host}")));
        g.router_id = Some("lb1".into());
        g.smtp_helo_name = Some("mx.example.net".into());
        g.notification_email_from = Some("kad@example.net".into());
        let s = Settings::from_global(&g, false).unwrap().unwrap();
        assert_eq!(
            (s.router_id.as_deref(), s.helo.as_str(), s.from.as_str()),
            (Some("lb1"), "mx.example.net", "kad@example.net")
        );
    }

    #[test]
    fn mailer_never_blocks_and_is_bounded() {
        // A server whose backlog accepts connections and never answers.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut s = settings(port);
        s.timeout = Duration::from_secs(1);
        s.log_detail = false;
        let m = Mailer::with_settings(s).with_limit(2);
        let t0 = Instant::now();
        let alert = Alert::Other {
            subject: "x".into(),
            body: "y".into(),
        };
        assert!(m.send(alert.clone()));
        assert!(m.send(alert.clone()));
        assert!(!m.send(alert), "the third alert must be dropped");
        assert!(t0.elapsed() < Duration::from_secs(2), "send blocked");
        assert!(m.wait_idle(Duration::from_secs(20)));
        assert_eq!(m.in_flight(), 0);
        drop(listener);
    }

    /// Debian's python3-aiosmtpd, a real SMTP server, on loopback.
    struct Aiosmtpd {
        child: Child,
        dir: PathBuf,
    }

    impl Drop for Aiosmtpd {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn aiosmtpd() -> Option<(Aiosmtpd, u16)> {
        let python = "/usr/bin/python3";
        let ok = Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            kad_skip::skip("python3-aiosmtpd is not installed (scripts/deps.sh installs it)");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("kad-smtp-test-{}-{port}", std::process::id()));
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Aiosmtpd { child, dir };
        let end = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < end, "aiosmtpd did not start");
            thread::sleep(Duration::from_millis(50));
        }
        Some((server, port))
    }

    #[test]
    fn real_smtp_server_receives_the_alert() {
        let Some((server, port)) = aiosmtpd() else {
            return;
        };
        let m = Mailer::with_settings(settings(port));
        assert!(
            !m.vrrp_instance("VI_1", State::Init),
            "INIT is never mailed"
        );
        assert!(m.vrrp_instance("VI_1", State::Master));
        assert!(m.wait_idle(Duration::from_secs(20)));
        let new = server.dir.join("new");
        let end = Instant::now() + Duration::from_secs(20);
        let text = loop {
            let files: Vec<_> = std::fs::read_dir(&new)
                .map(|r| r.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            if let Some(f) = files.first() {
                break std::fs::read_to_string(f).unwrap();
            }
            assert!(Instant::now() < end, "no message delivered");
            thread::sleep(Duration::from_millis(50));
        };
        for want in [
            "From: kad@example.net\n",
            "Subject: [kadB] VRRP Instance VI_1 - Entering MASTER state\n",
            "X-Mailer: Keepalived\n",
            "To: ops@example.com, noc@example.org\n",
            "X-Peer: ",
            "X-MailFrom: kad@example.net\n",
            "X-RcptTo: ops@example.com, noc@example.org\n",
            "\n=> VRRP Instance is now owning VRRP VIPs <=\n",
        ] {
            assert!(text.contains(want), "{want:?} missing from:\n{text}");
        }
        assert!(
            text.starts_with("Date: ") || text.contains("\nDate: "),
            "{text}"
        );
    }
}
