//! KEEPALIVED-MIB's `global` subtree (keepalived's `core/snmp.c`): version, router id, mail
//! settings and global switches. Served by the checker process when it runs with
//! `enable_snmp_checker`, else by the VRRP process (keepalived's `vrrp_handles_global_oid`).

use keepalive_confparse::model::global::LvsFlushOnStop;
use keepalive_confparse::model::Config;

use super::agentx::{Oid, Value};
use super::tree::Tree;
use super::vrrp_mib::KEEPALIVED;

/// The `global` subtree's OID.
pub fn oid() -> Oid {
    Oid([KEEPALIVED, &[1]].concat())
}

/// `router_id`, or the host name as keepalived defaults it.
pub fn router_id(config: &Config) -> String {
    config.global.router_id.clone().unwrap_or_else(|| {
        nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_default()
    })
}

/// keepalived's 3-valued smtp_alert switches: true(1), false(2), unset(3).
fn tri(v: Option<bool>) -> Value {
    Value::Integer(match v {
        Some(true) => 1,
        Some(false) => 2,
        None => 3,
    })
}

/// Fills the `global` scalars; `version` is the string kad logs where keepalived logs
/// "Keepalived v2.2.7 (01/16,2022)".
pub fn fill(config: &Config, version: &str, tree: &mut Tree) {
    let g = &config.global;
    let mut s = |sub: &[u32], v: Value| {
        let mut o = [KEEPALIVED, &[1], sub].concat();
        o.push(0);
        tree.set(Oid(o), v);
    };
    s(&[1], Value::string(version));
    s(&[2], Value::string(&router_id(config)));
    let smtp = g
        .smtp_server
        .as_ref()
        .and_then(|s| s.host.parse::<std::net::IpAddr>().ok().map(|a| (a, s.port)));
    match smtp {
        Some((a, _)) => {
            s(&[3, 1], Value::Integer(if a.is_ipv4() { 1 } else { 2 }));
            s(&[3, 2], Value::inet(a));
        }
        // keepalived's SNMP_InetAddressType calls anything not AF_INET ipv6(2), and an
        // unset sockaddr reads as 4 zero octets.
        None => {
            s(&[3, 1], Value::Integer(2));
            s(&[3, 2], Value::OctetString(vec![0; 4]));
        }
    }
    // keepalived applies the default smtp_connect_timeout only with an smtp_server.
    let timeout = match &g.smtp_server {
        Some(_) => g.smtp_connect_timeout.as_duration().as_secs() as u32,
        None => 0,
    };
    s(&[3, 3], Value::Gauge32(timeout));
    if let Some(from) = &g.notification_email_from {
        s(&[3, 4], Value::string(from));
    }
    s(
        &[3, 6],
        Value::Gauge32(u32::from(smtp.map_or(0, |(_, p)| p))),
    );
    s(&[3, 7], Value::truth(!g.no_email_faults));
    s(&[3, 8], tri(g.smtp_alert));
    s(&[3, 9], tri(g.smtp_alert_vrrp));
    s(&[3, 10], tri(g.smtp_alert_checker));
    s(&[4], Value::truth(g.enable_traps));
    s(
        &[5],
        Value::Integer(if config.top.linkbeat_use_polling {
            2
        } else {
            1
        }),
    );
    s(&[6], Value::truth(g.lvs_flush));
    s(&[7], Value::Integer(1));
    let ns = config.top.net_namespace.clone().unwrap_or_default();
    s(&[8], Value::string(&ns));
    s(&[9], Value::truth(g.enable_dbus));
    s(&[10], Value::truth(g.dynamic_interfaces));
    let flush = match g.lvs_flush_on_stop {
        Some(LvsFlushOnStop::All) => 1,
        Some(LvsFlushOnStop::Vs) => 3,
        None => 2,
    };
    s(&[11], Value::Integer(flush));
    for (i, addr) in g.notification_email.iter().enumerate() {
        let o = [KEEPALIVED, &[1, 3, 5, 1, 2, i as u32 + 1]].concat();
        tree.set(Oid(o), Value::string(addr));
    }
}
