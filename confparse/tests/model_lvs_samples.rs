//! keepalived's own sample configurations with LVS blocks, read through the whole pipeline
//! (preprocessor, tree, model): each must give exactly the errors `keepalived -t` gives.

use keepalive_confparse::diag::Severity;
use keepalive_confparse::model::Config;
use keepalive_confparse::{load_tree, Options};

/// The samples, or `None` (a skip) when the shared conformance material is not here.
fn samples_dir() -> Option<std::path::PathBuf> {
    kad_skip::shared("conformance/keepalived-samples")
}

/// The LVS samples and the errors keepalived 2.2.7 reports for each (`keepalived -t -l -f
/// FILE`, run on Debian's build). Two fail: `fwmark` sets `protocol` on a fwmark service
/// ("protocol specified for fwmark - protocol will be ignored", exit 5), and `SSL_GET`'s VRRP
/// half combines `state MASTER` with AH authentication.
const SAMPLES: &[(&str, &[&str])] = &[
    ("keepalived.conf.HTTP_GET.port", &[]),
    ("keepalived.conf.IPv6", &[]),
    ("keepalived.conf.PING_CHECK", &[]),
    ("keepalived.conf.SMTP_CHECK", &[]),
    (
        "keepalived.conf.SSL_GET",
        &["incompatible with AH authentication"],
    ),
    ("keepalived.conf.UDP_CHECK", &[]),
    ("keepalived.conf.fwmark", &["protocol specified for fwmark"]),
    ("keepalived.conf.inhibit", &[]),
    ("keepalived.conf.misc_check", &[]),
    ("keepalived.conf.misc_check_arg", &[]),
    ("keepalived.conf.quorum", &[]),
    ("keepalived.conf.sample", &[]),
    ("keepalived.conf.status_code", &[]),
    ("keepalived.conf.virtual_server_group", &[]),
    ("keepalived.conf.virtualhost", &[]),
];

#[test]
fn lvs_samples_parse_as_keepalived_reads_them() {
    let Some(dir) = samples_dir() else {
        return;
    };
    let mut failures = Vec::new();
    for (name, want) in SAMPLES {
        let (nodes, mut d) = load_tree(&dir.join(name), &Options::default());
        let cfg = Config::from_tree(&nodes, &mut d);
        if cfg.lvs.virtual_servers.is_empty() {
            failures.push(format!("{name}: no virtual server read"));
        }
        let lvs_errors: Vec<String> = d
            .iter()
            .filter(|x| x.severity == Severity::Error)
            .map(|x| x.to_string())
            .collect();
        let ok = lvs_errors.len() == want.len()
            && want.iter().zip(&lvs_errors).all(|(w, e)| e.contains(w));
        if !ok {
            failures.push(format!("{name}: want {want:?}, got {lvs_errors:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
