//! The library's logging front end: keepalived's severities, the `log_*!` macros its modules
//! log through, and one hook that says where the lines go.
//!
//! The library decides *what* to log, in keepalived's wording (scripts grep it); the program
//! embedding it decides *where*. kad's binary installs its syslog / file / console sink with
//! [`set_writer`]; an appliance may install its own, or leave the default, which prints each
//! line on stderr.
//!
//! Call sites use the macros: `log_info!("({}) Entering MASTER STATE", name)`.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// syslog severities that keepalived uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    /// LOG_ALERT: keepalived's "child process died" lines.
    Alert = 1,
    /// LOG_ERR
    Err = 3,
    /// LOG_WARNING
    Warning = 4,
    /// LOG_NOTICE
    Notice = 5,
    /// LOG_INFO
    Info = 6,
    /// LOG_DEBUG
    Debug = 7,
}

/// Where a formatted line goes.
pub type Writer = fn(Level, fmt::Arguments<'_>);

/// Messages above this severity number are not even formatted. keepalived logs everything at
/// INFO and above and gates its verbose lines on `-D`; kad's `log_debug!` lines are those.
static MAX_LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);
/// How many times `-D` was given (keepalived's `LOG_DETAIL_BIT` / `LOG_EXTRA_DETAIL_BIT`).
static DETAIL: AtomicU8 = AtomicU8::new(0);
static WRITER: OnceLock<Writer> = OnceLock::new();

/// Sets keepalived's `-D` count: one or more also enables `log_debug!` lines.
pub fn set_detail(detail: u8) {
    let max = if detail > 0 {
        Level::Debug
    } else {
        Level::Info
    };
    MAX_LEVEL.store(max as u8, Ordering::Relaxed);
    DETAIL.store(detail, Ordering::Relaxed);
}

/// Sends every line from now on to `writer`. The first call wins: a process has one log.
pub fn set_writer(writer: Writer) {
    let _ = WRITER.set(writer);
}

/// Whether messages at `level` are written at all (lets callers skip building them).
pub fn enabled(level: Level) -> bool {
    level as u8 <= MAX_LEVEL.load(Ordering::Relaxed)
}

/// `-D`: keepalived's "log detail", which adds lines such as script results and CPU usage.
pub fn detail() -> bool {
    DETAIL.load(Ordering::Relaxed) >= 1
}

/// Writes one message.
pub fn log(level: Level, args: fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    match WRITER.get() {
        Some(w) => w(level, args),
        None => eprintln!("{args}"),
    }
}

/// Logs at LOG_INFO.
#[macro_export]
macro_rules! log_info { ($($t:tt)*) => { $crate::logger::log($crate::logger::Level::Info, format_args!($($t)*)) } }
/// Logs at LOG_NOTICE.
#[macro_export]
macro_rules! log_notice { ($($t:tt)*) => { $crate::logger::log($crate::logger::Level::Notice, format_args!($($t)*)) } }
/// Logs at LOG_WARNING.
#[macro_export]
macro_rules! log_warn { ($($t:tt)*) => { $crate::logger::log($crate::logger::Level::Warning, format_args!($($t)*)) } }
/// Logs at LOG_ERR.
#[macro_export]
macro_rules! log_err { ($($t:tt)*) => { $crate::logger::log($crate::logger::Level::Err, format_args!($($t)*)) } }
/// Logs at LOG_DEBUG.
#[macro_export]
macro_rules! log_debug { ($($t:tt)*) => { $crate::logger::log($crate::logger::Level::Debug, format_args!($($t)*)) } }

/// Broken-down local time, as syslog, keepalived's log lines and the alert mails' `Date:`
/// print it: `localtime_r(3)`, since the C library knows the zone (TZ, /etc/localtime) and
/// its rules and `std` does not. `None` if it cannot convert `secs`.
#[allow(unsafe_code)]
pub fn local_time(secs: i64) -> Option<libc::tm> {
    // `time_t` is 32 bits on some targets.
    #[allow(clippy::useless_conversion)]
    let t: libc::time_t = secs.try_into().ok()?;
    // SAFETY: all-zero is a valid `tm` (integers and a null `tm_zone`); `localtime_r` only
    // writes into the two pointers it is given, both valid for the call, and is thread-safe.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        (!libc::localtime_r(&t, &mut tm).is_null()).then_some(tm)
    }
}
