//! What the VRRP and checker loops take from the process that starts them.

use std::path::PathBuf;

/// How [`crate::vrrp::run`] and [`crate::checker::run`] find their configuration, and how
/// they report back to whatever supervises them (kad's parent process).
#[derive(Debug, Clone)]
pub struct ChildOptions {
    /// The keepalived.conf to read (`-f`), at start and on every SIGHUP.
    pub config_file: PathBuf,
    /// How the preprocessor runs (`-i` config-id, `--all-config`).
    pub parse: keepalive_confparse::Options,
    /// Leave what the process installed in place on exit: `--dont-release-vrrp` (VIPs and
    /// static addresses) for VRRP, `--dont-release-ipvs` for the checkers.
    pub dont_release: bool,
    /// `-D`: log detail, which also logs SMTP dialogues.
    pub log_detail: bool,
    /// Called each time a configuration has been read and put in place, at start and after
    /// every reload, whether or not the new one was accepted; kad's parent waits for it to
    /// report "Startup complete" / "Reload complete".
    pub config_read: fn(),
    /// Called by the checker loop as it exits, to log "Stopped" (with `-D`, its CPU usage).
    pub stopped: fn(),
}
