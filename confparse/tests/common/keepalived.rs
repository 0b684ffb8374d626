//! Running the real `keepalived -t` on a test case, for the verdict tables.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// keepalived, found on `PATH`, run either here or in a namespace whose only interfaces are
/// `lo` and `eth0`: the host the VRRP verdicts were taken on, whatever this one has.
pub struct Keepalived {
    bin: PathBuf,
    ns: Option<Netns>,
}

impl Keepalived {
    /// keepalived run on this host; `None` (a skip) when it is not installed.
    pub fn here() -> Option<Keepalived> {
        Some(Keepalived {
            bin: kad_skip::keepalived()?,
            ns: None,
        })
    }

    /// keepalived run in a namespace holding `lo` and `eth0` only; `None` (a skip) when it is
    /// not installed or the namespace cannot be made.
    pub fn with_eth0_only() -> Option<Keepalived> {
        let bin = kad_skip::keepalived()?;
        Some(Keepalived {
            bin,
            ns: Some(Netns::new()?),
        })
    }

    /// The command running keepalived with `args`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = match &self.ns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", &ns.0]).arg(&self.bin);
                c
            }
            None => Command::new(&self.bin),
        };
        cmd.args(args);
        cmd
    }

    /// What `keepalived -t -l` says of `text`, written to `dir/case{i}.conf`: whether it
    /// accepted the configuration, its exit code, and its complaints.
    pub fn verdict(&self, dir: &Path, i: usize, text: &str) -> (bool, Option<i32>, String) {
        let f = dir.join(format!("case{i}.conf"));
        std::fs::write(&f, text).unwrap();
        let out = self.command(&["-t", "-l", "-f"]).arg(&f).output().unwrap();
        (
            out.status.success(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// A network namespace with `lo` and `eth0`, a veth (multicast-capable, and in every kernel)
/// whose peer is alone in a second namespace; both removed on drop.
struct Netns(String);

impl Netns {
    fn new() -> Option<Netns> {
        static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("kadconf-{}-{n}", std::process::id());
        let ok = |args: &[&str]| {
            Command::new("ip")
                .args(args)
                .status()
                .is_ok_and(|s| s.success())
        };
        if !ok(&["netns", "add", &name]) {
            kad_skip::skip("`ip netns add` failed (not root?)");
            return None;
        }
        let ns = Netns(name);
        assert!(ok(&["netns", "add", &ns.peer()]), "ip netns add");
        let peer = ns.peer();
        let veth = [
            "link", "add", "eth0", "type", "veth", "peer", "name", "p0", "netns", &peer,
        ];
        assert!(
            ok(&[&["-n", &ns.0], veth.as_slice()].concat()),
            "ip {veth:?}"
        );
        for args in [["link", "set", "eth0", "up"], ["link", "set", "lo", "up"]] {
            assert!(
                ok(&[&["-n", &ns.0], args.as_slice()].concat()),
                "ip {args:?}"
            );
        }
        Some(ns)
    }
}

impl Netns {
    fn peer(&self) -> String {
        format!("{}-peer", self.0)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.peer()])
            .status();
    }
}
