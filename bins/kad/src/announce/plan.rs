//! The routes a configuration announces, from keepalived.conf's virtual servers and the
//! extension file's `announce` blocks.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use keepalive_confparse::ext::announce::{own_prefixes, MAX_PREFIXES};
use keepalive_confparse::ext::Extensions;
use keepalive_confparse::model::Config;
use keepalive_netlink::{AddMode, RouteSpec, RouteType};

/// One announced route: a prefix in a table, with its priority and protocol. Two virtual
/// servers announcing the same prefix with the same settings share one route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route {
    /// Destination address (host bits as written).
    pub addr: IpAddr,
    /// Prefix length.
    pub len: u8,
    /// Kernel table.
    pub table: u32,
    /// `RTA_PRIORITY`.
    pub metric: Option<u32>,
    /// `rtm_protocol`.
    pub protocol: u8,
}

impl Route {
    /// The kernel route: a blackhole, so that it needs no interface or gateway and never
    /// forwards anything itself. Traffic for the address is taken by the local table first
    /// (the address is on the director, as IPVS requires); the route exists to be
    /// redistributed.
    pub fn spec(&self) -> RouteSpec {
        let mut r = RouteSpec::new(self.addr, self.len);
        r.kind = RouteType::Blackhole;
        r.table = self.table;
        r.metric = self.metric;
        r.protocol = self.protocol;
        r.mode = AddMode::Exclusive;
        r
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{} table {} protocol {}",
            self.addr, self.len, self.table, self.protocol
        )?;
        if let Some(m) = self.metric {
            write!(f, " metric {m}")?;
        }
        Ok(())
    }
}

/// What a configuration announces.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Each route and the virtual servers (indices into `lvs.virtual_servers`, which are the
    /// checker pool's too) that must all have quorum for it to be announced.
    pub routes: BTreeMap<Route, Vec<usize>>,
    /// The longest `drain` of the announced virtual servers.
    pub drain: Duration,
}

impl Plan {
    /// The announcements of `config` under `ext`.
    pub fn new(config: &Config, ext: &Extensions) -> Plan {
        let mut plan = Plan::default();
        for (v, vs) in config.lvs.virtual_servers.iter().enumerate() {
            let Some(a) = ext.announce_of(vs) else {
                continue;
            };
            plan.drain = plan.drain.max(a.drain.as_duration());
            let prefixes = if a.prefixes.is_empty() {
                own_prefixes(vs, config, MAX_PREFIXES).unwrap_or_default()
            } else {
                a.prefixes.clone()
            };
            for p in prefixes {
                let route = Route {
                    addr: p.addr,
                    len: p.len,
                    table: a.table,
                    metric: a.metric,
                    protocol: a.protocol,
                };
                let vss = plan.routes.entry(route).or_default();
                if !vss.contains(&v) {
                    vss.push(v);
                }
            }
        }
        plan
    }

    /// Whether anything is announced.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalive_confparse::Options;

    #[test]
    fn shared_prefixes_need_every_virtual_server() {
        let conf = "virtual_server 192.0.2.100 80 {\n lvs_sched mh\n lvs_method DR\n protocol TCP\n \
                    real_server 203.0.113.1 80 {\n }\n}\n\
                    virtual_server 192.0.2.100 443 {\n lvs_sched mh\n lvs_method DR\n protocol TCP\n \
                    real_server 203.0.113.1 443 {\n }\n}\n\
                    virtual_server 192.0.2.101 80 {\n lvs_sched mh\n lvs_method DR\n protocol TCP\n \
                    real_server 203.0.113.1 80 {\n }\n}\n";
        let ext = "virtual_server 192.0.2.100 80 {\n announce\n}\n\
                   virtual_server 192.0.2.100 443 {\n announce {\n  drain 5\n }\n}\n";
        let loaded = keepalive_confparse::load::load_str("k.conf", conf, &Options::default());
        let (ext, d) =
            keepalive_confparse::ext::load_str("e.conf", ext, &Options::default(), &loaded.config);
        assert!(!d.has_errors());
        let plan = Plan::new(&loaded.config, &ext);
        assert_eq!(plan.routes.len(), 1);
        let (route, vss) = plan.routes.iter().next().unwrap();
        assert_eq!(route.to_string(), "192.0.2.100/32 table 254 protocol 19");
        assert_eq!(vss, &[0, 1]);
        assert_eq!(plan.drain, Duration::from_secs(5));
        let spec = route.spec();
        assert_eq!(spec.kind, RouteType::Blackhole);
        assert!(spec.validate().is_ok());
    }
}
