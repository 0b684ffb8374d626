//! SNMP: kad's processes as AgentX subagents serving keepalived's MIBs (KEEPALIVED-MIB,
//! VRRP-MIB of RFC 2787, VRRPv3-MIB of RFC 6527) through a master agent such as `snmpd`,
//! and sending keepalived's notifications.
//!
//! keepalived.conf(5): `enable_snmp_vrrp`, `enable_snmp_checker`, `enable_snmp_rfc`,
//! `enable_snmp_rfcv2`, `enable_snmp_rfcv3`, `enable_traps` and `snmp_socket` in
//! `global_defs`; keepalived(8): `-x` enables every part, `-A` names the master's socket.
//!
//! - [`agentx`]: the protocol, sans-IO;
//! - [`agent::Agent`]: its socket, driven by a child's mio loop without ever blocking it;
//! - [`tree`], [`global_mib`], [`vrrp_mib`]: the objects, built from the process's state;
//! - [`vrrp_agent`]: what the VRRP process registers and sends;
//! - [`check_agent`], [`check_mib`]: the checker process's subagent and its objects.

pub mod agent;
pub mod agentx;
pub mod check_agent;
pub mod check_mib;
pub mod check_state;
pub mod global_mib;
pub mod tree;
pub mod vrrp_agent;
pub mod vrrp_mib;

use keepalive_confparse::model::Config;

/// net-snmp's default AgentX address (keepalived's `snmp_socket` default).
pub const DEFAULT_SOCKET: &str = "unix:/var/agentx/master";

/// Which parts are on: `global_defs` with `-x` turning every part on, as keepalived's
/// `alloc_global_data` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// KEEPALIVED-MIB's `vrrp` subtree (`enable_snmp_vrrp`).
    pub vrrp: bool,
    /// KEEPALIVED-MIB's `check` subtree (`enable_snmp_checker`).
    pub checker: bool,
    /// VRRP-MIB (`enable_snmp_rfcv2`, `enable_snmp_rfc`).
    pub rfcv2: bool,
    /// VRRPv3-MIB (`enable_snmp_rfcv3`, `enable_snmp_rfc`).
    pub rfcv3: bool,
    /// Notifications (`enable_traps`).
    pub traps: bool,
    /// The master agent's address: `-A`, else `snmp_socket`, else [`DEFAULT_SOCKET`].
    pub socket: String,
}

impl Settings {
    /// From the configuration and the `-x`/`-A` flags.
    pub fn new(config: &Config, all: bool, socket: Option<&str>) -> Settings {
        let g = &config.global;
        Settings {
            vrrp: all || g.enable_snmp_vrrp,
            checker: all || g.enable_snmp_checker,
            rfcv2: all || g.enable_snmp_rfcv2,
            rfcv3: all || g.enable_snmp_rfcv3,
            traps: g.enable_traps,
            socket: socket
                .map(str::to_owned)
                .or_else(|| g.snmp_socket.clone())
                .unwrap_or_else(|| DEFAULT_SOCKET.to_owned()),
        }
    }

    /// Whether the VRRP process runs a subagent at all.
    pub fn vrrp_process(&self) -> bool {
        self.vrrp || self.rfcv2 || self.rfcv3
    }
}
