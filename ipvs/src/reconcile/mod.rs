//! The reconciler: desired virtual/real servers in, minimal kernel operations out.
//!
//! * [`VirtualServerSpec`]/[`RealServerSpec`] — what the daemon builds from the configuration;
//!   [`Desired::new`] validates them.
//! * [`plan`] — pure: `(desired, current, owned) -> Vec<Op>`; [`plan_stop`] for shutdown.
//! * [`apply`] — runs ops against an [`IpvsBackend`] ([`IpvsClient`](crate::IpvsClient) or
//!   [`MemoryIpvs`]) and keeps [`Ownership`] in step.
//! * [`Reconciler`] — `lvs_flush`, `lvs_timeouts`, `lvs_flush_on_stop`, ownership across calls.
//! * [`SyncDaemonControl`] — `lvs_sync_daemon` with VRRP-instance tracking.
//!
//! Ownership: kad deletes or edits away only entries it created or that the configuration claims
//! (a desired entry already present is adopted). Foreign services and destinations are left as
//! they are, except by `lvs_flush` / `lvs_flush_on_stop`.

mod apply;
mod backend;
mod model;
mod plan;
mod spec;
mod syncd;
mod table;

pub use apply::{apply, ApplyReport, LvsSettings, Reconciler};
pub use backend::IpvsBackend;
pub use model::{MemoryIpvs, KNOWN_SCHEDULERS};
pub use plan::{plan, plan_stop, FlushOnStop, Op};
pub use spec::{Desired, RealServerSpec, SpecError, VirtualServerSpec};
pub use syncd::{SyncDaemonControl, SyncDaemonSpec, VrrpRole};
pub use table::{dest_matches, service_matches, Ownership, Table, TableEntry};
