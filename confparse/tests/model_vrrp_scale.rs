//! The man page's `~SEQ(IF,0,7) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) $VI4` example: 65,024 VRRP
//! instances, each with its own track_file. The typed model and validation must stay linear
//! (no pairwise scans): their CPU time at 65,024 instances against 8,128's.

mod model_vrrp_util;

#[path = "common/scale.rs"]
mod scale;

use std::time::Instant;

use keepalive_confparse::load_tree_str;
use keepalive_confparse::model::Config;

/// The example as the man page writes it (keepalived.conf(5), "~SEQ").
const VI4: &str = r#"$VI4= \
track_file offset_instance_4.${IF}.${NUM}.${ID} { \
    file "${_PWD}/679/track_files/4.${IF}.${NUM}.${ID}" \
    weight -100 \
} \
vrrp_instance vrrp4.${IF}.${NUM}.${ID} { \
    interface bond${IF}.${NUM} \
    use_vmac vrrp4.${IF}.${NUM}.${ID} \
    virtual_router_id ${ID} \
    priority 130 \
    virtual_ipaddress { \
        10.${IF}.${NUM}.${ID}/24 \
    } \
    track_file { \
        offset_instance_4.${IF}.${NUM}.${ID} \
    } \
}
~SEQ(IF,0,7) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) $VI4
"#;

/// The typed model and validation of the example with `ifs` interfaces (8,128 instances
/// each): the instance count and the CPU seconds.
fn model(ifs: u32) -> (usize, f64) {
    let text = VI4.replace("~SEQ(IF,0,7)", &format!("~SEQ(IF,0,{})", ifs - 1));
    let start = Instant::now();
    let (nodes, mut d) = load_tree_str("seq.conf", &text, &model_vrrp_util::opts());
    eprintln!(
        "{ifs} interface(s): preprocess + tree {:?}",
        start.elapsed()
    );
    assert!(
        !d.has_errors(),
        "{:?}",
        d.iter().take(5).collect::<Vec<_>>()
    );
    let (cfg, secs) = scale::cpu(|| Config::from_tree(&nodes, &mut d));
    assert!(
        !d.has_errors(),
        "{:?}",
        d.iter().take(5).collect::<Vec<_>>()
    );
    let n = cfg.vrrp.instances.len();
    assert_eq!(cfg.vrrp.track_files.len(), n);
    assert_eq!(
        cfg.vrrp.instances[n - 1].name,
        format!("vrrp4.{}.31.254", ifs - 1)
    );
    (n, secs)
}

/// The example's model and validation at one interface and at all eight (65,024 instances):
/// the cost must grow with the instance count, not its square.
#[test]
fn sixty_five_thousand_instances_parse_and_validate_in_linear_time() {
    let small = model(1);
    let big = model(8);
    assert_eq!((small.0, big.0), (8_128, 65_024));
    scale::assert_linear("VRRP model and validation (instances)", small, big);
}
