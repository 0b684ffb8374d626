//! Diagnostics by severity, and assertions on them, for the model tests.
#![allow(dead_code)]

use keepalive_confparse::diag::{Diagnostics, Severity};

/// Messages of the given severity.
pub fn msgs(d: &Diagnostics, sev: Severity) -> Vec<String> {
    d.iter()
        .filter(|x| x.severity == sev)
        .map(|x| x.message.clone())
        .collect()
}

/// Error messages.
pub fn errors(d: &Diagnostics) -> Vec<String> {
    msgs(d, Severity::Error)
}

/// Warning messages.
pub fn warnings(d: &Diagnostics) -> Vec<String> {
    msgs(d, Severity::Warning)
}

/// Assert exactly one error, containing `needle`.
#[track_caller]
pub fn one_error(d: &Diagnostics, needle: &str) {
    let e = errors(d);
    assert!(
        e.len() == 1 && e[0].contains(needle),
        "expected one error containing {needle:?}, got {e:#?}"
    );
}

/// Assert no errors.
#[track_caller]
pub fn no_errors(d: &Diagnostics) {
    let e: Vec<String> = d
        .iter()
        .filter(|x| x.severity == Severity::Error)
        .map(|x| x.to_string())
        .collect();
    assert!(e.is_empty(), "unexpected errors: {e:#?}");
}
