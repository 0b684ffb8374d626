//! ipvsadm's text formats, so kad's tools print what operators already read
//! (`ipvsadm -Ln --stats`), and tests can compare the two byte for byte.

use crate::types::{Dest, Info, Service, ServiceKey};
use std::cmp::Ordering;
use std::fmt::Write;
use std::net::IpAddr;

/// ipvsadm's sort of services (libipvs `ipvs_cmp_services`): address services before fwmark
/// ones, then fwmark, family, protocol, address, port.
pub fn cmp_services(a: &Service, b: &Service) -> Ordering {
    fn rank(k: &ServiceKey) -> (u32, u16, u16, u128, u16) {
        match *k {
            ServiceKey::Addr {
                protocol,
                addr,
                port,
            } => (0, af(&addr), protocol.raw(), addr_num(&addr), port),
            ServiceKey::Fwmark { af, mark } => (mark, af.raw(), 6, 0, 0),
        }
    }
    rank(&a.config.key).cmp(&rank(&b.config.key))
}

/// ipvsadm's sort of destinations (libipvs `ipvs_cmp_dests`): family, address, port.
pub fn cmp_dests(a: &Dest, b: &Dest) -> Ordering {
    let k = |d: &Dest| {
        (
            af(&d.config.key.addr),
            addr_num(&d.config.key.addr),
            d.config.key.port,
        )
    };
    k(a).cmp(&k(b))
}

fn af(a: &IpAddr) -> u16 {
    crate::types::AddressFamily::of(a).raw()
}

fn addr_num(a: &IpAddr) -> u128 {
    match a {
        IpAddr::V4(v4) => u128::from(u32::from(*v4)),
        IpAddr::V6(v6) => u128::from(*v6),
    }
}

/// `TCP  192.0.2.1:80`, `SCTP 192.0.2.1:9`, `UDP  [2001:db8::1]:53`, `FWM  7`, `FWM  7 IPv6`:
/// the protocol padded to four columns, a space, the address (checked against ipvsadm 1.31).
///
/// ```
/// use keepalive_ipvs::ipvsadm::service_name;
/// use keepalive_ipvs::{AddressFamily, Protocol, ServiceKey};
///
/// let dns = ServiceKey::Addr { protocol: Protocol::Udp, addr: "2001:db8::1".parse()?, port: 53 };
/// assert_eq!(service_name(&dns), "UDP  [2001:db8::1]:53");
/// let mark = ServiceKey::Fwmark { af: AddressFamily::Inet, mark: 7 };
/// assert_eq!(service_name(&mark), "FWM  7");
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
pub fn service_name(key: &ServiceKey) -> String {
    match key {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => format!("{:<4} {}", protocol.to_string(), addr_port(addr, *port)),
        ServiceKey::Fwmark { af, mark } => match af {
            crate::types::AddressFamily::Inet => format!("FWM  {mark}"),
            crate::types::AddressFamily::Inet6 => format!("FWM  {mark} IPv6"),
        },
    }
}

/// `192.0.2.1:80` or `[2001:db8::1]:80`.
pub fn addr_port(addr: &IpAddr, port: u16) -> String {
    match addr {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

/// ipvsadm's `print_largenum` without `--exact`: 9 columns, scaled with K/M/G/T past 10^8.
///
/// ```
/// use keepalive_ipvs::ipvsadm::largenum;
///
/// assert_eq!(largenum(99_999_999), " 99999999");
/// assert_eq!(largenum(123_456_789), "  123456K");
/// assert_eq!(largenum(5_000_000_000), "    5000M");
/// ```
pub fn largenum(i: u64) -> String {
    if i < 100_000_000 {
        format!("{i:9}")
    } else if i < 1_000_000_000 {
        format!("{:8}K", i / 1_000)
    } else if i < 100_000_000_000 {
        format!("{:8}M", i / 1_000_000)
    } else if i < 100_000_000_000_000 {
        format!("{:8}G", i / 1_000_000_000)
    } else {
        format!("{:8}T", i / 1_000_000_000_000)
    }
}

/// `print_largenum` with `--exact`: the whole number, right-aligned in 9 columns or one more
/// than its width.
pub fn exactnum(i: u64) -> String {
    let digits = i.to_string();
    let width = if digits.len() <= 8 {
        9
    } else {
        digits.len() + 1
    };
    format!("{digits:>width$}")
}

/// `ipvsadm -Ln --stats`: header, title, then each service (sorted as ipvsadm sorts) and its
/// destinations with connections, packets and bytes.
pub fn format_stats(info: &Info, table: &[(Service, Vec<Dest>)]) -> String {
    format_stats_with(info, table, false)
}

/// `ipvsadm -Ln --stats`, or with `exact` `ipvsadm -Ln --stats --exact`.
pub fn format_stats_with(info: &Info, table: &[(Service, Vec<Dest>)], exact: bool) -> String {
    let num = if exact { exactnum } else { largenum };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "IP Virtual Server version {} (size={})",
        info.version_string(),
        info.conn_tab_size
    );
    let _ = writeln!(
        out,
        "{:<33} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"
    );
    out.push_str("  -> RemoteAddress:Port\n");
    let mut services: Vec<&(Service, Vec<Dest>)> = table.iter().collect();
    services.sort_by(|a, b| cmp_services(&a.0, &b.0));
    for (svc, dests) in services {
        let s = &svc.stats;
        let _ = write!(out, "{:<33}", service_name(&svc.config.key));
        for v in [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes] {
            out.push_str(&num(v));
        }
        out.push('\n');
        let mut dests: Vec<&Dest> = dests.iter().collect();
        dests.sort_by(|a, b| cmp_dests(a, b));
        for d in dests {
            let s = &d.stats;
            let _ = write!(
                out,
                "  -> {:<28}",
                addr_port(&d.config.key.addr, d.config.key.port)
            );
            for v in [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes] {
                out.push_str(&num(v));
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::*;

    #[test]
    fn layout_matches_ipvsadm() {
        let info = Info {
            version: 0x010201,
            conn_tab_size: 4096,
        };
        let v4 = ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: "192.0.2.1".parse().unwrap(),
            port: 80,
        };
        let v6 = ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: "2001:db8::1".parse().unwrap(),
            port: 53,
        };
        let fwm = ServiceKey::Fwmark {
            af: AddressFamily::Inet,
            mark: 7,
        };
        let svc = |key, conns| Service {
            config: ServiceConfig::new(key, "wlc"),
            stats: Stats {
                conns,
                inpkts: 123_456_789,
                outpkts: 5_000_000_000,
                inbytes: 200_000_000_000_000,
                outbytes: 0,
                ..Stats::default()
            },
        };
        let dest = |addr: &str, conns| Dest {
            config: DestConfig::new(addr.parse().unwrap(), 80),
            active_conns: 0,
            inactive_conns: 0,
            persistent_conns: 0,
            stats: Stats {
                conns,
                ..Stats::default()
            },
        };
        let table = vec![
            (svc(fwm, 3), vec![]),
            (svc(v6, 2), vec![]),
            (
                svc(v4, 1),
                vec![dest("198.51.100.2", 5), dest("198.51.100.1", 4)],
            ),
        ];
        let want = "\
IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  192.0.2.1:80                        1  123456K    5000M     200T        0
  -> 198.51.100.1:80                     4        0        0        0        0
  -> 198.51.100.2:80                     5        0        0        0        0
UDP  [2001:db8::1]:53                    2  123456K    5000M     200T        0
FWM  7                                   3  123456K    5000M     200T        0
";
        assert_eq!(format_stats(&info, &table), want);
        let sctp = ServiceKey::Addr {
            protocol: Protocol::Sctp,
            addr: "192.0.2.1".parse().unwrap(),
            port: 9,
        };
        assert_eq!(service_name(&sctp), "SCTP 192.0.2.1:9");
        let exact = format_stats_with(&info, &table, true);
        assert!(exact.contains(
            "TCP  192.0.2.1:80                        1 123456789 5000000000 200000000000000        0\n"
        ));
    }
}
