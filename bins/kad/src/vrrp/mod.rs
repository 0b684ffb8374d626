//! The VRRP child process: one single-threaded event loop driving `keepalive-vrrp`
//! instances over raw sockets, with netlink for addresses and links.

pub mod dump;
pub mod script_track;
pub mod track_file;
pub mod track_process;

use crate::cli::Cli;

/// Runs the VRRP process until it is told to stop; returns the exit code.
pub fn run(_cli: &Cli) -> i32 {
    crate::log_err!("VRRP child not written yet");
    1
}
