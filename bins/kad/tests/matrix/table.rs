//! The README's interoperability table, from a run's results: one row per combination of
//! version, family, transport, authentication and VMAC, one column per peer and kad role.

use std::fmt::Write as _;

use super::cell::{Auth, Cell, Peer};
use super::run::Figures;

/// A cell's outcome.
pub type Outcome = Result<Figures, String>;

fn secs(d: std::time::Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// Markdown for `results` (cells in [`Cell::all`] order).
pub fn markdown(results: &[(Cell, Outcome)]) -> String {
    let columns: Vec<(Peer, bool)> = [Peer::Keepalived, Peer::Frr]
        .into_iter()
        .flat_map(|p| [(p, true), (p, false)])
        .collect();
    let mut rows: Vec<String> = Vec::new();
    for (c, _) in results {
        if !rows.contains(&c.row()) {
            rows.push(c.row());
        }
    }
    let mut s = String::from("| version | family | transport | auth | VMAC |");
    for (p, m) in &columns {
        let probe = Cell {
            version: 3,
            v6: false,
            unicast: false,
            auth: Auth::None,
            vmac: false,
            peer: *p,
            kad_master: *m,
        };
        let _ = write!(s, " {} |", probe.column());
    }
    s.push_str("\n|---|---|---|---|---|");
    s.push_str(&"---|".repeat(columns.len()));
    s.push('\n');
    for row in &rows {
        let _ = write!(s, "| {row} |");
        for (p, m) in &columns {
            let found = results
                .iter()
                .find(|(c, _)| c.row() == *row && c.peer == *p && c.kad_master == *m);
            let text = match found {
                Some((_, Ok(f))) => format!("✓ {} / {}", secs(f.kill), secs(f.term)),
                Some((c, Err(_))) if c.known_issue().is_some() => "✗ peer fault ¹".to_owned(),
                Some((_, Err(_))) => "✗ failed".to_owned(),
                None => "—".to_owned(),
            };
            let _ = write!(s, " {text} |");
        }
        s.push('\n');
    }
    s
}
