//! Active-active announcements (`announce` in the extension file): each announced virtual
//! server's addresses are kernel routes while it has quorum, so that a routing daemon on the
//! director (FRR's zebra and bgpd, redistributing them) advertises only what this director
//! can serve, and the routers' equal-cost multipath spreads flows over every director that
//! announces an address.
//!
//! - [`plan`]: the routes a configuration announces and which virtual servers each needs;
//! - [`state`]: the sans-IO decision — which routes should be in the kernel now — and the
//!   changes that bring the kernel there;
//! - [`kernel`]: those changes through rtnetlink, and the parent's withdrawal of everything
//!   when the checker process is gone.
//!
//! Who withdraws: the checker process when quorum is lost and when it stops (first, then it
//! waits `drain` before tearing IPVS down); kad's parent when the checker process dies or
//! when kad stops, so that no route outlives the health checks behind it.

pub mod kernel;
pub mod plan;
pub mod state;

pub use plan::{Plan, Route};
pub use state::{Announcer, Change};
