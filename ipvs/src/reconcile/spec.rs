//! The boundary the daemon fills from `keepalived.conf` (`virtual_server` / `real_server`
//! blocks), and its validation into a [`Desired`] table.

use super::table::{Table, TableEntry};
use crate::nl::constants::{IP_VS_PENAME_MAXLEN, IP_VS_SCHEDNAME_MAXLEN};
use crate::types::{
    default_netmask, AddressFamily, DestConfig, DestKey, ForwardMethod, ServiceConfig,
    ServiceFlags, ServiceKey, TunnelType,
};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// One `virtual_server` (or one address of a `virtual_server_group`) as the kernel will hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualServerSpec {
    /// `virtual_server IP PORT` + `protocol`, or `virtual_server fwmark N`.
    pub key: ServiceKey,
    /// `lvs_sched` (keepalived's default is `wlc`; the daemon fills it).
    pub scheduler: String,
    /// `persistence_timeout` → PERSISTENT, `ops` → ONEPACKET, `flag-1..3` / `sh-*` / `mh-*`.
    pub flags: ServiceFlags,
    /// `persistence_timeout`, seconds.
    pub timeout: u32,
    /// `persistence_granularity`; `None` = the kernel default (/32, /128).
    pub netmask: Option<u32>,
    /// `persistence_engine`.
    pub pe_name: Option<String>,
    /// The real servers to install (the daemon leaves out those it wants removed, and sets
    /// weight 0 for `inhibit_on_failure`).
    pub reals: Vec<RealServerSpec>,
}

/// One `real_server`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RealServerSpec {
    /// Address.
    pub addr: IpAddr,
    /// Port (keepalived uses the virtual server's port when none is given).
    pub port: u16,
    /// `lvs_method` (+ `tunnel_type`, `tunnel_port`, `tunnel_*csum` for TUN).
    pub fwd: ForwardMethod,
    /// Current weight.
    pub weight: i32,
    /// `uthreshold`.
    pub u_threshold: u32,
    /// `lthreshold`.
    pub l_threshold: u32,
}

impl From<&VirtualServerSpec> for ServiceConfig {
    fn from(vs: &VirtualServerSpec) -> ServiceConfig {
        ServiceConfig {
            key: vs.key,
            scheduler: vs.scheduler.clone(),
            flags: vs.flags.user(),
            timeout: vs.timeout,
            netmask: vs.netmask.unwrap_or(default_netmask(vs.key.af())),
            pe_name: vs.pe_name.clone().filter(|p| !p.is_empty()),
        }
    }
}

impl From<&RealServerSpec> for DestConfig {
    fn from(rs: &RealServerSpec) -> DestConfig {
        DestConfig {
            key: DestKey {
                addr: rs.addr,
                port: rs.port,
            },
            fwd: rs.fwd,
            weight: rs.weight,
            u_threshold: rs.u_threshold,
            l_threshold: rs.l_threshold,
        }
    }
}

/// Why a desired table cannot be installed; each is a rule the kernel would enforce with EINVAL,
/// ERANGE or EEXIST, caught before any operation is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Two virtual servers with the same key.
    #[error("virtual server {0} is defined twice")]
    DuplicateService(ServiceKey),
    /// Two real servers with the same address and port in one virtual server.
    #[error("real server {dest} is defined twice in {service}")]
    DuplicateDest {
        /// The virtual server.
        service: ServiceKey,
        /// The duplicated real server.
        dest: DestKey,
    },
    /// Scheduler name empty or longer than `IP_VS_SCHEDNAME_MAXLEN - 1`.
    #[error("{service}: scheduler name {name:?} is empty or too long")]
    BadScheduler {
        /// The virtual server.
        service: ServiceKey,
        /// The name.
        name: String,
    },
    /// Persistence engine name longer than `IP_VS_PENAME_MAXLEN - 1`.
    #[error("{service}: persistence engine name {name:?} is too long")]
    BadPeName {
        /// The virtual server.
        service: ServiceKey,
        /// The name.
        name: String,
    },
    /// IPv6 persistence granularity outside 1..=128.
    #[error("{service}: IPv6 persistence granularity {prefix} is not in 1..=128")]
    BadNetmask {
        /// The virtual server.
        service: ServiceKey,
        /// The prefix length.
        prefix: u32,
    },
    /// A fwmark of 0 means "no fwmark" to the kernel.
    #[error("fwmark 0 cannot identify a virtual server")]
    ZeroFwmark,
    /// Negative weight.
    #[error("{service}: real server {dest} has negative weight {weight}")]
    NegativeWeight {
        /// The virtual server.
        service: ServiceKey,
        /// The real server.
        dest: DestKey,
        /// The weight.
        weight: i32,
    },
    /// `lthreshold` above `uthreshold`.
    #[error("{service}: real server {dest} has lthreshold {l} above uthreshold {u}")]
    Thresholds {
        /// The virtual server.
        service: ServiceKey,
        /// The real server.
        dest: DestKey,
        /// Lower threshold.
        l: u32,
        /// Upper threshold.
        u: u32,
    },
    /// A real server of another family than its virtual server without `lvs_method TUN`.
    #[error("{service}: real server {dest} is of another address family and needs lvs_method TUN")]
    MixedFamily {
        /// The virtual server.
        service: ServiceKey,
        /// The real server.
        dest: DestKey,
    },
    /// `tunnel_type gue` without `tunnel_port`.
    #[error("{service}: real server {dest} uses GUE without a tunnel port")]
    GueWithoutPort {
        /// The virtual server.
        service: ServiceKey,
        /// The real server.
        dest: DestKey,
    },
}

/// A validated desired table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Desired {
    table: Table,
}

impl Desired {
    /// Validates `specs` as the kernel would and builds the table.
    pub fn new(specs: Vec<VirtualServerSpec>) -> Result<Desired, SpecError> {
        let mut services = BTreeMap::new();
        for vs in &specs {
            let config = ServiceConfig::from(vs);
            validate_service(&config)?;
            let mut dests = BTreeMap::new();
            for rs in &vs.reals {
                let d = DestConfig::from(rs);
                validate_dest(&config.key, &d)?;
                if dests.insert(d.key, d).is_some() {
                    return Err(SpecError::DuplicateDest {
                        service: vs.key,
                        dest: d.key,
                    });
                }
            }
            if services
                .insert(vs.key, TableEntry { config, dests })
                .is_some()
            {
                return Err(SpecError::DuplicateService(vs.key));
            }
        }
        Ok(Desired {
            table: Table { services },
        })
    }

    /// The table to reach.
    pub fn table(&self) -> &Table {
        &self.table
    }
}

fn validate_service(c: &ServiceConfig) -> Result<(), SpecError> {
    if c.scheduler.is_empty() || c.scheduler.len() >= IP_VS_SCHEDNAME_MAXLEN {
        return Err(SpecError::BadScheduler {
            service: c.key,
            name: c.scheduler.clone(),
        });
    }
    if let Some(pe) = &c.pe_name {
        if pe.len() >= IP_VS_PENAME_MAXLEN {
            return Err(SpecError::BadPeName {
                service: c.key,
                name: pe.clone(),
            });
        }
    }
    if c.key.af() == AddressFamily::Inet6 && !(1..=128).contains(&c.netmask) {
        return Err(SpecError::BadNetmask {
            service: c.key,
            prefix: c.netmask,
        });
    }
    if let ServiceKey::Fwmark { mark: 0, .. } = c.key {
        return Err(SpecError::ZeroFwmark);
    }
    Ok(())
}

fn validate_dest(svc: &ServiceKey, d: &DestConfig) -> Result<(), SpecError> {
    let (service, dest) = (*svc, d.key);
    if d.weight < 0 {
        return Err(SpecError::NegativeWeight {
            service,
            dest,
            weight: d.weight,
        });
    }
    if d.l_threshold > d.u_threshold {
        return Err(SpecError::Thresholds {
            service,
            dest,
            l: d.l_threshold,
            u: d.u_threshold,
        });
    }
    match d.fwd {
        ForwardMethod::Tunnel(t) if t.kind == TunnelType::Gue && t.port == 0 => {
            Err(SpecError::GueWithoutPort { service, dest })
        }
        ForwardMethod::Tunnel(_) => Ok(()),
        _ if AddressFamily::of(&d.key.addr) != svc.af() => {
            Err(SpecError::MixedFamily { service, dest })
        }
        _ => Ok(()),
    }
}
