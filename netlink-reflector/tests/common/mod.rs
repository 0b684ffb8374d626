//! Test harness: a network namespace per test, created with `ip netns add kadnl-<pid>-<n>` and
//! removed by a Drop guard even when the test panics. The test body runs on a dedicated thread
//! that has joined the namespace with setns(2), so every socket it opens lives there; `ip` and
//! `sysctl` checks use `ip -n`/`ip netns exec` to look from outside.
#![allow(dead_code)]

use std::fs::File;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use nix::sched::{setns, CloneFlags};
use serde_json::Value;

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A named network namespace, deleted on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    fn create() -> Result<Self, String> {
        let name = format!(
            "kadnl-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        );
        let out = Command::new("ip")
            .args(["netns", "add", &name])
            .output()
            .map_err(|e| format!("cannot run ip: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(Self { name })
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// Runs `body(ns_name)` on a thread inside a fresh namespace. If the namespace cannot be created
/// (not root), the test is skipped ([`kad_skip::skip`]: a failure under `CI=true`).
pub fn in_netns(test: &str, body: impl FnOnce(&str) + Send + 'static) {
    let ns = match Netns::create() {
        Ok(ns) => ns,
        Err(why) => {
            kad_skip::skip(format!("{test}: `ip netns add` failed: {why}"));
            return;
        }
    };
    let file = File::open(format!("/run/netns/{}", ns.name)).expect("open /run/netns entry");
    let name = ns.name.clone();
    let res = std::thread::spawn(move || {
        setns(&file, CloneFlags::CLONE_NEWNET).expect("setns into the test namespace");
        body(&name);
    })
    .join();
    drop(ns);
    if let Err(panic) = res {
        std::panic::resume_unwind(panic);
    }
}

/// Runs `ip -n NS ARGS…` and panics with its stderr if it fails.
pub fn ip(ns: &str, args: &str) {
    let out = Command::new("ip")
        .args(["-n", ns])
        .args(args.split_whitespace())
        .output()
        .expect("run ip");
    assert!(
        out.status.success(),
        "ip -n {ns} {args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `ip -n NS -j ARGS…` and parses its JSON output.
pub fn ip_json(ns: &str, args: &str) -> Value {
    let out = Command::new("ip")
        .args(["-n", ns, "-j"])
        .args(args.split_whitespace())
        .output()
        .expect("run ip");
    assert!(
        out.status.success(),
        "ip -j {args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    if text.trim().is_empty() {
        return Value::Array(vec![]);
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("ip -j {args} output {text:?}: {e}"))
}

/// Reads a sysctl from outside, through `ip netns exec`.
pub fn sysctl_outside(ns: &str, path: &str) -> u32 {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, "cat", path])
        .output()
        .expect("run ip netns exec");
    assert!(
        out.status.success(),
        "cat {path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("integer sysctl")
}

/// A veth pair `a`/`b`, both up (so both have carrier).
pub fn veth_pair(ns: &str, a: &str, b: &str) {
    ip(ns, &format!("link add {a} type veth peer name {b}"));
    ip(ns, &format!("link set {a} up"));
    ip(ns, &format!("link set {b} up"));
}

/// The `addr_info` entries of `dev`.
pub fn addr_info(ns: &str, dev: &str) -> Vec<Value> {
    let v = ip_json(ns, &format!("addr show dev {dev}"));
    v[0]["addr_info"].as_array().cloned().unwrap_or_default()
}
