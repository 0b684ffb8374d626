//! Fuzzes the keepalived.conf pipeline: arbitrary text must never panic, hang or blow up
//! memory in the preprocessor (`include` disabled, expansion budget lowered), the brace
//! matcher, or the typed model.
#![no_main]

use keepalive_confparse::model::Config;
use keepalive_confparse::{load_tree_str, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = Options {
        config_id: Some("fuzz".into()),
        random_seed: Some(0),
        max_expanded_lines: 5_000,
        max_expanded_bytes: 64 << 10,
        read_includes: false,
        ..Options::default()
    };
    let (nodes, mut diags) = load_tree_str("fuzz.conf", &text, &opts);
    let _ = Config::from_tree(&nodes, &mut diags);
});
