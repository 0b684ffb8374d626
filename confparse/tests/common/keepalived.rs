//! Running the real `keepalived -t` on a test case, for the verdict tables.
#![allow(dead_code)]

use std::path::Path;

/// What `keepalived -t -l` says of `text`, written to `dir/case{i}.conf`: whether it accepted
/// the configuration, its exit code, and its complaints.
pub fn verdict(dir: &Path, i: usize, text: &str) -> (bool, Option<i32>, String) {
    let f = dir.join(format!("case{i}.conf"));
    std::fs::write(&f, text).unwrap();
    let out = std::process::Command::new("keepalived")
        .args(["-t", "-l", "-f"])
        .arg(&f)
        .output()
        .unwrap();
    (
        out.status.success(),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
