//! The man page's `~SEQ(IF,0,7) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) $VI4` example: 65,024 VRRP
//! instances from one line. Ignored by default (it is a measurement, run it with
//! `cargo test --release -p keepalive-confparse --test preprocess_scale -- --ignored --nocapture`);
//! the unit tests check linearity at 8,128 instances.

use std::time::Instant;

use keepalive_confparse::{load_tree_str, Options};

const VI4: &str = "$VI4= \\
track_file offset_instance_4.${IF}.${NUM}.${ID} { \\
    file \"${_PWD}/679/track_files/4.${IF}.${NUM}.${ID}\" \\
    weight -100 \\
} \\
vrrp_instance vrrp4.${IF}.${NUM}.${ID} { \\
    interface bond${IF}.${NUM} \\
    use_vmac vrrp4.${IF}.${NUM}.${ID} \\
    virtual_router_id ${ID} \\
    priority 130 \\
    virtual_ipaddress { \\
        10.${IF}.${NUM}.${ID}/24 \\
    } \\
    track_file { \\
        offset_instance_4.${IF}.${NUM}.${ID} \\
    } \\
}
";

fn measure(ifs: u32) -> (usize, f64) {
    let text = format!(
        "{VI4}~SEQ(IF,0,{}) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) $VI4\n",
        ifs - 1
    );
    let start = Instant::now();
    let (nodes, diags) = load_tree_str("seq.conf", &text, &Options::default());
    let secs = start.elapsed().as_secs_f64();
    assert!(!diags.has_errors(), "{diags:?}");
    let n = nodes.iter().filter(|n| n.name() == "vrrp_instance").count();
    (n, secs)
}

#[test]
#[ignore = "measurement; run explicitly in release mode"]
fn man_page_65024_instances() {
    let (n1, t1) = measure(1);
    let (n8, t8) = measure(8);
    assert_eq!(n1, 8_128);
    assert_eq!(n8, 65_024);
    eprintln!(
        "8,128 instances: {t1:.3} s; 65,024 instances: {t8:.3} s (ratio {:.1} for 8x the input)",
        t8 / t1
    );
}
