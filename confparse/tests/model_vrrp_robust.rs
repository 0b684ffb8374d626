//! The typed VRRP layer never panics, whatever words a block holds: configurations made of
//! random keywords and values (a fixed-seed generator, so every run checks the same inputs)
//! go through `Config::from_tree` and `check_interfaces`.

mod model_vrrp_util;

use keepalive_confparse::model::vrrp::check_interfaces;

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

const BLOCKS: &[&str] = &[
    "vrrp_instance",
    "vrrp_sync_group",
    "vrrp_script",
    "track_file",
    "vrrp_track_process",
    "track_group",
    "garp_group",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "linkbeat_interfaces",
    "interface_up_down_delays",
    "bfd_instance",
    "global_defs",
];

const KEYWORDS: &[&str] = &[
    "interface",
    "virtual_router_id",
    "priority",
    "advert_int",
    "state",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "virtual_routes",
    "virtual_rules",
    "unicast_peer",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
    "track_bfd",
    "group",
    "authentication",
    "auth_type",
    "auth_pass",
    "use_vmac",
    "use_ipvlan",
    "nopreempt",
    "preempt_delay",
    "strict_mode",
    "version",
    "mcast_dst_ip",
    "unicast_src_ip",
    "weight",
    "script",
    "file",
    "process",
    "neighbor_ip",
    "vrrp_strict",
    "vrrp_version",
    "lvs_sync_daemon",
    "umask",
    "vrrp_rx_bufs_policy",
    "garp_extra_if",
    "notify",
    "dev",
    "via",
    "nexthop",
    "table",
    "from",
    "to",
    "preference",
    "goto",
    "encap",
    "or",
    "peer",
    "brd",
    "label",
    "scope",
    "inet6",
    "lvs_timeouts",
    "init_file",
    "quorum",
    "min_ttl",
    "max_ttl",
    "type",
    "l3mdev",
    "sport",
];

const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "255",
    "256",
    "-1",
    "1.5",
    "0.001",
    ".",
    "-",
    "+",
    "x",
    "eth0",
    "lo",
    "A",
    "B",
    "192.0.2.1",
    "192.0.2.0/24",
    "192.0.2.1/33",
    "2001:db8::1",
    "fe80::1/64",
    "224.0.0.18",
    "ff02::12",
    "02:00:5e:00:01",
    "MASTER",
    "BACKUP",
    "PASS",
    "AH",
    "on",
    "off",
    "all",
    "reverse",
    "noreverse",
    "lock",
    "default",
    "blackhole",
    "MTU",
    "ADVERT",
    "IWGRP|IWOTH",
    "1-2",
    "999999999999999999999",
    "tcp",
    "inst",
    "id",
    "forever",
];

fn config(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..(1 + rng.next() % 4) {
        s.push_str(rng.pick(BLOCKS));
        if rng.next() % 3 != 0 {
            s.push(' ');
            s.push_str(rng.pick(&["A", "B", "G", "chk"]));
        }
        s.push_str(" {\n");
        for _ in 0..(rng.next() % 8) {
            let word = if rng.next() % 4 == 0 {
                rng.pick(VALUES)
            } else {
                rng.pick(KEYWORDS)
            };
            s.push(' ');
            s.push_str(if word.is_empty() { "x" } else { word });
            for _ in 0..(rng.next() % 5) {
                let w = if rng.next() % 3 == 0 {
                    rng.pick(KEYWORDS)
                } else {
                    rng.pick(VALUES)
                };
                if !w.is_empty() {
                    s.push(' ');
                    s.push_str(w);
                }
            }
            if rng.next() % 4 == 0 {
                s.push_str(" {\n");
                for _ in 0..(rng.next() % 4) {
                    s.push_str("  ");
                    s.push_str(rng.pick(&VALUES[1..]));
                    s.push(' ');
                    s.push_str(rng.pick(KEYWORDS));
                    s.push(' ');
                    s.push_str(rng.pick(&VALUES[1..]));
                    s.push('\n');
                }
                s.push_str(" }");
            }
            s.push('\n');
        }
        s.push_str("}\n");
    }
    s
}

#[test]
fn random_blocks_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let text = config(&mut rng);
        let result = std::panic::catch_unwind(|| {
            let (cfg, mut d) = model_vrrp_util::parse(&text);
            check_interfaces(&cfg.vrrp, &cfg.global, &|n| n == "eth0", &mut d);
        });
        assert!(result.is_ok(), "panicked on:\n{text}");
    }
}
