//! `kad -t -d` prints a keepalived.conf: for every configuration of the corpus
//! (`tests/conf/corpus`) and every conformance sample that kad accepts, the printed text must
//! load back in kad with the same model (the `--dump-conf=json` forms compared, source
//! locations aside), and keepalived 2.2.7 must give the dump the verdict it gives the original.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use serde_json::Value;

/// Files whose dump is known not to load back the same, each with the reason.
const KNOWN: &[(&str, &str)] = &[
    (
        "v49-random.conf",
        "`priority random` draws a new number at every load",
    ),
    (
        "x55-ipv6-vip-v2.conf",
        "an IPv6 VIP under `version 2` is kept at v2 in the original but the dump's explicit \
         global `vrrp_version 2` makes both kad and keepalived report a conflict",
    ),
];

fn kad() -> &'static str {
    env!("CARGO_BIN_EXE_kad")
}

fn files() -> Vec<PathBuf> {
    let mut dirs = vec![kad_skip::repo_root().join("tests/conf/corpus")];
    dirs.extend(kad_skip::shared("conformance/keepalived-samples"));
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).expect("corpus directory"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// `kad -t --dump-conf=FORM -f path`: exit code and standard output.
fn kad_dump(path: &Path, form: &str) -> (i32, String) {
    let out = Command::new(kad())
        .args(["-t", &format!("--dump-conf={form}"), "-f"])
        .arg(path)
        .output()
        .expect("run kad");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The model without where each item was written.
fn model(json: &str) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.shift_remove("loc");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_str(json).unwrap_or(Value::Null);
    strip(&mut v);
    v
}

fn keepalived_verdict(keepalived: &Path, path: &Path) -> i32 {
    Command::new(keepalived)
        .args(["-t", "-l", "-f"])
        .arg(path)
        .output()
        .expect("run keepalived")
        .status
        .code()
        .unwrap_or(-1)
}

/// What went wrong with one file, if anything.
fn check(path: &Path, dir: &Path, keepalived: Option<&Path>) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let (rc, json) = kad_dump(path, "json");
    if rc != 0 || KNOWN.iter().any(|(k, _)| *k == name) {
        return None;
    }
    let (_, text) = kad_dump(path, "text");
    let dump = dir.join(format!("{name}.dump"));
    std::fs::write(&dump, &text).expect("write dump");
    let (rc2, json2) = kad_dump(&dump, "json");
    if rc2 != 0 {
        return Some(format!(
            "{name}: kad -t rejects the dump (exit {rc2}):\n{text}"
        ));
    }
    if model(&json) != model(&json2) {
        return Some(format!(
            "{name}: the dump loads as a different model:\n{text}"
        ));
    }
    let k = keepalived?;
    let (a, b) = (keepalived_verdict(k, path), keepalived_verdict(k, &dump));
    (a != b).then(|| format!("{name}: keepalived -t exits {a} on the file, {b} on its dump"))
}

#[test]
fn text_dump_loads_back_with_the_same_meaning() {
    let keepalived = kad_skip::keepalived();
    let dir = std::env::temp_dir().join(format!("kad-dump-roundtrip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let files = files();
    let failures = Mutex::new(Vec::new());
    let next = Mutex::new(files.iter());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let Some(path) = next.lock().unwrap().next() else {
                    break;
                };
                if let Some(f) = check(path, &dir, keepalived.as_deref()) {
                    failures.lock().unwrap().push(f);
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    let failures = failures.into_inner().unwrap();
    assert!(files.len() > 100, "corpus too small: {}", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
