//! Read a keepalived.conf with keepalive-confparse alone: print every diagnostic and a line per
//! VRRP instance and virtual server. `cargo run -p kad-examples --example conf_check -- FILE`
use keepalive_confparse::{load::load, Options};
use std::path::PathBuf;

fn main() {
    let path: PathBuf = std::env::args_os()
        .nth(1)
        .map_or("examples/keepalived.conf".into(), Into::into);
    let loaded = load(&path, &Options::default());
    for d in loaded.diagnostics.iter() {
        eprintln!("{d}"); // file:line:col: error|warning: message
    }
    for i in &loaded.config.vrrp.instances {
        let vrid = i.virtual_router_id.unwrap_or(0);
        println!(
            "vrrp_instance {} vrid {vrid} on {:?}: {} VIPs",
            i.name,
            i.interface,
            i.virtual_ipaddress.len()
        );
    }
    for vs in &loaded.config.lvs.virtual_servers {
        println!(
            "virtual_server {:?}: {} real servers",
            vs.address,
            vs.real_servers.len()
        );
    }
    std::process::exit(i32::from(loaded.diagnostics.has_errors()));
}
