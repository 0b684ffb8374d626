//! The checker process's families: virtual and real servers as the pool sees them, why a
//! real server's last check failed, and IPVS's own counters where the kernel gives them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use keepalive_checkers::{FailReason, Pool, VirtualServerId};

use super::text::{Exposition, Kind, Labels};

/// One word per [`FailReason`] variant, for the `reason` label.
pub fn reason_word(r: &FailReason) -> &'static str {
    match r {
        FailReason::Timeout => "timeout",
        FailReason::ConnectTimeout => "connect_timeout",
        FailReason::ResponseTimeout => "response_timeout",
        FailReason::ConnectFailed(_) => "connect_failed",
        FailReason::ReadFailed(_) => "read_failed",
        FailReason::UnexpectedEof => "unexpected_eof",
        FailReason::Icmp(_) => "icmp",
        FailReason::HttpMalformed(_) => "http_malformed",
        FailReason::HttpHeaderTooLarge(_) => "http_header_too_large",
        FailReason::HttpStatus { .. } => "http_status",
        FailReason::DigestMismatch { .. } => "digest_mismatch",
        FailReason::Regex { .. } => "regex",
        FailReason::SmtpReply { .. } => "smtp_reply",
        FailReason::SmtpMalformed => "smtp_malformed",
        FailReason::DnsMalformed(_) => "dns_malformed",
        FailReason::DnsRcode(_) => "dns_rcode",
        FailReason::DnsNoAnswer(_) => "dns_no_answer",
        FailReason::UdpReplyLength(_) => "udp_reply_length",
        FailReason::UdpReplyMismatch => "udp_reply_mismatch",
        FailReason::ScriptExit(_) => "script_exit",
        FailReason::ScriptSignal(_) => "script_signal",
        FailReason::FileFault(_) => "file_fault",
        FailReason::BfdDown => "bfd_down",
        _ => "other",
    }
}

/// One real server as a scrape shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RealRow {
    /// `FMT_RS`-style address, `[addr]:port`.
    pub real_server: String,
    /// Alive as the checkers decided.
    pub up: bool,
    /// The weight IPVS has (or would have) for it.
    pub weight: i64,
    /// Why its last failed check failed, while it is down.
    pub failure: Option<&'static str>,
    /// How long its last completed check took, in seconds.
    pub last_check_seconds: Option<f64>,
}

/// One virtual server.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualRow {
    /// `FMT_VS`-style name.
    pub virtual_server: String,
    /// `quorum` is met.
    pub quorum_up: bool,
    /// The configured `quorum`.
    pub quorum: u32,
    /// Its real servers.
    pub reals: Vec<RealRow>,
}

/// IPVS's counters for one service or destination, from the kernel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IpvsCounters {
    /// Connections scheduled.
    pub connections: u64,
    /// Packets in.
    pub in_packets: u64,
    /// Packets out.
    pub out_packets: u64,
    /// Bytes in.
    pub in_bytes: u64,
    /// Bytes out.
    pub out_bytes: u64,
}

impl From<&keepalive_ipvs::Stats> for IpvsCounters {
    fn from(s: &keepalive_ipvs::Stats) -> IpvsCounters {
        IpvsCounters {
            connections: s.conns,
            in_packets: s.inpkts,
            out_packets: s.outpkts,
            in_bytes: s.inbytes,
            out_bytes: s.outbytes,
        }
    }
}

/// One kernel destination: its service, itself, its counters, active and inactive
/// connections.
pub type IpvsDest = (String, String, IpvsCounters, u32, u32);

/// The kernel's table as the metrics show it: services (by `ipvsadm`'s name) and
/// destinations.
pub fn ipvs_rows(
    table: &[(keepalive_ipvs::Service, Vec<keepalive_ipvs::Dest>)],
) -> (Vec<(String, IpvsCounters)>, Vec<IpvsDest>) {
    let mut services = Vec::with_capacity(table.len());
    let mut dests = Vec::new();
    for (svc, ds) in table {
        let name = svc.config.key.to_string();
        for d in ds {
            dests.push((
                name.clone(),
                d.config.key.to_string(),
                IpvsCounters::from(&d.stats),
                d.active_conns,
                d.inactive_conns,
            ));
        }
        services.push((name, IpvsCounters::from(&svc.stats)));
    }
    (services, dests)
}

/// What the checker process shows.
#[derive(Debug, Clone, Default)]
pub struct CheckerRows {
    /// Each virtual server.
    pub virtuals: Vec<VirtualRow>,
    /// Health checkers configured.
    pub checkers: usize,
    /// IPVS services' counters by virtual server name, when the kernel was read.
    pub ipvs_services: Vec<(String, IpvsCounters)>,
    /// IPVS destinations' counters.
    pub ipvs_dests: Vec<IpvsDest>,
}

/// The rows of the running pool; `failure` and `duration` give each real server's last
/// failure reason and check duration as the loop recorded them.
pub fn rows(
    pool: &Pool,
    checkers: usize,
    failure: impl Fn(usize, usize) -> Option<&'static str>,
    duration: impl Fn(usize, usize) -> Option<f64>,
) -> CheckerRows {
    let virtuals = pool
        .virtual_servers()
        .iter()
        .enumerate()
        .map(|(v, vs)| {
            let id = VirtualServerId::new(v);
            VirtualRow {
                virtual_server: keepalive_checkers::pool::format_vs(&vs.key),
                quorum_up: pool.has_quorum(id),
                quorum: vs.quorum,
                reals: vs
                    .reals
                    .iter()
                    .enumerate()
                    .map(|(r, rs)| {
                        let up = pool.is_alive(id.real(r));
                        RealRow {
                            real_server: format!("[{}]:{}", rs.addr, rs.port),
                            up,
                            weight: pool.effective_weight(id.real(r)).unwrap_or(0),
                            failure: if up { None } else { failure(v, r) },
                            last_check_seconds: duration(v, r),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    CheckerRows {
        virtuals,
        checkers,
        ipvs_services: Vec::new(),
        ipvs_dests: Vec::new(),
    }
}

/// Every failure reason a real server can show, so each series exists before it is 1.
const REASONS: &[&str] = &[
    "timeout",
    "connect_timeout",
    "response_timeout",
    "connect_failed",
    "read_failed",
    "unexpected_eof",
    "icmp",
    "http_malformed",
    "http_header_too_large",
    "http_status",
    "digest_mismatch",
    "regex",
    "smtp_reply",
    "smtp_malformed",
    "dns_malformed",
    "dns_rcode",
    "dns_no_answer",
    "udp_reply_length",
    "udp_reply_mismatch",
    "script_exit",
    "script_signal",
    "file_fault",
    "bfd_down",
    "other",
];

/// Writes the checker process's families.
pub fn render(e: &mut Exposition<'_>, rows: &CheckerRows) {
    // Each real server's two labels, rendered once for its four families.
    let labels: Vec<Vec<Labels>> = rows
        .virtuals
        .iter()
        .map(|v| {
            v.reals
                .iter()
                .map(|r| {
                    Labels::new(&[
                        ("virtual_server", &v.virtual_server),
                        ("real_server", &r.real_server),
                    ])
                })
                .collect()
        })
        .collect();
    e.family(
        "kad_virtual_server_quorum_up",
        Kind::Gauge,
        "1 while a virtual server's alive real servers meet its quorum.",
    );
    for v in &rows.virtuals {
        e.sample(
            "kad_virtual_server_quorum_up",
            &[("virtual_server", &v.virtual_server)],
            u8::from(v.quorum_up),
        );
    }
    e.family(
        "kad_virtual_server_quorum",
        Kind::Gauge,
        "A virtual server's configured quorum (the weight of alive real servers it needs).",
    );
    for v in &rows.virtuals {
        e.sample(
            "kad_virtual_server_quorum",
            &[("virtual_server", &v.virtual_server)],
            v.quorum,
        );
    }
    e.family(
        "kad_real_server_up",
        Kind::Gauge,
        "1 while a real server's checkers find it alive.",
    );
    for (v, vl) in rows.virtuals.iter().zip(&labels) {
        for (r, l) in v.reals.iter().zip(vl) {
            e.sample_with("kad_real_server_up", l, &[], u8::from(r.up));
        }
    }
    e.family(
        "kad_real_server_weight",
        Kind::Gauge,
        "A real server's effective weight (configured weight plus dynamic adjustments).",
    );
    for (v, vl) in rows.virtuals.iter().zip(&labels) {
        for (r, l) in v.reals.iter().zip(vl) {
            e.sample_with("kad_real_server_weight", l, &[], r.weight);
        }
    }
    e.family(
        "kad_real_server_last_check_seconds",
        Kind::Gauge,
        "How long a real server's last completed check attempt took.",
    );
    for (v, vl) in rows.virtuals.iter().zip(&labels) {
        for (r, l) in v.reals.iter().zip(vl) {
            if let Some(d) = r.last_check_seconds {
                e.sample_with("kad_real_server_last_check_seconds", l, &[], d);
            }
        }
    }
    e.family(
        "kad_real_server_failure",
        Kind::Gauge,
        "1 for the reason a down real server's last check failed.",
    );
    for (v, vl) in rows.virtuals.iter().zip(&labels) {
        for (r, l) in v.reals.iter().zip(vl) {
            let Some(reason) = r.failure else { continue };
            debug_assert!(REASONS.contains(&reason));
            e.sample_with("kad_real_server_failure", l, &[("reason", reason)], 1);
        }
    }
    e.single(
        "kad_checkers",
        Kind::Gauge,
        "Health checkers configured.",
        rows.checkers,
    );
    if !rows.ipvs_services.is_empty() {
        ipvs(e, rows);
    }
}

/// A counter's name suffix, help and value.
type IpvsCounter = (&'static str, &'static str, fn(&IpvsCounters) -> u64);

const IPVS_COUNTERS: &[IpvsCounter] = &[
    ("connections_total", "Connections IPVS scheduled", |c| {
        c.connections
    }),
    ("in_packets_total", "Packets IPVS received", |c| {
        c.in_packets
    }),
    ("out_packets_total", "Packets IPVS sent", |c| c.out_packets),
    ("in_bytes_total", "Bytes IPVS received", |c| c.in_bytes),
    ("out_bytes_total", "Bytes IPVS sent", |c| c.out_bytes),
];

fn ipvs(e: &mut Exposition<'_>, rows: &CheckerRows) {
    for (suffix, help, get) in IPVS_COUNTERS {
        let name = format!("kad_ipvs_service_{suffix}");
        e.family(
            &name,
            Kind::Counter,
            &format!("{help} for a service (the kernel's count)."),
        );
        for (svc, c) in &rows.ipvs_services {
            e.sample(&name, &[("service", svc)], get(c));
        }
        let name = format!("kad_ipvs_destination_{suffix}");
        e.family(
            &name,
            Kind::Counter,
            &format!("{help} for a destination (the kernel's count)."),
        );
        for (svc, dest, c, _, _) in &rows.ipvs_dests {
            e.sample(&name, &[("service", svc), ("destination", dest)], get(c));
        }
    }
    e.family(
        "kad_ipvs_destination_connections",
        Kind::Gauge,
        "A destination's connections now, by state (the kernel's count).",
    );
    for (svc, dest, _, active, inactive) in &rows.ipvs_dests {
        for (state, n) in [("active", active), ("inactive", inactive)] {
            e.sample(
                "kad_ipvs_destination_connections",
                &[("service", svc), ("destination", dest), ("state", state)],
                n,
            );
        }
    }
}

/// A real server's last failure reason and last check duration in seconds.
pub type LastCheck = (Option<&'static str>, Option<f64>);

/// What the checker loop records for the metrics about each checker's attempts: when the
/// last one took how long, and why the last failed result failed. Empty (and every call a
/// no-op) unless the parent serves metrics.
#[derive(Debug, Default)]
pub struct CheckRecord {
    enabled: bool,
    slots: Vec<SlotRecord>,
}

#[derive(Debug, Default, Clone, Copy)]
struct SlotRecord {
    started: Option<Instant>,
    ended: Option<Instant>,
    took: Option<Duration>,
    failure: Option<&'static str>,
}

impl CheckRecord {
    /// A record that keeps something when `enabled`.
    pub fn new(enabled: bool) -> CheckRecord {
        CheckRecord {
            enabled,
            slots: Vec::new(),
        }
    }

    /// The loop now has `n` checkers (at start and after a reload, which renumbers them).
    pub fn reset(&mut self, n: usize) {
        if self.enabled {
            self.slots = vec![SlotRecord::default(); n];
        }
    }

    /// Checker `i` started an attempt (a connection, a probe, a script).
    pub fn started(&mut self, i: usize, now: Instant) {
        if let Some(s) = self.slots.get_mut(i) {
            s.started = Some(now);
        }
    }

    /// Checker `i`'s attempt ended.
    pub fn ended(&mut self, i: usize, now: Instant) {
        if let Some(s) = self.slots.get_mut(i) {
            if let Some(t) = s.started.take() {
                s.took = Some(now.saturating_duration_since(t));
                s.ended = Some(now);
            }
        }
    }

    /// Checker `i` reported a result.
    pub fn result(&mut self, i: usize, up: bool, reason: Option<&FailReason>) {
        if let Some(s) = self.slots.get_mut(i) {
            s.failure = if up { None } else { reason.map(reason_word) };
        }
    }

    /// Per (virtual, real) server: the failure reason and duration of its checkers' latest
    /// attempt; `place` gives checker `i`'s (virtual, real) indexes.
    pub fn by_real(
        &self,
        place: impl Fn(usize) -> (usize, usize),
    ) -> HashMap<(usize, usize), LastCheck> {
        let mut out: HashMap<(usize, usize), (Option<Instant>, LastCheck)> = HashMap::new();
        for (i, s) in self.slots.iter().enumerate() {
            let (latest, e) = out.entry(place(i)).or_default();
            if e.0.is_none() {
                e.0 = s.failure;
            }
            if s.ended.is_some() && s.ended >= *latest {
                *latest = s.ended;
                e.1 = s.took.map(|d| d.as_secs_f64());
            }
        }
        out.into_iter().map(|(k, (_, l))| (k, l)).collect()
    }
}
