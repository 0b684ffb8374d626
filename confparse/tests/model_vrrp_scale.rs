//! The man page's `~SEQ(IF,0,7) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) $VI4` example: 65,024 VRRP
//! instances, each with its own track_file. Preprocessing is timed apart from the typed model
//! and validation, which must stay linear (no pairwise scans).

mod model_vrrp_util;

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

/// CPU time of this thread (user + system), from /proc, so a loaded machine's waiting is not
/// counted; `None` where /proc is not Linux's.
fn thread_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

#[test]
fn sixty_five_thousand_instances_parse_and_validate_quickly() {
    let start = Instant::now();
    let (nodes, mut d) = load_tree_str("seq.conf", VI4, &model_vrrp_util::opts());
    let pre = start.elapsed();
    assert!(
        !d.has_errors(),
        "{:?}",
        d.iter().take(5).collect::<Vec<_>>()
    );
    let start = Instant::now();
    let cpu0 = thread_cpu();
    let cfg = Config::from_tree(&nodes, &mut d);
    let model = start.elapsed();
    let cpu = cpu0
        .zip(thread_cpu())
        .map_or("?".to_string(), |(a, b)| format!("{:.2}", b - a));
    eprintln!(
        "65,024 instances: preprocess + tree {pre:?}, typed model + validation {model:?} (cpu {cpu} s)"
    );
    assert_eq!(cfg.vrrp.instances.len(), 65_024);
    assert_eq!(cfg.vrrp.track_files.len(), 65_024);
    assert_eq!(cfg.vrrp.instances[65_023].name, "vrrp4.7.31.254");
    assert!(
        !d.has_errors(),
        "{:?}",
        d.iter().take(5).collect::<Vec<_>>()
    );
    // Generous for an unoptimised build on a loaded 2-core machine; release is far below.
    assert!(model.as_secs() < 30, "took {model:?}");
}
