//! keepalived's own sample configurations that use the VRRP side: kad's verdict (any error or
//! none, interfaces checked against this host) must be keepalived's.
//!
//! The expected verdicts below were taken from `keepalived -t -l -f SAMPLE` (2.2.7) on a host
//! with only `lo` and `eth0`; `samples_match_keepalived` re-checks them against the installed
//! keepalived, run in a network namespace holding just those two interfaces, so the verdicts
//! do not depend on this host's. Each sample is read with `load_tree` (the real preprocessor).

use std::path::{Path, PathBuf};

#[path = "common/keepalived.rs"]
mod keepalived;

use keepalive_confparse::diag::Diagnostics;
use keepalive_confparse::model::script::check_script_security;
use keepalive_confparse::model::vrrp::check_interfaces;
use keepalive_confparse::model::Config;

/// (sample, keepalived -t fails on it here, a message kad must give when it fails).
const SAMPLES: &[(&str, bool, &str)] = &[
    ("keepalived.conf.sample", false, ""),
    ("keepalived.conf.vrrp.scripts", false, ""),
    ("keepalived.conf.conditional_conf", true, "no script set"),
    ("keepalived.conf.SSL_GET", true, "incompatible with AH"),
    ("keepalived.conf.track_interface", true, "doesn't exist"),
    (
        "keepalived.conf.vrrp",
        true,
        "interface eth1 for vrrp_instance VI_3",
    ),
    ("keepalived.conf.vrrp.localcheck", true, "doesn't exist"),
    (
        "keepalived.conf.vrrp.lvs_syncd",
        true,
        "unknown keyword 'VI_2'",
    ),
    ("keepalived.conf.vrrp.routes", true, "cannot track route"),
    ("keepalived.conf.vrrp.rules", true, "no preference"),
    (
        "keepalived.conf.vrrp.static_ipaddress",
        true,
        "cannot track route",
    ),
    ("keepalived.conf.vrrp.sync", true, "doesn't exist"),
];

/// The samples, or `None` (a skip) when the shared conformance material is not here.
fn dir() -> Option<PathBuf> {
    kad_skip::shared("conformance/keepalived-samples")
}

/// The interfaces of the host the verdicts were taken on.
fn iface_exists(name: &str) -> bool {
    matches!(name, "lo" | "eth0")
}

/// Whether `name` is a user in this host's /etc/passwd.
fn user_exists(name: &str) -> bool {
    std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(':').next() == Some(name))
}

fn kad(path: &Path) -> Diagnostics {
    let (nodes, mut d) =
        keepalive_confparse::load_tree(path, &keepalive_confparse::Options::default());
    let cfg = Config::from_tree(&nodes, &mut d);
    check_interfaces(&cfg.vrrp, &cfg.global, &iface_exists, &mut d);
    check_script_security(&cfg, &user_exists, &|p| Path::new(p).exists(), &mut d);
    d
}

#[test]
fn samples_get_keepalived_verdicts() {
    let Some(dir) = dir() else {
        return;
    };
    let mut failures = Vec::new();
    for (name, fails, needle) in SAMPLES {
        let d = kad(&dir.join(name));
        let errs: Vec<String> = d
            .iter()
            .filter(|x| x.severity == keepalive_confparse::diag::Severity::Error)
            .map(|x| x.to_string())
            .collect();
        let ok = if *fails {
            errs.iter().any(|e| e.contains(needle))
        } else {
            errs.is_empty()
        };
        if !ok {
            failures.push(format!(
                "{name}: want fails={fails} ({needle}), errors: {errs:#?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn samples_match_keepalived() {
    let (Some(dir), Some(keepalived)) = (dir(), keepalived::Keepalived::with_eth0_only()) else {
        return;
    };
    let mut failures = Vec::new();
    for (name, _, _) in SAMPLES {
        let path = dir.join(name);
        let out = keepalived
            .command(&["-t", "-l", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        let kad_fails = kad(&path).has_errors();
        if out.status.success() == kad_fails {
            failures.push(format!(
                "{name}: keepalived exit {:?}, kad errors: {kad_fails}\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
