//! SIGUSR1 in the BFD process: `keepalived_bfd.data` beside `keepalived.data`, in
//! keepalived 2.2.7's layout (`dump_global_data` then `dump_bfd_data`: "BFD Data" and
//! "BFD Topology"), less the lines that print keepalived's internal pointers.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use keepalive_bfd::{Session, State};

use super::mapping::SessionPlan;
use super::Bfdd;
use crate::vrrp::dump::{self as vdump, GlobalView, Paths};

/// `keepalived.data` with `_bfd` before its extension.
pub fn path(data: &std::path::Path) -> PathBuf {
    let name = data
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "keepalived.data".into());
    let name = match name.strip_suffix(".data") {
        Some(stem) => format!("{stem}_bfd.data"),
        None => format!("{name}_bfd"),
    };
    data.with_file_name(name)
}

fn us(d: Duration) -> u128 {
    d.as_micros()
}

fn yes(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

/// keepalived prints a session's state in these words (`BFD_STATE_STR`).
fn state_str(s: State) -> &'static str {
    s.keyword()
}

/// One `BFD Instance` block.
pub fn instance_text(
    o: &mut String,
    plan: &SessionPlan,
    s: Option<&Session>,
    now: Instant,
    wall: SystemTime,
) {
    let c = &plan.config;
    let _ = writeln!(o, " BFD Instance = {}", plan.name);
    let _ = writeln!(o, "   Neighbor IP = {}", c.peer);
    if let Some(l) = c.local {
        let _ = writeln!(o, "   Source IP = {l}");
    }
    let _ = writeln!(
        o,
        "   Required min RX interval = {} us",
        us(c.required_min_rx)
    );
    let _ = writeln!(
        o,
        "   Desired min TX interval = {} us",
        us(c.desired_min_tx)
    );
    let _ = writeln!(o, "   Desired idle TX interval = {} us", us(c.idle_tx));
    let _ = writeln!(o, "   Detection multiplier = {}", c.detect_mult);
    let _ = writeln!(
        o,
        "   {} = {}",
        if matches!(c.peer, IpAddr::V4(_)) {
            "TTL"
        } else {
            "hoplimit"
        },
        plan.ttl
    );
    let _ = writeln!(o, "   max_hops = {}", plan.max_hops);
    let _ = writeln!(o, "   passive = {}", c.passive);
    if c.multihop {
        let _ = writeln!(o, "   multihop = true");
    }
    let _ = writeln!(o, "   send event to VRRP process = {}", yes(plan.to_vrrp));
    let _ = writeln!(
        o,
        "   send event to checker process = {}",
        yes(plan.to_checker)
    );
    let Some(s) = s else {
        return;
    };
    let _ = writeln!(o, "   local state = {}", state_str(s.state()));
    let _ = writeln!(o, "   remote state = {}", state_str(s.remote_state()));
    let _ = writeln!(o, "   local discriminator = {:#010x}", s.local_discr());
    let _ = writeln!(o, "   remote discriminator = {:#010x}", s.remote_discr());
    let _ = writeln!(o, "   local diag = {}", s.local_diag());
    let _ = writeln!(o, "   remote min tx intv = {} us", us(s.remote_min_tx()));
    let _ = writeln!(o, "   remote min rx intv = {} us", us(s.remote_min_rx()));
    let _ = writeln!(o, "   local demand = 0");
    let _ = writeln!(o, "   remote demand = 0");
    let _ = writeln!(
        o,
        "   remote detect multiplier = {}",
        s.remote_detect_mult()
    );
    let _ = writeln!(o, "   local tx intv = {} us", us(s.tx_interval()));
    let _ = writeln!(o, "   local detection time = {} us", us(s.detection_time()));
    if let Some(t) = s.last_state_change() {
        let at = wall
            .checked_sub(now.saturating_duration_since(t))
            .unwrap_or(wall);
        let since = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "   last state change = {}.{:06}",
            since.as_secs(),
            since.subsec_micros()
        );
    }
    let st = s.stats();
    let _ = writeln!(o, "   packets sent = {}", st.tx);
    let _ = writeln!(o, "   packets received = {}", st.rx);
    let _ = writeln!(o, "   times up = {}", st.up);
    let _ = writeln!(o, "   times down = {}", st.down);
}

/// The VRRP process's `VRRP Track BFDs` section of `keepalived.data` (keepalived's
/// `dump_vrrp_tracked_bfd`): each `bfd_instance` some instance or sync group tracks, its
/// default weight, its last reported state, and who tracks it with which weight.
pub fn vrrp_track_text(
    config: &keepalive_confparse::model::Config,
    up: &std::collections::BTreeMap<String, bool>,
) -> String {
    let v = &config.vrrp;
    let mut o = String::new();
    for b in &config.bfd {
        let weight =
            |r: &keepalive_confparse::model::vrrp::track::TrackRef| r.weight.unwrap_or(b.weight);
        let instances: Vec<(String, i32)> = v
            .instances
            .iter()
            .flat_map(|i| {
                i.track
                    .bfds
                    .iter()
                    .filter(|r| r.name == b.name)
                    .map(|r| (i.name.clone(), weight(r)))
            })
            .chain(v.sync_groups.iter().flat_map(|g| {
                g.track
                    .bfds
                    .iter()
                    .filter(|r| r.name == b.name)
                    .map(|r| (g.name.clone(), weight(r)))
            }))
            .collect();
        if instances.is_empty() {
            continue;
        }
        if o.is_empty() {
            o.push_str("------< VRRP Track BFDs >------\n");
        }
        let _ = writeln!(o, " VRRP Track BFD = {}", b.name);
        let _ = writeln!(o, "   Weight = {}", b.weight);
        let state = if up.get(&b.name).copied().unwrap_or(false) {
            "up"
        } else {
            "down"
        };
        let _ = writeln!(o, "   Bfd is {state}");
        o.push_str("   Tracking VRRP instances :\n");
        o.push_str("   Tracking instances :\n");
        for (name, w) in instances {
            let _ = writeln!(o, "     {name}, weight {w}");
        }
    }
    o
}

/// Inserts `section` into a `keepalived.data` text where keepalived prints it: before the
/// `Interfaces` block, else at the end.
pub fn insert_before_interfaces(data: &mut String, section: &str) {
    match data.find("------< Interfaces >------") {
        Some(at) => data.insert_str(at, section),
        None => data.push_str(section),
    }
}

/// The whole file.
fn text(d: &Bfdd<'_>) -> String {
    let mut o = vdump::global_text(&GlobalView {
        config: &d.config,
        umask: 0o177,
        script_security: d.config.global.enable_script_security,
    });
    o.push_str("------< BFD Data >------\n");
    let _ = writeln!(o, " receive sockets = {}", d.rx.len());
    let _ = writeln!(o, " unusable datagrams = {}", d.stats.unusable);
    let _ = writeln!(o, " send errors = {}", d.stats.tx_errors);
    if let Some(p) = &d.publisher {
        let _ = writeln!(o, " events dropped (receiver full) = {}", p.dropped);
    }
    let c = d.sessions.counters();
    let _ = writeln!(o, " packets accepted = {}", c.accepted);
    let _ = writeln!(o, " packets rejected = {}", c.dropped());
    for (why, n) in c.iter().filter(|(_, n)| *n > 0) {
        let _ = writeln!(o, "   {why} = {n}");
    }
    o.push_str("------< BFD Topology >------\n");
    let (now, wall) = (Instant::now(), SystemTime::now());
    for a in d.active.values() {
        instance_text(&mut o, &a.plan, d.sessions.session(a.id), now, wall);
    }
    o
}

/// Writes the dump file. Success is not logged: keepalived's BFD child logs only its
/// `Printing BFD data for process(N) on signal` line, which the caller has written.
pub(super) fn write(d: &Bfdd<'_>) {
    let file = path(&Paths::for_config(&d.config).data);
    if let Err(e) = vdump::write_atomically(&file, &text(d)) {
        log_err!("Cannot write {}: {e}", file.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vrrp_section_matches_keepalived() {
        let text = "bfd_instance b1 {\n neighbor_ip 192.0.2.2\n}\n\
                    bfd_instance b2 {\n neighbor_ip 192.0.2.3\n}\n\
                    vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n \
                    priority 100\n track_bfd {\n  b1\n }\n virtual_ipaddress {\n  192.0.2.100\n }\n}\n";
        let loaded = keepalive_confparse::load::load_str(
            "t.conf",
            text,
            &keepalive_confparse::Options::default(),
        );
        let up = [("b1".to_owned(), true)].into_iter().collect();
        // keepalived 2.2.7's own lines for this configuration, with b1 up.
        assert_eq!(
            vrrp_track_text(&loaded.config, &up),
            "------< VRRP Track BFDs >------\n VRRP Track BFD = b1\n   Weight = 0\n   \
             Bfd is up\n   Tracking VRRP instances :\n   Tracking instances :\n     VI_1, weight 0\n"
        );
        let mut data = "a\n------< Interfaces >------\nb\n".to_owned();
        insert_before_interfaces(&mut data, "X\n");
        assert_eq!(data, "a\nX\n------< Interfaces >------\nb\n");
    }

    #[test]
    fn file_name_follows_keepalived() {
        assert_eq!(
            path(std::path::Path::new("/tmp/keepalived.data")),
            PathBuf::from("/tmp/keepalived_bfd.data")
        );
        assert_eq!(
            path(std::path::Path::new("/tmp/keepalived.ns_i.data")),
            PathBuf::from("/tmp/keepalived.ns_i_bfd.data")
        );
    }
}
