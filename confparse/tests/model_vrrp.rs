//! The typed VRRP model: values land in the right fields, defaults are inherited from
//! `global_defs` as keepalived does, and the cross-object rules report where they should.

mod model_vrrp_util;

use std::net::IpAddr;

use keepalive_confparse::model::global::{LvsFlushOnStop, RxBufsPolicy};
use keepalive_confparse::model::script::check_script_security;
use keepalive_confparse::model::values::Micros;
use keepalive_confparse::model::vrrp::address::{
    Broadcast, Family, Lifetime, RouteDest, RouteMode, Scope,
};
use keepalive_confparse::model::vrrp::instance::AuthType;
use keepalive_confparse::model::vrrp::{check_interfaces, InitialState};
use model_vrrp_util::{errors, inst, no_errors, parse, warnings};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn instance_values_are_typed() {
    let (cfg, d) = parse(&inst(
        "VI_1",
        51,
        " state BACKUP\n priority 200\n advert_int 3\n preempt_delay 2.5\n mcast_src_ip 192.0.2.9\n garp_master_delay 7\n debug 3",
    ));
    no_errors(&d);
    let i = &cfg.vrrp.instances[0];
    assert_eq!(i.name, "VI_1");
    assert_eq!(i.virtual_router_id, Some(51));
    assert_eq!(i.state, Some(InitialState::Backup));
    assert_eq!(i.priority, Some(200));
    assert_eq!(i.advert_int.0, Micros(3_000_000));
    assert_eq!(i.preempt_delay, Micros(2_500_000));
    assert_eq!(i.src_ip, Some(ip("192.0.2.9")));
    assert_eq!(i.garp_master_delay, Some(Micros::from_secs(7)));
    assert_eq!(i.debug, 3);
    assert_eq!(i.family, Some(Family::Inet));
    assert_eq!(i.interface.as_deref(), Some("eth0"));
    assert_eq!(i.loc.line, 1);
}

#[test]
fn priority_and_state_derive_each_other() {
    let (cfg, d) = parse(&format!(
        "{}{}",
        inst("A", 1, " state MASTER"),
        inst("B", 2, " priority 255")
    ));
    no_errors(&d);
    assert_eq!(cfg.vrrp.instances[0].priority, Some(255));
    assert_eq!(cfg.vrrp.instances[1].state, Some(InitialState::Master));
    let (cfg, _) = parse(&inst("C", 3, ""));
    assert_eq!(cfg.vrrp.instances[0].priority, Some(100));
    assert_eq!(cfg.vrrp.instances[0].state, Some(InitialState::Backup));
}

#[test]
fn globals_are_inherited() {
    let text = format!(
        "global_defs {{\n vrrp_garp_master_delay 9\n vrrp_garp_master_repeat 4\n vrrp_garp_master_refresh 30\n vrrp_version 3\n vrrp_skip_check_adv_addr\n vrrp_check_unicast_src\n smtp_alert\n vrrp_mcast_group4 224.0.0.99\n vrrp_lower_prio_no_advert\n vrrp_garp_extra_if all 60\n}}\n{}{}",
        inst("A", 1, ""),
        inst("B", 2, " garp_master_delay 2\n version 2\n skip_check_adv_addr off\n smtp_alert false")
    );
    let (cfg, d) = parse(&text);
    no_errors(&d);
    let a = &cfg.vrrp.instances[0];
    assert_eq!(a.garp_master_delay, Some(Micros::from_secs(9)));
    assert_eq!(a.garp_master_repeat, Some(4));
    assert_eq!(a.garp_master_refresh, Some(Micros::from_secs(30)));
    assert_eq!(
        a.garp_lower_prio_repeat,
        Some(4),
        "lower_prio_repeat defaults to the master repeat"
    );
    assert_eq!(a.version, Some(3));
    assert_eq!(a.skip_check_adv_addr, Some(true));
    assert!(a.check_unicast_src);
    assert_eq!(a.smtp_alert, Some(true));
    assert_eq!(a.mcast_dst_ip, Some(ip("224.0.0.99")));
    assert_eq!(a.lower_prio_no_advert, Some(true));
    assert_eq!(
        a.garp_extra_if.map(|g| (g.delay_secs, g.all)),
        Some((60, true))
    );
    let b = &cfg.vrrp.instances[1];
    assert_eq!(b.garp_master_delay, Some(Micros::from_secs(2)));
    assert_eq!(b.version, Some(2));
    assert_eq!(b.skip_check_adv_addr, Some(false));
    assert_eq!(b.smtp_alert, Some(false));
}

#[test]
fn strict_mode_drives_defaults() {
    let (cfg, d) = parse(&format!(
        "global_defs {{\n vrrp_strict\n}}\n{}",
        inst("A", 1, "")
    ));
    no_errors(&d);
    let a = &cfg.vrrp.instances[0];
    assert_eq!(a.strict_mode, Some(true));
    assert_eq!(
        a.accept,
        Some(false),
        "strict: no accept mode unless address owner"
    );
    assert_eq!(a.garp_lower_prio_repeat, Some(0));
    assert_eq!(a.garp_lower_prio_delay, Some(Micros(0)));
    assert_eq!(a.lower_prio_no_advert, Some(true));
    assert_eq!(a.higher_prio_send_advert, Some(false));
    let (cfg, _) = parse(&inst("B", 2, ""));
    assert_eq!(cfg.vrrp.instances[0].accept, Some(true));
    assert_eq!(cfg.vrrp.instances[0].strict_mode, Some(false));
}

#[test]
fn ipv6_instances_run_version_3() {
    let (cfg, d) = parse(
        "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n fe80::1/64\n 2001:db8::1/64\n }\n}\n",
    );
    no_errors(&d);
    let a = &cfg.vrrp.instances[0];
    assert_eq!(a.family, Some(Family::Inet6));
    assert_eq!(a.version, Some(3));
    assert_eq!(a.mcast_dst_ip, Some(ip("ff02::12")));
    assert_eq!(
        a.virtual_ipaddress[1].preferred_lft,
        Some(Lifetime::Forever)
    );
}

#[test]
fn v3_advert_int_is_rounded_to_centiseconds() {
    let (cfg, d) = parse(&inst("A", 1, " version 3\n advert_int 0.125"));
    assert!(errors(&d).iter().any(|e| e.contains("units of 10ms")));
    assert_eq!(cfg.vrrp.instances[0].advert_int.0, Micros(130_000));
    assert_eq!(cfg.vrrp.instances[0].advert_int.centis(), 13);
}

#[test]
fn virtual_address_options() {
    let (cfg, d) = parse(&inst(
        "A",
        1,
        " virtual_ipaddress_excluded {\n 192.0.2.50/24 brd - dev eth0 scope link label eth0:9 home autojoin\n 192.0.2.51 peer 192.0.2.52/32 use_vmac no_track\n }",
    ));
    no_errors(&d);
    let e = &cfg.vrrp.instances[0].virtual_ipaddress_excluded;
    assert_eq!(e[0].addr.len, 24);
    assert_eq!(e[0].broadcast, Some(Broadcast::Minus));
    assert_eq!(e[0].dev.as_deref(), Some("eth0"));
    assert_eq!(e[0].scope, Some(Scope::Link));
    assert_eq!(e[0].label.as_deref(), Some("eth0:9"));
    assert!(e[0].home && e[0].autojoin);
    assert_eq!(e[1].addr.len, 32);
    assert_eq!(e[1].peer.map(|p| p.addr), Some(ip("192.0.2.52")));
    assert!(e[1].use_vmac && e[1].no_track);
}

#[test]
fn routes_and_rules() {
    let (cfg, d) = parse(&inst(
        "A",
        1,
        " virtual_routes {\n default via 192.0.2.254 dev eth0 table 100 append\n inet6 default via 2001:db8::1 dev eth0\n unreachable 198.51.100.0/24 no_track\n 203.0.113.0/24 dev eth0 or 192.0.2.2\n }\n virtual_rules {\n inet6 from all to 2001:db8::/32 table 7 preference 9\n }",
    ));
    let errs = errors(&d);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("\"or\""));
    let r = &cfg.vrrp.instances[0].virtual_routes;
    assert_eq!(r[0].dest, RouteDest::Default);
    assert_eq!(r[0].via, Some(ip("192.0.2.254")));
    assert_eq!(r[0].table.as_deref(), Some("100"));
    assert_eq!(r[0].mode, RouteMode::Append);
    assert_eq!(r[0].protocol.as_deref(), Some("keepalived"));
    assert_eq!(r[1].family, Family::Inet6);
    assert_eq!(r[2].route_type.as_deref(), Some("unreachable"));
    assert_eq!(r[3].nexthops.len(), 2);
    let rule = &cfg.vrrp.instances[0].virtual_rules[0];
    assert_eq!(rule.family, Family::Inet6);
    assert_eq!(rule.from, None);
    assert_eq!(rule.to.map(|p| p.len), Some(32));
    assert_eq!(rule.preference, Some(9));
}

#[test]
fn tracker_weights_default_from_their_definitions() {
    let text = format!(
        "vrrp_script s {{\n script \"/bin/check arg\"\n weight -20 reverse\n user nobody nogroup\n}}\ntrack_file f {{\n file /run/f\n}}\nvrrp_track_process p {{\n process haproxy\n weight 7\n}}\n{}",
        inst("A", 1, " track_script {\n s\n }\n track_file {\n f weight 3 reverse\n }\n track_process {\n p\n }\n track_interface {\n eth1 weight -10\n }")
    );
    let (cfg, d) = parse(&text);
    no_errors(&d);
    let s = &cfg.vrrp.scripts[0];
    assert_eq!(s.script.as_ref().unwrap().command, "/bin/check arg");
    assert_eq!(s.script.as_ref().unwrap().user.as_deref(), Some("nobody"));
    let t = &cfg.vrrp.instances[0].track;
    assert_eq!(
        (t.scripts[0].weight, t.scripts[0].reverse),
        (Some(-20), Some(true))
    );
    assert_eq!(
        (t.files[0].weight, t.files[0].reverse),
        (Some(3), Some(true))
    );
    assert_eq!(t.processes[0].weight, Some(7));
    assert_eq!(t.interfaces[0].weight, Some(-10));
    assert_eq!(
        cfg.vrrp.track_files[0].weight, 1,
        "track_file weight defaults to 1"
    );
}

#[test]
fn sync_group_membership_and_notify() {
    let text = format!(
        "{}{}vrrp_sync_group G {{\n group {{\n A B\n }}\n notify \"/bin/n G\" root\n notify_priority_changes on\n}}\n",
        inst("A", 1, ""),
        inst("B", 2, "")
    );
    let (cfg, d) = parse(&text);
    no_errors(&d);
    assert_eq!(cfg.vrrp.sync_groups[0].members.len(), 2);
    assert_eq!(cfg.vrrp.instances[1].sync_group.as_deref(), Some("G"));
    assert_eq!(
        cfg.vrrp.instances[0].notify_priority_changes,
        Some(true),
        "from the sync group"
    );
    let n = cfg.vrrp.sync_groups[0].notify.any.as_ref().unwrap();
    assert_eq!(
        (n.command.as_str(), n.user.as_deref()),
        ("/bin/n G", Some("root"))
    );
}

#[test]
fn sync_group_unweights_member_trackers() {
    let text =
        format!(
        "track_file f {{\n file /run/f\n}}\n{}{}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n}}\n",
        inst("A", 1, " track_file {\n f\n }\n track_interface {\n eth1 weight 5\n }"),
        inst("B", 2, "")
    );
    let (cfg, d) = parse(&text);
    let e = errors(&d);
    assert!(
        e.iter()
            .any(|m| m.contains("ignoring weight from tracked file f")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|m| m.contains("ignoring eth1 tracked interface weight")),
        "{e:?}"
    );
    let t = &cfg.vrrp.instances[0].track;
    assert_eq!(t.files[0].weight, Some(0));
    assert_eq!(t.interfaces[0].weight, Some(0));
}

#[test]
fn authentication_block() {
    let (cfg, d) = parse(&inst(
        "A",
        1,
        " authentication {\n auth_type AH\n auth_pass s3cret\n }",
    ));
    no_errors(&d);
    let a = cfg.vrrp.instances[0].authentication.as_ref().unwrap();
    assert_eq!(a.auth_type, Some(AuthType::Ah));
    assert_eq!(a.auth_pass.as_deref(), Some("s3cret"));
}

#[test]
fn unicast_peers() {
    let (cfg, d) = parse(&inst(
        "A",
        1,
        " unicast_src_ip 192.0.2.1\n unicast_peer {\n 192.0.2.2\n 192.0.2.3 max_ttl 64\n }",
    ));
    no_errors(&d);
    let i = &cfg.vrrp.instances[0];
    assert!(i.is_unicast());
    assert_eq!(i.unicast_peers[1].max_ttl, 64);
    assert!(
        i.check_unicast_src,
        "a ttl bound turns on check_unicast_src"
    );
    assert_eq!(i.mcast_dst_ip, None);
}

#[test]
fn global_defs_values() {
    let text = "global_defs {\n router_id lb 1\n notification_email {\n a@example.com\n }\n smtp_server 192.0.2.25\n lvs_flush_on_stop\n vrrp_rx_bufs_policy advert\n umask IWGRP|IWOTH\n max_auto_priority\n vrrp_cpu_affinity 0\n nftables\n vrrp_startup_delay 0.5\n process_name kad\n json_version 2\n}\n";
    let (cfg, d) = parse(text);
    no_errors(&d);
    let g = &cfg.global;
    assert_eq!(g.router_id.as_deref(), Some("lb 1"));
    assert_eq!(g.notification_email, ["a@example.com"]);
    assert_eq!(g.smtp_server.as_ref().map(|s| s.port), Some(25));
    assert_eq!(g.lvs_flush_on_stop, Some(LvsFlushOnStop::All));
    assert_eq!(g.vrrp_rx_bufs_policy, Some(RxBufsPolicy::Advert));
    assert_eq!(g.umask, Some(0o022));
    assert_eq!(g.max_auto_priority, Some(99));
    assert_eq!(g.vrrp_process.cpu_affinity, [0]);
    assert_eq!(g.nftables.as_deref(), Some("keepalived"));
    assert_eq!(g.vrrp_startup_delay, Some(Micros(500_000)));
    assert_eq!(g.process_name.as_deref(), Some("kad"));
    assert_eq!(g.json_version, Some(2));
}

#[test]
fn global_defs_typos_get_a_hint() {
    let (_, d) = parse("global_defs {\n vrrp_stict\n}\n");
    let diag = d.iter().next().unwrap();
    assert_eq!(diag.hint.as_deref(), Some("did you mean 'vrrp_strict'?"));
}

#[test]
fn top_level_settings() {
    let (cfg, d) =
        parse("net_namespace blue\ninstance east\nchild_wait_time 7\nnet_namespace_ipvs\n");
    no_errors(&d);
    assert_eq!(cfg.top.net_namespace.as_deref(), Some("blue"));
    assert_eq!(cfg.top.instance.as_deref(), Some("east"));
    assert!(cfg.top.use_pid_dir);
    assert_eq!(cfg.top.child_wait_time, Some(7));
    assert_eq!(cfg.top.net_namespace_ipvs.as_deref(), Some(""));
    let (_, d) = parse("instance a\ninstance b\n");
    assert!(errors(&d)[0].contains("duplicate instance"));
}

#[test]
fn bfd_instance_values() {
    let (cfg, d) = parse("bfd_instance b {\n neighbor_ip 2001:db8::2\n min_rx 3.312\n multihop\n max_hops 2\n checker\n}\n");
    no_errors(&d);
    let b = &cfg.bfd[0];
    assert_eq!(b.min_rx, Micros(3312));
    assert_eq!(b.ttl, 64);
    assert!(b.multihop && b.checker && !b.vrrp);
    let (_, d) = parse("bfd_instance b {\n neighbor_ip 192.0.2.1\n}\nbfd_instance c {\n neighbor_ip 192.0.2.1\n}\n");
    assert!(errors(&d)[0].contains("duplicate"));
}

#[test]
fn errors_point_at_the_token() {
    let (_, d) = parse("vrrp_instance A {\n interface eth0\n virtual_router_id 300\n}\n");
    let diag = d
        .iter()
        .find(|x| x.message.contains("outside range"))
        .unwrap();
    let loc = diag.loc.as_ref().unwrap();
    assert_eq!((loc.line, loc.col), (3, 20));
}

#[test]
fn interface_existence_is_injected() {
    let text = format!(
        "static_ipaddress {{\n 192.0.2.9/24 dev eth7\n}}\n{}",
        inst("A", 1, " track_interface {\n eth1\n }")
    );
    let (cfg, d) = parse(&text);
    no_errors(&d);
    let mut d = keepalive_confparse::diag::Diagnostics::new();
    check_interfaces(
        &cfg.vrrp,
        &cfg.global,
        &|n| n == "eth0" || n == "lo",
        &mut d,
    );
    let e = errors(&d);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].contains("eth1") && e[1].contains("eth7"));
    // dynamic_interfaces: nothing has to exist yet.
    let (cfg, _) = parse(&format!("global_defs {{\n dynamic_interfaces\n}}\n{text}"));
    let mut d = keepalive_confparse::diag::Diagnostics::new();
    check_interfaces(&cfg.vrrp, &cfg.global, &|_| false, &mut d);
    assert!(d.is_empty());
}

#[test]
fn deprecated_track_file_synonym_warns() {
    let (cfg, d) = parse(&format!(
        "vrrp_track_file f {{\n file /run/f\n}}\n{}",
        inst("A", 1, " track_file {\n f\n }")
    ));
    no_errors(&d);
    assert!(warnings(&d).iter().any(|w| w.contains("deprecated")));
    assert!(d
        .iter()
        .any(|x| x.hint.as_deref() == Some("use 'track_file'")));
    assert_eq!(cfg.vrrp.track_files.len(), 1);
}

#[test]
fn too_many_vips_move_to_excluded() {
    let mut vips = String::new();
    for i in 0..300 {
        vips.push_str(&format!(" 198.51.{}.{}\n", i / 250, i % 250 + 1));
    }
    let text = format!("vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {{\n{vips} }}\n}}\n");
    let (cfg, d) = parse(&text);
    assert!(errors(&d)[0].contains("exceeds maximum"));
    assert_eq!(cfg.vrrp.instances[0].virtual_ipaddress.len(), 255);
    assert_eq!(cfg.vrrp.instances[0].virtual_ipaddress_excluded.len(), 45);
}

#[test]
fn script_security_is_injected() {
    let script = "vrrp_script chk {\n script /bin/true\n}\n";
    let with = |globals: &str| {
        format!(
            "global_defs {{\n{globals}\n}}\n{script}{}",
            inst("A", 1, " track_script {\n chk\n }")
        )
    };
    let run = |text: &str, users: &[&str]| {
        let (cfg, mut d) = parse(text);
        no_errors(&d);
        check_script_security(&cfg, &|u| users.contains(&u), &|p| p == "/bin/true", &mut d);
        errors(&d)
    };
    // As root without enable_script_security: keepalived -t exits 6.
    let e = run(&with(""), &["root"]);
    assert!(e.len() == 1 && e[0].contains("SECURITY VIOLATION"), "{e:?}");
    assert!(run(
        &with(" enable_script_security\n script_user root"),
        &["root"]
    )
    .is_empty());
    // keepalived_script is the default user when it exists.
    assert!(run(&with(""), &["root", "keepalived_script"]).is_empty());
    // With security on, a script needs a user other than the implicit root.
    let e = run(&with(" enable_script_security"), &["root"]);
    assert!(e[0].contains("unable to set default user"), "{e:?}");
    let e = run(&with(" script_user nosuch"), &["root"]);
    assert!(e[0].contains("no user nosuch"), "{e:?}");
    // Scripts that cannot be found are skipped, as keepalived does.
    let missing = with("").replace("/bin/true", "/no/such/script");
    assert!(run(&missing, &["root"]).is_empty());
}
