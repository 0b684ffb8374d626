//! Arbitrary text never panics the preprocessor or the brace matcher, always terminates, and
//! every token's location points into the input.
//!
//! The options bound expansion tightly, so a case needs a few megabytes at most. In case a
//! future change lets some input escape those bounds (one input once took the CI machine's
//! 24 GB), each test runs its cases in a child process with a limited address space: such a
//! case then fails the test with an allocation failure instead of exhausting the machine.

use std::process::Command;

use keepalive_confparse::{load_tree_str, Options};
use proptest::prelude::*;

fn opts() -> Options {
    Options {
        config_id: Some("main".into()),
        random_seed: Some(3),
        max_expanded_lines: 5_000,
        max_expanded_bytes: 64 << 10,
        read_includes: false,
        ..Options::default()
    }
}

/// Set in the child process that runs the cases.
const CHILD: &str = "KAD_PREPROCESS_PROPTEST_CHILD";
/// The child's address space, in KiB (`ulimit -v`): far above what a bounded case uses.
const CHILD_LIMIT_KIB: u32 = 1 << 20;

/// In the test process, run `test` again in a child of this binary under `ulimit -v` and
/// assert that it passed; returns false. In that child, returns true: run the cases.
fn in_limited_child(test: &str) -> bool {
    if std::env::var_os(CHILD).is_some() {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {CHILD_LIMIT_KIB} && exec \"$0\" \"$@\""))
        .arg(exe)
        .args(["--exact", test, "--test-threads=1", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .expect("sh runs the test binary");
    assert!(
        out.status.success(),
        "{test} failed in its memory-limited child ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    false
}

/// Text built from the preprocessor's special characters and keywords, so that the
/// interesting paths (definitions, loops, quotes, braces) are actually reached.
fn config_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("$A=".to_owned()),
        Just("$B=x \\".to_owned()),
        Just("${A}".to_owned()),
        Just("$A".to_owned()),
        Just("$B".to_owned()),
        Just("${_RANDOM 1 9}".to_owned()),
        Just("${_HASH}".to_owned()),
        Just("~SEQ(I,1,3) ".to_owned()),
        Just("~SEQx(J,0x1,2) ".to_owned()),
        Just("~LST({I,J},{1,2},{3}) ".to_owned()),
        Just("${I}".to_owned()),
        Just("@main ".to_owned()),
        Just("@^main ".to_owned()),
        Just("include x ".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("\\".to_owned()),
        Just("#".to_owned()),
        Just("!".to_owned()),
        Just(" ".to_owned()),
        Just("\n".to_owned()),
        "[a-z0-9_,()=$]{0,6}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

/// 512 cases, unless `PROPTEST_CASES` asks for another number (an explicit `cases` would
/// otherwise override it).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok());
    ProptestConfig {
        cases: cases.unwrap_or(512),
        ..ProptestConfig::default()
    }
}

/// Every token of `nodes` is located inside a text of `lines` lines.
fn assert_located(nodes: &[keepalive_confparse::tree::Node], lines: u32) {
    for n in nodes {
        for t in std::iter::once(&n.keyword).chain(&n.args) {
            assert!(t.loc.line >= 1 && t.loc.line <= lines, "{:?}", t.loc);
            assert!(t.loc.col >= 1);
        }
        assert_located(n.children(), lines);
    }
}

#[test]
fn structured_text_never_panics() {
    if !in_limited_child("structured_text_never_panics") {
        return;
    }
    proptest!(config(), |(text in config_text())| {
        let (nodes, _diags) = load_tree_str("p.conf", &text, &opts());
        assert_located(&nodes, text.lines().count() as u32 + 1);
    });
}

/// A case of [`config_text`] that grew without bound before substituted text re-read after
/// a brace counted against the expansion limits: its `${A}` refers to itself around braces.
#[test]
fn structured_text_brace_reexpansion_is_bounded() {
    if !in_limited_child("structured_text_brace_reexpansion_is_bounded") {
        return;
    }
    let text = "}$A={${A}${_RANDOM 1 9}j=$r(\"'${_RANDOM 1 9}$A=include x ${I}${I}{$A${I}${A}\
                ~SEQx(J,0x1,2) 5${_RANDOM 1 9}#~SEQ(I,1,3) \n'$B=x \\\n\n} ${_RANDOM 1 9}\
                ~SEQx(J,0x1,2) !${_HASH}${A}@main \\\n${A}${_RANDOM 1 9}!}\\\\${I}${A}$B";
    let start = std::time::Instant::now();
    let (nodes, diags) = load_tree_str("p.conf", text, &opts());
    assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
    assert_located(&nodes, text.lines().count() as u32 + 1);
    let limit: Vec<String> = diags
        .iter()
        .filter(|d| d.message.contains("expansion too large"))
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        limit,
        ["p.conf:5:1: error: ~SEQ/~LST/multi-line parameter expansion too large: more than 5000 lines"]
    );
    assert!(diags.len() < 20_000, "{} diagnostics", diags.len());
}

#[test]
fn arbitrary_text_never_panics() {
    if !in_limited_child("arbitrary_text_never_panics") {
        return;
    }
    proptest!(config(), |(text in any::<String>())| {
        let _ = load_tree_str("p.conf", &text, &opts());
    });
}

#[test]
fn self_referencing_parameters_terminate() {
    if !in_limited_child("self_referencing_parameters_terminate") {
        return;
    }
    proptest!(config(), |(name in "[A-Z]{1,3}", body in "[a-z ]{0,5}", n in 1usize..4)| {
        let refs = format!("${{{name}}}").repeat(n);
        let text = format!("${name}={body}{refs}\nk ${{{name}}}\n");
        let (_, diags) = load_tree_str("p.conf", &text, &opts());
        // Either the recursion limit or the line length stops it.
        prop_assert!(!diags.is_empty());
    });
}
