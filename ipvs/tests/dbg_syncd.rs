use keepalive_ipvs::reconcile::*;
use keepalive_ipvs::*;
#[test]
fn dbg() {
    if std::env::var_os("KAD_IN_VM").is_none() { return; }
    let mut c = IpvsClient::connect().unwrap();
    let spec = SyncDaemonSpec { ifname: "dummy0".into(), vrrp_instance: Some("VI_1".into()), sync_id: 51, maxlen: None, port: None, ttl: None, group: None };
    let mut ctl = SyncDaemonControl::new(spec);
    let mut owned = Ownership::default();
    let steps = vec![("start", ctl.on_start()), ("master", ctl.on_vrrp_state("VI_1", VrrpRole::Master)), ("fault", ctl.on_vrrp_state("VI_1", VrrpRole::Fault)), ("stop", ctl.on_stop())];
    for (name, ops) in steps {
        for op in ops {
            eprintln!("{name}: {op} ...");
            let r = apply(&mut c, std::slice::from_ref(&op), &mut owned);
            eprintln!("{name}: {op} -> {r}");
            eprintln!("daemons: {:?}", c.daemons());
        }
    }
}
