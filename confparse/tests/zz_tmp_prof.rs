mod model_vrrp_util;
use std::time::Instant;
use keepalive_confparse::diag::Diagnostics;
use keepalive_confparse::model::{vrrp, global::GlobalDefs};
#[test]
fn prof() {
    let mut s = String::new();
    for ifn in 0..=7 { for num in 0..=31 { for id in 1..=254 {
        s.push_str(&format!("track_file offset_instance_4.{ifn}.{num}.{id} {{\n file \"/run/x/4.{ifn}.{num}.{id}\"\n weight -100\n}}\nvrrp_instance vrrp4.{ifn}.{num}.{id} {{\n interface bond{ifn}.{num}\n use_vmac vrrp4.{ifn}.{num}.{id}\n virtual_router_id {id}\n priority 130\n virtual_ipaddress {{\n 10.{ifn}.{num}.{id}/24\n }}\n track_file {{\n offset_instance_4.{ifn}.{num}.{id}\n }}\n}}\n"));
    }}}
    let nodes = model_vrrp_util::tree(&s);
    for _ in 0..3 {
    let mut d = Diagnostics::new();
    let mut v = vrrp::VrrpConfig::default();
    let t = Instant::now();
    for n in &nodes { vrrp::parse_top(n, &mut v, &mut d); }
    let t1 = t.elapsed();
    let g = GlobalDefs::default();
    vrrp::finish(&mut v, &g, &mut d);
    let t2 = t.elapsed();
    drop(v);
    eprintln!("parse {t1:?} finish {:?} drop {:?}", t2 - t1, t.elapsed() - t2);
    }
}
