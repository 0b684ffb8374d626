//! The man page's `~SEQ(IF,0,7) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) $VI4` example: 65,024 VRRP
//! instances, each with its own track_file. The text is expanded here (the preprocessor has
//! its own tests); this times the typed model and validation, which must stay linear.

mod model_vrrp_util;

use std::fmt::Write;
use std::time::Instant;

use keepalive_confparse::diag::Diagnostics;
use keepalive_confparse::model::Config;

fn expanded() -> String {
    let mut s = String::with_capacity(20 << 20);
    for ifn in 0..=7 {
        for num in 0..=31 {
            for id in 1..=254 {
                let _ = write!(
                    s,
                    "track_file offset_instance_4.{ifn}.{num}.{id} {{\n file \"/run/679/track_files/4.{ifn}.{num}.{id}\"\n weight -100\n}}\n\
                     vrrp_instance vrrp4.{ifn}.{num}.{id} {{\n interface bond{ifn}.{num}\n use_vmac vrrp4.{ifn}.{num}.{id}\n virtual_router_id {id}\n priority 130\n\
                     virtual_ipaddress {{\n 10.{ifn}.{num}.{id}/24\n }}\n track_file {{\n offset_instance_4.{ifn}.{num}.{id}\n }}\n}}\n"
                );
            }
        }
    }
    s
}

#[test]
fn sixty_five_thousand_instances_parse_and_validate_quickly() {
    let text = expanded();
    let nodes = model_vrrp_util::tree(&text);
    let start = Instant::now();
    let mut d = Diagnostics::new();
    let cfg = Config::from_tree(&nodes, &mut d);
    let took = start.elapsed();
    eprintln!("65,024 instances: typed model + validation in {took:?}");
    assert_eq!(cfg.vrrp.instances.len(), 65_024);
    assert_eq!(cfg.vrrp.track_files.len(), 65_024);
    assert!(
        !d.has_errors(),
        "{:?}",
        d.iter().take(5).collect::<Vec<_>>()
    );
    // Generous for an unoptimised build on a loaded 2-core machine; release is far below 1 s.
    assert!(took.as_secs() < 30, "took {took:?}");
}
