//! Bytes the VRRP child keeps per `vrrp_instance`, counted by a global allocator, so that the
//! footprint (issue #17: less memory than keepalived's ~1.4 kB per instance) cannot creep
//! back unnoticed.
//!
//! What is counted is what `kad`'s VRRP process holds for life after start-up: the typed
//! configuration model (kept for the dumps, SNMP and metrics) and the [`Router`] with its
//! units, plans and members, built from the same configuration as `scripts/bench-vrrp.sh`'s
//! 1,000-instance cell (VRRPv2, 250 VRIDs on each of 4 interfaces, one VIP each). The growth
//! between two sizes divided by the instances added is the cost of one instance; the fixed
//! part (links, sockets, tables) cancels out.
//!
//! The router opens its sockets on veth interfaces in a network namespace of its own: the
//! test's thread unshares one (it dies with the thread, so nothing is left behind even on a
//! failure). Needs root (CAP_NET_ADMIN, CAP_NET_RAW); without, the test is skipped outside
//! CI and fails under `CI=true`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::process::Command;
use std::time::Instant;

use kad::vrrp::mapping;
use kad::vrrp::router::{Previous, Router};
use keepalive_netlink::{Reflector, Rtnl};

/// The budget per instance, in bytes of heap, for the configuration above: the 3,867 measured
/// on 2026-12-07 (model 1,358, router with its plan 2,509; 4,273 before the plan and the
/// protocol instance shared one `InstanceConfig`) plus 5%. Lower it as the footprint goes
/// down; `--nocapture` prints the current figures and where they go.
const BUDGET_PER_INSTANCE: isize = 4_060;

/// Counts the calling thread's live heap bytes; allocation itself is the system's.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn add(n: isize) {
    // `try_with`: a thread's last frees run while its thread-locals are torn down.
    let _ = LIVE.try_with(|l| l.set(l.get() + n));
}

fn live() -> isize {
    LIVE.with(Cell::get)
}

// SAFETY: every call is forwarded unchanged to `System`; the counting only reads sizes and
// touches a const-initialised thread-local `Cell`, which never allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as isize);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as isize);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-(layout.size() as isize));
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(new_size as isize - layout.size() as isize);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// `n` instances as bench-vrrp.sh's `conf_many` writes them (backup role).
fn conf(n: usize) -> String {
    let mut s = String::from("global_defs {\n    router_id footprint\n}\n");
    for i in 0..n {
        let (link, vrid) = (i / 250, i % 250 + 1);
        s += &format!(
            "vrrp_instance VI_{i} {{\n    state BACKUP\n    interface eth{link}\n    \
             virtual_router_id {vrid}\n    priority 100\n    advert_int 1\n    \
             virtual_ipaddress {{\n        192.0.2.{vrid}/32\n    }}\n}}\n"
        );
    }
    s
}

/// Heap bytes, live after start-up, of each part the VRRP child keeps.
#[derive(Debug, Clone, Copy)]
struct Kept {
    /// The typed `keepalived.conf` model.
    model: isize,
    /// The mapping's plan, before the router takes it.
    plan: isize,
    /// The router after `start`, plan included.
    router: isize,
}

impl Kept {
    fn total(&self) -> isize {
        self.model + self.router
    }
}

fn kept(n: usize) -> Kept {
    let text = conf(n);
    let opts = keepalive_confparse::Options::default();
    let base = live();
    let loaded = keepalive_confparse::load::load_str("footprint.conf", &text, &opts);
    assert!(
        !loaded.diagnostics.has_errors(),
        "{:?}",
        loaded.diagnostics.iter().next()
    );
    let config = loaded.config;
    drop(loaded.diagnostics);
    drop(loaded.keyword_places);
    drop(text);
    let model = live() - base;

    let poll = mio::Poll::new().expect("epoll");
    let reflector = Reflector::open(None).expect("netlink reflector");
    let rtnl = Rtnl::open(None).expect("rtnetlink");
    let mut router = Router::new(reflector, rtnl, 1);
    let before_plan = live();
    let plan = mapping::plan(&config, router.reflector.table(), &[]);
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    let plan_bytes = live() - before_plan;
    router.start(poll.registry(), plan, Instant::now(), &Previous::default());
    // The loop hands these to the notify scripts at once and frees them.
    drop(std::mem::take(&mut router.notifications));
    let router_bytes = live() - before_plan;
    let k = Kept {
        model,
        plan: plan_bytes,
        router: router_bytes,
    };
    drop(router);
    drop(config);
    k
}

/// Four links eth0..eth3 with addresses (veths: not every kernel has `dummy`), in the calling
/// thread's new namespace.
fn links() -> Result<(), String> {
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("unshare(CLONE_NEWNET): {e} (not root?)"))?;
    let ip = |args: &str| -> Result<(), String> {
        let out = Command::new("ip")
            .args(args.split(' '))
            .output()
            .map_err(|e| format!("ip: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "ip {args}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    ip("link set lo up")?;
    for i in 0..4 {
        ip(&format!("link add eth{i} type veth peer name peer{i}"))?;
        ip(&format!("link set peer{i} up"))?;
        let addr = if i == 0 {
            "192.0.2.252/24".to_string()
        } else {
            format!("198.51.100.{}/24", 10 * i + 2)
        };
        ip(&format!("addr add {addr} dev eth{i}"))?;
        ip(&format!("link set eth{i} multicast on up"))?;
    }
    Ok(())
}

#[test]
fn bytes_per_vrrp_instance_stay_within_budget() {
    let (small, large) = (10, 1000);
    let result = std::thread::spawn(move || -> Result<(Kept, Kept), String> {
        links()?;
        // Once before measuring: lazily built statics (the logger, netlink buffers) are not
        // per-instance bytes.
        kept(small);
        Ok((kept(small), kept(large)))
    })
    .join()
    .expect("measuring thread");
    let (a, b) = match result {
        Ok(r) => r,
        Err(why) => {
            kad_skip::skip(why);
            return;
        }
    };
    let per = |f: fn(&Kept) -> isize| (f(&b) - f(&a)) / (large - small) as isize;
    let total = per(Kept::total);
    eprintln!(
        "heap bytes per VRRP instance: {total} in all; model {}, plan {} (moved into the \
         router), router {}; at {small}: {:?}, at {large}: {:?}",
        per(|k| k.model),
        per(|k| k.plan),
        per(|k| k.router),
        a,
        b
    );
    assert!(
        total <= BUDGET_PER_INSTANCE,
        "the VRRP child keeps {total} bytes per instance, over the budget of \
         {BUDGET_PER_INSTANCE}: model {}, plan {}, router {}",
        per(|k| k.model),
        per(|k| k.plan),
        per(|k| k.router)
    );
}
