//! Top-level settings and `global_defs` (keepalived.conf(5), "GLOBAL CONFIGURATION").
//!
//! Ranges, defaults and verdicts follow keepalived's `core/global_parser.c`: anything it reports
//! with `report_config_error` is an error here (that makes `keepalived -t` exit non-zero, even
//! for its "deprecated" class); what it only logs is a warning.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::values::{
    flag, need_arg, parse_decimal, parse_int, parse_ip, parse_ipv4, parse_ipv6, parse_port,
    parse_secs, parse_timer, parse_uint, rest_string, Micros, TIMER_HZ_DIGITS,
};
use crate::diag::{Diagnostics, Severity};
use crate::tree::Node;

/// Settings that stand alone at the top level.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TopLevel {
    /// `net_namespace NAME`: run in this network namespace (implies `use_pid_dir`).
    pub net_namespace: Option<String>,
    /// `net_namespace_ipvs [NAME]`: IPVS lives in this namespace; empty = the default one.
    pub net_namespace_ipvs: Option<String>,
    /// `namespace_with_ipsets`.
    pub namespace_with_ipsets: bool,
    /// `instance NAME` (implies `use_pid_dir`).
    pub instance: Option<String>,
    /// `use_pid_dir`, set explicitly or by `instance`/`net_namespace`.
    pub use_pid_dir: bool,
    /// `linkbeat_use_polling`.
    pub linkbeat_use_polling: bool,
    /// `child_wait_time SECS`: how long the parent waits for children at shutdown.
    pub child_wait_time: Option<u32>,
}

pub use super::script::Script;

/// A FIFO that state changes are written to (`notify_fifo FIFO_NAME [username [groupname]]`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Fifo {
    /// Path of the FIFO.
    pub path: String,
    /// Owner of the FIFO when keepalived creates it.
    pub user: Option<String>,
    /// Group of the FIFO when keepalived creates it.
    pub group: Option<String>,
}

/// A FIFO and the script that reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NotifyFifo {
    /// `*notify_fifo`.
    pub fifo: Option<Fifo>,
    /// `*notify_fifo_script`.
    pub script: Option<Script>,
}

/// Scheduling settings of one child process (`vrrp_*`, `checker_*`, `bfd_*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProcessSettings {
    /// `*_process_name`.
    pub process_name: Option<String>,
    /// `*_priority <-20..19>`: nice value.
    pub priority: Option<i32>,
    /// `*_no_swap`: lock memory.
    pub no_swap: bool,
    /// `*_rt_priority <1..99>`: SCHED_RR priority.
    pub rt_priority: Option<u32>,
    /// `*_cpu_affinity`: CPU ids.
    pub cpu_affinity: Vec<u32>,
    /// `*_rlimit_rttime`: RLIMIT_RTTIME in microseconds.
    pub rlimit_rttime: Option<u32>,
}

/// `smtp_server HOST [PORT]`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SmtpServer {
    /// An address, or a name resolved at startup.
    pub host: String,
    /// The port (default 25).
    pub port: u16,
}

/// `lvs_sync_daemon`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LvsSyncDaemon {
    /// Interface the sync daemon runs on.
    pub interface: String,
    /// The VRRP instance whose state drives master/backup.
    pub instance: Option<String>,
    /// Sync id (defaults to the instance's VRID).
    pub id: Option<u8>,
    /// Maximum message length.
    pub maxlen: Option<u16>,
    /// UDP port.
    pub port: Option<u16>,
    /// Multicast TTL.
    pub ttl: Option<u8>,
    /// Multicast group.
    pub group: Option<IpAddr>,
}

/// `lvs_timeouts [tcp SECS] [tcpfin SECS] [udp SECS]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LvsTimeouts {
    /// TCP session timeout, seconds.
    pub tcp: Option<u32>,
    /// TCP FIN_WAIT timeout, seconds.
    pub tcpfin: Option<u32>,
    /// UDP timeout, seconds.
    pub udp: Option<u32>,
}

/// `lvs_flush_on_stop [VS]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum LvsFlushOnStop {
    /// Flush the whole IPVS table.
    All,
    /// Remove only the virtual servers keepalived configured.
    Vs,
}

/// `[vrrp_]garp_extra_if [all] SECS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GarpExtraIf {
    /// Seconds between the extra GARPs; 0 disables.
    pub delay_secs: u32,
    /// Send on every interface with a VIP, not only VMAC parents.
    pub all: bool,
}

/// Size and force flag of one netlink/socket receive buffer setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RcvBufs {
    /// Requested size in bytes.
    pub size: Option<u32>,
    /// Use SO_RCVBUFFORCE.
    pub force: bool,
}

/// `vrrp_rx_bufs_policy [MTU|ADVERT|NUMBER]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum RxBufsPolicy {
    /// Size from the interface MTU.
    Mtu,
    /// Size from the advert size.
    Advert,
    /// Fixed size in bytes.
    Size(u32),
}

/// `global_defs`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GlobalDefs {
    /// `tmp_config_directory`.
    pub tmp_config_directory: Option<String>,
    /// `config_save_dir`.
    pub config_save_dir: Option<String>,
    /// `process_name`: name of the parent process.
    pub process_name: Option<String>,
    /// VRRP child settings (`vrrp_process_name`, `vrrp_priority`, ...).
    pub vrrp_process: ProcessSettings,
    /// Checker child settings (`checker_process_name`, `checker_priority`, ...).
    pub checker_process: ProcessSettings,
    /// BFD child settings (`bfd_process_name`, `bfd_priority`, ...).
    pub bfd_process: ProcessSettings,
    /// `startup_script`.
    pub startup_script: Option<Script>,
    /// `startup_script_timeout` seconds (1..1000, default 10).
    pub startup_script_timeout: Option<u32>,
    /// `shutdown_script`.
    pub shutdown_script: Option<Script>,
    /// `shutdown_script_timeout` seconds (1..1000, default 10).
    pub shutdown_script_timeout: Option<u32>,
    /// `notification_email { ... }`.
    pub notification_email: Vec<String>,
    /// `notification_email_from`.
    pub notification_email_from: Option<String>,
    /// `smtp_server`.
    pub smtp_server: Option<SmtpServer>,
    /// `smtp_helo_name`.
    pub smtp_helo_name: Option<String>,
    /// `smtp_connect_timeout` (default 30 s).
    pub smtp_connect_timeout: Micros,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// `smtp_alert_vrrp`.
    pub smtp_alert_vrrp: Option<bool>,
    /// `smtp_alert_checker`.
    pub smtp_alert_checker: Option<bool>,
    /// `checker_log_all_failures`.
    pub checker_log_all_failures: bool,
    /// `no_email_faults`.
    pub no_email_faults: bool,
    /// `router_id` (default: the host name).
    pub router_id: Option<String>,
    /// `vrrp_mcast_group4` (default 224.0.0.18).
    pub vrrp_mcast_group4: Ipv4Addr,
    /// `vrrp_mcast_group6` (default ff02::12).
    pub vrrp_mcast_group6: Ipv6Addr,
    /// `default_interface` (default eth0): where VIPs without `dev` go.
    pub default_interface: Option<String>,
    /// `lvs_sync_daemon`.
    pub lvs_sync_daemon: Option<LvsSyncDaemon>,
    /// `lvs_timeouts`.
    pub lvs_timeouts: LvsTimeouts,
    /// `lvs_flush`.
    pub lvs_flush: bool,
    /// `lvs_flush_on_stop`.
    pub lvs_flush_on_stop: Option<LvsFlushOnStop>,
    /// `vrrp_garp_master_delay` (default 5 s).
    pub vrrp_garp_master_delay: Micros,
    /// `vrrp_garp_master_repeat` (default 5).
    pub vrrp_garp_master_repeat: u32,
    /// `vrrp_garp_lower_prio_delay` (default: `vrrp_garp_master_delay`).
    pub vrrp_garp_lower_prio_delay: Option<Micros>,
    /// `vrrp_garp_lower_prio_repeat` (default: `vrrp_garp_master_repeat`).
    pub vrrp_garp_lower_prio_repeat: Option<u32>,
    /// `vrrp_garp_master_refresh` (default 0 = none).
    pub vrrp_garp_master_refresh: Micros,
    /// `vrrp_garp_master_refresh_repeat` (default 1).
    pub vrrp_garp_master_refresh_repeat: u32,
    /// `vrrp_garp_interval`.
    pub vrrp_garp_interval: Micros,
    /// `vrrp_gna_interval`.
    pub vrrp_gna_interval: Micros,
    /// `vrrp_min_garp`: one GARP, no refresh.
    pub vrrp_min_garp: bool,
    /// `vrrp_garp_extra_if`.
    pub vrrp_garp_extra_if: Option<GarpExtraIf>,
    /// `vrrp_down_timer_adverts` (1..100, default 3).
    pub vrrp_down_timer_adverts: u32,
    /// `vrrp_lower_prio_no_advert`.
    pub vrrp_lower_prio_no_advert: bool,
    /// `vrrp_higher_prio_send_advert`.
    pub vrrp_higher_prio_send_advert: bool,
    /// `vrrp_version` (2 or 3, default 2).
    pub vrrp_version: u8,
    /// `v3_checksum_as_v2`.
    pub v3_checksum_as_v2: bool,
    /// `nftables [TABLENAME]` (default table `keepalived`).
    pub nftables: Option<String>,
    /// `nftables_priority`.
    pub nftables_priority: Option<i32>,
    /// `nftables_counters`.
    pub nftables_counters: bool,
    /// `nftables_ifindex`.
    pub nftables_ifindex: bool,
    /// `nftables_ipvs [TABLENAME]`.
    pub nftables_ipvs: Option<String>,
    /// `nftables_ipvs_priority`.
    pub nftables_ipvs_priority: Option<i32>,
    /// `nftables_ipvs_start_fwmark`.
    pub nftables_ipvs_start_fwmark: Option<u32>,
    /// `vrrp_iptables [in [out]]`, recorded; not supported (an error, nftables is used).
    pub vrrp_iptables: Option<Vec<String>>,
    /// `vrrp_ipsets [names...]`, recorded; not supported (an error).
    pub vrrp_ipsets: Option<Vec<String>>,
    /// `disable_local_igmp`.
    pub disable_local_igmp: bool,
    /// `vrrp_check_unicast_src`.
    pub vrrp_check_unicast_src: bool,
    /// `vrrp_skip_check_adv_addr`.
    pub vrrp_skip_check_adv_addr: bool,
    /// `vrrp_strict`: RFC-strict mode for every instance.
    pub vrrp_strict: bool,
    /// `vrrp_notify_priority_changes`.
    pub vrrp_notify_priority_changes: bool,
    /// `max_auto_priority` (-1 disables).
    pub max_auto_priority: Option<i32>,
    /// `min_auto_priority_delay` microseconds.
    pub min_auto_priority_delay: Option<u32>,
    /// `snmp_socket`.
    pub snmp_socket: Option<String>,
    /// `enable_snmp_vrrp` (deprecated `enable_snmp_keepalived`).
    pub enable_snmp_vrrp: bool,
    /// `enable_snmp_checker`.
    pub enable_snmp_checker: bool,
    /// `enable_snmp_rfcv2` (or `enable_snmp_rfc`).
    pub enable_snmp_rfcv2: bool,
    /// `enable_snmp_rfcv3` (or `enable_snmp_rfc`).
    pub enable_snmp_rfcv3: bool,
    /// `enable_traps`.
    pub enable_traps: bool,
    /// `enable_dbus`.
    pub enable_dbus: bool,
    /// `dbus_service_name`.
    pub dbus_service_name: Option<String>,
    /// `script_user USER [GROUP]`.
    pub script_user: Option<(String, Option<String>)>,
    /// `enable_script_security`.
    pub enable_script_security: bool,
    /// `notify_fifo` / `notify_fifo_script`.
    pub notify_fifo: NotifyFifo,
    /// `vrrp_notify_fifo` / `vrrp_notify_fifo_script`.
    pub vrrp_notify_fifo: NotifyFifo,
    /// `lvs_notify_fifo` / `lvs_notify_fifo_script`.
    pub lvs_notify_fifo: NotifyFifo,
    /// `fifo_write_vrrp_states_on_reload`.
    pub fifo_write_vrrp_states_on_reload: bool,
    /// `dynamic_interfaces`: interfaces may be missing at startup.
    pub dynamic_interfaces: bool,
    /// `dynamic_interfaces allow_if_changes`.
    pub allow_if_changes: bool,
    /// `vrrp_netlink_cmd_rcv_bufs[_force]`.
    pub vrrp_netlink_cmd_rcv_bufs: RcvBufs,
    /// `vrrp_netlink_monitor_rcv_bufs[_force]`.
    pub vrrp_netlink_monitor_rcv_bufs: RcvBufs,
    /// `process_monitor_rcv_bufs[_force]`.
    pub process_monitor_rcv_bufs: RcvBufs,
    /// `lvs_netlink_cmd_rcv_bufs[_force]`.
    pub lvs_netlink_cmd_rcv_bufs: RcvBufs,
    /// `lvs_netlink_monitor_rcv_bufs[_force]`.
    pub lvs_netlink_monitor_rcv_bufs: RcvBufs,
    /// `vrrp_rx_bufs_policy`.
    pub vrrp_rx_bufs_policy: Option<RxBufsPolicy>,
    /// `vrrp_rx_bufs_multiplier`.
    pub vrrp_rx_bufs_multiplier: Option<u32>,
    /// `rs_init_notifies`.
    pub rs_init_notifies: bool,
    /// `no_checker_emails`.
    pub no_checker_emails: bool,
    /// `umask` as a number.
    pub umask: Option<u32>,
    /// `vrrp_startup_delay`.
    pub vrrp_startup_delay: Option<Micros>,
    /// `log_unknown_vrids`.
    pub log_unknown_vrids: bool,
    /// `vmac_prefix`.
    pub vmac_prefix: Option<String>,
    /// `vmac_addr_prefix`.
    pub vmac_addr_prefix: Option<String>,
    /// `random_seed`.
    pub random_seed: Option<u32>,
    /// `reload_check_config [LOG_FILE]`: `Some(None)` = check without a log file.
    pub reload_check_config: Option<Option<String>>,
    /// `include_check [OPTIONS]`.
    pub include_check: Option<Vec<String>>,
    /// `reload_time_file`.
    pub reload_time_file: Option<String>,
    /// `reload_repeat`.
    pub reload_repeat: bool,
    /// `reload_file [PATH]`: `Some(None)` = the default path.
    pub reload_file: Option<Option<String>>,
    /// `data_use_instance` (keepalived 2.2.7 leaves it off unless configured).
    pub data_use_instance: bool,
    /// `json_version` (1 or 2).
    pub json_version: Option<u8>,
}

impl Default for GlobalDefs {
    fn default() -> Self {
        GlobalDefs {
            tmp_config_directory: None,
            config_save_dir: None,
            process_name: None,
            vrrp_process: ProcessSettings::default(),
            checker_process: ProcessSettings::default(),
            bfd_process: ProcessSettings::default(),
            startup_script: None,
            startup_script_timeout: None,
            shutdown_script: None,
            shutdown_script_timeout: None,
            notification_email: Vec::new(),
            notification_email_from: None,
            smtp_server: None,
            smtp_helo_name: None,
            smtp_connect_timeout: Micros::from_secs(30),
            smtp_alert: None,
            smtp_alert_vrrp: None,
            smtp_alert_checker: None,
            checker_log_all_failures: false,
            no_email_faults: false,
            router_id: None,
            vrrp_mcast_group4: Ipv4Addr::new(224, 0, 0, 18),
            vrrp_mcast_group6: Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12),
            default_interface: None,
            lvs_sync_daemon: None,
            lvs_timeouts: LvsTimeouts::default(),
            lvs_flush: false,
            lvs_flush_on_stop: None,
            vrrp_garp_master_delay: Micros::from_secs(5),
            vrrp_garp_master_repeat: 5,
            vrrp_garp_lower_prio_delay: None,
            vrrp_garp_lower_prio_repeat: None,
            vrrp_garp_master_refresh: Micros(0),
            vrrp_garp_master_refresh_repeat: 1,
            vrrp_garp_interval: Micros(0),
            vrrp_gna_interval: Micros(0),
            vrrp_min_garp: false,
            vrrp_garp_extra_if: None,
            vrrp_down_timer_adverts: 3,
            vrrp_lower_prio_no_advert: false,
            vrrp_higher_prio_send_advert: false,
            vrrp_version: 2,
            v3_checksum_as_v2: false,
            nftables: None,
            nftables_priority: None,
            nftables_counters: false,
            nftables_ifindex: false,
            nftables_ipvs: None,
            nftables_ipvs_priority: None,
            nftables_ipvs_start_fwmark: None,
            vrrp_iptables: None,
            vrrp_ipsets: None,
            disable_local_igmp: false,
            vrrp_check_unicast_src: false,
            vrrp_skip_check_adv_addr: false,
            vrrp_strict: false,
            vrrp_notify_priority_changes: false,
            max_auto_priority: None,
            min_auto_priority_delay: None,
            snmp_socket: None,
            enable_snmp_vrrp: false,
            enable_snmp_checker: false,
            enable_snmp_rfcv2: false,
            enable_snmp_rfcv3: false,
            enable_traps: false,
            enable_dbus: false,
            dbus_service_name: None,
            script_user: None,
            enable_script_security: false,
            notify_fifo: NotifyFifo::default(),
            vrrp_notify_fifo: NotifyFifo::default(),
            lvs_notify_fifo: NotifyFifo::default(),
            fifo_write_vrrp_states_on_reload: false,
            dynamic_interfaces: false,
            allow_if_changes: false,
            vrrp_netlink_cmd_rcv_bufs: RcvBufs::default(),
            vrrp_netlink_monitor_rcv_bufs: RcvBufs::default(),
            process_monitor_rcv_bufs: RcvBufs::default(),
            lvs_netlink_cmd_rcv_bufs: RcvBufs::default(),
            lvs_netlink_monitor_rcv_bufs: RcvBufs::default(),
            vrrp_rx_bufs_policy: None,
            vrrp_rx_bufs_multiplier: None,
            rs_init_notifies: false,
            no_checker_emails: false,
            umask: None,
            vrrp_startup_delay: None,
            log_unknown_vrids: false,
            vmac_prefix: None,
            vmac_addr_prefix: None,
            random_seed: None,
            reload_check_config: None,
            include_check: None,
            reload_time_file: None,
            reload_repeat: false,
            reload_file: None,
            data_use_instance: false,
            json_version: None,
        }
    }
}

/// Every keyword `global_defs` knows, for did-you-mean hints.
pub const GLOBAL_DEFS_KEYWORDS: &[&str] = &[
    "tmp_config_directory",
    "config_save_dir",
    "process_names",
    "process_name",
    "vrrp_process_name",
    "checker_process_name",
    "lvs_process_name",
    "bfd_process_name",
    "startup_script",
    "startup_script_timeout",
    "shutdown_script",
    "shutdown_script_timeout",
    "notification_email",
    "notification_email_from",
    "smtp_server",
    "smtp_helo_name",
    "smtp_connect_timeout",
    "smtp_alert",
    "smtp_alert_vrrp",
    "smtp_alert_checker",
    "checker_log_all_failures",
    "no_email_faults",
    "router_id",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "default_interface",
    "lvs_sync_daemon",
    "lvs_timeouts",
    "lvs_flush",
    "lvs_flush_on_stop",
    "lvs_flush_onstop",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_repeat",
    "vrrp_garp_lower_prio_delay",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_garp_interval",
    "vrrp_gna_interval",
    "vrrp_min_garp",
    "vrrp_garp_extra_if",
    "vrrp_vmac_garp_intvl",
    "vrrp_down_timer_adverts",
    "vrrp_lower_prio_no_advert",
    "vrrp_higher_prio_send_advert",
    "vrrp_version",
    "v3_checksum_as_v2",
    "nftables",
    "nftables_priority",
    "nftables_counters",
    "nftables_ifindex",
    "nftables_ipvs",
    "nftables_ipvs_priority",
    "nftables_ipvs_start_fwmark",
    "vrrp_iptables",
    "vrrp_ipsets",
    "disable_local_igmp",
    "vrrp_check_unicast_src",
    "vrrp_skip_check_adv_addr",
    "vrrp_strict",
    "vrrp_notify_priority_changes",
    "max_auto_priority",
    "min_auto_priority_delay",
    "vrrp_priority",
    "checker_priority",
    "bfd_priority",
    "vrrp_no_swap",
    "checker_no_swap",
    "bfd_no_swap",
    "vrrp_cpu_affinity",
    "checker_cpu_affinity",
    "bfd_cpu_affinity",
    "vrrp_rt_priority",
    "checker_rt_priority",
    "bfd_rt_priority",
    "vrrp_rlimit_rttime",
    "checker_rlimit_rttime",
    "bfd_rlimit_rttime",
    "vrrp_rlimit_rtime",
    "checker_rlimit_rtime",
    "bfd_rlimit_rtime",
    "snmp_socket",
    "enable_snmp_vrrp",
    "enable_snmp_keepalived",
    "enable_snmp_checker",
    "enable_snmp_rfc",
    "enable_snmp_rfcv2",
    "enable_snmp_rfcv3",
    "enable_traps",
    "enable_dbus",
    "dbus_service_name",
    "script_user",
    "enable_script_security",
    "notify_fifo",
    "notify_fifo_script",
    "vrrp_notify_fifo",
    "vrrp_notify_fifo_script",
    "lvs_notify_fifo",
    "lvs_notify_fifo_script",
    "fifo_write_vrrp_states_on_reload",
    "dynamic_interfaces",
    "vrrp_netlink_cmd_rcv_bufs",
    "vrrp_netlink_cmd_rcv_bufs_force",
    "vrrp_netlink_monitor_rcv_bufs",
    "vrrp_netlink_monitor_rcv_bufs_force",
    "process_monitor_rcv_bufs",
    "process_monitor_rcv_bufs_force",
    "lvs_netlink_cmd_rcv_bufs",
    "lvs_netlink_cmd_rcv_bufs_force",
    "lvs_netlink_monitor_rcv_bufs",
    "lvs_netlink_monitor_rcv_bufs_force",
    "vrrp_rx_bufs_policy",
    "vrrp_rx_bufs_multiplier",
    "rs_init_notifies",
    "no_checker_emails",
    "umask",
    "vrrp_startup_delay",
    "log_unknown_vrids",
    "vmac_prefix",
    "vmac_addr_prefix",
    "random_seed",
    "reload_check_config",
    "include_check",
    "reload_time_file",
    "reload_repeat",
    "reload_file",
    "data_use_instance",
    "json_version",
    "linkbeat_use_polling",
    "net_namespace",
    "net_namespace_ipvs",
    "namespace_with_ipsets",
    "instance",
    "use_pid_dir",
];

/// Parse `node` if it is a top-level setting or `global_defs`; false if it is not ours.
pub fn parse_top(node: &Node, top: &mut TopLevel, g: &mut GlobalDefs, d: &mut Diagnostics) -> bool {
    match node.name() {
        "global_defs" => {
            // The top-level settings (`net_namespace`, `instance`, ...) are not keywords of
            // global_defs: keepalived reports them as unknown there.
            for child in node.children() {
                parse_global(child, g, d);
            }
            if node.block.is_none() {
                d.error(
                    &node.keyword.loc,
                    "global_defs must be followed by a '{' block",
                );
            }
            true
        }
        _ => parse_top_setting(node, top, d),
    }
}

fn parse_top_setting(node: &Node, top: &mut TopLevel, d: &mut Diagnostics) -> bool {
    match node.name() {
        "net_namespace" => {
            if let Some(v) = rest_string(node, d) {
                if top.net_namespace.is_some() {
                    d.error(
                        &node.keyword.loc,
                        format!("duplicate net_namespace definition {v} - ignoring"),
                    );
                } else {
                    top.net_namespace = Some(v);
                    top.use_pid_dir = true;
                }
            }
        }
        "net_namespace_ipvs" => {
            if top.net_namespace_ipvs.is_some() {
                d.error(
                    &node.keyword.loc,
                    "duplicate net_namespace_ipvs definition - ignoring",
                );
            } else {
                top.net_namespace_ipvs = Some(node.arg(0).unwrap_or("").to_string());
            }
        }
        "namespace_with_ipsets" => top.namespace_with_ipsets = true,
        "instance" => {
            if let Some(v) = rest_string(node, d) {
                if top.instance.is_some() {
                    d.error(
                        &node.keyword.loc,
                        format!("duplicate instance definition {v} - ignoring"),
                    );
                } else {
                    top.instance = Some(v);
                    top.use_pid_dir = true;
                }
            }
        }
        "use_pid_dir" => top.use_pid_dir = true,
        "linkbeat_use_polling" => top.linkbeat_use_polling = true,
        "child_wait_time" => {
            if let Some(t) = need_arg(node, 0, d) {
                if let Some(v) = parse_uint(t, 0, u64::from(u32::MAX), d) {
                    top.child_wait_time = Some(v as u32);
                }
            }
        }
        _ => return false,
    }
    true
}

/// Warn-free string argument.
fn string(node: &Node, d: &mut Diagnostics) -> Option<String> {
    need_arg(node, 0, d).map(|t| t.text.clone())
}

/// An unsigned argument in `[min, max]`.
fn uint(node: &Node, min: u64, max: u64, d: &mut Diagnostics) -> Option<u64> {
    let t = need_arg(node, 0, d)?;
    parse_uint(t, min, max, d)
}

/// A bare flag or `KEYWORD <BOOL>`, storing only valid values.
fn set_flag(node: &Node, field: &mut bool, d: &mut Diagnostics) {
    if let Some(v) = flag(node, d) {
        *field = v;
    }
}

/// `TASK_COMM_LEN - 1`: longer process names are truncated (an error in keepalived).
const MAX_PROCESS_NAME: usize = 15;

fn process_name(node: &Node, d: &mut Diagnostics) -> Option<String> {
    let t = need_arg(node, 0, d)?;
    if t.text.len() > MAX_PROCESS_NAME {
        d.error(
            &t.loc,
            format!(
                "process name {} more than {MAX_PROCESS_NAME} characters, truncating",
                t.text
            ),
        );
        let mut end = MAX_PROCESS_NAME;
        while !t.text.is_char_boundary(end) {
            end -= 1;
        }
        return Some(t.text[..end].to_string());
    }
    Some(t.text.clone())
}

fn fifo(node: &Node, out: &mut Option<Fifo>, d: &mut Diagnostics) {
    let Some(t) = need_arg(node, 0, d) else {
        return;
    };
    if out.is_some() {
        d.error(
            &t.loc,
            format!("{} already specified - ignoring {}", node.name(), t.text),
        );
        return;
    }
    *out = Some(Fifo {
        path: t.text.clone(),
        user: node.arg(1).map(str::to_string),
        group: node.arg(2).map(str::to_string),
    });
}

fn fifo_script(node: &Node, out: &mut Option<Script>, d: &mut Diagnostics) {
    if out.is_some() {
        d.error(
            &node.keyword.loc,
            format!("{} already specified - ignoring", node.name()),
        );
        return;
    }
    *out = Script::from_args(node, 0, true, d);
}

fn process_keyword(node: &Node, p: &mut ProcessSettings, what: &str, d: &mut Diagnostics) {
    let name = node.name();
    let suffix = &name[what.len() + 1..];
    match suffix {
        "process_name" => p.process_name = process_name(node, d),
        "priority" => {
            if let Some(t) = need_arg(node, 0, d) {
                p.priority = parse_int(t, -20, 19, d).map(|v| v as i32);
            }
        }
        "no_swap" => p.no_swap = true,
        "rt_priority" => {
            // keepalived clamps to [1, sched_get_priority_max] with an error.
            if let Some(t) = need_arg(node, 0, d) {
                if let Some(v) = parse_int(t, i64::from(i32::MIN), i64::from(i32::MAX), d) {
                    let c = v.clamp(1, 99);
                    if c != v {
                        d.error(
                            &t.loc,
                            format!("{what} process real-time priority {v} outside [1, 99] - clamped to {c}"),
                        );
                    }
                    p.rt_priority = Some(c as u32);
                }
            }
        }
        "cpu_affinity" => {
            if need_arg(node, 0, d).is_none() {
                return;
            }
            let cpus = std::thread::available_parallelism().map_or(1024, |n| n.get() as u64);
            for t in &node.args {
                if let Some(v) = parse_uint(t, 0, cpus.max(1) - 1, d) {
                    p.cpu_affinity.push(v as u32);
                }
            }
        }
        "rlimit_rttime" | "rlimit_rtime" => {
            if suffix == "rlimit_rtime" {
                deprecated_warn(node, &format!("{what}_rlimit_rttime"), d);
            }
            p.rlimit_rttime = uint(node, 1, u64::from(u32::MAX), d).map(|v| v as u32);
        }
        _ => unreachable!("caller matched the suffix"),
    }
}

/// A deprecated synonym that keepalived accepts with a `report_config_error` (so `-t` fails).
fn deprecated(node: &Node, modern: &str, d: &mut Diagnostics) {
    d.error_hint(
        &node.keyword.loc,
        format!("keyword '{}' is deprecated", node.name()),
        format!("use '{modern}'"),
    );
}

/// A deprecated synonym that keepalived only logs.
fn deprecated_warn(node: &Node, modern: &str, d: &mut Diagnostics) {
    d.warning_hint(
        &node.keyword.loc,
        format!("keyword '{}' is deprecated", node.name()),
        format!("use '{modern}'"),
    );
}

fn rcv_bufs(node: &Node, b: &mut RcvBufs, d: &mut Diagnostics) {
    if node.name().ends_with("_force") {
        set_flag(node, &mut b.force, d);
    } else if let Some(v) = uint(node, 0, u64::from(u32::MAX), d) {
        b.size = Some(v as u32);
    }
}

fn parse_global(node: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) {
    let name = node.name();
    match name {
        "tmp_config_directory" => g.tmp_config_directory = string(node, d),
        "config_save_dir" => g.config_save_dir = string(node, d),
        "process_names" => {
            g.vrrp_process.process_name = Some("keepalived_vrrp".into());
            g.checker_process.process_name = Some("keepalived_lvs".into());
            g.bfd_process.process_name = Some("keepalived_bfd".into());
        }
        "process_name" => g.process_name = process_name(node, d),
        "lvs_process_name" => {
            deprecated_warn(node, "checker_process_name", d);
            g.checker_process.process_name = process_name(node, d);
        }
        "vrrp_process_name" | "vrrp_priority" | "vrrp_no_swap" | "vrrp_rt_priority"
        | "vrrp_cpu_affinity" | "vrrp_rlimit_rttime" | "vrrp_rlimit_rtime" => {
            process_keyword(node, &mut g.vrrp_process, "vrrp", d)
        }
        "checker_process_name"
        | "checker_priority"
        | "checker_no_swap"
        | "checker_rt_priority"
        | "checker_cpu_affinity"
        | "checker_rlimit_rttime"
        | "checker_rlimit_rtime" => process_keyword(node, &mut g.checker_process, "checker", d),
        "bfd_process_name" | "bfd_priority" | "bfd_no_swap" | "bfd_rt_priority"
        | "bfd_cpu_affinity" | "bfd_rlimit_rttime" | "bfd_rlimit_rtime" => {
            process_keyword(node, &mut g.bfd_process, "bfd", d)
        }
        "startup_script" | "shutdown_script" => {
            let slot = if name == "startup_script" {
                &mut g.startup_script
            } else {
                &mut g.shutdown_script
            };
            if slot.is_some() {
                d.error(&node.keyword.loc, format!("{name} already specified"));
            } else {
                *slot = Script::from_args(node, 0, true, d);
            }
        }
        "startup_script_timeout" => {
            g.startup_script_timeout = uint(node, 1, 1000, d).map(|v| v as u32)
        }
        "shutdown_script_timeout" => {
            g.shutdown_script_timeout = uint(node, 1, 1000, d).map(|v| v as u32)
        }
        "notification_email" => {
            if let Some(t) = node.args.first() {
                d.error(
                    &t.loc,
                    format!(
                        "block notification_email has extra parameters {} ...",
                        t.text
                    ),
                );
            }
            let items = node.children();
            if items.is_empty() {
                d.error(&node.keyword.loc, "empty notification_email block");
            }
            for item in items {
                g.notification_email.push(item.keyword.text.clone());
                for a in &item.args {
                    g.notification_email.push(a.text.clone());
                }
            }
        }
        "notification_email_from" => g.notification_email_from = rest_string(node, d),
        "smtp_server" => {
            if let Some(t) = need_arg(node, 0, d) {
                let port = match node.args.get(1) {
                    Some(p) => parse_port(p, d),
                    None => Some(25),
                };
                if let Some(port) = port {
                    if t.text.is_empty() {
                        d.error(&t.loc, "invalid smtp server ''");
                    } else {
                        g.smtp_server = Some(SmtpServer {
                            host: t.text.clone(),
                            port,
                        });
                    }
                }
            }
        }
        "smtp_helo_name" => g.smtp_helo_name = node.arg(0).map(str::to_string),
        "smtp_connect_timeout" => {
            if let Some(t) = need_arg(node, 0, d) {
                if let Some(v) = parse_secs(t, 0, u64::from(u32::MAX) / 1_000_000, d) {
                    if v.0 == 0 {
                        d.error(
                            &t.loc,
                            "smtp_connect_timeout must be greater than 0, setting to 1",
                        );
                        g.smtp_connect_timeout = Micros::from_secs(1);
                    } else {
                        g.smtp_connect_timeout = v;
                    }
                }
            }
        }
        "smtp_alert" => g.smtp_alert = flag(node, d).or(g.smtp_alert),
        "smtp_alert_vrrp" => g.smtp_alert_vrrp = flag(node, d).or(g.smtp_alert_vrrp),
        "smtp_alert_checker" => g.smtp_alert_checker = flag(node, d).or(g.smtp_alert_checker),
        "checker_log_all_failures" => set_flag(node, &mut g.checker_log_all_failures, d),
        "no_email_faults" => g.no_email_faults = true,
        "router_id" => g.router_id = rest_string(node, d),
        "vrrp_mcast_group4" => {
            if let Some(a) = need_arg(node, 0, d).and_then(|t| parse_ipv4(t, d)) {
                if a.is_multicast() {
                    g.vrrp_mcast_group4 = a;
                } else {
                    d.error(
                        &node.args[0].loc,
                        format!("vrrp_mcast_group4 [{a}] is not multicast"),
                    );
                }
            }
        }
        "vrrp_mcast_group6" => {
            if let Some(a) = need_arg(node, 0, d).and_then(|t| parse_ipv6(t, d)) {
                if !a.is_multicast() {
                    d.error(
                        &node.args[0].loc,
                        format!("vrrp_mcast_group6 [{a}] is not multicast"),
                    );
                } else {
                    if a.segments()[0] & 0x000f != 2 {
                        d.error(
                            &node.args[0].loc,
                            format!("vrrp_mcast_group6 [{a}] should be link-local multicast"),
                        );
                    }
                    g.vrrp_mcast_group6 = a;
                }
            }
        }
        "default_interface" => g.default_interface = string(node, d),
        "lvs_sync_daemon" => lvs_sync_daemon(node, g, d),
        "lvs_timeouts" => lvs_timeouts(node, g, d),
        "lvs_flush" => g.lvs_flush = true,
        "lvs_flush_on_stop" | "lvs_flush_onstop" => {
            if name == "lvs_flush_onstop" {
                deprecated_warn(node, "lvs_flush_on_stop", d);
            }
            match node.arg(0) {
                None => g.lvs_flush_on_stop = Some(LvsFlushOnStop::All),
                Some("VS") => g.lvs_flush_on_stop = Some(LvsFlushOnStop::Vs),
                Some(o) => d.error(
                    &node.args[0].loc,
                    format!("unknown lvs_flush_on_stop type {o}"),
                ),
            }
        }
        "vrrp_garp_master_delay" => {
            if let Some(v) = need_arg(node, 0, d)
                .and_then(|t| parse_secs(t, 0, u64::from(u32::MAX) / 1_000_000, d))
            {
                g.vrrp_garp_master_delay = v;
            }
        }
        "vrrp_garp_master_repeat" => {
            if let Some(v) = garp_repeat(node, d) {
                g.vrrp_garp_master_repeat = v;
            }
        }
        "vrrp_garp_lower_prio_delay" => {
            g.vrrp_garp_lower_prio_delay = need_arg(node, 0, d)
                .and_then(|t| parse_secs(t, 0, u64::from(u32::MAX) / 1_000_000, d))
        }
        "vrrp_garp_lower_prio_repeat" => {
            g.vrrp_garp_lower_prio_repeat = uint(node, 0, i32::MAX as u64, d).map(|v| v as u32)
        }
        "vrrp_garp_master_refresh" => {
            if let Some(v) =
                need_arg(node, 0, d).and_then(|t| parse_secs(t, 0, u64::from(u32::MAX), d))
            {
                g.vrrp_garp_master_refresh = v;
            }
        }
        "vrrp_garp_master_refresh_repeat" => {
            if let Some(v) = garp_repeat(node, d) {
                g.vrrp_garp_master_refresh_repeat = v;
            }
        }
        "vrrp_garp_interval" | "vrrp_gna_interval" => {
            if let Some(t) = need_arg(node, 0, d) {
                if let Some(v) = parse_decimal(t, 1, u64::from(u32::MAX), TIMER_HZ_DIGITS, d) {
                    if name == "vrrp_garp_interval" {
                        g.vrrp_garp_interval = Micros(v);
                    } else {
                        g.vrrp_gna_interval = Micros(v);
                    }
                }
            }
        }
        "vrrp_min_garp" => set_flag(node, &mut g.vrrp_min_garp, d),
        "vrrp_garp_extra_if" | "vrrp_vmac_garp_intvl" => {
            if name == "vrrp_vmac_garp_intvl" {
                deprecated(node, "vrrp_garp_extra_if", d);
            }
            if let Some(v) = garp_extra_if(node, 1, d) {
                g.vrrp_garp_extra_if = Some(v);
            }
        }
        "vrrp_down_timer_adverts" => {
            if let Some(v) = uint(node, 1, 100, d) {
                g.vrrp_down_timer_adverts = v as u32;
            }
        }
        "vrrp_lower_prio_no_advert" => set_flag(node, &mut g.vrrp_lower_prio_no_advert, d),
        "vrrp_higher_prio_send_advert" => set_flag(node, &mut g.vrrp_higher_prio_send_advert, d),
        "vrrp_version" => {
            if let Some(t) = need_arg(node, 0, d) {
                match parse_int(t, 2, 3, d) {
                    Some(v) => g.vrrp_version = v as u8,
                    None => d.error(&t.loc, "VRRP version must be either 2 or 3"),
                }
            }
        }
        "v3_checksum_as_v2" => set_flag(node, &mut g.v3_checksum_as_v2, d),
        "nftables" | "nftables_ipvs" => {
            let slot = if name == "nftables" {
                &mut g.nftables
            } else {
                &mut g.nftables_ipvs
            };
            if slot.is_some() {
                d.error(
                    &node.keyword.loc,
                    format!("{name} already specified - ignoring"),
                );
            } else {
                let table = node.arg(0).unwrap_or("keepalived");
                if table.len() >= 256 {
                    d.error(
                        &node.args[0].loc,
                        format!("{name} table name too long - ignoring"),
                    );
                } else {
                    *slot = Some(table.to_string());
                }
            }
        }
        "nftables_priority" | "nftables_ipvs_priority" => {
            if let Some(t) = need_arg(node, 0, d) {
                let v = parse_int(t, i64::from(i32::MIN), i64::from(i32::MAX), d).map(|v| v as i32);
                if name == "nftables_priority" {
                    g.nftables_priority = v.or(g.nftables_priority);
                } else {
                    g.nftables_ipvs_priority = v.or(g.nftables_ipvs_priority);
                }
            }
        }
        "nftables_ipvs_start_fwmark" => {
            g.nftables_ipvs_start_fwmark = uint(node, 1, u64::from(u32::MAX), d).map(|v| v as u32)
        }
        "nftables_counters" => g.nftables_counters = true,
        "nftables_ifindex" => g.nftables_ifindex = true,
        "vrrp_iptables" | "vrrp_ipsets" => {
            // Debian's keepalived is built with nftables only: `vrrp_iptables` is an error
            // that switches to nftables, `vrrp_ipsets` an unknown keyword. kad does the same.
            d.error_hint(
                &node.keyword.loc,
                format!("{name}: iptables not supported, using nftables instead"),
                "replace 'vrrp_iptables' and 'vrrp_ipsets' with 'nftables'",
            );
            let v: Vec<String> = node.args.iter().map(|t| t.text.clone()).collect();
            if name == "vrrp_iptables" {
                g.vrrp_iptables = Some(v);
                if g.nftables.is_none() {
                    g.nftables = Some("keepalived".into());
                }
            } else {
                g.vrrp_ipsets = Some(v);
            }
        }
        "disable_local_igmp" => g.disable_local_igmp = true,
        "vrrp_check_unicast_src" => g.vrrp_check_unicast_src = true,
        "vrrp_skip_check_adv_addr" => g.vrrp_skip_check_adv_addr = true,
        "vrrp_strict" => g.vrrp_strict = true,
        "vrrp_notify_priority_changes" => set_flag(node, &mut g.vrrp_notify_priority_changes, d),
        "max_auto_priority" => {
            // A bare keyword means the maximum (sched_get_priority_max(SCHED_RR) = 99).
            g.max_auto_priority = match node.args.first() {
                None => Some(99),
                Some(t) => parse_int(t, -1, 99, d)
                    .map(|v| v as i32)
                    .or(g.max_auto_priority),
            }
        }
        "min_auto_priority_delay" => {
            if let Some(t) = need_arg(node, 0, d) {
                g.min_auto_priority_delay = parse_int(t, 1, 10_000_000, d).map(|v| v as u32);
            }
        }
        "snmp_socket" => {
            if node.args.len() > 1 {
                d.error(
                    &node.args[1].loc,
                    "too many parameters specified for snmp_socket - ignoring",
                );
            } else if let Some(t) = need_arg(node, 0, d) {
                if g.snmp_socket.is_some() {
                    d.error(&t.loc, "SNMP socket already set - ignoring");
                } else if t.text.len() >= 108 {
                    d.error(&t.loc, "SNMP socket name too long - ignored");
                } else {
                    g.snmp_socket = Some(t.text.clone());
                }
            }
        }
        "enable_snmp_vrrp" => g.enable_snmp_vrrp = true,
        "enable_snmp_keepalived" => {
            deprecated_warn(node, "enable_snmp_vrrp", d);
            g.enable_snmp_vrrp = true;
        }
        "enable_snmp_checker" => g.enable_snmp_checker = true,
        "enable_snmp_rfc" => {
            g.enable_snmp_rfcv2 = true;
            g.enable_snmp_rfcv3 = true;
        }
        "enable_snmp_rfcv2" => g.enable_snmp_rfcv2 = true,
        "enable_snmp_rfcv3" => g.enable_snmp_rfcv3 = true,
        "enable_traps" => g.enable_traps = true,
        "enable_dbus" => g.enable_dbus = true,
        "dbus_service_name" => {
            if let Some(v) = rest_string(node, d) {
                g.dbus_service_name = Some(v);
            }
        }
        "script_user" => {
            if let Some(t) = need_arg(node, 0, d) {
                g.script_user = Some((t.text.clone(), node.arg(1).map(str::to_string)));
            }
        }
        "enable_script_security" => g.enable_script_security = true,
        "notify_fifo" => fifo(node, &mut g.notify_fifo.fifo, d),
        "notify_fifo_script" => fifo_script(node, &mut g.notify_fifo.script, d),
        "vrrp_notify_fifo" => fifo(node, &mut g.vrrp_notify_fifo.fifo, d),
        "vrrp_notify_fifo_script" => fifo_script(node, &mut g.vrrp_notify_fifo.script, d),
        "lvs_notify_fifo" => fifo(node, &mut g.lvs_notify_fifo.fifo, d),
        "lvs_notify_fifo_script" => fifo_script(node, &mut g.lvs_notify_fifo.script, d),
        "fifo_write_vrrp_states_on_reload" => g.fifo_write_vrrp_states_on_reload = true,
        "dynamic_interfaces" => {
            g.dynamic_interfaces = true;
            match node.args.first() {
                None => {}
                Some(t) if t.text == "allow_if_changes" => g.allow_if_changes = true,
                Some(t) => d.error(
                    &t.loc,
                    format!("unknown dynamic_interfaces option '{}'", t.text),
                ),
            }
        }
        "vrrp_netlink_cmd_rcv_bufs" | "vrrp_netlink_cmd_rcv_bufs_force" => {
            rcv_bufs(node, &mut g.vrrp_netlink_cmd_rcv_bufs, d)
        }
        "vrrp_netlink_monitor_rcv_bufs" | "vrrp_netlink_monitor_rcv_bufs_force" => {
            rcv_bufs(node, &mut g.vrrp_netlink_monitor_rcv_bufs, d)
        }
        "process_monitor_rcv_bufs" | "process_monitor_rcv_bufs_force" => {
            rcv_bufs(node, &mut g.process_monitor_rcv_bufs, d)
        }
        "lvs_netlink_cmd_rcv_bufs" | "lvs_netlink_cmd_rcv_bufs_force" => {
            rcv_bufs(node, &mut g.lvs_netlink_cmd_rcv_bufs, d)
        }
        "lvs_netlink_monitor_rcv_bufs" | "lvs_netlink_monitor_rcv_bufs_force" => {
            rcv_bufs(node, &mut g.lvs_netlink_monitor_rcv_bufs, d)
        }
        "vrrp_rx_bufs_policy" => {
            if need_arg(node, 0, d).is_none() {
                return;
            }
            let (mut mtu, mut advert, mut size) = (false, false, None);
            for t in &node.args {
                if t.text.eq_ignore_ascii_case("MTU") {
                    mtu = true;
                } else if t.text.eq_ignore_ascii_case("ADVERT") {
                    advert = true;
                } else if let Some(v) = parse_uint(t, 0, u64::from(u32::MAX), d) {
                    size = Some(v as u32);
                }
            }
            g.vrrp_rx_bufs_policy = if let Some(sz) = size {
                if mtu || advert {
                    d.error(
                        &node.keyword.loc,
                        "cannot set vrrp_rx_bufs_policy size and policy, ignoring policy",
                    );
                }
                Some(RxBufsPolicy::Size(sz))
            } else if mtu {
                if advert {
                    d.error(
                        &node.keyword.loc,
                        "cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring ADVERT",
                    );
                }
                Some(RxBufsPolicy::Mtu)
            } else if advert {
                Some(RxBufsPolicy::Advert)
            } else {
                g.vrrp_rx_bufs_policy
            };
        }
        "vrrp_rx_bufs_multiplier" => {
            g.vrrp_rx_bufs_multiplier = uint(node, 1, u64::from(u32::MAX), d).map(|v| v as u32)
        }
        "rs_init_notifies" => set_flag(node, &mut g.rs_init_notifies, d),
        "no_checker_emails" => set_flag(node, &mut g.no_checker_emails, d),
        "umask" => umask(node, g, d),
        "vrrp_startup_delay" => {
            if let Some(t) = need_arg(node, 0, d) {
                g.vrrp_startup_delay = parse_timer(t, Micros(1000), Micros(u64::from(u32::MAX)), d);
            }
        }
        "log_unknown_vrids" => g.log_unknown_vrids = true,
        "vmac_prefix" | "vmac_addr_prefix" => {
            let slot = if name == "vmac_prefix" {
                &mut g.vmac_prefix
            } else {
                &mut g.vmac_addr_prefix
            };
            if let Some(t) = need_arg(node, 0, d) {
                if slot.is_some() {
                    d.error(
                        &t.loc,
                        format!("{name} has already been specified - ignoring {}", t.text),
                    );
                } else {
                    *slot = Some(t.text.clone());
                }
            }
        }
        "random_seed" => g.random_seed = uint(node, 0, u64::from(u32::MAX), d).map(|v| v as u32),
        "reload_check_config" => g.reload_check_config = Some(node.arg(0).map(str::to_string)),
        "include_check" => {
            g.include_check = Some(node.args.iter().map(|t| t.text.clone()).collect())
        }
        "reload_time_file" => g.reload_time_file = string(node, d),
        "reload_repeat" => g.reload_repeat = true,
        "reload_file" => g.reload_file = Some(node.arg(0).map(str::to_string)),
        "data_use_instance" => set_flag(node, &mut g.data_use_instance, d),
        "json_version" => g.json_version = uint(node, 1, 2, d).map(|v| v as u8),
        _ => {
            d.unknown_keyword(
                Severity::Error,
                &node.keyword,
                "global_defs",
                GLOBAL_DEFS_KEYWORDS,
            );
        }
    }
}

/// `*garp_master_repeat` / `*_refresh_repeat`: 0 is raised to 1 with an error.
fn garp_repeat(node: &Node, d: &mut Diagnostics) -> Option<u32> {
    let t = need_arg(node, 0, d)?;
    let v = parse_uint(t, 0, u64::from(u32::MAX), d)?;
    if v == 0 {
        d.error(
            &t.loc,
            format!("{} must be greater than 0, setting to 1", node.name()),
        );
        return Some(1);
    }
    Some(v as u32)
}

/// `[vrrp_]garp_extra_if [all] SECS`, with SECS in `[min, 86400]`.
pub(crate) fn garp_extra_if(node: &Node, min: u64, d: &mut Diagnostics) -> Option<GarpExtraIf> {
    let mut all = false;
    let mut delay = None;
    for t in &node.args {
        if t.text == "all" {
            all = true;
        } else {
            delay = Some(parse_uint(t, min, 86400, d)? as u32);
        }
    }
    match delay {
        Some(delay_secs) => Some(GarpExtraIf { delay_secs, all }),
        None => {
            d.error(
                &node.keyword.loc,
                format!("{} specified without time - ignoring", node.name()),
            );
            None
        }
    }
}

fn lvs_timeouts(node: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) {
    if node.args.is_empty() {
        d.error(
            &node.keyword.loc,
            "lvs_timeouts requires at least one option",
        );
        return;
    }
    const LVS_MAX_TIMEOUT: u64 = 86400 * 31;
    let mut i = 0;
    while i < node.args.len() {
        let t = &node.args[i];
        let slot = match t.text.as_str() {
            "tcp" => &mut g.lvs_timeouts.tcp,
            "tcpfin" => &mut g.lvs_timeouts.tcpfin,
            "udp" => &mut g.lvs_timeouts.udp,
            o => {
                d.error(
                    &t.loc,
                    format!("unknown option {o} specified for lvs_timeouts"),
                );
                i += 1;
                continue;
            }
        };
        match node.args.get(i + 1) {
            None => d.error(
                &t.loc,
                format!("no value specified for lvs_timeout {}", t.text),
            ),
            Some(v) => {
                if let Some(v) = parse_uint(v, 0, LVS_MAX_TIMEOUT, d) {
                    *slot = Some(v as u32);
                }
            }
        }
        i += 2;
    }
}

fn lvs_sync_daemon(node: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) {
    if let Some(old) = &g.lvs_sync_daemon {
        d.error(
            &node.keyword.loc,
            format!(
                "lvs_sync_daemon has already been specified as {} - ignoring",
                old.interface
            ),
        );
        return;
    }
    let Some(ifname) = need_arg(node, 0, d) else {
        return;
    };
    if ifname.text.len() >= 16 {
        d.error(
            &ifname.loc,
            format!(
                "lvs_sync_daemon interface name '{}' too long - ignoring",
                ifname.text
            ),
        );
        return;
    }
    let mut s = LvsSyncDaemon {
        interface: ifname.text.clone(),
        instance: None,
        id: None,
        maxlen: None,
        port: None,
        ttl: None,
        group: None,
    };
    let mut i = 1;
    while i < node.args.len() {
        let t = &node.args[i];
        let val = node.args.get(i + 1);
        let need = |d: &mut Diagnostics| {
            if val.is_none() {
                d.error(
                    &t.loc,
                    format!("no value specified for lvs_sync_daemon {}", t.text),
                );
            }
            val
        };
        match t.text.as_str() {
            "inst" => {
                if let Some(v) = need(d) {
                    s.instance = Some(v.text.clone());
                }
            }
            "id" => {
                if let Some(v) = need(d) {
                    s.id = parse_uint(v, 0, 255, d).map(|v| v as u8);
                }
            }
            "maxlen" => {
                if let Some(v) = need(d) {
                    s.maxlen = parse_uint(v, 1, 65535 - 20 - 8, d).map(|v| v as u16);
                }
            }
            "port" => {
                if let Some(v) = need(d) {
                    s.port = parse_uint(v, 1, 65535, d).map(|v| v as u16);
                }
            }
            "ttl" => {
                if let Some(v) = need(d) {
                    s.ttl = parse_uint(v, 1, 255, d).map(|v| v as u8);
                }
            }
            "group" => {
                if let Some(v) = need(d) {
                    if let Some(a) = parse_ip(v, d) {
                        if a.is_multicast() {
                            s.group = Some(a);
                        } else {
                            d.error(
                                &v.loc,
                                format!(
                                    "lvs_sync_daemon group address {a} is not multicast - ignoring"
                                ),
                            );
                        }
                    }
                }
            }
            other if i == 1 && s.instance.is_none() => {
                // `lvs_sync_daemon IF INSTANCE [SYNCID]`, the old positional form.
                s.instance = Some(other.to_string());
                i += 1;
                if let Some(v) = node.args.get(2) {
                    if v.text.chars().all(|c| c.is_ascii_digit()) {
                        d.error(
                            &v.loc,
                            "please use keyword \"id\" before lvs_sync_daemon SYNCID",
                        );
                        s.id = parse_uint(v, 0, 255, d).map(|v| v as u8);
                        i += 1;
                    }
                }
                continue;
            }
            other => {
                d.error(
                    &t.loc,
                    format!("unknown option {other} specified for lvs_sync_daemon"),
                );
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    g.lvs_sync_daemon = Some(s);
}

/// `umask NUMBER` or `umask IWGRP|IRWXO...` (`umask_handler`).
fn umask(node: &Node, g: &mut GlobalDefs, d: &mut Diagnostics) {
    let Some(first) = need_arg(node, 0, d) else {
        return;
    };
    if first.text.starts_with(|c: char| c.is_ascii_digit()) {
        if node.args.len() > 1 {
            d.error(&node.args[1].loc, "extra parameter(s) to umask option");
            return;
        }
        match parse_c_number(&first.text) {
            Some(v) if v & !0o777 == 0 => g.umask = Some(v),
            _ => d.error(&first.loc, format!("invalid umask value {}", first.text)),
        }
        return;
    }
    let mut mask = 0u32;
    let joined: Vec<&str> = node.args.iter().map(|t| t.text.as_str()).collect();
    let joined = joined.join("");
    for bit in joined.split('|').filter(|s| !s.is_empty()) {
        let v = match bit {
            "IRUSR" => 0o400,
            "IWUSR" => 0o200,
            "IXUSR" => 0o100,
            "IRGRP" => 0o040,
            "IWGRP" => 0o020,
            "IXGRP" => 0o010,
            "IROTH" => 0o004,
            "IWOTH" => 0o002,
            "IXOTH" => 0o001,
            "IRWXU" => 0o700,
            "IRWXG" => 0o070,
            "IRWXO" => 0o007,
            other => {
                d.error(&first.loc, format!("unknown umask bit {other}"));
                return;
            }
        };
        mask |= v;
    }
    g.umask = Some(mask);
}

/// `strtoul(.., 0)`: `0x` hex, leading `0` octal, else decimal.
fn parse_c_number(s: &str) -> Option<u32> {
    if let Some(h) = s.strip_prefix("0x") {
        u32::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u32::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}
