//! kad's library: the I/O drivers of keepalived re-created in Rust, for the `kad` daemon and
//! for any program that embeds them (an appliance running VRRP without a keepalived.conf).
//!
//! The protocol decisions live in the sans-IO crates (`keepalive-vrrp`, `keepalive-checkers`,
//! `keepalive-ipvs`, `keepalive-netlink`); this crate executes them:
//!
//! - [`vrrp::router::Router`] drives VRRP instances and sync groups over the raw sockets of
//!   [`vrrp_net`], installs their addresses through netlink and sends GARP/NA; it takes
//!   `keepalive_vrrp` instance configurations and netlink specs, so it runs with or without a
//!   keepalived.conf ([`vrrp::mapping`] is the one place that maps one);
//! - the trackers feeding it: [`track_file`], [`vrrp::track_process`], [`vrrp::script_track`];
//! - the script runner [`spawn`], the notify scripts and FIFOs of [`notify`], the SMTP alerts
//!   of [`smtp_alert`];
//! - the VRRP and checker processes' loops, [`vrrp::run`] and [`checker::run`], driven by a
//!   keepalived.conf as kad's children run them ([`ChildOptions`]);
//! - [`signals`] (the signalfd every loop reads) and [`logger`] (keepalived's log wording,
//!   written wherever the embedding program says).
//!
//! What only the daemon does (command line, parent and children, pid files, the syslog and
//! log-file destinations) is in kad's binary.
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[macro_use]
pub mod logger;
mod abstract_socket;
pub mod announce;
pub mod bfd;
pub mod checker;
mod child;
mod deadlines;
pub mod ext_config;
pub mod memory;
pub mod metrics;
pub mod notify;
pub mod privileges;
mod sched;
pub mod signals;
pub mod smtp_alert;
pub mod snmp;
pub mod spawn;
pub mod track_file;
pub mod vrrp;
pub mod vrrp_net;

pub use child::ChildOptions;
