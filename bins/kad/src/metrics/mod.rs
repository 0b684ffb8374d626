//! Prometheus metrics, served natively by kad's parent (`--metrics-listen ADDR:PORT`).
//!
//! - [`text`]: the Prometheus text and OpenMetrics formats;
//! - [`http`]: the `/metrics` endpoint, on a thread of the parent, bounded in what a client
//!   can make it spend;
//! - [`channel`]: how the parent asks each child for its families at scrape time without
//!   ever making a child wait, and gives up on a child that does not answer in time;
//! - [`parent`], [`vrrp`], [`checker`], [`bfd`]: each process's families.
//!
//! The `keepalived_*` families carry mehdy/keepalived-exporter's names and labels, so its
//! dashboards and alerts work unchanged; the `kad_*` families are what no exporter of
//! keepalived's dumps can see.

pub mod bfd;
pub mod channel;
pub mod checker;
pub mod http;
pub mod parent;
pub mod text;
pub mod vrrp;

#[cfg(test)]
mod cost_tests;
