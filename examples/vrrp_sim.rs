//! Three VRRP routers on a simulated LAN: election, a crash, a graceful stop, a restart.
//! Run with `cargo run -p kad-examples --example vrrp_sim`; it prints every transition.
use keepalive_vrrp::sim::{Happening, Lan};
use keepalive_vrrp::{InstanceConfig, Priority};
use std::time::Duration;

fn main() {
    let mut lan = Lan::new(7); // seeded: every run prints the same story
    let routers: Vec<_> = [(1, 200), (2, 150), (3, 100)]
        .into_iter()
        .map(|(host, prio)| {
            let mut c = InstanceConfig::new("VI_1", 51, [192, 0, 2, host].into());
            c.vips.push([192, 0, 2, 100].into());
            c.priority = Priority(prio);
            lan.add(c)
        })
        .collect();
    lan.run_for(Duration::from_secs(10));
    lan.crash(routers[0]); // no goodbye: the next best waits out the master-down interval
    lan.run_for(Duration::from_secs(10));
    lan.shutdown(routers[1]); // priority-0 advert: the last one takes over after its skew
    lan.run_for(Duration::from_secs(10));
    lan.restart(routers[0]); // the best router comes back and preempts
    lan.run_for(Duration::from_secs(10));
    for r in lan.log() {
        if let Happening::Notify(n) = &r.what {
            println!("{:>9.3}s  router {}  {n}", r.at.as_secs_f64(), r.router.0);
        }
    }
}
