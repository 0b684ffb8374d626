//! Arbitrary text never panics the preprocessor or the brace matcher, always terminates, and
//! every token's location points into the input.

use keepalive_confparse::{load_tree_str, Options};
use proptest::prelude::*;

fn opts() -> Options {
    Options {
        config_id: Some("main".into()),
        random_seed: Some(3),
        max_expanded_lines: 5_000,
        read_includes: false,
        ..Options::default()
    }
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn structured_text_never_panics(text in config_text()) {
        let (nodes, _diags) = load_tree_str("p.conf", &text, &opts());
        let lines = text.lines().count() as u32 + 1;
        fn walk(n: &[keepalive_confparse::tree::Node], lines: u32) {
            for n in n {
                for t in std::iter::once(&n.keyword).chain(&n.args) {
                    assert!(t.loc.line >= 1 && t.loc.line <= lines, "{:?}", t.loc);
                    assert!(t.loc.col >= 1);
                }
                walk(n.children(), lines);
            }
        }
        walk(&nodes, lines);
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = load_tree_str("p.conf", &text, &opts());
    }

    #[test]
    fn self_referencing_parameters_terminate(
        name in "[A-Z]{1,3}",
        body in "[a-z ]{0,5}",
        n in 1usize..4,
    ) {
        let refs = format!("${{{name}}}").repeat(n);
        let text = format!("${name}={body}{refs}\nk ${{{name}}}\n");
        let (_, diags) = load_tree_str("p.conf", &text, &opts());
        // Either the recursion limit or the line length stops it.
        prop_assert!(!diags.is_empty());
    }
}
