use keepalive_ipvs::*;
use std::time::Instant;
fn d(state: DaemonState) -> SyncDaemon {
    SyncDaemon { state, mcast_ifn: "dummy0".into(), sync_id: 51, sync_maxlen: None, mcast_group: None, mcast_port: None, mcast_ttl: None }
}
#[test]
fn dbg() {
    if std::env::var_os("KAD_IN_VM").is_none() { return; }
    let mut c = IpvsClient::connect().unwrap();
    let t = Instant::now();
    let mut step = |c: &mut IpvsClient, what: &str, f: &dyn Fn(&mut IpvsClient) -> Result<(), Error>| {
        eprintln!("{:?} {what} ...", t.elapsed());
        let r = f(c);
        eprintln!("{:?} {what} -> {r:?}; daemons {:?}", t.elapsed(), c.daemons());
    };
    let which = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
    let _ = which;
    if true {
        step(&mut c, "G stop backup (none)", &|c| c.stop_daemon(DaemonState::Backup, 51));
        step(&mut c, "F start master", &|c| c.start_daemon(&d(DaemonState::Master)));
        step(&mut c, "F stop master", &|c| c.stop_daemon(DaemonState::Master, 51));
    } else {
        step(&mut c, "E start backup", &|c| c.start_daemon(&d(DaemonState::Backup)));
        step(&mut c, "E stop backup", &|c| c.stop_daemon(DaemonState::Backup, 51));
        step(&mut c, "E start master", &|c| c.start_daemon(&d(DaemonState::Master)));
        step(&mut c, "E stop master", &|c| c.stop_daemon(DaemonState::Master, 51));
    }
}
