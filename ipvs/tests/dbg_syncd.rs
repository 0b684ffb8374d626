use keepalive_ipvs::reconcile::*;
use keepalive_ipvs::*;
struct L(IpvsClient);
impl IpvsBackend for L {
    fn table(&mut self) -> Result<Vec<(Service, Vec<Dest>)>, Error> { self.0.table() }
    fn add_service(&mut self, s: &ServiceConfig) -> Result<(), Error> { self.0.add_service(s) }
    fn edit_service(&mut self, s: &ServiceConfig) -> Result<(), Error> { self.0.edit_service(s) }
    fn del_service(&mut self, k: &ServiceKey) -> Result<(), Error> { self.0.del_service(k) }
    fn add_dest(&mut self, s: &ServiceKey, d: &DestConfig) -> Result<(), Error> { self.0.add_dest(s, d) }
    fn edit_dest(&mut self, s: &ServiceKey, d: &DestConfig) -> Result<(), Error> { self.0.edit_dest(s, d) }
    fn del_dest(&mut self, s: &ServiceKey, d: &DestKey) -> Result<(), Error> { self.0.del_dest(s, d) }
    fn flush(&mut self) -> Result<(), Error> { self.0.flush() }
    fn set_timeouts(&mut self, t: &TimeoutUpdate) -> Result<(), Error> { self.0.set_timeouts(t) }
    fn start_daemon(&mut self, d: &SyncDaemon) -> Result<(), Error> { eprintln!("  start {:?}", d.state); let r = self.0.start_daemon(d); eprintln!("  start -> {r:?}"); r }
    fn stop_daemon(&mut self, s: DaemonState, id: u32) -> Result<(), Error> { eprintln!("  stop {s:?}"); let r = self.0.stop_daemon(s, id); eprintln!("  stop -> {r:?}"); r }
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error> { eprintln!("  dump"); let r = self.0.daemons(); eprintln!("  dump -> {:?}", r.as_ref().map(|v| v.iter().map(|d| d.state).collect::<Vec<_>>())); r }
}
#[test]
fn dbg() {
    if std::env::var_os("KAD_IN_VM").is_none() { return; }
    std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_secs(15));
        eprintln!("=== watchdog");
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let p = e.path();
            let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
            let stat = std::fs::read_to_string(p.join("stat")).unwrap_or_default();
            if comm.starts_with("ipvs") || comm.starts_with("dbg") || stat.contains(" D ") {
                eprintln!("--- {} {}", p.display(), comm.trim());
                eprintln!("{}", std::fs::read_to_string(p.join("stack")).unwrap_or_default());
                if let Ok(tasks) = std::fs::read_dir(p.join("task")) {
                    for t in tasks.flatten() {
                        eprintln!("task {}: {}", t.path().display(), std::fs::read_to_string(t.path().join("stack")).unwrap_or_default());
                    }
                }
            }
        }
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        if let Ok(mut f) = std::fs::OpenOptions::new().read(true).custom_flags(0o4000).open("/dev/kmsg") {
            let mut buf = vec![0u8; 8192];
            while let Ok(n) = f.read(&mut buf) {
                if n == 0 { break; }
                let line = String::from_utf8_lossy(&buf[..n]);
                if line.contains("IPVS") || line.contains("sync") || line.contains("hung") { eprint!("kmsg: {line}"); }
            }
        }
        eprintln!("=== watchdog end");
    });
    let mut c = L(IpvsClient::connect().unwrap());
    let spec = SyncDaemonSpec { ifname: "dummy0".into(), vrrp_instance: Some("VI_1".into()), sync_id: 51, maxlen: None, port: None, ttl: None, group: None };
    let mut ctl = SyncDaemonControl::new(spec.clone());
    let mut owned = Ownership::default();
    let steps = vec![("start", ctl.on_start()), ("master", ctl.on_vrrp_state("VI_1", VrrpRole::Master)), ("fault", ctl.on_vrrp_state("VI_1", VrrpRole::Fault)), ("stop", ctl.on_stop())];
    for (name, ops) in steps {
        let r = apply(&mut c, &ops, &mut owned);
        eprintln!("{name}: {r}; daemons {:?}", c.0.daemons().unwrap().iter().map(|d| d.state).collect::<Vec<_>>());
    }
    let mut ctl = SyncDaemonControl::new(SyncDaemonSpec { vrrp_instance: None, ..spec });
    for name in ["start1", "start2"] {
        let r = apply(&mut c, &ctl.on_start(), &mut owned);
        eprintln!("{name}: {r}; daemons {:?}", c.0.daemons().unwrap().iter().map(|d| d.state).collect::<Vec<_>>());
    }
    let r = apply(&mut c, &ctl.on_stop(), &mut owned);
    eprintln!("stop: {r}; daemons {:?}", c.0.daemons().unwrap());
}
