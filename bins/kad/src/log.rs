//! Logging in keepalived's wording and to keepalived's destinations (syslog by default,
//! the console with `-l`, a file with `-g`), because operators grep these lines.
//!
//! Call sites use the macros: `log_info!("({}) Entering MASTER STATE", name)`.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

/// syslog severities that keepalived uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
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

static MAX_LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);

/// Whether messages at `level` are written at all (lets callers skip building them).
pub fn enabled(level: Level) -> bool {
    level as u8 <= MAX_LEVEL.load(Ordering::Relaxed)
}

/// Writes one message.
pub fn log(level: Level, args: fmt::Arguments<'_>) {
    if enabled(level) {
        eprintln!("{args}");
    }
}

/// Logs at LOG_INFO.
#[macro_export]
macro_rules! log_info { ($($t:tt)*) => { $crate::log::log($crate::log::Level::Info, format_args!($($t)*)) } }
/// Logs at LOG_NOTICE.
#[macro_export]
macro_rules! log_notice { ($($t:tt)*) => { $crate::log::log($crate::log::Level::Notice, format_args!($($t)*)) } }
/// Logs at LOG_WARNING.
#[macro_export]
macro_rules! log_warn { ($($t:tt)*) => { $crate::log::log($crate::log::Level::Warning, format_args!($($t)*)) } }
/// Logs at LOG_ERR.
#[macro_export]
macro_rules! log_err { ($($t:tt)*) => { $crate::log::log($crate::log::Level::Err, format_args!($($t)*)) } }
/// Logs at LOG_DEBUG.
#[macro_export]
macro_rules! log_debug { ($($t:tt)*) => { $crate::log::log($crate::log::Level::Debug, format_args!($($t)*)) } }
