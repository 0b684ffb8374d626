//! Which announced routes belong in the kernel, sans-IO: fed the virtual servers' quorum, it
//! returns the [`Change`]s that bring the kernel from what it holds to what it should hold.
//!
//! | event | a route whose virtual servers all have quorum | any other route |
//! |---|---|---|
//! | first [`Announcer::update`] | announced | withdrawn (a previous kad may have left it) |
//! | later updates, a reload | announced if not yet | withdrawn if announced |
//! | [`Announcer::withdraw_all`] (stopping) | withdrawn, never announced again | — |
//!
//! A route shared by several virtual servers (the same address on ports 80 and 443) is
//! announced only while every one of them has quorum: a director that cannot serve one of
//! the services lets the routers send the whole address to the directors that can.

use std::collections::BTreeSet;

use super::plan::{Plan, Route};

/// A change to make in the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Add the route.
    Announce(Route),
    /// Delete the route (absent already is fine).
    Withdraw(Route),
}

/// The announcements of one checker process.
#[derive(Debug)]
pub struct Announcer {
    plan: Plan,
    announced: BTreeSet<Route>,
    /// Nothing was decided yet: the kernel may hold routes of an earlier run.
    fresh: bool,
    stopping: bool,
}

impl Announcer {
    /// Announces nothing until the first [`Announcer::update`].
    pub fn new(plan: Plan) -> Announcer {
        Announcer {
            plan,
            announced: BTreeSet::new(),
            fresh: true,
            stopping: false,
        }
    }

    /// The plan in force.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The routes announced now.
    pub fn announced(&self) -> impl Iterator<Item = &Route> {
        self.announced.iter()
    }

    /// A reload's plan; routes it drops are withdrawn by the next [`Announcer::update`].
    pub fn reload(&mut self, plan: Plan) {
        self.plan = plan;
    }

    /// The changes that make the kernel hold exactly the routes whose virtual servers all
    /// have quorum (`quorum(v)` for virtual server `v`).
    #[must_use]
    pub fn update(&mut self, quorum: impl Fn(usize) -> bool) -> Vec<Change> {
        if self.stopping {
            return Vec::new();
        }
        let wanted: BTreeSet<Route> = self
            .plan
            .routes
            .iter()
            .filter(|(_, vss)| vss.iter().all(|&v| quorum(v)))
            .map(|(r, _)| *r)
            .collect();
        let mut out: Vec<Change> = self
            .announced
            .difference(&wanted)
            .map(|r| Change::Withdraw(*r))
            .collect();
        if std::mem::take(&mut self.fresh) {
            out.extend(
                self.plan
                    .routes
                    .keys()
                    .filter(|r| !wanted.contains(r))
                    .map(|r| Change::Withdraw(*r)),
            );
        }
        out.extend(
            wanted
                .difference(&self.announced)
                .map(|r| Change::Announce(*r)),
        );
        self.announced = wanted;
        out
    }

    /// The kernel refused an announcement: it is not held, and the next update tries again.
    pub fn failed(&mut self, route: &Route) {
        self.announced.remove(route);
    }

    /// Stopping: every announced route is withdrawn and none is announced again.
    #[must_use]
    pub fn withdraw_all(&mut self) -> Vec<Change> {
        self.stopping = true;
        std::mem::take(&mut self.announced)
            .into_iter()
            .map(Change::Withdraw)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn route(last: u8) -> Route {
        Route {
            addr: std::net::Ipv4Addr::new(192, 0, 2, last).into(),
            len: 32,
            table: 254,
            metric: None,
            protocol: 19,
        }
    }

    /// 192.0.2.100 needs virtual servers 0 and 1; 192.0.2.101 needs 2.
    fn announcer() -> Announcer {
        let mut plan = Plan {
            drain: Duration::from_secs(2),
            ..Plan::default()
        };
        plan.routes.insert(route(100), vec![0, 1]);
        plan.routes.insert(route(101), vec![2]);
        Announcer::new(plan)
    }

    #[test]
    fn the_first_update_withdraws_what_an_earlier_run_may_have_left() {
        let mut a = announcer();
        assert_eq!(
            a.update(|v| v == 2),
            [Change::Withdraw(route(100)), Change::Announce(route(101))]
        );
        assert_eq!(a.update(|v| v == 2), []);
    }

    #[test]
    fn a_shared_route_needs_every_virtual_server() {
        let mut a = announcer();
        let _ = a.update(|_| true);
        assert_eq!(a.announced().count(), 2);
        assert_eq!(a.update(|v| v != 1), [Change::Withdraw(route(100))]);
        assert_eq!(a.update(|v| v != 1), []);
        assert_eq!(a.update(|_| true), [Change::Announce(route(100))]);
    }

    #[test]
    fn stopping_withdraws_everything_for_good() {
        let mut a = announcer();
        let _ = a.update(|_| true);
        assert_eq!(
            a.withdraw_all(),
            [Change::Withdraw(route(100)), Change::Withdraw(route(101))]
        );
        assert_eq!(a.update(|_| true), []);
        assert_eq!(a.announced().count(), 0);
    }

    #[test]
    fn a_reload_withdraws_dropped_routes_and_a_failure_is_retried() {
        let mut a = announcer();
        let _ = a.update(|_| true);
        let mut plan = a.plan().clone();
        plan.routes.remove(&route(101));
        a.reload(plan);
        assert_eq!(a.update(|_| true), [Change::Withdraw(route(101))]);
        a.failed(&route(100));
        assert_eq!(a.update(|_| true), [Change::Announce(route(100))]);
    }
}
