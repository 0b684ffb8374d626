//! keepalived's verdict on VRRP-side and global configurations, case by case: whether
//! `keepalived -t` fails (an error here) or passes (at most warnings here).
//!
//! `verdicts_match_keepalived` runs the real `keepalived -t` on every case when it is installed
//! (Debian's 2.2.7), so the table itself is checked against the reference. Cases name only
//! `eth0`: keepalived runs in a namespace holding just `lo` and `eth0`; interface existence is checked separately (see
//! `check_interfaces` in `model_vrrp.rs`).

#[path = "common/keepalived.rs"]
mod keepalived;
mod model_vrrp_util;

use model_vrrp_util::{errors, inst, parse_on_host, warnings, SCRIPT_SECURITY};

/// What kad must say about a case.
#[derive(Clone, Copy, Debug)]
enum V {
    /// No error (keepalived -t exits 0); warnings allowed.
    Ok,
    /// No error, and a warning containing this text.
    Warn(&'static str),
    /// An error containing this text (keepalived -t exits non-zero).
    Err(&'static str),
    /// Accepted by kad as documented in the man page, but keepalived 2.2.7 predates it: not
    /// compared with keepalived.
    NewerOk,
}

fn sec(rest: &str) -> String {
    format!("{SCRIPT_SECURITY}{rest}")
}

fn cases() -> Vec<(&'static str, String, V)> {
    let a = |extra: &str| inst("A", 5, extra);
    let two = |x: &str, y: &str| format!("{}{}", inst("A", 5, x), inst("B", 6, y));
    vec![
        ("minimal", a(" priority 100"), V::Ok),
        ("all simple instance keywords", a(
            " state BACKUP\n priority 150\n advert_int 2\n nopreempt\n preempt_delay 0\n garp_master_delay 3\n garp_master_repeat 2\n garp_master_refresh 60\n garp_master_refresh_repeat 2\n garp_lower_prio_delay 1\n garp_lower_prio_repeat 1\n down_timer_adverts 4\n lower_prio_no_advert\n higher_prio_send_advert false\n skip_check_adv_addr on\n strict_mode off\n accept\n debug 2\n smtp_alert no\n notify_priority_changes yes\n dont_track_primary\n promote_secondaries\n mcast_src_ip 192.0.2.200\n version 2\n kernel_rx_buf_size 65536\n garp_extra_if all 30",
        ), V::Ok),
        ("missing vrid", "vrrp_instance A {\n interface eth0\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n".into(), V::Err("virtual router id must be set")),
        ("missing interface", "vrrp_instance A {\n virtual_router_id 5\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n".into(), V::Err("unknown interface")),
        ("vrid 0", a(" virtual_router_id 0"), V::Err("outside range")),
        ("vrid 256", a(" virtual_router_id 256"), V::Err("outside range")),
        ("priority 0", a(" priority 0"), V::Err("outside range")),
        ("priority 256", a(" priority 256"), V::Err("outside range")),
        ("priority 255 master", a(" state MASTER\n priority 255"), V::Ok),
        ("bad state", a(" state MASTR"), V::Err("unknown state")),
        ("advert_int too small", a(" advert_int 0.001"), V::Err("outside range")),
        ("advert_int fractional v2", a(" advert_int 1.5"), V::Err("must be an integer")),
        ("advert_int fractional v3", a(" version 3\n advert_int 0.5"), V::Ok),
        ("advert_int v3 not centis", a(" version 3\n advert_int 0.505"), V::Err("units of 10ms")),
        ("version 4", a(" version 4"), V::Err("outside range")),
        ("unknown keyword", a(" priorty 100"), V::Err("unknown keyword")),
        ("no VIP v2", "vrrp_instance A {\n interface eth0\n virtual_router_id 5\n}\n".into(), V::Err("no VIP specified")),
        ("no VIP v3", "vrrp_instance A {\n interface eth0\n virtual_router_id 5\n version 3\n}\n".into(), V::Err("at least one is required")),
        ("no_virtual_ipaddress", "vrrp_instance A {\n interface eth0\n virtual_router_id 5\n no_virtual_ipaddress\n}\n".into(), V::NewerOk),
        ("duplicate instance", format!("{}{}", inst("A", 5, ""), inst("A", 6, "")), V::Err("already defined")),
        ("duplicate vrid", format!("{}{}", inst("A", 5, ""), inst("B", 5, "")), V::Err("both use VRID 5")),
        ("same vrid other mcast group", format!("{}{}", inst("A", 5, ""), inst("B", 5, " mcast_dst_ip 224.0.0.19")), V::Ok),
        ("same vrid other family", format!("{}vrrp_instance B {{\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {{\n fe80::5\n 2001:db8::5\n }}\n}}\n", inst("A", 5, "")), V::Ok),
        ("same vrid disjoint unicast", format!(
            "{}{}",
            inst("A", 5, " unicast_src_ip 192.0.2.100\n unicast_peer {\n 192.0.2.101\n }"),
            inst("B", 5, " unicast_src_ip 192.0.2.100\n unicast_peer {\n 192.0.2.102\n }")
        ), V::Ok),
        ("same vrid shared unicast peer", format!(
            "{}{}",
            inst("A", 5, " unicast_src_ip 192.0.2.100\n unicast_peer {\n 192.0.2.101\n }"),
            inst("B", 5, " unicast_src_ip 192.0.2.100\n unicast_peer {\n 192.0.2.101\n }")
        ), V::Err("duplicate VRID conflict")),
        ("unicast and multicast same vrid", format!(
            "{}{}",
            inst("A", 5, " unicast_peer {\n 192.0.2.101\n }"),
            inst("B", 5, "")
        ), V::Ok),
        ("unicast peer ttl", a(" unicast_peer {\n 192.0.2.101 min_ttl 2 max_ttl 250\n }\n unicast_ttl 5"), V::Ok),
        ("unicast peer min>max", a(" unicast_peer {\n 192.0.2.101 min_ttl 20 max_ttl 2\n }"), V::Err("min_ttl 20 > max_ttl 2")),
        ("unicast peer bad option", a(" unicast_peer {\n 192.0.2.101 foo 2\n }"), V::Err("unknown unicast_peer option")),
        ("unicast peer wrong family", a(" unicast_peer {\n 2001:db8::1\n }"), V::Err("same family")),
        ("unicast_ttl without peers", a(" unicast_ttl 5"), V::Err("without unicast peers")),
        ("unicast keyword without peers", a(" unicast_src_ip 192.0.2.100"), V::Err("without any unicast peers")),
        ("unicast_fault_no_peer", a(" unicast_fault_no_peer"), V::Warn("without any peers")),
        ("mixed VIP family", "vrrp_instance A {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n 192.0.2.1\n 2001:db8::1\n }\n}\n".into(), V::Err("same family")),
        ("mixed family excluded ok", a(" virtual_ipaddress_excluded {\n 2001:db8::1\n }"), V::Ok),
        ("ipv6 first vip not link local", "vrrp_instance A {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n 2001:db8::1/64\n }\n}\n".into(), V::Warn("should be link local")),
        ("ipv6 strict first not link local", "global_defs {\n vrrp_strict\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n 2001:db8::1/64\n }\n}\n".into(), V::Err("must be link local")),
        ("vip options", a(" virtual_ipaddress {\n 192.0.2.50/24 brd + dev eth0 scope global label eth0:1\n 192.0.2.51 no_track\n 192.0.2.52/24 brd 192.0.2.255\n }"), V::Ok),
        ("vip ipv6 options", "vrrp_instance A {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n fe80::1/64 dev eth0\n 2001:db8::1/64 -nodad noprefixroute preferred_lft forever\n }\n}\n".into(), V::Ok),
        ("vip bad option", a(" virtual_ipaddress {\n 192.0.2.50/24 colour blue\n }"), V::Err("unknown configuration entry")),
        ("vip bad address", a(" virtual_ipaddress {\n 192.0.2.500\n }"), V::Err("invalid IP address")),
        ("vip scope on ipv6", "vrrp_instance A {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n fe80::1/64 scope link\n }\n}\n".into(), V::Err("cannot specify scope for IPv6")),
        ("vip missing param", a(" virtual_ipaddress {\n 192.0.2.50/24 dev\n }"), V::Err("no dev parameter")),
        ("auth pass v2", a(" authentication {\n auth_type PASS\n auth_pass secret\n }"), V::Ok),
        ("auth long pass", a(" authentication {\n auth_type PASS\n auth_pass 123456789\n }"), V::Err("truncating auth_pass")),
        ("auth v3", a(" version 3\n authentication {\n auth_type PASS\n auth_pass secret\n }"), V::Err("version 3 does not support authentication")),
        ("auth strict", format!("global_defs {{\n vrrp_strict\n}}\n{}", a(" authentication {\n auth_type PASS\n auth_pass x\n }")), V::Err("strict mode does not support authentication")),
        ("auth no pass", a(" authentication {\n auth_type AH\n }"), V::Err("no password given")),
        ("auth bad type", a(" authentication {\n auth_type FOO\n }"), V::Err("unknown authentication type")),
        ("strict master not owner", format!("global_defs {{\n vrrp_strict\n}}\n{}", a(" state MASTER\n priority 100")), V::Err("must match being address owner")),
        ("strict unicast (2.2.7 lets it pass)", format!("global_defs {{\n vrrp_strict\n}}\n{}", a(" unicast_peer {\n 192.0.2.101\n }")), V::Ok),
        ("strict preempt_delay", a(" strict_mode\n preempt_delay 5"), V::Err("incompatible with strict mode")),
        ("strict garp lower prio", a(" strict_mode on\n garp_lower_prio_repeat 2"), V::Err("no repeat garps")),
        ("strict higher prio send", a(" strict_mode true\n higher_prio_send_advert"), V::Err("higher_prio_send_advert")),
        ("strict lower prio advert off", a(" strict_mode yes\n lower_prio_no_advert false"), V::Err("no lower priority advert")),
        ("strict down timer", a(" strict_mode\n down_timer_adverts 5"), V::Err("down_timer_adverts is incompatible")),
        ("strict accept v2", a(" strict_mode\n accept"), V::Err("accept mode for VRRP version 2")),
        ("strict_mode bad value", a(" strict_mode maybe"), V::Err("invalid strict_mode")),
        ("owner nopreempt", a(" priority 255\n nopreempt"), V::Err("nopreempt is incompatible")),
        ("master nopreempt", a(" state MASTER\n priority 200\n nopreempt"), V::Err("nopreempt will not work")),
        ("master preempt_delay", a(" state MASTER\n priority 200\n preempt_delay 10"), V::Err("preempt delay will not work")),
        ("nopreempt preempt_delay", a(" nopreempt\n preempt_delay 10"), V::Err("incompatible with nopreempt")),
        ("preempt_delay too big", a(" preempt_delay 1001"), V::Err("outside range")),
        ("preempt deprecated synonym ok", a(" preempt"), V::Ok),
        ("garp_master_repeat 0", a(" garp_master_repeat 0"), V::Err("greater than 0")),
        ("vmac_garp_intvl deprecated", a(" vmac_garp_intvl 10"), V::Err("deprecated")),
        ("mcast_dst_ip not multicast", a(" mcast_dst_ip 192.0.2.1"), V::Err("not multicast")),
        ("mcast with unicast", a(" mcast_dst_ip 224.0.0.19\n unicast_peer {\n 192.0.2.101\n }"), V::Err("multicast destination specified with unicast")),
        ("use_vmac", a(" use_vmac vrrp5\n vmac_xmit_base"), V::Ok),
        ("use_vmac with unicast needs xmit_base", a(" use_vmac\n unicast_peer {\n 192.0.2.101\n }"), V::Err("requires vmac_xmit_base")),
        ("use_vmac with unicast keyword only", a(" use_vmac\n check_unicast_src"), V::Err("requires vmac_xmit_base")),
        ("sync group rx_lower_pri", format!("{}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n notify_master_rx_lower_pri /bin/true\n}}\n", two("", "")), V::Err("unknown keyword")),
        ("use_vmac bad mac", a(" use_vmac 01:00:5e:00:01:05"), V::Err("multicast")),
        ("vmac_xmit_base alone", a(" vmac_xmit_base"), V::Err("only valid with a vmac")),
        ("track own interface", a(" track_interface {\n eth0\n }"), V::Err("since own interface")),
        ("track interface weight 254", a(" track_interface {\n eth0 weight 254\n }"), V::Err("cannot be +/-254")),
        ("track script defined before", sec(&format!("vrrp_script chk {{\n script /bin/true\n interval 2\n weight -10\n rise 2\n fall 3\n timeout 1\n}}\n{}", a(" track_script {\n chk\n }"))), V::Ok),
        ("track script weight reverse", sec(&format!("vrrp_script chk {{\n script /bin/true\n weight 10 reverse\n}}\n{}", a(" track_script {\n chk weight -20 noreverse\n }"))), V::Ok),
        ("track script missing", a(" track_script {\n nosuch\n }"), V::Err("track script nosuch not found")),
        ("track script defined after", sec(&format!("{}vrrp_script chk {{\n script /bin/true\n}}\n", a(" track_script {\n chk\n }"))), V::Err("not found")),
        ("unused script", sec(&format!("vrrp_script chk {{\n script /bin/true\n}}\n{}", a(""))), V::Warn("is not used")),
        ("script without script", sec(&format!("vrrp_script chk {{\n interval 2\n}}\n{}", a(""))), V::Err("no script set")),
        ("script weight range", sec(&format!("vrrp_script chk {{\n script /bin/true\n weight 254\n}}\n{}", a(" track_script {\n chk\n }"))), V::Err("outside range")),
        ("track_file", format!("track_file tf {{\n file /tmp/kad-test-track-file\n weight -5 reverse\n init_file 3 overwrite\n}}\n{}", a(" track_file {\n tf weight 2\n }")), V::Ok),
        ("vrrp_track_file deprecated", format!("vrrp_track_file tf {{\n file /tmp/kad-test-track-file\n}}\n{}", a(" track_file {\n tf\n }")), V::Warn("deprecated")),
        ("track_file without file", format!("track_file tf {{\n weight 2\n}}\n{}", a("")), V::Err("no file set")),
        ("track_file missing", a(" track_file {\n nosuch\n }"), V::Err("track file nosuch not found")),
        ("track_process", format!("vrrp_track_process tp {{\n process sshd -D\n param_match partial\n weight 10\n quorum 1\n quorum_max 3\n delay 0.5\n full_command\n}}\n{}", a(" track_process {\n tp weight -10 reverse\n }")), V::Ok),
        ("track_process missing", a(" track_process {\n nosuch\n }"), V::Err("not found")),
        ("track_process quorum_max<quorum", format!("vrrp_track_process tp {{\n process sshd\n quorum 3\n quorum_max 2\n}}\n{}", a(" track_process {\n tp\n }")), V::Err("quorum_max is less than quorum")),
        ("owner weighted script", sec(&format!("vrrp_script chk {{\n script /bin/true\n weight 10\n}}\n{}", a(" priority 255\n track_script {\n chk\n }"))), V::Err("address owner")),
        ("sync group", sec(&format!("{}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n notify_master /bin/true\n smtp_alert\n notify_priority_changes true\n}}\n", two("", ""))), V::Ok),
        ("sync group missing member", format!("{}vrrp_sync_group G {{\n group {{\n A\n B\n C\n }}\n}}\n", two("", "")), V::Err("doesn't exist")),
        ("sync group one member", format!("{}vrrp_sync_group G {{\n group {{\n A\n }}\n}}\n", a("")), V::Err("only 1 virtual router")),
        ("sync group member twice", format!("{}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n}}\nvrrp_sync_group H {{\n group {{\n A\n B\n }}\n}}\n", two("", "")), V::Err("more than one sync group")),
        ("sync group empty", format!("{}vrrp_sync_group G {{\n}}\n", two("", "")), V::Err("no virtual router")),
        ("sync group weighted member tracker", sec(&format!("vrrp_script chk {{\n script /bin/true\n weight 10\n}}\n{}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n}}\n", two(" track_script {\n chk\n }", ""))), V::Err("SYNC group")),
        ("sync group tracking weight", sec(&format!("vrrp_script chk {{\n script /bin/true\n weight 10\n}}\n{}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n sync_group_tracking_weight\n}}\n", two(" track_script {\n chk\n }", ""))), V::Ok),
        ("sync group global_tracking", format!("{}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n global_tracking\n}}\n", two("", "")), V::Err("deprecated")),
        ("sync group unknown keyword", format!("{}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n grop x\n}}\n", two("", "")), V::Err("unknown keyword")),
        ("virtual routes", a(" virtual_routes {\n 198.51.100.0/24 via 192.0.2.254 dev eth0\n src 192.0.2.5 to 203.0.113.0/24 via 192.0.2.254 dev eth0 table 100 metric 5\n blackhole 198.51.100.128/25 no_track\n 203.0.113.128/25 dev eth0 mtu lock 1400 advmss 1300 onlink\n }"), V::Ok),
        ("route without dev", a(" virtual_routes {\n 198.51.100.0/24 via 192.0.2.254\n }"), V::Err("cannot track route")),
        ("route gw deprecated", a(" virtual_routes {\n 198.51.100.0/24 gw 192.0.2.254 dev eth0\n }"), V::Err("deprecated")),
        ("route mixed family", a(" virtual_routes {\n 198.51.100.0/24 via 2001:db8::1 dev eth0\n }"), V::Err("cannot mix")),
        ("route nexthops", a(" virtual_routes {\n 198.51.100.0/24 dev eth0 nexthop via 192.0.2.1 dev eth0 weight 1 nexthop via 192.0.2.2 dev eth0 weight 2\n }"), V::Ok),
        ("route garbage", a(" virtual_routes {\n 198.51.100.0/24 dev eth0 flurb\n }"), V::Err("unknown route keyword")),
        ("virtual rules", a(" virtual_rules {\n from 192.0.2.0/24 table 100 preference 100\n to 198.51.100.0/24 lookup main priority 101 no_track\n from 192.0.2.0/24 fwmark 5/0xff table 5 preference 102\n }"), V::Ok),
        ("rule actions", a(" virtual_rules {\n from 192.0.2.0/24 blackhole preference 5\n from 192.0.2.0/24 type prohibit preference 6\n from 192.0.2.0/24 nop preference 7\n from 192.0.2.0/24 goto 20 preference 8\n from 192.0.2.0/24 table 5 sport 1-2 dport 3-4 uidrange 1-2 realms 1/2 preference 9\n }"), V::Ok),
        ("rule goto without preference", a(" virtual_rules {\n from 192.0.2.0/24 goto 20\n }"), V::Err("without preference")),
        ("rule goto backwards", a(" virtual_rules {\n from 192.0.2.0/24 goto 20 preference 30\n }"), V::Err(">= goto target")),
        ("rule without action", a(" virtual_rules {\n from 192.0.2.0/24 preference 30\n }"), V::Err("no action")),
        ("rule two actions", a(" virtual_rules {\n from 192.0.2.0/24 table 5 nop preference 30\n }"), V::Err("more than one")),
        ("rule realms without table", a(" virtual_rules {\n from 192.0.2.0/24 nop realms 1/2 preference 30\n }"), V::Err("non table action")),
        ("rule single dport", a(" virtual_rules {\n from 192.0.2.0/24 table 5 dport 3 preference 30\n }"), V::Err("invalid dport range")),
        ("rule tracked protocol", a(" virtual_rules {\n from 192.0.2.0/24 table 5 protocol 5 preference 30\n }"), V::Err("cannot be tracked")),
        ("rule untracked protocol", a(" virtual_rules {\n from 192.0.2.0/24 table 5 protocol 5 no_track preference 30\n }"), V::Ok),
        ("route bad tos", a(" virtual_routes {\n 198.51.100.0/24 dev eth0 tos bogus\n }"), V::Err("TOS value")),
        ("route named tos", a(" virtual_routes {\n 198.51.100.0/24 dev eth0 tos AF11\n }"), V::Ok),
        ("ipvlan without address", a(" use_ipvlan"), V::Err("ipvlan requires")),
        ("ipvlan with address", a(" use_ipvlan ipv1 192.0.2.9/24 private"), V::Ok),
        ("rule without preference", a(" virtual_rules {\n from 192.0.2.0/24 table 100\n }"), V::Err("no preference")),
        ("static blocks", "track_group TG {\n group {\n A\n }\n}\nstatic_ipaddress {\n 192.0.2.200/24 dev eth0 track_group TG\n}\nstatic_routes {\n 198.51.100.0/24 via 192.0.2.254 dev eth0 track_group TG\n}\nstatic_rules {\n from 192.0.2.0/24 iif eth0 table 100 preference 50 track_group TG\n}\n".to_string() + &a(""), V::Ok),
        ("static rule track group without iif", "track_group TG {\n group {\n A\n }\n}\nstatic_rules {\n from 192.0.2.0/24 table 100 preference 50 track_group TG\n}\n".to_string() + &a(""), V::Err("dev/iif")),
        ("static track group undefined", "static_ipaddress {\n 192.0.2.200/24 dev eth0 track_group TG\n}\n".to_string() + &a(""), V::Err("track_group TG not found")),
        ("garp_group", "garp_group {\n garp_interval 0.01\n gna_interval 0.02\n interface eth0\n}\n".to_string() + &a(""), V::Ok),
        ("garp_group without delay", "garp_group {\n interface eth0\n}\n".to_string() + &a(""), V::Err("does not have any delay")),
        ("linkbeat_interfaces", "linkbeat_interfaces {\n eth0 MII\n}\n".to_string() + &a(""), V::Ok),
        ("up down delays", "interface_up_down_delays {\n eth0 0.5 1\n}\n".to_string() + &a(""), V::Ok),
        ("up down delays bad", "interface_up_down_delays {\n eth0 300\n}\n".to_string() + &a(""), V::Err("outside range")),
        ("bfd tracked", "bfd_instance B1 {\n neighbor_ip 192.0.2.77\n source_ip 192.0.2.5\n min_rx 20\n min_tx 20.5\n idle_tx 1000\n multiplier 3\n weight 0\n}\n".to_string() + &a(" track_bfd {\n B1\n }"), V::Ok),
        ("bfd missing", a(" track_bfd {\n B9\n }"), V::Err("not found")),
        ("bfd no neighbour", "bfd_instance B1 {\n min_rx 20\n}\n".to_string() + &a(""), V::Err("no neighbor address")),
        ("bfd bad multiplier", "bfd_instance B1 {\n neighbor_ip 192.0.2.77\n multiplier 0\n}\n".to_string() + &a(""), V::Err("outside range")),
        ("bfd multihop", "bfd_instance B1 {\n neighbor_ip 192.0.2.77\n multihop\n}\n".to_string() + &a(""), V::NewerOk),
        ("sync group notify_deleted", format!("{}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n notify_deleted\n}}\n", two("", "")), V::NewerOk),
        ("sync group tracks member's own interface", format!("{}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n track_interface {{\n eth0 weight 5\n }}\n}}\n", two("", "")), V::Err("configured on VRRP instance and sync group")),
        ("sync group tracks interface, dont_track_primary", format!("{}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n track_interface {{\n eth0\n }}\n}}\n", two(" dont_track_primary", " dont_track_primary")), V::Ok),
        ("duplicate track_file", format!("track_file t {{\n file /tmp/x\n}}\ntrack_file t {{\n file /tmp/y\n}}\n{}", a("")), V::Warn("already defined")),
        ("duplicate vrrp_script", sec(&format!("vrrp_script s {{\n script /bin/true\n}}\nvrrp_script s {{\n script /bin/false\n}}\n{}", a(" track_script {\n s\n }"))), V::Warn("already defined")),
        ("track_process quorum_max 0", format!("vrrp_track_process p {{\n process x\n quorum_max 0\n}}\n{}", a(" track_process {\n p\n }")), V::Ok),
        ("bfd neighbour synonym", "bfd_instance B1 {\n neighbour_ip 192.0.2.77\n passive\n}\n".to_string() + &a(""), V::Ok),
        ("global_defs full", format!("global_defs {{\n router_id kad1\n notification_email {{\n root@example.com\n ops@example.com\n }}\n notification_email_from kad@example.com\n smtp_server 192.0.2.25 2525\n smtp_helo_name kad.example.com\n smtp_connect_timeout 10\n smtp_alert true\n smtp_alert_vrrp off\n vrrp_mcast_group4 224.0.0.18\n vrrp_mcast_group6 ff02::12\n vrrp_garp_master_delay 5\n vrrp_garp_master_repeat 3\n vrrp_garp_master_refresh 30\n vrrp_garp_master_refresh_repeat 2\n vrrp_garp_lower_prio_delay 4\n vrrp_garp_lower_prio_repeat 1\n vrrp_garp_interval 0.001\n vrrp_gna_interval 0.000001\n vrrp_min_garp\n vrrp_down_timer_adverts 3\n vrrp_lower_prio_no_advert\n vrrp_higher_prio_send_advert no\n vrrp_version 2\n vrrp_check_unicast_src\n vrrp_skip_check_adv_addr\n vrrp_notify_priority_changes on\n vrrp_priority -5\n vrrp_no_swap\n vrrp_rt_priority 50\n vrrp_rlimit_rttime 10000\n checker_priority 5\n bfd_priority 0\n max_auto_priority 10\n dynamic_interfaces allow_if_changes\n vrrp_netlink_cmd_rcv_bufs 1048576\n vrrp_netlink_cmd_rcv_bufs_force true\n vrrp_rx_bufs_policy MTU\n vrrp_rx_bufs_multiplier 4\n umask 0022\n vrrp_startup_delay 2.5\n log_unknown_vrids\n random_seed 42\n lvs_timeouts tcp 900 tcpfin 120 udp 300\n lvs_flush\n lvs_flush_on_stop VS\n process_names\n default_interface eth0\n script_user root\n enable_script_security\n}}\n{}", a("")), V::Ok),
        ("global unknown keyword", format!("global_defs {{\n routr_id x\n}}\n{}", a("")), V::Err("unknown keyword")),
        ("global bad bool", format!("global_defs {{\n smtp_alert maybe\n}}\n{}", a("")), V::Err("invalid value")),
        ("global bad mcast4", format!("global_defs {{\n vrrp_mcast_group4 192.0.2.1\n}}\n{}", a("")), V::Err("not multicast")),
        ("global vrrp_version 4", format!("global_defs {{\n vrrp_version 4\n}}\n{}", a("")), V::Err("version")),
        ("global garp_repeat 0", format!("global_defs {{\n vrrp_garp_master_repeat 0\n}}\n{}", a("")), V::Err("greater than 0")),
        ("global vmac_garp_intvl deprecated", format!("global_defs {{\n vrrp_vmac_garp_intvl 5\n}}\n{}", a("")), V::Err("deprecated")),
        ("global priority range", format!("global_defs {{\n vrrp_priority 20\n}}\n{}", a("")), V::Err("outside range")),
        ("global startup timeout range", format!("global_defs {{\n startup_script_timeout 0\n}}\n{}", a("")), V::Err("outside range")),
        ("global dynamic_interfaces bad", format!("global_defs {{\n dynamic_interfaces sometimes\n}}\n{}", a("")), V::Err("unknown dynamic_interfaces option")),
        ("global lvs_sync_daemon", format!("global_defs {{\n lvs_sync_daemon eth0 A id 5 maxlen 1400 port 8848 ttl 2 group 224.0.0.81\n}}\n{}", a("")), V::Ok),
        ("lvs_sync_daemon unknown instance", format!("global_defs {{\n lvs_sync_daemon eth0 inst Z\n}}\n{}", a("")), V::Warn("unable to find vrrp instance")),
        ("global strict defaults", format!("global_defs {{\n vrrp_strict\n}}\n{}", a(" priority 100")), V::Ok),
        ("global vrrp_iptables (nftables build)", format!("global_defs {{\n vrrp_iptables\n}}\n{}", a("")), V::Err("iptables not supported")),
        ("global rx_bufs size and policy", format!("global_defs {{\n vrrp_rx_bufs_policy MTU 4096\n}}\n{}", a("")), V::Err("size and policy")),
        ("global rx_bufs mtu and advert", format!("global_defs {{\n vrrp_rx_bufs_policy mtu ADVERT\n}}\n{}", a("")), V::Err("both vrrp_rx_bufs_policy")),
        ("top-level keyword inside global_defs", format!("global_defs {{\n use_pid_dir\n}}\n{}", a("")), V::Err("unknown keyword")),
        ("global rlimit_rtime synonym", format!("global_defs {{\n vrrp_rlimit_rtime 5000\n}}\n{}", a("")), V::Warn("deprecated")),
        ("global json_version", format!("global_defs {{\n json_version 2\n}}\n{}", a("")), V::NewerOk),
        ("global v3_checksum_as_v2", format!("global_defs {{\n v3_checksum_as_v2\n}}\n{}", a("")), V::NewerOk),
        ("top level settings", format!("use_pid_dir\nchild_wait_time 5\nlinkbeat_use_polling\n{}", a("")), V::Ok),
        ("missing parameter", a(" priority"), V::Err("missing a parameter")),
        ("value block on one line", "vrrp_instance A {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress 192.0.2.1/24\n}\n".into(), V::Err("extra parameters")),
        ("track block without braces", a(" track_interface"), V::Err("must be followed by a '{' block")),
        ("empty sync group block", format!("{}vrrp_sync_group G {{\n group {{\n }}\n}}\n", two("", "")), V::Err("empty group block")),
    ]
}

#[test]
fn kad_verdicts() {
    let mut failures = Vec::new();
    for (name, text, want) in cases() {
        let (_, d) = parse_on_host(&text);
        let e = errors(&d);
        let w = warnings(&d);
        let ok = match want {
            V::Ok | V::NewerOk => e.is_empty(),
            V::Warn(s) => e.is_empty() && w.iter().any(|m| m.contains(s)),
            V::Err(s) => e.iter().any(|m| m.contains(s)),
        };
        if !ok {
            failures.push(format!(
                "{name}: want {want:?}\n errors: {e:#?}\n warnings: {w:#?}\n--- config\n{text}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn verdicts_match_keepalived() {
    let Some(keepalived) = keepalived::Keepalived::with_eth0_only() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("kad-vrrp-verdicts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for (i, (name, text, want)) in cases().into_iter().enumerate() {
        if matches!(want, V::NewerOk) {
            continue;
        }
        let (k_ok, code, stderr) = keepalived.verdict(&dir, i, &text);
        let want_ok = !matches!(want, V::Err(_));
        if k_ok != want_ok {
            failures.push(format!(
                "{name}: keepalived exit {code:?}, table says {want:?}\n{stderr}"
            ));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        failures.is_empty(),
        "{} mismatch(es):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
