//! The keepalived oracle: for every configuration in the corpus (`tests/conf/corpus/*.conf`) and
//! every conformance sample (`../shared/conformance/keepalived-samples/*`), `kad -t` must accept
//! exactly what `keepalived -t` accepts and reject exactly what it rejects.
//!
//! keepalived is run live, so the verdicts come from the very binary installed on this machine.
//! When keepalived is not installed the test says so loudly and compares with the verdicts
//! recorded in `tests/conf/verdicts.txt` (by `scripts/oracle-verdicts.sh`) instead.
//!
//! On a disagreement the test prints a table with kad's diagnostics and keepalived's complaints
//! side by side, so whoever owns the model can see what to change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Exit code of a Rust program that panicked in `main`.
const PANIC_EXIT: i32 = 101;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// Every configuration to compare, as paths relative to the repository root (as keepalived and
/// kad are run from there, and as the manifest names them).
fn corpus(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for (dir, only_conf) in [
        ("tests/conf/corpus", true),
        ("../shared/conformance/keepalived-samples", false),
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            kad_skip::skip(format!("{dir} not found: its files are not compared"));
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !only_conf || n.ends_with(".conf"))
            .collect();
        names.sort();
        files.extend(names.into_iter().map(|n| format!("{dir}/{n}")));
    }
    files
}

/// `path -> exit code` from tests/conf/verdicts.txt.
fn manifest(root: &Path) -> BTreeMap<String, i32> {
    let text = std::fs::read_to_string(root.join("tests/conf/verdicts.txt"))
        .expect("tests/conf/verdicts.txt (run scripts/oracle-verdicts.sh)");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let path = w.next()?.to_owned();
            let verdict = w.next()?;
            let code = w
                .next()
                .and_then(|c| c.parse().ok())
                .unwrap_or(match verdict {
                    "accept" => 0,
                    _ => 1,
                });
            Some((path, code))
        })
        .collect()
}

/// keepalived on `PATH`; without it, a skip of the live comparison (a failure under `CI=true`).
fn keepalived() -> Option<String> {
    let bin = kad_skip::find_program("keepalived")?;
    let ok = Command::new(&bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then(|| bin.to_string_lossy().into_owned())
}

fn run(root: &Path, program: &str, args: &[&str]) -> (Output, Duration) {
    let t0 = Instant::now();
    let out = Command::new(program)
        .args(args)
        .current_dir(root)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    (out, t0.elapsed())
}

/// keepalived's complaints without its start-up chatter.
fn keepalived_complaints(stderr: &[u8]) -> Vec<String> {
    const CHATTER: &[&str] = &[
        "Starting Keepalived",
        "Running on ",
        "Command line:",
        "Configuration file ",
        "Opening file",
        "NOTICE:",
        "WARNING - keepalived was built",
        "Script user",
        "Unable to set realtime priority",
        "Stopped",
    ];
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| !CHATTER.iter().any(|c| l.contains(c)))
        .map(str::to_owned)
        .collect()
}

struct Row {
    path: String,
    keepalived: i32,
    kad: i32,
    kad_says: Vec<String>,
    keepalived_says: Vec<String>,
}

fn verdict(code: i32) -> &'static str {
    if code == 0 {
        "accept"
    } else {
        "reject"
    }
}

#[test]
fn kad_agrees_with_keepalived_on_every_corpus_file() {
    let root = repo_root();
    let files = corpus(&root);
    assert!(
        files.len() >= 60,
        "the corpus should hold at least 60 files, found {}",
        files.len()
    );
    let recorded = manifest(&root);
    let keepalived = keepalived();
    let live = keepalived.is_some();
    if !live {
        kad_skip::skip("keepalived not installed: only the recorded verdicts are compared");
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !!! oracle: keepalived is NOT installed: comparing with tests/conf/verdicts.txt  !!!\n\
             !!! instead of a live run. Install it (scripts/deps.sh) for the real oracle.     !!!\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
    }
    let kad = env!("CARGO_BIN_EXE_kad");

    let mut crashes = Vec::new();
    let mut disagreements = Vec::new();
    let mut drift = Vec::new();
    let mut unrecorded = Vec::new();
    let mut agreed = 0;
    for path in &files {
        let (kad_out, kad_time) = run(&root, kad, &["-t", "-f", path]);
        let kad_code = match kad_out.status.code() {
            Some(PANIC_EXIT) | None => {
                crashes.push(format!(
                    "{path}: kad died ({}) after {kad_time:?}\n{}",
                    kad_out.status,
                    String::from_utf8_lossy(&kad_out.stderr)
                ));
                continue;
            }
            Some(c) => c,
        };
        let (ka_code, ka_says) = if live {
            let (out, _) = run(
                &root,
                keepalived.as_deref().unwrap_or("keepalived"),
                &["-t", "-l", "-f", path],
            );
            let code = out.status.code().unwrap_or(-1);
            if let Some(&rec) = recorded.get(path) {
                if (rec == 0) != (code == 0) {
                    drift.push(format!(
                        "{path}: recorded {} ({rec}), live keepalived {} ({code})",
                        verdict(rec),
                        verdict(code)
                    ));
                }
            }
            (code, keepalived_complaints(&out.stderr))
        } else {
            match recorded.get(path) {
                Some(&c) => (c, vec!["(recorded verdict)".to_owned()]),
                None => {
                    unrecorded.push(path.clone());
                    continue;
                }
            }
        };
        if !recorded.contains_key(path) && live {
            unrecorded.push(path.clone());
        }
        if (ka_code == 0) == (kad_code == 0) {
            agreed += 1;
        } else {
            disagreements.push(Row {
                path: path.clone(),
                keepalived: ka_code,
                kad: kad_code,
                kad_says: String::from_utf8_lossy(&kad_out.stderr)
                    .lines()
                    .map(str::to_owned)
                    .collect(),
                keepalived_says: ka_says,
            });
        }
    }

    eprintln!(
        "oracle: {} files, {agreed} agree, {} disagree, {} crashes ({})",
        files.len(),
        disagreements.len(),
        crashes.len(),
        if live {
            "live keepalived"
        } else {
            "recorded verdicts"
        }
    );
    if !drift.is_empty() {
        eprintln!(
            "oracle: tests/conf/verdicts.txt is stale (run scripts/oracle-verdicts.sh):\n  {}",
            drift.join("\n  ")
        );
    }
    if !unrecorded.is_empty() {
        eprintln!(
            "oracle: not in tests/conf/verdicts.txt (run scripts/oracle-verdicts.sh):\n  {}",
            unrecorded.join("\n  ")
        );
    }
    if !disagreements.is_empty() {
        eprintln!("\n{:<70} {:>10} {:>10}", "file", "keepalived", "kad");
        for r in &disagreements {
            eprintln!(
                "{:<70} {:>10} {:>10}",
                r.path,
                format!("{} {}", verdict(r.keepalived), r.keepalived),
                format!("{} {}", verdict(r.kad), r.kad)
            );
        }
        eprintln!();
        for r in &disagreements {
            eprintln!("--- {}", r.path);
            for l in r.keepalived_says.iter().take(8) {
                eprintln!("    keepalived: {l}");
            }
            if r.kad_says.is_empty() {
                eprintln!("    kad: (nothing)");
            }
            for l in r.kad_says.iter().take(12) {
                eprintln!("    kad: {l}");
            }
        }
    }
    assert!(
        crashes.is_empty(),
        "kad crashed on {} file(s):\n{}",
        crashes.len(),
        crashes.join("\n")
    );
    assert!(
        disagreements.is_empty(),
        "kad -t and keepalived -t disagree on {} of {} files (table above)",
        disagreements.len(),
        files.len()
    );
}

/// Every corpus file must have a recorded verdict, so the manifest documents the whole corpus.
#[test]
fn manifest_covers_the_corpus() {
    let root = repo_root();
    let recorded = manifest(&root);
    let missing: Vec<String> = corpus(&root)
        .into_iter()
        .filter(|p| p.starts_with("tests/") && !recorded.contains_key(p))
        .collect();
    assert!(
        missing.is_empty(),
        "run scripts/oracle-verdicts.sh; no verdict for:\n{}",
        missing.join("\n")
    );
}
