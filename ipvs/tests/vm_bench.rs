//! The numbers `scripts/vm/bench-ipvs.sh` reports: installing a large table from empty and
//! reconciling a 1% change, by kad's reconciler, by `ipvsadm --restore` and by keepalived (when
//! the script copied it in), in the same VM.
//!
//! Ignored by default (it takes minutes under TCG); the script runs it with `--ignored` from a
//! release build. `KAD_BENCH_SERVICES` (default 10000) and `KAD_BENCH_DESTS` (default 4) size it.

#[path = "common/vm_support.rs"]
mod vm_support;

use keepalive_ipvs::reconcile::{
    Desired, LvsSettings, RealServerSpec, Reconciler, Table, VirtualServerSpec,
};
use keepalive_ipvs::{ForwardMethod, Protocol, ServiceFlags, ServiceKey};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};
use vm_support::Kernel;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Service `i`: 192.0.2.1-250, ports from 1000 up, so 10,000 services use 40 ports.
fn key(i: usize) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1 + (i % 250) as u8)),
        port: 1000 + (i / 250) as u16,
    }
}

fn real(j: usize, weight: i32) -> RealServerSpec {
    RealServerSpec {
        addr: IpAddr::V4(Ipv4Addr::new(203, 0, 113, 1 + j as u8)),
        port: 80,
        fwd: ForwardMethod::Masq,
        weight,
        u_threshold: 0,
        l_threshold: 0,
    }
}

fn service(i: usize, dests: usize) -> VirtualServerSpec {
    VirtualServerSpec {
        key: key(i),
        scheduler: "wlc".into(),
        flags: ServiceFlags::default(),
        timeout: 0,
        netmask: None,
        pe_name: None,
        reals: (0..dests).map(|j| real(j, 1)).collect(),
    }
}

/// The 1% change: of every 100 services, one is touched in one of five ways (weight change,
/// real server removed, real server added, service removed, service added in its place).
fn changed(base: &[VirtualServerSpec], dests: usize) -> Vec<VirtualServerSpec> {
    let mut out = Vec::with_capacity(base.len());
    for (i, vs) in base.iter().enumerate() {
        let mut vs = vs.clone();
        if i % 100 == 0 {
            match (i / 100) % 5 {
                0 => vs.reals[0].weight = 5,
                1 => {
                    vs.reals.pop();
                }
                2 => vs.reals.push(real(dests, 1)),
                3 => continue,
                _ => vs.key = key(base.len() + i),
            }
        }
        out.push(vs);
    }
    out
}

fn ipvsadm_service(k: &ServiceKey) -> String {
    match k {
        ServiceKey::Addr { addr, port, .. } => format!("-t {addr}:{port}"),
        ServiceKey::Fwmark { mark, .. } => format!("-f {mark}"),
    }
}

/// The whole table as `ipvsadm -R` input.
fn restore_script(specs: &[VirtualServerSpec]) -> String {
    let mut s = String::new();
    for vs in specs {
        let svc = ipvsadm_service(&vs.key);
        writeln!(s, "-A {svc} -s {}", vs.scheduler).unwrap();
        for r in &vs.reals {
            writeln!(s, "-a {svc} -r {}:{} -m -w {}", r.addr, r.port, r.weight).unwrap();
        }
    }
    s
}

/// Only the commands that turn `from` into `to`, as a script driving ipvsadm would have to
/// compute them (ipvsadm itself cannot diff).
fn delta_script(from: &[VirtualServerSpec], to: &[VirtualServerSpec]) -> String {
    let old: BTreeMap<ServiceKey, &VirtualServerSpec> = from.iter().map(|v| (v.key, v)).collect();
    let new: BTreeMap<ServiceKey, &VirtualServerSpec> = to.iter().map(|v| (v.key, v)).collect();
    let mut s = String::new();
    for k in old.keys().filter(|k| !new.contains_key(k)) {
        writeln!(s, "-D {}", ipvsadm_service(k)).unwrap();
    }
    for (k, vs) in &new {
        let svc = ipvsadm_service(k);
        let Some(before) = old.get(k) else {
            s.push_str(&restore_script(std::slice::from_ref(*vs)));
            continue;
        };
        let was: BTreeMap<_, _> = before.reals.iter().map(|r| ((r.addr, r.port), r)).collect();
        let now: BTreeMap<_, _> = vs.reals.iter().map(|r| ((r.addr, r.port), r)).collect();
        for (a, p) in was.keys().filter(|d| !now.contains_key(d)) {
            writeln!(s, "-d {svc} -r {a}:{p}").unwrap();
        }
        for ((a, p), r) in &now {
            match was.get(&(*a, *p)) {
                None => writeln!(s, "-a {svc} -r {a}:{p} -m -w {}", r.weight).unwrap(),
                Some(w) if w.weight != r.weight => {
                    writeln!(s, "-e {svc} -r {a}:{p} -m -w {}", r.weight).unwrap()
                }
                Some(_) => {}
            }
        }
    }
    s
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn check_kernel(k: &mut Kernel, want: &Desired) {
    let got = Table::from_dump(k.client.table().expect("dump"));
    assert_eq!(got.services.len(), want.table().services.len());
    assert_eq!(got.dest_count(), want.table().dest_count());
    for (key, entry) in &want.table().services {
        let have = got.services.get(key).expect("service installed");
        assert_eq!(have.dests, entry.dests, "{key}");
    }
}

/// The same table as a keepalived.conf (no checkers: keepalived installs every real server).
fn keepalived_conf(specs: &[VirtualServerSpec]) -> String {
    let mut s = String::from("global_defs {\n    router_id kad_vm_bench\n}\n");
    for vs in specs {
        let ServiceKey::Addr { addr, port, .. } = vs.key else {
            unreachable!("the benchmark uses address services only")
        };
        writeln!(
            s,
            "virtual_server {addr} {port} {{\n    lb_algo {}\n    lb_kind NAT\n    protocol TCP",
            vs.scheduler
        )
        .unwrap();
        for r in &vs.reals {
            writeln!(
                s,
                "    real_server {} {} {{\n        weight {}\n    }}",
                r.addr, r.port, r.weight
            )
            .unwrap();
        }
        s.push_str("}\n");
    }
    s
}

/// Cheap test that the kernel has reached `want`: the same set of services, and the expected
/// destinations on the services in `watch` (those a change touches, or the last one installed).
fn reached(k: &mut Kernel, want: &Desired, watch: &[ServiceKey]) -> bool {
    let Ok(services) = k.client.services() else {
        return false;
    };
    if services.len() != want.table().services.len()
        || !services
            .iter()
            .all(|s| want.table().services.contains_key(&s.config.key))
    {
        return false;
    }
    watch.iter().all(|key| {
        let expected = &want.table().services[key].dests;
        k.client.dests(key).is_ok_and(|d| {
            d.len() == expected.len()
                && d.iter()
                    .all(|d| expected.get(&d.config.key) == Some(&d.config))
        })
    })
}

/// Waits until `reached`, or fails when keepalived exits or `limit` passes.
fn wait_for(
    k: &mut Kernel,
    ka: &mut std::process::Child,
    want: &Desired,
    watch: &[ServiceKey],
    limit: Duration,
) -> Result<Duration, String> {
    let t = Instant::now();
    loop {
        if reached(k, want, watch) {
            return Ok(t.elapsed());
        }
        if let Ok(Some(status)) = ka.try_wait() {
            return Err(format!("keepalived exited ({status})"));
        }
        if t.elapsed() > limit {
            return Err(format!("not converged after {}", secs(limit)));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// keepalived 2.2.7 (Debian's, copied into the VM by bench-ipvs.sh) installing the same table
/// from its configuration, and applying the 1% change on SIGHUP.
fn bench_keepalived(
    k: &mut Kernel,
    base: &[VirtualServerSpec],
    next: &[VirtualServerSpec],
    touched: &[ServiceKey],
) -> Result<(Duration, Duration), String> {
    use std::process::{Command, Stdio};
    const KEEPALIVED: &str = "/usr/sbin/keepalived";
    if !std::path::Path::new(KEEPALIVED).exists() {
        return Err("not in the VM".into());
    }
    let (want_base, want_next) = (
        Desired::new(base.to_vec()).unwrap(),
        Desired::new(next.to_vec()).unwrap(),
    );
    k.client.flush().unwrap();
    let conf = "/tmp/kad-bench-keepalived.conf";
    std::fs::write(conf, keepalived_conf(base)).unwrap();
    let t = Instant::now();
    // -C: the checker process only (it owns IPVS); -n: no daemon; output dropped, since 10,000
    // log lines on the emulated serial console would dominate the figure.
    let mut ka = Command::new(KEEPALIVED)
        .args(["-n", "-C", "-f", conf, "-p", "/tmp/kad-bench-ka.pid"])
        .args(["-c", "/tmp/kad-bench-kac.pid"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start keepalived: {e}"))?;
    let last = [base.last().expect("a table").key];
    let limit = Duration::from_secs(600);
    let result = wait_for(k, &mut ka, &want_base, &last, limit).and_then(|_| {
        let install = t.elapsed();
        check_kernel(k, &want_base);
        std::fs::write(conf, keepalived_conf(next)).unwrap();
        let t = Instant::now();
        let hup = Command::new("kill")
            .args(["-HUP", &ka.id().to_string()])
            .status()
            .map_err(|e| e.to_string())?;
        if !hup.success() {
            return Err("kill -HUP failed".into());
        }
        let touched_now: Vec<ServiceKey> = touched
            .iter()
            .filter(|s| want_next.table().services.contains_key(s))
            .copied()
            .collect();
        wait_for(k, &mut ka, &want_next, &touched_now, limit)?;
        let change = t.elapsed();
        check_kernel(k, &want_next);
        Ok((install, change))
    });
    let _ = Command::new("kill")
        .args(["-TERM", &ka.id().to_string()])
        .status();
    let _ = ka.wait();
    k.client.flush().unwrap();
    result
}

#[test]
#[ignore = "benchmark: run by scripts/vm/bench-ipvs.sh"]
fn bench_install_and_one_percent_change() {
    if vm_support::skip_outside_vm("bench_install_and_one_percent_change") {
        return;
    }
    let services = env_usize("KAD_BENCH_SERVICES", 10_000);
    let dests = env_usize("KAD_BENCH_DESTS", 4);
    let base: Vec<VirtualServerSpec> = (0..services).map(|i| service(i, dests)).collect();
    let next = changed(&base, dests);
    let (want_base, want_next) = (
        Desired::new(base.clone()).unwrap(),
        Desired::new(next.clone()).unwrap(),
    );
    let mut k = Kernel::take();
    let mut report = Vec::new();
    // A leading newline: libtest has already printed "test <name> ... " on this line.
    println!("\nBENCH table: {services} services x {dests} destinations");

    // kad: from empty, then the 1% change. The first reconcile dumps the (empty) kernel table;
    // the second plans against the reconciler's cached view, kept current by the first.
    let mut r = Reconciler::new(LvsSettings::default());
    let t = Instant::now();
    let install = r.reconcile(&mut k.client, &want_base).unwrap();
    let kad_install = t.elapsed();
    assert!(install.is_ok(), "{install}");
    check_kernel(&mut k, &want_base);
    let t = Instant::now();
    let dump = k.client.table().unwrap();
    let dump_time = t.elapsed();
    let t = Instant::now();
    let ops = r.plan(&want_next, &Table::from_dump(dump));
    let plan_time = t.elapsed();
    let t = Instant::now();
    let change = r.reconcile(&mut k.client, &want_next).unwrap();
    let kad_change = t.elapsed();
    assert!(change.is_ok(), "{change}");
    assert_eq!(change.applied.len(), ops.len());
    check_kernel(&mut k, &want_next);
    report.push(format!(
        "kad reconciler: install {} ({} ops); 1% change {} ({} ops, on its cached view; a fresh \
         dump of the kernel's table would take {}, planning {})",
        secs(kad_install),
        install.applied.len(),
        secs(kad_change),
        change.applied.len(),
        secs(dump_time),
        secs(plan_time),
    ));

    // ipvsadm --restore of the same tables.
    k.client.flush().unwrap();
    let full = restore_script(&base);
    let t = Instant::now();
    vm_support::ipvsadm_stdin(&["-R"], &full);
    let adm_install = t.elapsed();
    check_kernel(&mut k, &want_base);
    let delta = delta_script(&base, &next);
    let t = Instant::now();
    vm_support::ipvsadm_stdin(&["-R"], &delta);
    let adm_delta = t.elapsed();
    check_kernel(&mut k, &want_next);
    let full_next = restore_script(&next);
    let t = Instant::now();
    vm_support::ipvsadm(&["-C"]);
    vm_support::ipvsadm_stdin(&["-R"], &full_next);
    let adm_reload = t.elapsed();
    check_kernel(&mut k, &want_next);
    report.push(format!(
        "ipvsadm -R: install {} ({} lines); 1% change as a precomputed delta {} ({} lines); \
         1% change as flush + full restore {}",
        secs(adm_install),
        full.lines().count(),
        secs(adm_delta),
        delta.lines().count(),
        secs(adm_reload),
    ));
    report.push(format!(
        "ratios kad/ipvsadm: install {:.2}; 1% change vs delta {:.2}; vs flush+restore {:.2}",
        kad_install.as_secs_f64() / adm_install.as_secs_f64(),
        kad_change.as_secs_f64() / adm_delta.as_secs_f64(),
        kad_change.as_secs_f64() / adm_reload.as_secs_f64(),
    ));
    let touched: Vec<ServiceKey> = {
        let old: BTreeMap<ServiceKey, &VirtualServerSpec> =
            base.iter().map(|v| (v.key, v)).collect();
        let new: BTreeMap<ServiceKey, &VirtualServerSpec> =
            next.iter().map(|v| (v.key, v)).collect();
        old.keys()
            .chain(new.keys())
            .filter(|k| old.get(k) != new.get(k))
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    match bench_keepalived(&mut k, &base, &next, &touched) {
        Ok((install, change)) => {
            report.push(format!(
                "keepalived 2.2.7: install {} (from start); 1% change {} (from SIGHUP)",
                secs(install),
                secs(change)
            ));
            report.push(format!(
                "ratios kad/keepalived: install {:.2}; 1% change {:.2}",
                kad_install.as_secs_f64() / install.as_secs_f64(),
                kad_change.as_secs_f64() / change.as_secs_f64(),
            ));
        }
        Err(why) => report.push(format!("keepalived: skipped ({why})")),
    }
    for line in report {
        println!("BENCH {line}");
    }
}
