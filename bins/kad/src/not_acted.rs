//! Never silent (DESIGN.md): every keyword and flag kad reads but does not act on, in one table.
//!
//! keepalived.conf files written for keepalived must load unchanged, so kad accepts these; but an
//! operator whose SNMP traps silently stop would be misled. `kad -t` prints a
//! warning for every place the configuration uses one of these keywords and for every such flag
//! given, and the daemon logs the same lines once at start (the configuration's warnings are
//! logged by the parent). The table shrinks as features land; the README's "Never silent"
//! section shows it, and a test keeps the two in step.

use keepalive_confparse::load::Loaded;
use keepalive_confparse::model::Config;
use keepalive_confparse::token::Loc;
use keepalive_netlink::RouteSpec;

use kad::vrrp::netspec;

use crate::cli::Cli;

/// A keyword of keepalived.conf that kad parses and checks but does not act on.
#[derive(Debug)]
pub struct Keyword {
    /// The keyword as written in keepalived.conf.
    pub name: &'static str,
    /// What the operator does not get, in a few words.
    pub loss: &'static str,
}

/// A command-line flag that kad accepts but does not act on.
#[derive(Debug)]
pub struct Flag {
    /// The flag as `keepalived --help` names it.
    pub name: &'static str,
    /// What the operator does not get, in a few words.
    pub loss: &'static str,
    /// Whether this command line gave it.
    pub given: fn(&Cli) -> bool,
}

const AUTO_PRIO: &str = "automatic realtime priority is not implemented";
const SYNCD: &str = "the IPVS connection sync daemon is not started";
const NFT: &str = "kad's nftables table is always 'keepalived', chain priority -1";
const NFT_IPVS: &str = "nftables for IPVS is not implemented";
const NL_BUFS: &str = "netlink receive buffer sizes are not set";
const VRRP_BUFS: &str = "the VRRP socket's receive buffer size is not set";
const RELOAD: &str = "scheduled reload is not implemented";
const VMAC_NAME: &str = "VMAC names always start with 'vrrp.'";
const IGNORED: &str = "ignored";

/// The keywords, grouped as keepalived.conf(5) lists them.
pub const KEYWORDS: &[Keyword] = &[
    Keyword {
        name: "tmp_config_directory",
        loss: IGNORED,
    },
    Keyword {
        name: "config_save_dir",
        loss: "the configuration is not saved",
    },
    Keyword {
        name: "max_auto_priority",
        loss: AUTO_PRIO,
    },
    Keyword {
        name: "min_auto_priority_delay",
        loss: AUTO_PRIO,
    },
    Keyword {
        name: "linkbeat_use_polling",
        loss: "link state always comes from netlink, never polled",
    },
    Keyword {
        name: "namespace_with_ipsets",
        loss: "ipsets are not supported",
    },
    Keyword {
        name: "default_interface",
        loss: "static addresses without 'dev' are not installed",
    },
    Keyword {
        name: "lvs_sync_daemon",
        loss: SYNCD,
    },
    Keyword {
        name: "lvs_sync_daemon_interface",
        loss: SYNCD,
    },
    Keyword {
        name: "nftables",
        loss: NFT,
    },
    Keyword {
        name: "nftables_priority",
        loss: NFT,
    },
    Keyword {
        name: "nftables_counters",
        loss: NFT,
    },
    Keyword {
        name: "nftables_ifindex",
        loss: NFT,
    },
    Keyword {
        name: "nftables_ipvs",
        loss: NFT_IPVS,
    },
    Keyword {
        name: "nftables_ipvs_priority",
        loss: NFT_IPVS,
    },
    Keyword {
        name: "nftables_ipvs_start_fwmark",
        loss: NFT_IPVS,
    },
    Keyword {
        name: "disable_local_igmp",
        loss: "local IGMP reports are not disabled",
    },
    Keyword {
        name: "fifo_write_vrrp_states_on_reload",
        loss: "states are not rewritten to the FIFO on reload",
    },
    Keyword {
        name: "process_monitor_rcv_bufs",
        loss: NL_BUFS,
    },
    Keyword {
        name: "process_monitor_rcv_bufs_force",
        loss: NL_BUFS,
    },
    Keyword {
        name: "lvs_netlink_cmd_rcv_bufs",
        loss: NL_BUFS,
    },
    Keyword {
        name: "lvs_netlink_cmd_rcv_bufs_force",
        loss: NL_BUFS,
    },
    Keyword {
        name: "lvs_netlink_monitor_rcv_bufs",
        loss: NL_BUFS,
    },
    Keyword {
        name: "lvs_netlink_monitor_rcv_bufs_force",
        loss: NL_BUFS,
    },
    Keyword {
        name: "vrrp_rx_bufs_policy",
        loss: VRRP_BUFS,
    },
    Keyword {
        name: "vrrp_rx_bufs_multiplier",
        loss: VRRP_BUFS,
    },
    Keyword {
        name: "no_checker_emails",
        loss: "checker e-mails are not suppressed",
    },
    Keyword {
        name: "log_unknown_vrids",
        loss: "adverts for unknown VRIDs are logged only at debug level",
    },
    Keyword {
        name: "vmac_prefix",
        loss: VMAC_NAME,
    },
    Keyword {
        name: "vmac_addr_prefix",
        loss: VMAC_NAME,
    },
    Keyword {
        name: "random_seed",
        loss: IGNORED,
    },
    Keyword {
        name: "include_check",
        loss: "ignored here; the -e flag is honoured",
    },
    Keyword {
        name: "reload_time_file",
        loss: RELOAD,
    },
    Keyword {
        name: "reload_repeat",
        loss: RELOAD,
    },
    Keyword {
        name: "reload_file",
        loss: RELOAD,
    },
    Keyword {
        name: "json_version",
        loss: "the JSON dump has one fixed layout",
    },
    Keyword {
        name: "v3_checksum_as_v2",
        loss: "VRRPv3 checksums are always RFC 5798's",
    },
    Keyword {
        name: "linkbeat_interfaces",
        loss: IGNORED,
    },
    Keyword {
        name: "track_group",
        loss: "static addresses, routes and rules are not tied to instance state",
    },
    Keyword {
        name: "garp_group",
        loss: "per-interface GARP intervals are not applied",
    },
    Keyword {
        name: "use_vmac_addr",
        loss: IGNORED,
    },
    Keyword {
        name: "vrf",
        loss: "VRF binding is not implemented",
    },
    Keyword {
        name: "unicast_fault_no_peer",
        loss: "an instance without unicast peers does not go to FAULT",
    },
    Keyword {
        name: "track_src_ip",
        loss: "losing the source address does not cause FAULT",
    },
    Keyword {
        name: "promote_secondaries",
        loss: "the promote_secondaries sysctl is not set",
    },
    Keyword {
        name: "kernel_rx_buf_size",
        loss: VRRP_BUFS,
    },
    Keyword {
        name: "thread_timer_expired",
        loss: IGNORED,
    },
    Keyword {
        name: "regex_stack",
        loss: "the PCRE JIT stack size is not set",
    },
    Keyword {
        name: "ca",
        loss: "the CA file is not loaded",
    },
];

/// The flags, in `keepalived --help`'s order.
pub const FLAGS: &[Flag] = &[
    Flag {
        name: "-X, --release-vips",
        loss: "VIPs are not dropped on a signalled transition",
        given: |c| c.release_vips,
    },
    Flag {
        name: "-a, --address-monitoring",
        loss: "netlink address changes are not logged",
        given: |c| c.address_monitoring,
    },
    Flag {
        name: "--perf",
        loss: "perf data is not collected",
        given: |c| c.perf.is_some(),
    },
    Flag {
        name: "--debug",
        loss: "keepalived's debug options are not implemented",
        given: |c| c.debug.is_some(),
    },
];

/// The keywords for [`keepalive_confparse::Options::report_keywords`].
pub fn keywords() -> Vec<&'static str> {
    KEYWORDS.iter().map(|k| k.name).collect()
}

/// Add a warning at every place the loaded configuration uses a keyword of [`KEYWORDS`].
pub fn warn_keywords(loaded: &mut Loaded) {
    for (name, loc) in &loaded.keyword_places {
        if let Some(k) = KEYWORDS.iter().find(|k| k.name == *name) {
            loaded.diagnostics.warning(
                loc,
                format!("{name} is accepted but not acted on by kad: {}", k.loss),
            );
        }
    }
    for (loc, what) in inline_options(&loaded.config) {
        loaded.diagnostics.warning(
            &loc,
            format!("{what} is accepted but not acted on by kad: ignored"),
        );
    }
}

/// Options written inside an address or route line that kad parses but does not apply:
/// they are not keywords, so the keyword table cannot name them.
fn inline_options(config: &Config) -> Vec<(Loc, String)> {
    let v = &config.vrrp;
    let mut out = Vec::new();
    let addresses = v
        .static_ipaddress
        .iter()
        .chain(v.instances.iter().flat_map(|i| {
            i.virtual_ipaddress
                .iter()
                .chain(&i.virtual_ipaddress_excluded)
        }));
    for a in addresses {
        if let Some(g) = &a.track_group {
            out.push((a.loc.clone(), format!("'track_group {g}' on an address")));
        }
        if a.use_vmac {
            out.push((a.loc.clone(), "'use_vmac' on an address".to_owned()));
        }
    }
    let routes = v
        .static_routes
        .iter()
        .chain(v.instances.iter().flat_map(|i| &i.virtual_routes));
    for r in routes {
        let mut named = |what: String| out.push((r.loc.clone(), format!("'{what}' on a route")));
        if let Some(vrf) = &r.vrf {
            named(format!("vrf {vrf}"));
        }
        if let Some(g) = &r.track_group {
            named(format!("track_group {g}"));
        }
        // The options the route request can carry are applied; the rest are named.
        let mut probe = RouteSpec::new(std::net::Ipv4Addr::UNSPECIFIED.into(), 0);
        for (k, val) in &r.options {
            if netspec::route_option(&mut probe, k, val).is_none() {
                named(format!("{k} {val}"));
            }
        }
    }
    out
}

/// One line for each flag of [`FLAGS`] this command line gave.
pub fn flag_warnings(cli: &Cli) -> Vec<String> {
    FLAGS
        .iter()
        .filter(|f| (f.given)(cli))
        .map(|f| format!("{} is accepted but not acted on by kad: {}", f.name, f.loss))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;

    fn loaded(text: &str) -> Loaded {
        let opts = Options {
            read_includes: false,
            report_keywords: keywords(),
            ..Options::default()
        };
        let mut l = load_str("k.conf", text, &opts);
        warn_keywords(&mut l);
        l
    }

    #[test]
    fn inline_options_kad_does_not_apply_are_named() {
        let l = loaded(
            "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n \
             virtual_ipaddress {\n  192.0.2.10/24 use_vmac\n }\n virtual_routes {\n  \
             198.51.100.0/24 dev eth0 mtu 1400 congctl cubic\n }\n}\n",
        );
        let lines: Vec<String> = l.diagnostics.iter().map(|d| d.to_string()).collect();
        let text = lines.join("\n");
        assert!(
            text.contains("k.conf:6:3: warning: 'use_vmac' on an address"),
            "{text}"
        );
        assert!(text.contains("'congctl cubic' on a route"), "{text}");
        assert!(!text.contains("'mtu 1400'"), "{text}");
    }

    #[test]
    fn every_place_is_named() {
        let l = loaded(
            "global_defs {\n disable_local_igmp\n nftables\n fifo_write_vrrp_states_on_reload\n}\n",
        );
        let lines: Vec<String> = l.diagnostics.iter().map(|d| d.to_string()).collect();
        assert!(lines.contains(
            &"k.conf:2:2: warning: disable_local_igmp is accepted but not acted on by kad: \
              local IGMP reports are not disabled"
                .to_string()
        ));
        assert!(lines
            .iter()
            .any(|l| l.starts_with("k.conf:3:2: warning: nftables")));
        assert!(lines
            .iter()
            .any(|l| l.starts_with("k.conf:4:2: warning: fifo_write_vrrp_states_on_reload")));
        assert!(!l.diagnostics.has_errors());
    }

    #[test]
    fn dbus_is_acted_on() {
        let l = loaded("global_defs {\n enable_dbus\n dbus_service_name org.keepalived.Vrrp1\n}\n");
        assert_eq!(l.diagnostics.iter().count(), 0);
    }

    #[test]
    fn a_configuration_without_them_gets_no_warning() {
        let l = loaded("global_defs {\n router_id r1\n}\n");
        assert_eq!(l.diagnostics.iter().count(), 0);
    }

    #[test]
    fn flags_given_are_named() {
        let cli = crate::cli::for_test(&["-X", "-a"]);
        let w = flag_warnings(&cli);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("-X, --release-vips is accepted but not acted on"));
        assert!(flag_warnings(&crate::cli::for_test(&[])).is_empty());
    }

    /// The README's "Never silent" table lists exactly this module's entries.
    #[test]
    fn readme_shows_the_table() {
        let readme = include_str!("../../../README.md");
        let section = readme
            .split("## Never silent")
            .nth(1)
            .expect("README has a 'Never silent' section");
        let section = section.split("\n## ").next().unwrap_or(section);
        for name in KEYWORDS
            .iter()
            .map(|k| k.name)
            .chain(FLAGS.iter().map(|f| f.name))
        {
            assert!(
                section.contains(&format!("`{name}`")),
                "README lacks {name}"
            );
        }
        let rows = section.lines().filter(|l| l.starts_with("| `")).count();
        assert_eq!(rows, KEYWORDS.len() + FLAGS.len(), "README rows");
    }
}
