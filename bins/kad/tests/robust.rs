//! `kad -t` must never panic, whatever it is given. The corpus holds realistic files; an
//! operator's half-written file is more like a corpus file cut short, so this feeds the parser
//! every line prefix of every corpus file and sample, plus each with one line dropped, and
//! checks that reading returns (with diagnostics) instead of panicking.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use keepalive_confparse::load::load_str;
use keepalive_confparse::Options;

fn files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    // Without the shared samples (a skip) the corpus alone is mutilated.
    let samples = kad_skip::shared("conformance/keepalived-samples");
    for dir in std::iter::once(root.join("tests/conf/corpus")).chain(samples) {
        let entries = std::fs::read_dir(&dir).expect("corpus directory");
        out.extend(entries.filter_map(Result::ok).map(|e| e.path()));
    }
    out.sort();
    out
}

#[test]
fn truncated_and_mutilated_configs_never_panic() {
    let opts = Options {
        // Fixed, so a failure reproduces.
        random_seed: Some(1),
        config_id: Some("kadtest".into()),
        ..Options::default()
    };
    let mut panics = Vec::new();
    let mut inputs = 0;
    for path in files() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        let name = path.display().to_string();
        let mut variants = Vec::new();
        for k in 0..=lines.len() {
            variants.push((format!("first {k} lines"), lines[..k].join("\n")));
        }
        for k in 0..lines.len() {
            let mut v = lines.clone();
            v.remove(k);
            variants.push((format!("line {} removed", k + 1), v.join("\n")));
        }
        for (what, variant) in variants {
            inputs += 1;
            let r = catch_unwind(AssertUnwindSafe(|| load_str(&name, &variant, &opts)));
            if r.is_err() {
                panics.push(format!("{name}: {what}"));
            }
        }
    }
    eprintln!("robust: {inputs} inputs, {} panics", panics.len());
    assert!(
        inputs > 1000,
        "too few inputs ({inputs}): is the corpus there?"
    );
    assert!(
        panics.is_empty(),
        "the parser panicked on {} input(s):\n{}",
        panics.len(),
        panics.join("\n")
    );
}
