//! From the typed configuration (keepalive-confparse) to what the checker process runs: the
//! pool's [`VirtualServerConfig`]s, one [`CheckerConfig`] per checker block, and the kernel
//! services each virtual server stands for (keepalive-ipvs's `from_config`).
//!
//! Inheritance (checker → real server → virtual server → global) was resolved by confparse's
//! `finish`; this module only changes units and shapes.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use keepalive_checkers as kc;
use keepalive_confparse::model::checker::{self as cc, CheckerKind as CfgKind};
use keepalive_confparse::model::lvs::{self, Forwarding, RealServer, VirtualServer, VsAddress};
use keepalive_confparse::model::script::Script as CfgScript;
use keepalive_confparse::model::values::Micros;
use keepalive_confparse::model::vrrp::track::TrackFile;
use keepalive_confparse::model::Config;
use keepalive_ipvs::from_config::{self, MapError, SorryServerSpec};
use keepalive_ipvs::reconcile::VirtualServerSpec;

/// Why a configuration cannot be run by the checker process.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// A virtual server cannot be expressed as kernel services.
    #[error(transparent)]
    Ipvs(#[from] MapError),
    /// A checker block the state machines refuse (regex, digest, DNS name...).
    #[error("{at}: {kind} of real server {rs}: {source}")]
    Checker {
        /// `file:line` of the checker block.
        at: String,
        /// The checker keyword.
        kind: &'static str,
        /// The real server, as keepalived prints it.
        rs: String,
        /// What the checkers crate said.
        source: kc::ConfigError,
    },
}

/// Where a checker sits. The checker process keeps this for each running checker, while the
/// configuration, keyword and `retry` included, moves into the [`kc::Checker`] itself.
/// Indexes are kept as `u32`: one of these per checker, by the ten thousand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckerPlace {
    vs: u32,
    rs: u32,
    index: u32,
}

impl CheckerPlace {
    /// The place of checker `index` of real server `rs` of virtual server `vs`. A
    /// configuration holds far fewer than 2^32 of each (each costs memory).
    pub fn new(vs: usize, rs: usize, index: usize) -> Self {
        CheckerPlace {
            vs: vs as u32,
            rs: rs as u32,
            index: index as u32,
        }
    }

    /// Index of its virtual server in [`Plan::vss`].
    pub fn vs(&self) -> usize {
        self.vs as usize
    }

    /// Index of its real server in that virtual server.
    pub fn rs(&self) -> usize {
        self.rs as usize
    }

    /// Index among the real server's checkers (the pool's `checker` argument).
    pub fn index(&self) -> usize {
        self.index as usize
    }
}

/// One checker of one real server, ready to run.
#[derive(Debug, Clone)]
pub struct CheckerSpec {
    /// Where it sits.
    pub place: CheckerPlace,
    /// The state machine's configuration.
    pub config: kc::CheckerConfig,
}

/// Everything the checker process runs for one configuration.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The pool's virtual servers, in file order.
    pub vss: Vec<kc::VirtualServerConfig>,
    /// The kernel services of each virtual server (several for a group), all real servers at
    /// their configured weight.
    pub services: Vec<Vec<VirtualServerSpec>>,
    /// The sorry server of each kernel service of each virtual server.
    pub sorry: Vec<Vec<SorryServerSpec>>,
    /// Every checker.
    pub checkers: Vec<CheckerSpec>,
    /// `rs_init_notifies`.
    pub settings: kc::PoolSettings,
    /// `smtp_alert` of each real server of each virtual server (resolved: the real server's,
    /// else `smtp_alert_checker`, else `smtp_alert`, else on, as keepalived).
    pub rs_smtp_alert: Vec<Vec<bool>>,
    /// `smtp_alert` of each virtual server (keepalived's default: off).
    pub vs_smtp_alert: Vec<bool>,
    /// Every top-level `track_file` block: the checker process applies their `init_file`
    /// and watches those a FILE_CHECK names ([`Plan::tracks_file`]).
    pub track_files: Vec<TrackFile>,
}

impl Plan {
    /// Whether a FILE_CHECK names track file `name` (keepalived's checker process forgets
    /// the other `track_file` blocks in `init_track_files`).
    pub fn tracks_file(&self, name: &str) -> bool {
        self.checkers
            .iter()
            .any(|c| matches!(&c.config.kind, kc::CheckerKind::File(f) if f.track_file == name))
    }
}

fn dur(m: Micros) -> Duration {
    Duration::from_micros(m.0)
}

fn script(s: &CfgScript, global_user: Option<&(String, Option<String>)>) -> kc::Script {
    let (user, group) = match (&s.user, global_user) {
        (Some(u), _) => (Some(u.clone()), s.group.clone()),
        (None, Some((u, g))) => (Some(u.clone()), g.clone()),
        (None, None) => (None, None),
    };
    kc::Script {
        args: s.args.clone(),
        user,
        group,
    }
}

fn protocol(vs: &VirtualServer) -> kc::Protocol {
    match vs.protocol {
        Some(lvs::Protocol::Tcp) => kc::Protocol::Tcp,
        Some(lvs::Protocol::Udp) => kc::Protocol::Udp,
        Some(lvs::Protocol::Sctp) => kc::Protocol::Sctp,
        None => kc::Protocol::None,
    }
}

fn key(vs: &VirtualServer) -> kc::VsKey {
    let protocol = protocol(vs);
    match &vs.address {
        VsAddress::Ip { addr, port } => kc::VsKey::Addr {
            protocol,
            addr: *addr,
            port: port.unwrap_or(0),
        },
        VsAddress::Fwmark { mark } => kc::VsKey::Fwmark {
            family: match vs.family {
                Some(lvs::Family::Inet6) => kc::Family::Inet6,
                _ => kc::Family::Inet,
            },
            mark: *mark,
            protocol,
        },
        VsAddress::Group { name } => kc::VsKey::Group {
            name: name.clone(),
            port: 0,
            protocol,
        },
    }
}

fn vs_port(vs: &VirtualServer) -> u16 {
    match vs.address {
        VsAddress::Ip { port, .. } => port.unwrap_or(0),
        _ => 0,
    }
}

fn fwd(f: Option<Forwarding>) -> keepalive_ipvs::ForwardMethod {
    keepalive_ipvs::from_config::forward_method(&f.unwrap_or(Forwarding::Nat))
}

/// keepalived's `FMT_RS`: the real server's address, the service's protocol and its port.
pub fn format_rs(addr: IpAddr, protocol: kc::Protocol, port: u16) -> String {
    let p = match protocol {
        kc::Protocol::Tcp => "tcp",
        kc::Protocol::Udp => "udp",
        kc::Protocol::Sctp => "sctp",
        kc::Protocol::None => "none",
    };
    format!("[{addr}]:{p}:{port}")
}

/// The protocol of a pool key.
pub fn key_protocol(key: &kc::VsKey) -> kc::Protocol {
    match key {
        kc::VsKey::Addr { protocol, .. }
        | kc::VsKey::Fwmark { protocol, .. }
        | kc::VsKey::Group { protocol, .. } => *protocol,
    }
}

/// The whole plan for `cfg`.
pub fn plan(cfg: &Config) -> Result<Plan, MappingError> {
    let g = &cfg.global;
    let track_files: HashMap<&str, (i32, bool)> = cfg
        .vrrp
        .track_files
        .iter()
        .map(|t| (t.name.as_str(), (t.weight, t.reverse)))
        .collect();
    let mut plan = Plan {
        settings: kc::PoolSettings::new(g.rs_init_notifies),
        track_files: cfg.vrrp.track_files.clone(),
        ..Plan::default()
    };
    let mut timings = HashSet::new();
    for vs in &cfg.lvs.virtual_servers {
        let v = plan.vss.len();
        plan.services
            .push(from_config::virtual_server(vs, &cfg.lvs.groups)?);
        plan.sorry
            .push(from_config::sorry_servers(vs, &cfg.lvs.groups)?);
        let vkey = key(vs);
        let proto = protocol(vs);
        let mut reals = Vec::with_capacity(vs.real_servers.len());
        let alert =
            |own| crate::smtp_alert::alert_enabled(own, g.smtp_alert_checker, g.smtp_alert, true);
        plan.rs_smtp_alert.push(
            vs.real_servers
                .iter()
                .map(|rs| alert(rs.smtp_alert))
                .collect(),
        );
        plan.vs_smtp_alert.push(crate::smtp_alert::alert_enabled(
            vs.smtp_alert,
            g.smtp_alert_checker,
            g.smtp_alert,
            false,
        ));
        for (r, rs) in vs.real_servers.iter().enumerate() {
            let port = rs.port.unwrap_or_else(|| vs_port(vs));
            let weight = i64::from(rs.weight.unwrap_or(vs.weight));
            let mut alpha = Vec::new();
            for (i, c) in rs.checkers.iter().enumerate() {
                let mut spec =
                    checker(cfg, vs, rs, c, &track_files, v, r, i, weight).map_err(|source| {
                        MappingError::Checker {
                            at: format!("{}:{}", c.loc.file, c.loc.line),
                            kind: c.kind.keyword(),
                            rs: format_rs(rs.addr, proto, port),
                            source,
                        }
                    })?;
                alpha.push(spec.config.timing.alpha);
                spec.config.timing = shared(&mut timings, spec.config.timing);
                plan.checkers.push(spec);
            }
            reals.push(kc::RealServerConfig {
                addr: rs.addr,
                port,
                weight,
                fwd: fwd(rs.forwarding.or(vs.forwarding)),
                u_threshold: rs.uthreshold.unwrap_or(0),
                l_threshold: rs.lthreshold.unwrap_or(0),
                inhibit_on_failure: rs.inhibit_on_failure.unwrap_or(vs.inhibit_on_failure),
                notify_up: rs
                    .notify_up
                    .as_ref()
                    .map(|s| Box::new(script(s, g.script_user.as_ref()))),
                notify_down: rs
                    .notify_down
                    .as_ref()
                    .map(|s| Box::new(script(s, g.script_user.as_ref()))),
                checker_alpha: alpha,
            });
        }
        let services = &plan.services[v];
        plan.vss.push(kc::VirtualServerConfig {
            key: vkey,
            scheduler: services
                .first()
                .map(|s| s.scheduler.clone())
                .unwrap_or_else(|| "wlc".into()),
            flags: services.first().map(|s| s.flags.0).unwrap_or(0),
            timeout: services.first().map(|s| s.timeout).unwrap_or(0),
            netmask: services.first().and_then(|s| s.netmask),
            pe_name: services.first().and_then(|s| s.pe_name.clone()),
            quorum: vs.quorum,
            hysteresis: vs.hysteresis,
            omega: vs.omega,
            ha_suspend: vs.ha_suspend,
            quorum_up: vs
                .quorum_up
                .as_ref()
                .map(|s| script(s, g.script_user.as_ref())),
            quorum_down: vs
                .quorum_down
                .as_ref()
                .map(|s| script(s, g.script_user.as_ref())),
            sorry_server: vs.sorry_server.as_ref().map(|s| kc::SorryServerConfig {
                addr: s.addr,
                port: s.port.unwrap_or_else(|| vs_port(vs)),
                fwd: fwd(s.forwarding.or(vs.forwarding)),
                inhibit: s.inhibit,
            }),
            reals,
        });
    }
    Ok(plan)
}

#[allow(clippy::too_many_arguments)]
fn checker(
    cfg: &Config,
    vs: &VirtualServer,
    rs: &RealServer,
    c: &cc::Checker,
    track_files: &HashMap<&str, (i32, bool)>,
    v: usize,
    r: usize,
    index: usize,
    rs_weight: i64,
) -> Result<CheckerSpec, kc::ConfigError> {
    let g = &cfg.global;
    let rs_port = rs.port.unwrap_or_else(|| vs_port(vs));
    let mut target = kc::Target::new(rs.addr, rs_port);
    let mut connect_timeout = vs.connect_timeout;
    if let Some(co) = &c.conn {
        target.addr = co.connect_ip.unwrap_or(rs.addr);
        target.port = co.connect_port.unwrap_or(rs_port);
        let source = kc::Source {
            bindto: co.bindto,
            bind_if: co.bind_if.clone(),
            bind_port: co.bind_port,
            fwmark: co.fwmark,
        };
        target.source = (source != kc::Source::default()).then(|| Arc::new(source));
        if let Some(t) = co.connect_timeout.or(rs.connect_timeout) {
            connect_timeout = t;
        }
    } else if let Some(t) = rs.connect_timeout {
        connect_timeout = t;
    }
    let t = &c.timing;
    let mut timing = kc::Timing {
        delay_loop: dur(t.delay_loop),
        retry: t.retry,
        delay_before_retry: dur(t.delay_before_retry),
        warmup: dur(t.warmup),
        connect_timeout: dur(connect_timeout),
        alpha: t.alpha,
        log_all_failures: t.log_all_failures || g.checker_log_all_failures,
    };
    let kind = match &c.kind {
        CfgKind::Tcp => kc::CheckerKind::Tcp,
        CfgKind::HttpGet(h) => kc::CheckerKind::Http(Box::new(http(h, None))),
        CfgKind::SslGet(h) => kc::CheckerKind::Http(Box::new(http(
            h,
            Some(kc::TlsParams {
                sni: h
                    .enable_sni
                    .then(|| h.virtualhost.clone())
                    .flatten()
                    .or_else(|| {
                        h.enable_sni
                            .then(|| h.urls.iter().find_map(|u| u.virtualhost.clone()))
                            .flatten()
                    }),
                tls_compliant: h.tls_compliant || h.urls.iter().any(|u| u.tls_compliant),
            }),
        ))),
        CfgKind::Smtp(s) => kc::CheckerKind::Smtp(Box::new(kc::SmtpConfig {
            helo_name: s.helo_name.clone(),
        })),
        CfgKind::Dns(d) => kc::CheckerKind::Dns(Box::new(kc::DnsConfig {
            qtype: dns_type(d.qtype),
            name: d.name.clone(),
            // keepalived 2.2.7 checks the id, QR and RCODE only.
            require_answer: false,
        })),
        CfgKind::Misc(m) => kc::CheckerKind::Misc(Box::new(kc::MiscConfig {
            script: script(&m.script, g.script_user.as_ref()),
            timeout: m.timeout.filter(|t| t.0 != 0).map(dur),
            dynamic: m.dynamic,
            rs_weight,
        })),
        CfgKind::Udp(u) => kc::CheckerKind::Udp(Box::new(kc::UdpConfig {
            payload: u.payload.clone(),
            require_reply: u.require_reply,
            reply_data: u.reply_data.clone(),
            reply_mask: u.reply_mask.clone(),
            min_reply_length: u.min_reply_length,
            max_reply_length: u.max_reply_length,
        })),
        CfgKind::Ping => kc::CheckerKind::Ping(Box::new(kc::PingConfig {
            // Linux ping sockets rewrite the identifier with their own.
            ignore_identifier: true,
        })),
        CfgKind::File(f) => {
            // confparse already dropped a FILE_CHECK naming an unknown track_file, as
            // keepalived does ("track_file NAME not found").
            let (weight, reverse) = track_files
                .get(f.track_file.as_str())
                .copied()
                .unwrap_or((1, false));
            // `add_rs_to_track_files`: "we know the state of the checker immediately".
            timing.alpha = false;
            let (weight, reverse) = match f.weight {
                Some(w) => (w, f.reverse),
                None => (weight, reverse),
            };
            kc::CheckerKind::File(Box::new(kc::FileConfig {
                track_file: f.track_file.clone(),
                weight,
                reverse,
                dynamic: f.dynamic,
            }))
        }
        CfgKind::Bfd(b) => kc::CheckerKind::Bfd(Box::new(kc::BfdConfig {
            name: b.name.clone(),
        })),
    };
    let config = kc::CheckerConfig::new(kind, target, timing);
    // Refuse what the state machine refuses now, at load time, with the block's location.
    kc::Checker::new(config.clone(), std::time::Instant::now(), 0)?;
    Ok(CheckerSpec {
        place: CheckerPlace::new(v, r, index),
        config,
    })
}

/// The one `Arc` of the checkers that time alike: a pool of thousands usually has a handful.
fn shared(timings: &mut HashSet<Arc<kc::Timing>>, timing: Arc<kc::Timing>) -> Arc<kc::Timing> {
    match timings.get(&timing) {
        Some(t) => Arc::clone(t),
        None => {
            timings.insert(Arc::clone(&timing));
            timing
        }
    }
}

fn dns_type(t: cc::DnsType) -> kc::DnsType {
    match t {
        cc::DnsType::A => kc::DnsType::A,
        cc::DnsType::Ns => kc::DnsType::Ns,
        cc::DnsType::Cname => kc::DnsType::Cname,
        cc::DnsType::Soa => kc::DnsType::Soa,
        cc::DnsType::Mx => kc::DnsType::Mx,
        cc::DnsType::Txt => kc::DnsType::Txt,
        cc::DnsType::Aaaa => kc::DnsType::Aaaa,
        cc::DnsType::Rrsig => kc::DnsType::Rrsig,
        cc::DnsType::Dnskey => kc::DnsType::Dnskey,
    }
}

fn http(h: &cc::HttpCheck, tls: Option<kc::TlsParams>) -> kc::HttpConfig {
    kc::HttpConfig {
        protocol: match h.http_protocol {
            cc::HttpProtocol::Http10 => kc::HttpProtocol::Http10,
            cc::HttpProtocol::Http10Close => kc::HttpProtocol::Http10Close,
            cc::HttpProtocol::Http11 => kc::HttpProtocol::Http11,
        },
        virtualhost: h.virtualhost.clone(),
        tls,
        fast_recovery: h.fast_recovery,
        urls: h
            .urls
            .iter()
            .map(|u| kc::UrlConfig {
                path: u.path.clone(),
                digest: u.digest.clone(),
                status_codes: u
                    .status_codes
                    .iter()
                    .map(|s| kc::StatusRange {
                        min: s.min,
                        max: s.max,
                    })
                    .collect(),
                virtualhost: u.virtualhost.clone(),
                regex: u.regex.clone(),
                regex_no_match: u.regex_no_match,
                regex_options: u.regex_options.clone(),
                regex_min_offset: u.regex_min_offset,
                regex_max_offset: u.regex_max_offset,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;

    fn plan_of(text: &str) -> Plan {
        let loaded = load_str("t.conf", text, &Options::default());
        plan(&loaded.config).expect("maps")
    }

    #[test]
    fn tcp_and_http_checkers_map_with_inherited_timing() {
        let p = plan_of(
            "virtual_server 192.0.2.1 80 {\n delay_loop 7\n protocol TCP\n lvs_sched rr\n quorum 2\n\
             sorry_server 192.0.2.99 8080\n\
             real_server 192.0.2.10 80 {\n weight 3\n inhibit_on_failure\n\
               TCP_CHECK {\n connect_timeout 2\n retry 4\n }\n\
               HTTP_GET {\n url {\n path /x\n digest 0123456789abcdef0123456789abcdef\n }\n connect_port 8080\n }\n\
             }\n}\n",
        );
        assert_eq!(p.vss.len(), 1);
        let vs = &p.vss[0];
        assert_eq!(vs.scheduler, "rr");
        assert_eq!(vs.quorum, 2);
        assert_eq!(vs.sorry_server.as_ref().unwrap().port, 8080);
        let rs = &vs.reals[0];
        assert_eq!((rs.port, rs.weight, rs.inhibit_on_failure), (80, 3, true));
        assert_eq!(rs.checker_alpha, vec![false, false]);
        assert_eq!(p.checkers.len(), 2);
        let tcp = &p.checkers[0];
        assert_eq!(tcp.config.kind.keyword(), "TCP_CHECK");
        assert_eq!(tcp.config.timing.delay_loop, Duration::from_secs(7));
        assert_eq!(tcp.config.timing.connect_timeout, Duration::from_secs(2));
        assert_eq!(tcp.config.timing.retry, 4);
        let http = &p.checkers[1];
        assert_eq!(http.place.index(), 1);
        assert_eq!(http.config.target.port, 8080);
        assert!(matches!(http.config.kind, kc::CheckerKind::Http(ref h) if h.urls[0].path == "/x"));
        assert_eq!(p.services[0].len(), 1);
        assert_eq!(p.sorry[0].len(), 1);
        assert_eq!(
            format_rs(rs.addr, key_protocol(&vs.key), rs.port),
            "[192.0.2.10]:tcp:80"
        );
    }

    #[test]
    fn misc_and_ssl_map() {
        let p = plan_of(
            "virtual_server 192.0.2.1 443 {\n protocol TCP\n\
             real_server 192.0.2.10 443 {\n\
               MISC_CHECK {\n misc_path \"/bin/true -x\"\n misc_timeout 3\n misc_dynamic\n }\n\
               SSL_GET {\n enable_sni\n virtualhost www.example.com\n url {\n path /\n }\n }\n\
             }\n}\n",
        );
        let misc = &p.checkers[0];
        let kc::CheckerKind::Misc(m) = &misc.config.kind else {
            panic!()
        };
        assert_eq!(m.script.args, vec!["/bin/true", "-x"]);
        assert_eq!(m.timeout, Some(Duration::from_secs(3)));
        assert!(m.dynamic);
        let kc::CheckerKind::Http(h) = &p.checkers[1].config.kind else {
            panic!()
        };
        assert_eq!(
            h.tls.as_ref().unwrap().sni.as_deref(),
            Some("www.example.com")
        );
    }

    #[test]
    fn file_check_takes_its_track_file_defaults_and_no_alpha() {
        let p = plan_of(
            "track_file tf {\n file /tmp/kad-tf\n weight -3 reverse\n}\n\
             track_file other {\n file /tmp/kad-other\n init_file 2\n}\n\
             virtual_server 192.0.2.1 80 {\n protocol TCP\n alpha\n\
             real_server 192.0.2.10 80 {\n FILE_CHECK {\n track_file tf\n }\n }\n\
             real_server 192.0.2.11 80 {\n FILE_CHECK {\n track_file tf\n weight 2\n }\n }\n\
             real_server 192.0.2.12 80 {\n FILE_CHECK {\n track_file nosuch\n }\n TCP_CHECK {\n }\n }\n\
             }\n",
        );
        let file = |i: usize| match &p.checkers[i].config.kind {
            kc::CheckerKind::File(f) => (f.track_file.as_str(), f.weight, f.reverse),
            other => panic!("{other:?}"),
        };
        // keepalived's `file_end_handler`: no weight means the track_file's weight and reverse.
        assert_eq!(file(0), ("tf", -3, true));
        assert_eq!(file(1), ("tf", 2, false));
        // `add_rs_to_track_files` clears alpha; the TCP_CHECK keeps the virtual server's.
        assert_eq!(p.vss[0].reals[0].checker_alpha, vec![false]);
        assert!(!p.checkers[0].config.timing.alpha);
        // "track_file nosuch not found": that FILE_CHECK is dropped, the TCP_CHECK stays.
        assert_eq!(p.checkers.len(), 3);
        assert_eq!(p.checkers[2].config.kind.keyword(), "TCP_CHECK");
        assert_eq!(p.vss[0].reals[2].checker_alpha, vec![true]);
        // Every block is kept for init_file; only named ones are watched.
        assert_eq!(p.track_files.len(), 2);
        assert!(p.tracks_file("tf"));
        assert!(!p.tracks_file("other"));
        assert!(!p.tracks_file("nosuch"));
    }

    #[test]
    fn bad_regex_is_refused_with_its_location() {
        let loaded = load_str(
            "t.conf",
            "virtual_server 192.0.2.1 80 {\n protocol TCP\n\
             real_server 192.0.2.10 80 {\n HTTP_GET {\n url {\n path /\n regex \"(\"\n }\n }\n }\n}\n",
            &Options::default(),
        );
        match plan(&loaded.config) {
            Err(MappingError::Checker { kind, .. }) => assert_eq!(kind, "HTTP_GET"),
            other => panic!("{other:?}"),
        }
    }
}
