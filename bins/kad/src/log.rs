//! Logging in keepalived's wording and to keepalived's destinations, because operators grep
//! these lines and their log pipelines expect keepalived's idents.
//!
//! Destinations follow `lib/logger.c` of keepalived 2.2.7:
//! - syslog, unless `-G`/`--no-syslog`: RFC 3164 lines on the `/dev/log` datagram socket, with
//!   the ident `Keepalived` (parent), `Keepalived_vrrp`, `Keepalived_healthcheckers` or
//!   `Keepalived_bfd`, suffixed `_<net_namespace>` and `_<instance>` when those are configured,
//!   and `[pid]`; facility `daemon` unless `-S` names another;
//! - the console (stderr) with `-l`, but only when not daemonised (`-n`), as
//!   `"<%c timestamp>: message"`;
//! - a file with `-g[FILE]` (default `keepalived.log` in `$TMPDIR` or `/tmp`), one per process:
//!   `keepalived.log`, `keepalived_vrrp.log`, `keepalived_check.log`, each with
//!   `_<namespace>_<instance>` before the extension; nanosecond timestamps; flushed on every
//!   line with `--flush-log-file`.
//!
//! Writing never blocks the single-threaded loops: the syslog socket and the file are
//! non-blocking and a message that does not fit is dropped. A syslog daemon that restarts is
//! picked up again on the next message (a failed send reconnects once and retries).
//!
//! Call sites use kad's macros (`log_info!("({}) Entering MASTER STATE", name)`, see
//! [`kad::logger`]); [`init`] points them at this sink.

use std::fmt::{self, Write as _};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::cli::{Cli, LogFacility};
use kad::logger::local_time;

pub use kad::logger::{detail, log, Level};

/// Which kad process is logging; it picks the syslog ident and the log file's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The parent that watches the children.
    Parent,
    /// The VRRP child.
    Vrrp,
    /// The health-checker child.
    Checker,
    /// The BFD child.
    Bfd,
}

impl Role {
    /// keepalived's syslog ident (`PACKAGE_NAME`, `PROG_VRRP`, `PROG_CHECK`, `PROG_BFD`).
    pub fn ident(self) -> &'static str {
        match self {
            Role::Parent => "Keepalived",
            Role::Vrrp => "Keepalived_vrrp",
            Role::Checker => "Keepalived_healthcheckers",
            Role::Bfd => "Keepalived_bfd",
        }
    }

    /// The tag keepalived inserts into the log file name (`open_log_file(name, "vrrp", ..)`).
    fn file_tag(self) -> Option<&'static str> {
        match self {
            Role::Parent => None,
            Role::Vrrp => Some("vrrp"),
            Role::Checker => Some("check"),
            Role::Bfd => Some("bfd"),
        }
    }
}

/// Where and how one process logs; built from the command line by [`Settings::from_cli`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// The process.
    pub role: Role,
    /// `net_namespace` (or `-s`), appended to the ident and the file name.
    pub namespace: Option<String>,
    /// `instance`, appended to the ident and the file name.
    pub instance: Option<String>,
    /// syslog facility code, already shifted (`LOG_DAEMON` = 3 << 3).
    pub facility: u8,
    /// Log through syslog (not `-G`).
    pub syslog: bool,
    /// Also print on stderr (`-l` together with `-n`).
    pub console: bool,
    /// `-g`: the configured log file name (`""` = keepalived's default `keepalived.log`).
    pub file: Option<String>,
    /// `--flush-log-file`.
    pub flush: bool,
    /// Number of `-D`.
    pub detail: u8,
    /// The syslog socket; `/dev/log` except in tests.
    pub syslog_path: PathBuf,
}

/// `LOG_DAEMON`, keepalived's default facility.
const LOG_DAEMON: u8 = 3 << 3;

/// The facility code for `-S`'s argument; keepalived keeps `daemon` for a bad one.
pub fn facility_code(arg: Option<&str>) -> u8 {
    match arg.and_then(LogFacility::parse) {
        Some(LogFacility::Local(n)) => (16 + n) << 3,
        Some(LogFacility::User) => 1 << 3,
        Some(LogFacility::Daemon) | None => LOG_DAEMON,
    }
}

impl Settings {
    /// The settings keepalived derives from its command line for this process.
    pub fn from_cli(cli: &Cli, role: Role) -> Settings {
        Settings {
            role,
            namespace: cli.namespace.clone(),
            instance: None,
            facility: facility_code(cli.log_facility.as_deref()),
            syslog: !cli.no_syslog,
            console: cli.log_console && cli.dont_fork,
            file: cli.log_file.clone(),
            flush: cli.flush_log_file,
            detail: cli.log_detail,
            syslog_path: PathBuf::from("/dev/log"),
        }
    }

    /// The ident with keepalived's `_<namespace>_<instance>` suffixes (`make_syslog_ident`).
    pub fn ident(&self) -> String {
        let mut s = self.role.ident().to_owned();
        for part in [&self.namespace, &self.instance].into_iter().flatten() {
            s.push('_');
            s.push_str(part);
        }
        s
    }

    /// The log file this process writes, per keepalived's `make_file_name()`.
    pub fn file_path(&self) -> Option<PathBuf> {
        let name = self.file.as_deref()?;
        let name = if name.is_empty() {
            "keepalived.log"
        } else {
            name
        };
        Some(make_file_name(
            name,
            self.role.file_tag(),
            self.namespace.as_deref(),
            self.instance.as_deref(),
            &tmp_dir(),
        ))
    }
}

/// `$TMPDIR`, else `/tmp` (keepalived's `set_tmp_dir()`).
fn tmp_dir() -> PathBuf {
    std::env::var_os("TMPDIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}

/// keepalived's `make_file_name()`: a relative `name` goes under `tmp`, and `_prog`,
/// `_namespace`, `_instance` are inserted before the extension of the last path component.
pub fn make_file_name(
    name: &str,
    prog: Option<&str>,
    namespace: Option<&str>,
    instance: Option<&str>,
    tmp: &Path,
) -> PathBuf {
    let last = name.rfind('/').map_or(0, |i| i + 1);
    let (stem, ext) = match name[last..].rfind('.') {
        Some(dot) => name.split_at(last + dot),
        None => (name, ""),
    };
    let mut out = String::from(stem);
    for part in [prog, namespace, instance].into_iter().flatten() {
        out.push('_');
        out.push_str(part);
    }
    out.push_str(ext);
    if name.starts_with('/') {
        PathBuf::from(out)
    } else {
        tmp.join(out)
    }
}

/// Set up logging for this process. Call once, as early as possible; messages logged before
/// go to stderr.
pub fn init(settings: Settings) {
    kad::logger::set_detail(settings.detail);
    tzset();
    let sink = Sink::new(settings);
    *SINK.lock().unwrap_or_else(|e| e.into_inner()) = Some(sink);
    kad::logger::set_writer(write);
}

/// kad's [`kad::logger::Writer`]: one line to the destinations [`init`] set up.
fn write(level: Level, args: fmt::Arguments<'_>) {
    let mut guard = SINK.lock().unwrap_or_else(|e| e.into_inner());
    match guard.as_mut() {
        Some(sink) => sink.write(level, args),
        None => eprintln!("{args}"),
    }
}

/// Change the ident suffixes once the configuration names a namespace or instance
/// (keepalived's "Changing syslog ident"); reopens the log file under its new name.
pub fn set_names(namespace: Option<&str>, instance: Option<&str>) {
    let mut guard = SINK.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(sink) = guard.as_mut() {
        sink.settings.namespace = namespace.map(str::to_owned);
        sink.settings.instance = instance.map(str::to_owned);
        sink.ident = sink.settings.ident();
        sink.open_file();
    }
}

/// The ident in use (for "Changing syslog ident to ...").
pub fn ident() -> String {
    let guard = SINK.lock().unwrap_or_else(|e| e.into_inner());
    guard
        .as_ref()
        .map_or_else(|| Role::Parent.ident().to_owned(), |s| s.ident.clone())
}

/// Write out anything buffered for the log file (before exit and before starting a child).
pub fn flush() {
    let mut guard = SINK.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(file) = guard.as_mut().and_then(|s| s.file.as_mut()) {
        let _ = file.flush();
    }
}

static SINK: Mutex<Option<Sink>> = Mutex::new(None);

/// How long to wait before trying `/dev/log` again after it could not be reached, so that a
/// host without a syslog daemon does not pay a failed connect for every message.
const SYSLOG_RETRY: Duration = Duration::from_secs(1);

/// glibc's `syslog()` truncates nothing, but a datagram cannot exceed the socket's send buffer;
/// keepalived's own messages stay far below this.
const MAX_SYSLOG_LINE: usize = 8192;

struct Sink {
    settings: Settings,
    ident: String,
    pid: u32,
    syslog: Option<UnixDatagram>,
    retry_at: Option<Instant>,
    file: Option<io::BufWriter<File>>,
    line: String,
}

impl Sink {
    fn new(settings: Settings) -> Sink {
        let mut sink = Sink {
            ident: settings.ident(),
            settings,
            pid: std::process::id(),
            syslog: None,
            retry_at: None,
            file: None,
            line: String::with_capacity(256),
        };
        sink.open_file();
        sink
    }

    fn open_file(&mut self) {
        if let Some(mut old) = self.file.take() {
            let _ = old.flush();
        }
        let Some(path) = self.settings.file_path() else {
            return;
        };
        // keepalived's fopen_safe(): append, never through a symlink, non-blocking writes.
        let opened = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o666)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path);
        match opened {
            Ok(f) => self.file = Some(io::BufWriter::new(f)),
            Err(e) => eprintln!("Unable to open log file {}: {e}", path.display()),
        }
    }

    fn write(&mut self, level: Level, args: fmt::Arguments<'_>) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let tm = local_time(now.as_secs() as i64).unwrap_or(NO_TIME);
        if self.settings.console || self.file.is_some() {
            self.line.clear();
            let _ = self.line.write_fmt(args);
            if self.settings.console {
                // strftime "%c" in the C locale.
                // One write(2) per line: the parent and its children share this stderr.
                let text = format!("{}: {}\n", Stamp::Console(&tm), self.line);
                let _ = io::stderr().lock().write_all(text.as_bytes());
            }
            if let Some(file) = self.file.as_mut() {
                let _ = writeln!(
                    file,
                    "{}: {}",
                    Stamp::File(&tm, now.subsec_nanos()),
                    self.line
                );
                if self.settings.flush {
                    let _ = file.flush();
                }
            }
        }
        if self.settings.syslog {
            self.send_syslog(level, &tm, args);
        }
    }

    fn send_syslog(&mut self, level: Level, tm: &libc::tm, args: fmt::Arguments<'_>) {
        self.line.clear();
        let _ = write!(
            self.line,
            "<{}>{} {}[{}]: ",
            self.settings.facility | level as u8,
            Stamp::Syslog(tm),
            self.ident,
            self.pid
        );
        let _ = self.line.write_fmt(args);
        if self.line.len() > MAX_SYSLOG_LINE {
            let mut cut = MAX_SYSLOG_LINE;
            while !self.line.is_char_boundary(cut) {
                cut -= 1;
            }
            self.line.truncate(cut);
        }
        for attempt in 0..2 {
            if self.syslog.is_none() && !self.connect() {
                return;
            }
            let Some(sock) = self.syslog.as_ref() else {
                return;
            };
            match sock.send(self.line.as_bytes()) {
                Ok(_) => return,
                // Full queue: drop the line rather than stall the process.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // syslogd restarted or went away: reconnect once and retry.
                Err(_) if attempt == 0 => self.syslog = None,
                Err(_) => {
                    self.syslog = None;
                    self.retry_at = Some(Instant::now() + SYSLOG_RETRY);
                }
            }
        }
    }

    fn connect(&mut self) -> bool {
        if self.retry_at.is_some_and(|t| Instant::now() < t) {
            return false;
        }
        let sock = UnixDatagram::unbound().and_then(|s| {
            s.connect(&self.settings.syslog_path)?;
            s.set_nonblocking(true)?;
            Ok(s)
        });
        match sock {
            Ok(s) => {
                self.syslog = Some(s);
                self.retry_at = None;
                true
            }
            Err(_) => {
                self.retry_at = Some(Instant::now() + SYSLOG_RETRY);
                false
            }
        }
    }
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The three timestamp forms keepalived writes, from one broken-down local time.
enum Stamp<'a> {
    /// `Nov 21 22:42:47` (RFC 3164, day space-padded), as glibc's `syslog()`.
    Syslog(&'a libc::tm),
    /// `Sat Nov 21 22:42:47 2026`, strftime `%c` in the C locale.
    Console(&'a libc::tm),
    /// `Sat Nov 21 22:42:47.123456789 2026`, keepalived's log-file form.
    File(&'a libc::tm, u32),
}

fn name(table: &[&'static str], i: libc::c_int) -> &'static str {
    usize::try_from(i)
        .ok()
        .and_then(|i| table.get(i).copied())
        .unwrap_or("???")
}

impl fmt::Display for Stamp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Stamp::Syslog(tm) => write!(
                f,
                "{} {:2} {:02}:{:02}:{:02}",
                name(&MONTHS, tm.tm_mon),
                tm.tm_mday,
                tm.tm_hour,
                tm.tm_min,
                tm.tm_sec
            ),
            Stamp::Console(tm) => write!(
                f,
                "{} {} {:2} {:02}:{:02}:{:02} {}",
                name(&DAYS, tm.tm_wday),
                name(&MONTHS, tm.tm_mon),
                tm.tm_mday,
                tm.tm_hour,
                tm.tm_min,
                tm.tm_sec,
                tm.tm_year + 1900
            ),
            Stamp::File(tm, nanos) => write!(
                f,
                "{} {} {:02} {:02}:{:02}:{:02}.{:09} {}",
                name(&DAYS, tm.tm_wday),
                name(&MONTHS, tm.tm_mon),
                tm.tm_mday,
                tm.tm_hour,
                tm.tm_min,
                tm.tm_sec,
                nanos,
                tm.tm_year + 1900
            ),
        }
    }
}

/// What a log line is stamped with when the local time cannot be had: all zero, as before a
/// failed `localtime_r`.
const NO_TIME: libc::tm = libc::tm {
    tm_sec: 0,
    tm_min: 0,
    tm_hour: 0,
    tm_mday: 0,
    tm_mon: 0,
    tm_year: 0,
    tm_wday: 0,
    tm_yday: 0,
    tm_isdst: 0,
    tm_gmtoff: 0,
    tm_zone: std::ptr::null(),
};

/// Load the time zone once, so `localtime_r` sees `TZ` and `/etc/localtime`.
#[allow(unsafe_code)]
fn tzset() {
    extern "C" {
        fn tzset();
    }
    // SAFETY: tzset() takes no arguments and only initialises libc's time-zone state; kad
    // calls it before any other thread exists.
    unsafe { tzset() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tm(year: i32, mon: i32, mday: i32, wday: i32, h: i32, m: i32, s: i32) -> libc::tm {
        let mut t = local_time(0).unwrap();
        t.tm_year = year - 1900;
        t.tm_mon = mon;
        t.tm_mday = mday;
        t.tm_wday = wday;
        t.tm_hour = h;
        t.tm_min = m;
        t.tm_sec = s;
        t
    }

    #[test]
    fn timestamps_match_keepalived() {
        let t = tm(2026, 10, 1, 0, 2, 4, 7);
        assert_eq!(Stamp::Syslog(&t).to_string(), "Nov  1 02:04:07");
        assert_eq!(Stamp::Console(&t).to_string(), "Sun Nov  1 02:04:07 2026");
        assert_eq!(
            Stamp::File(&t, 1234).to_string(),
            "Sun Nov 01 02:04:07.000001234 2026"
        );
    }

    #[test]
    fn file_names_like_make_file_name() {
        let tmp = Path::new("/tmp");
        assert_eq!(
            make_file_name("keepalived.log", None, None, None, tmp),
            PathBuf::from("/tmp/keepalived.log")
        );
        assert_eq!(
            make_file_name("keepalived.log", Some("vrrp"), Some("ns1"), Some("i1"), tmp),
            PathBuf::from("/tmp/keepalived_vrrp_ns1_i1.log")
        );
        assert_eq!(
            make_file_name("/var/log/ka.d/out", Some("check"), None, None, tmp),
            PathBuf::from("/var/log/ka.d/out_check")
        );
        assert_eq!(
            make_file_name("sub/x.y.log", Some("bfd"), None, None, tmp),
            PathBuf::from("/tmp/sub/x.y_bfd.log")
        );
    }

    #[test]
    fn facilities() {
        assert_eq!(facility_code(None), 24);
        assert_eq!(facility_code(Some("local0")), 128);
        assert_eq!(facility_code(Some("7")), 184);
        assert_eq!(facility_code(Some("user")), 8);
        assert_eq!(facility_code(Some("bogus")), 24);
    }

    fn settings(role: Role, syslog_path: PathBuf) -> Settings {
        Settings {
            role,
            namespace: Some("ns".into()),
            instance: Some("a".into()),
            facility: facility_code(Some("local3")),
            syslog: true,
            console: false,
            file: None,
            flush: false,
            detail: 0,
            syslog_path,
        }
    }

    #[test]
    fn ident_suffixes() {
        let s = settings(Role::Vrrp, PathBuf::new());
        assert_eq!(s.ident(), "Keepalived_vrrp_ns_a");
        let mut s = settings(Role::Checker, PathBuf::new());
        s.namespace = None;
        s.instance = None;
        assert_eq!(s.ident(), "Keepalived_healthcheckers");
    }

    #[test]
    fn syslog_lines_and_reconnect() {
        let dir = std::env::temp_dir().join(format!("kad-log-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("log.sock");
        let _ = std::fs::remove_file(&path);
        let mut sink = Sink::new(settings(Role::Vrrp, path.clone()));
        // No syslogd yet: the line is dropped without blocking or panicking.
        sink.write(Level::Info, format_args!("lost"));
        assert!(sink.syslog.is_none());

        let server = UnixDatagram::bind(&path).unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        sink.retry_at = None;
        sink.write(
            Level::Err,
            format_args!("({}) Entering MASTER STATE", "VI_1"),
        );
        let mut buf = [0u8; 512];
        let n = server.recv(&mut buf).unwrap();
        let line = std::str::from_utf8(&buf[..n]).unwrap();
        // local3 (19 << 3) | LOG_ERR (3) = 155
        assert!(line.starts_with("<155>"), "{line}");
        assert!(
            line.ends_with(&format!(
                " Keepalived_vrrp_ns_a[{}]: (VI_1) Entering MASTER STATE",
                std::process::id()
            )),
            "{line}"
        );

        // syslogd restarts: a new socket at the same path.
        drop(server);
        std::fs::remove_file(&path).unwrap();
        let server = UnixDatagram::bind(&path).unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        sink.write(Level::Info, format_args!("after restart"));
        let n = server.recv(&mut buf).unwrap();
        assert!(std::str::from_utf8(&buf[..n])
            .unwrap()
            .ends_with("after restart"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn file_lines() {
        let dir = std::env::temp_dir().join(format!("kad-logf-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut s = settings(Role::Checker, PathBuf::from("/nonexistent/sock"));
        s.syslog = false;
        s.namespace = None;
        s.instance = None;
        s.file = Some(dir.join("k.log").to_string_lossy().into_owned());
        s.flush = true;
        let mut sink = Sink::new(s);
        sink.write(Level::Info, format_args!("hello {}", 1));
        let text = std::fs::read_to_string(dir.join("k_check.log")).unwrap();
        assert!(text.ends_with(": hello 1\n"), "{text}");
        // "Sat Nov 21 22:42:47.123456789 2026: " — the nanosecond field is nine digits.
        let stamp = text.split(": ").next().unwrap();
        assert_eq!(stamp.len(), "Sat Nov 21 22:42:47.123456789 2026".len());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
