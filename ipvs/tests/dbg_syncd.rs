use keepalive_ipvs::*;
fn d(state: DaemonState) -> SyncDaemon {
    SyncDaemon { state, mcast_ifn: "dummy0".into(), sync_id: 51, sync_maxlen: None, mcast_group: None, mcast_port: None, mcast_ttl: None }
}
#[test]
fn dbg() {
    if std::env::var_os("KAD_IN_VM").is_none() { return; }
    std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_secs(12));
        eprintln!("=== watchdog\n{}", std::fs::read_to_string("/proc/net/netlink").unwrap_or_default());
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let p = e.path();
            let stat = std::fs::read_to_string(p.join("stat")).unwrap_or_default();
            let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
            let state = stat.rsplit(") ").next().unwrap_or("").chars().next().unwrap_or('?');
            if state == 'D' || comm.starts_with("ipvs") || comm.starts_with("kworker") && state != 'I' {
                eprintln!("--- {} {} {state}\n{}", p.display(), comm.trim(), std::fs::read_to_string(p.join("stack")).unwrap_or_default());
            }
        }
        for t in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
            eprintln!("task {}: {}", t.path().display(), std::fs::read_to_string(t.path().join("stack")).unwrap_or_default());
        }
    });
    let fresh = || IpvsClient::connect().unwrap();
    for round in 0..3 {
        eprintln!("round {round} start B"); fresh().start_daemon(&d(DaemonState::Backup)).unwrap();
        eprintln!("dump {:?}", fresh().daemons().unwrap().len());
        eprintln!("stop B"); fresh().stop_daemon(DaemonState::Backup, 51).unwrap();
        eprintln!("start M"); fresh().start_daemon(&d(DaemonState::Master)).unwrap();
        eprintln!("dump {:?}", fresh().daemons().unwrap().len());
        eprintln!("stop M"); fresh().stop_daemon(DaemonState::Master, 51).unwrap();
        eprintln!("stopped");
    }
}
