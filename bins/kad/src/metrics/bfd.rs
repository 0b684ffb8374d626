//! The BFD process's families: each session's state, detection time, flaps and traffic, and
//! the endpoint's receive errors by RFC 5880 §6.8.6 check.

use keepalive_bfd::{Sessions, State};

use super::text::{Exposition, Kind};

/// One session as a scrape shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    /// `bfd_instance` name.
    pub name: String,
    /// `neighbor_ip`.
    pub neighbor: String,
    /// RFC 5880 state number: 0 AdminDown, 1 Down, 2 Init, 3 Up.
    pub state: u8,
    /// Detection time now (§6.8.4), in seconds.
    pub detection_seconds: f64,
    /// Transitions to Up.
    pub ups: u64,
    /// Transitions from Up (flaps).
    pub downs: u64,
    /// Packets sent.
    pub tx: u64,
    /// Packets accepted.
    pub rx: u64,
}

/// What the BFD process shows.
#[derive(Debug, Clone, Default)]
pub struct BfdRows {
    /// Each configured session.
    pub sessions: Vec<SessionRow>,
    /// Packets accepted by the endpoint.
    pub accepted: u64,
    /// Drops by `RxError` name.
    pub drops: Vec<(&'static str, u64)>,
}

fn state_num(s: State) -> u8 {
    match s {
        State::AdminDown => 0,
        State::Down => 1,
        State::Init => 2,
        State::Up => 3,
    }
}

/// The rows of the running sessions: `named` gives each configured session's id, name and
/// neighbour.
pub fn rows<'a>(
    sessions: &Sessions,
    named: impl Iterator<Item = (keepalive_bfd::SessionId, &'a str, String)>,
) -> BfdRows {
    let rows = named
        .filter_map(|(id, name, neighbor)| {
            let s = sessions.session(id)?;
            let st = s.stats();
            Some(SessionRow {
                name: name.to_owned(),
                neighbor,
                state: state_num(s.state()),
                detection_seconds: s.detection_time().as_secs_f64(),
                ups: st.up,
                downs: st.down,
                tx: st.tx,
                rx: st.rx,
            })
        })
        .collect();
    let c = sessions.counters();
    BfdRows {
        sessions: rows,
        accepted: c.accepted,
        drops: c.iter().collect(),
    }
}

fn labels(s: &SessionRow) -> [(&'static str, &str); 2] {
    [("instance", &s.name), ("neighbor", &s.neighbor)]
}

/// Writes the BFD process's families.
pub fn render(e: &mut Exposition<'_>, rows: &BfdRows) {
    e.family(
        "kad_bfd_session_state",
        Kind::Gauge,
        "A BFD session's state (RFC 5880 §4.1): 0 AdminDown, 1 Down, 2 Init, 3 Up.",
    );
    for s in &rows.sessions {
        e.sample("kad_bfd_session_state", &labels(s), s.state);
    }
    e.family(
        "kad_bfd_session_detection_time_seconds",
        Kind::Gauge,
        "A BFD session's detection time now (RFC 5880 §6.8.4).",
    );
    for s in &rows.sessions {
        e.sample(
            "kad_bfd_session_detection_time_seconds",
            &labels(s),
            s.detection_seconds,
        );
    }
    for (name, help, get) in [
        (
            "kad_bfd_session_up_total",
            "Transitions of a BFD session to Up.",
            (|s: &SessionRow| s.ups) as fn(&SessionRow) -> u64,
        ),
        (
            "kad_bfd_session_flaps_total",
            "Transitions of a BFD session from Up to Down or AdminDown.",
            |s| s.downs,
        ),
        (
            "kad_bfd_session_tx_packets_total",
            "BFD control packets a session sent.",
            |s| s.tx,
        ),
        (
            "kad_bfd_session_rx_packets_total",
            "BFD control packets a session accepted.",
            |s| s.rx,
        ),
    ] {
        e.family(name, Kind::Counter, help);
        for s in &rows.sessions {
            e.sample(name, &labels(s), get(s));
        }
    }
    e.single(
        "kad_bfd_rx_accepted_total",
        Kind::Counter,
        "BFD packets that passed every check.",
        rows.accepted,
    );
    e.family(
        "kad_bfd_rx_errors_total",
        Kind::Counter,
        "BFD packets dropped, by keepalive-bfd's reason (one per RxError variant).",
    );
    for (reason, n) in &rows.drops {
        e.sample("kad_bfd_rx_errors_total", &[("reason", reason)], n);
    }
}
