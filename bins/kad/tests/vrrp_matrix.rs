//! The VRRP interoperability matrix, on the wire: kad against Debian's keepalived 2.2.7 and
//! FRR 8.4's vrrpd, one cell per combination of version, family, transport, authentication,
//! VMAC, peer and kad's role (see `matrix::cell` for the combinations a peer cannot run).
//!
//! `vrrp_matrix` is ignored by `cargo test`: `scripts/test.d/vrrp-matrix.sh` (CI) runs a
//! subset chosen by a seed — the day number unless `VRRP_MATRIX_SEED` is set, printed
//! either way — always including a keepalived cell of each version and an FRR cell;
//! `scripts/vrrp-matrix.sh --full` runs every cell and rewrites the README's table.
//!
//! Environment: `VRRP_MATRIX=full` (every cell), `VRRP_MATRIX_SEED`, `VRRP_MATRIX_COUNT`
//! (cells in a subset, default 6), `VRRP_MATRIX_FILTER` (comma-separated substrings of cell
//! names such as `v3-ipv6-mcast-noauth-vmac-frr-kadbackup`), `VRRP_MATRIX_TABLE` (file to
//! write the Markdown table to), `VRRP_MATRIX_KEEP` (keep every cell's capture; a failed
//! cell's is always kept).
//!
//! Needs root, keepalived, FRR and tshark: without them it prints SKIP and passes, except
//! under `CI=true`, where it fails.

#[allow(dead_code)]
mod e2e;
mod frr_vrrpd;
mod matrix;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use e2e::router::Kind;
use matrix::cell::{self, Cell};
use matrix::{garp, run, table};

/// SKIP (or, under CI=true, fail) when the matrix cannot run here.
fn can_run() -> bool {
    let mut missing = Vec::new();
    if !nix::unistd::geteuid().is_root() {
        missing.push("root");
    }
    if !Kind::Keepalived.available() {
        missing.push("keepalived");
    }
    if !frr_vrrpd::available() {
        missing.push("FRR (zebra, vrrpd, vtysh)");
    }
    if !e2e::capture::available() {
        missing.push("tshark");
    }
    if missing.is_empty() {
        return true;
    }
    kad_skip::skip(format!("vrrp_matrix: missing {missing:?}"));
    false
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The cells this run covers (indices into [`Cell::all`]).
fn chosen(all: &[Cell]) -> Vec<usize> {
    if let Some(f) = env("VRRP_MATRIX_FILTER") {
        let pats: Vec<&str> = f.split(',').collect();
        return (0..all.len())
            .filter(|i| pats.iter().any(|p| all[*i].to_string().contains(p)))
            .collect();
    }
    if env("VRRP_MATRIX").as_deref() == Some("full") {
        return (0..all.len()).collect();
    }
    let day = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    let seed = env("VRRP_MATRIX_SEED")
        .and_then(|s| s.parse().ok())
        .unwrap_or(day);
    let count = env("VRRP_MATRIX_COUNT")
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    eprintln!(
        "vrrp_matrix: subset of {count} cells, seed {seed} (VRRP_MATRIX_SEED={seed} repeats it)"
    );
    cell::subset(all, seed, count)
}

#[test]
#[ignore = "slow: scripts/test.d/vrrp-matrix.sh and scripts/vrrp-matrix.sh run it"]
fn vrrp_matrix() {
    if !can_run() {
        return;
    }
    let all = Cell::all();
    let picked = chosen(&all);
    eprintln!("vrrp_matrix: {} of {} cells", picked.len(), all.len());
    let started = Instant::now();
    let mut results = Vec::new();
    for i in picked {
        let c = all[i];
        let t0 = Instant::now();
        // A harness panic (a tool that would not start) fails this cell, not the whole run.
        let out =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run::run(&c, c.vrid(i))))
                .unwrap_or_else(|p| {
                    Err(p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_else(|| "the cell panicked".to_owned()))
                });
        match &out {
            Ok(f) => eprintln!(
                "CELL {c} ok: failover after SIGKILL {:.2} s, after SIGTERM {:.2} s \
                 ({} s from the priority-0 advert), preemption {:.2} s ({:.0} s)",
                f.kill.as_secs_f64(),
                f.term.as_secs_f64(),
                f.after_zero.map_or("?".to_owned(), |z| format!("{z:.2}")),
                f.preempt.as_secs_f64(),
                t0.elapsed().as_secs_f64()
            ),
            Err(e) => eprintln!("CELL {c} FAILED:\n{e}\n"),
        }
        results.push((c, out));
    }
    let md = table::markdown(&results);
    let mut notes = String::new();
    if let Some(why) = results
        .iter()
        .find_map(|(c, r)| r.as_ref().err().and(c.known_issue()))
    {
        notes.push_str(&format!("\n¹ {why}\n"));
    }
    notes.push_str("\nCells not in the table:\n");
    for why in Cell::exclusions() {
        notes.push_str(&format!("- {why}\n"));
    }
    eprintln!("{md}{notes}");
    if let Some(path) = env("VRRP_MATRIX_TABLE") {
        std::fs::write(&path, format!("{md}{notes}")).expect("write table");
    }
    let failed: Vec<String> = results
        .iter()
        .filter(|(c, r)| r.is_err() && c.known_issue().is_none())
        .map(|(c, _)| c.to_string())
        .collect();
    eprintln!(
        "vrrp_matrix: {} cells, {} failed, {:.0} s",
        results.len(),
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failed.is_empty(), "failed cells: {failed:?}");
}

/// kad's gratuitous ARPs and unsolicited NAs on becoming master, with and without VMAC, are
/// keepalived's: same frames, same bursts (`matrix::garp`).
#[test]
#[ignore = "slow: scripts/test.d/vrrp-matrix.sh and scripts/vrrp-matrix.sh run it"]
fn garp_and_na_as_keepalived_sends_them() {
    if !can_run() {
        return;
    }
    for vmac in [false, true] {
        let want = garp::frames(Kind::Keepalived, vmac).expect("keepalived");
        let got = garp::frames(Kind::Kad, vmac).expect("kad");
        eprintln!("use_vmac {vmac}: keepalived sends\n{want}kad sends\n{got}");
        assert!(!want.is_empty(), "keepalived sent no GARP or NA");
        assert_eq!(
            got, want,
            "use_vmac {vmac}: kad's GARP/NA differ from keepalived's"
        );
    }
}
