//! Announcement changes through rtnetlink, logged.

use keepalive_netlink::{Error, Rtnl};
use nix::errno::Errno;

use super::plan::{Plan, Route};
use super::state::{Announcer, Change};

/// Applies `changes`; an announcement the kernel refuses is handed back to `announcer` so
/// that the next update retries it. A route already present (left by an earlier run) counts
/// as announced, one already absent as withdrawn.
pub fn apply(rtnl: &mut Rtnl, announcer: &mut Announcer, changes: &[Change]) {
    for c in changes {
        match c {
            Change::Announce(r) => match rtnl.add_route(&r.spec()) {
                Ok(()) => log_info!("Announcing {r}"),
                Err(Error::Kernel {
                    errno: Errno::EEXIST,
                    ..
                }) => log_info!("Announcing {r} (already in the kernel)"),
                Err(e) => {
                    log_err!("Announcing {r} failed: {e}");
                    announcer.failed(r);
                }
            },
            Change::Withdraw(r) => withdraw(rtnl, r),
        }
    }
}

/// Deletes `route`, logged when it was there.
fn withdraw(rtnl: &mut Rtnl, route: &Route) {
    match rtnl.del_route(&route.spec()) {
        Ok(()) => log_info!("Withdrawing {route}"),
        Err(Error::Kernel {
            errno: Errno::ESRCH | Errno::ENOENT,
            ..
        }) => {}
        Err(e) => log_err!("Withdrawing {route} failed: {e}"),
    }
}

/// kad's parent, when the checker process died or kad stops: every route of `plan` is
/// deleted (those already gone silently), so that none outlives its health checks.
pub fn withdraw_plan(plan: &Plan, why: &str) {
    if plan.is_empty() {
        return;
    }
    let mut rtnl = match Rtnl::open(None) {
        Ok(r) => r,
        Err(e) => {
            log_err!("Cannot withdraw announcements ({why}): {e}");
            return;
        }
    };
    for route in plan.routes.keys() {
        if rtnl.del_route(&route.spec()).is_ok() {
            log_info!("Withdrawing {route} ({why})");
        }
    }
}
