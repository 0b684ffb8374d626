//! The VRRP process's families: keepalived-exporter's names and labels (`keepalived_*`, so
//! existing dashboards and alerts work unchanged) and what only kad can see (`kad_vrrp_*`):
//! every receive error by cause, effective priority and each tracker's share of it.

use keepalive_vrrp::instance::InstanceStats;
use keepalive_vrrp::stats::RxStats;
use keepalive_vrrp::tracker::{TrackerKind, TrackerState};

use super::text::{Exposition, Kind, Labels};
use crate::vrrp::dump::state_num;
use crate::vrrp::mapping::Source;
use crate::vrrp::router::Router;
use crate::vrrp::script_track::ScriptTrackers;

/// One tracked object's part in an instance's priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerRow {
    /// `interface`, `script`, `file`, `process`, `bfd` or `address`.
    pub kind: &'static str,
    /// Its name (interface, script, file, process, BFD instance or address).
    pub name: String,
    /// What it adds to the priority now; `None` while it holds the instance in FAULT (or,
    /// unweighted and not reported yet, in INIT).
    pub adjustment: Option<i32>,
}

/// One instance as a scrape shows it.
#[derive(Debug, Clone)]
pub struct InstanceRow {
    /// `vrrp_instance` name (`iname`).
    pub name: String,
    /// The interface adverts go out of (`intf`).
    pub interface: String,
    /// `virtual_router_id`.
    pub vrid: u8,
    /// keepalived's state number: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT.
    pub state: u32,
    /// `virtual_ipaddress`.
    pub vips: Vec<String>,
    /// `virtual_ipaddress_excluded`.
    pub excluded: Vec<String>,
    /// The counters.
    pub stats: InstanceStats,
    /// `priority`.
    pub base_priority: u8,
    /// The priority adverts carry now.
    pub effective_priority: u8,
    /// Its trackers.
    pub trackers: Vec<TrackerRow>,
}

/// One `vrrp_script`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptRow {
    /// Its name.
    pub name: String,
    /// keepalived-exporter's status: 1 GOOD, 0 BAD.
    pub good: bool,
    /// keepalived-exporter's state: 0 idle, 1 running.
    pub running: bool,
}

/// What the VRRP process shows.
#[derive(Debug, Clone, Default)]
pub struct VrrpRows {
    /// Each instance.
    pub instances: Vec<InstanceRow>,
    /// Each `vrrp_script`.
    pub scripts: Vec<ScriptRow>,
    /// Each sync group: name and state number.
    pub groups: Vec<(String, u32)>,
    /// Datagrams on VRRP sockets that were not VRRP at all.
    pub malformed: u64,
}

fn source_row(s: &Source) -> (&'static str, String) {
    match s {
        Source::Interface(n) => ("interface", n.clone()),
        Source::Script(n) => ("script", n.clone()),
        Source::File(n) => ("file", n.clone()),
        Source::Process(n) => ("process", n.clone()),
        Source::Bfd(n) => ("bfd", n.clone()),
        Source::Address(a) => ("address", a.to_string()),
    }
}

fn kind_word(k: TrackerKind) -> &'static str {
    match k {
        TrackerKind::Interface => "interface",
        TrackerKind::Script => "script",
        TrackerKind::File => "file",
        TrackerKind::Process => "process",
        TrackerKind::Bfd => "bfd",
        _ => "other",
    }
}

/// The rows of the running router.
pub fn rows(
    router: &Router,
    scripts: &ScriptTrackers,
    config: &keepalive_confparse::model::Config,
) -> VrrpRows {
    let instances = router
        .instances()
        .map(|(plan, inst, _)| InstanceRow {
            name: plan.config.name.clone(),
            interface: plan.vrrp_interface().to_owned(),
            vrid: plan.config.vrid,
            state: state_num(inst.state()),
            vips: plan.config.vips.iter().map(ToString::to_string).collect(),
            excluded: plan
                .config
                .excluded_vips
                .iter()
                .map(ToString::to_string)
                .collect(),
            stats: inst.stats().clone(),
            base_priority: plan.config.priority.0,
            effective_priority: inst.priority().0,
            trackers: inst
                .trackers()
                .map(|(t, state)| {
                    let (kind, name) = router
                        .tracker_source(t.id)
                        .map(source_row)
                        .unwrap_or((kind_word(t.kind), t.id.0.to_string()));
                    TrackerRow {
                        kind,
                        name,
                        adjustment: t.adjustment(state),
                    }
                })
                .collect(),
        })
        .collect();
    let scripts = config
        .vrrp
        .scripts
        .iter()
        .map(|s| ScriptRow {
            name: s.name.clone(),
            good: scripts.state(&s.name) == Some(TrackerState::Up),
            running: scripts.status(&s.name).is_some_and(|(_, r, _)| r),
        })
        .collect();
    let groups = router
        .groups()
        .map(|(n, s, _)| (n.to_owned(), state_num(s)))
        .collect();
    VrrpRows {
        instances,
        scripts,
        groups,
        malformed: router.malformed,
    }
}

/// keepalived-exporter's counters from keepalived's statistics (`keepalived.stats`).
/// A counter's name, help and value.
type InstanceCounter = (&'static str, &'static str, fn(&InstanceStats) -> u64);

const EXPORTER_COUNTERS: &[InstanceCounter] = &[
    (
        "keepalived_advertisements_received_total",
        "Advertisements received",
        |s| s.rx.advert_rcvd,
    ),
    (
        "keepalived_advertisements_sent_total",
        "Advertisements sent",
        |s| s.adverts_sent,
    ),
    ("keepalived_become_master_total", "Became master", |s| {
        s.become_master
    }),
    ("keepalived_release_master_total", "Released master", |s| {
        s.release_master
    }),
    (
        "keepalived_packet_length_errors_total",
        "Packet length errors",
        |s| s.rx.packet_len_err(),
    ),
    (
        "keepalived_advertisements_interval_errors_total",
        "Advertisement interval errors",
        |s| s.rx.advert_interval_err(),
    ),
    ("keepalived_ip_ttl_errors_total", "TTL errors", |s| {
        s.rx.ip_ttl_err()
    }),
    (
        "keepalived_invalid_type_received_total",
        "Invalid type errors",
        |s| s.rx.invalid_type_rcvd(),
    ),
    (
        "keepalived_address_list_errors_total",
        "Address list errors",
        |s| s.rx.addr_list_err(),
    ),
    (
        "keepalived_authentication_invalid_total",
        "Authentication invalid",
        |s| s.rx.invalid_authtype(),
    ),
    (
        "keepalived_authentication_mismatch_total",
        "Authentication mismatch",
        |s| s.rx.authtype_mismatch(),
    ),
    (
        "keepalived_authentication_failure_total",
        "Authentication failure",
        |s| s.rx.auth_failure(),
    ),
    (
        "keepalived_priority_zero_received_total",
        "Priority zero received",
        |s| s.rx.pri_zero_rcvd,
    ),
    (
        "keepalived_priority_zero_sent_total",
        "Priority zero sent",
        |s| s.priority_zero_sent,
    ),
];

/// A `reason` label and its counter.
pub type RxReason = (&'static str, fn(&RxStats) -> u64);

/// Every receive-error counter of keepalive-vrrp, one `reason` each (`RxError` variants).
pub const RX_REASONS: &[RxReason] = &[
    ("truncated", |r| r.truncated),
    ("ip_version", |r| r.ip_version),
    ("ip_header_len", |r| r.ip_header_len),
    ("ip_protocol", |r| r.ip_protocol),
    ("family_mismatch", |r| r.family_mismatch),
    ("vrid_mismatch", |r| r.vrid_mismatch),
    ("ah_presence_mismatch", |r| r.ah_presence_mismatch),
    ("length_mismatch", |r| r.length_mismatch),
    ("ttl_not_255", |r| r.ttl_not_255),
    ("version_mismatch", |r| r.version_mismatch),
    ("invalid_auth_type", |r| r.invalid_auth_type),
    ("auth_type_mismatch", |r| r.auth_type_mismatch),
    ("auth_pass_mismatch", |r| r.auth_pass_mismatch),
    ("ah_next_header", |r| r.ah_next_header),
    ("ah_icv_mismatch", |r| r.ah_icv_mismatch),
    ("ah_spi_mismatch", |r| r.ah_spi_mismatch),
    ("ah_replay", |r| r.ah_replay),
    ("adver_int_mismatch", |r| r.adver_int_mismatch),
    ("invalid_type", |r| r.invalid_type),
    ("addr_count_mismatch", |r| r.addr_count_mismatch),
    ("ip_total_length", |r| r.ip_total_length),
    ("checksum", |r| r.checksum),
    ("cast_mismatch", |r| r.cast_mismatch),
    ("vip_missing", |r| r.vip_missing),
    ("unicast_src_not_peer", |r| r.unicast_src_not_peer),
    ("ttl_out_of_range", |r| r.ttl_out_of_range),
];

/// Writes the VRRP process's families.
pub fn render(e: &mut Exposition<'_>, rows: &VrrpRows) {
    // Each instance's identifying labels, rendered once for its ~25 samples.
    let common: Vec<Labels> = rows
        .instances
        .iter()
        .map(|r| {
            Labels::new(&[
                ("iname", r.name.as_str()),
                ("intf", r.interface.as_str()),
                ("vrid", r.vrid.to_string().as_str()),
            ])
        })
        .collect();
    for (name, excluded, help) in [
        ("keepalived_vrrp_state", false, "State of vrrp"),
        (
            "keepalived_vrrp_excluded_state",
            true,
            "State of vrrp with excluded VIP",
        ),
    ] {
        e.family(name, Kind::Gauge, help);
        for (i, r) in rows.instances.iter().enumerate() {
            let list = if excluded { &r.excluded } else { &r.vips };
            for ip in list {
                e.sample_with(name, &common[i], &[("ip_address", ip)], r.state);
            }
            if !excluded && list.is_empty() {
                e.sample_with(name, &common[i], &[("ip_address", "")], r.state);
            }
        }
    }
    for (name, help, get) in EXPORTER_COUNTERS {
        e.family(name, Kind::Counter, help);
        for (i, r) in rows.instances.iter().enumerate() {
            e.sample_with(name, &common[i], &[], get(&r.stats));
        }
    }
    e.family(
        "keepalived_script_status",
        Kind::Gauge,
        "Tracker Script Status",
    );
    for s in &rows.scripts {
        e.sample(
            "keepalived_script_status",
            &[("name", s.name.as_str())],
            u8::from(s.good),
        );
    }
    e.family(
        "keepalived_script_state",
        Kind::Gauge,
        "Tracker Script State",
    );
    for s in &rows.scripts {
        e.sample(
            "keepalived_script_state",
            &[("name", s.name.as_str())],
            u8::from(s.running),
        );
    }
    e.family(
        "kad_vrrp_rx_dropped_total",
        Kind::Counter,
        "Packets an instance dropped, all reasons together.",
    );
    for (i, r) in rows.instances.iter().enumerate() {
        e.sample_with(
            "kad_vrrp_rx_dropped_total",
            &common[i],
            &[],
            r.stats.rx.dropped(),
        );
    }
    // 26 series per instance would make most of a scrape zeros (4 MB at 1,000 instances):
    // a reason appears once it has counted a packet.
    e.family(
        "kad_vrrp_rx_errors_total",
        Kind::Counter,
        "Packets an instance dropped, by keepalive-vrrp's reason (one per RxError variant; reasons not seen yet are left out).",
    );
    for (i, r) in rows.instances.iter().enumerate() {
        if r.stats.rx.dropped() == 0 {
            continue;
        }
        for (reason, get) in RX_REASONS {
            let n = get(&r.stats.rx);
            if n > 0 {
                e.sample_with(
                    "kad_vrrp_rx_errors_total",
                    &common[i],
                    &[("reason", reason)],
                    n,
                );
            }
        }
    }
    e.family(
        "kad_vrrp_transitions_total",
        Kind::Counter,
        "Changes of state of an instance.",
    );
    for (i, r) in rows.instances.iter().enumerate() {
        e.sample_with(
            "kad_vrrp_transitions_total",
            &common[i],
            &[],
            r.stats.transitions,
        );
    }
    e.family(
        "kad_vrrp_priority",
        Kind::Gauge,
        "An instance's configured (base) and advertised (effective) priority.",
    );
    for (i, r) in rows.instances.iter().enumerate() {
        e.sample_with(
            "kad_vrrp_priority",
            &common[i],
            &[("kind", "base")],
            r.base_priority,
        );
        e.sample_with(
            "kad_vrrp_priority",
            &common[i],
            &[("kind", "effective")],
            r.effective_priority,
        );
    }
    e.family(
        "kad_vrrp_tracker_priority_adjustment",
        Kind::Gauge,
        "What each tracked object adds to an instance's priority now.",
    );
    for (i, r) in rows.instances.iter().enumerate() {
        for t in &r.trackers {
            e.sample_with(
                "kad_vrrp_tracker_priority_adjustment",
                &common[i],
                &[("tracker_kind", t.kind), ("tracker", &t.name)],
                t.adjustment.unwrap_or(0),
            );
        }
    }
    e.family(
        "kad_vrrp_tracker_holds_fault",
        Kind::Gauge,
        "1 while a tracked object holds its instance in FAULT (or, not reported yet, in INIT).",
    );
    for (i, r) in rows.instances.iter().enumerate() {
        for t in &r.trackers {
            e.sample_with(
                "kad_vrrp_tracker_holds_fault",
                &common[i],
                &[("tracker_kind", t.kind), ("tracker", &t.name)],
                u8::from(t.adjustment.is_none()),
            );
        }
    }
    e.family(
        "kad_vrrp_sync_group_state",
        Kind::Gauge,
        "State of a vrrp_sync_group: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT.",
    );
    for (name, state) in &rows.groups {
        e.sample("kad_vrrp_sync_group_state", &[("group", name)], state);
    }
    e.single(
        "kad_vrrp_malformed_packets_total",
        Kind::Counter,
        "Datagrams on VRRP sockets that were not VRRP at all.",
        rows.malformed,
    );
}
