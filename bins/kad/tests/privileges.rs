//! Least privilege (kad's `privileges` module), read from the kernel: kad runs in a network
//! namespace the test builds (192.0.2.0/24) with a VRRP instance, a `track_script`, a notify
//! script, a `virtual_server` with a `MISC_CHECK` and a `bfd_instance`, so that all three
//! children run and each kind of script runs; the test reads `/proc/PID/status` (CapEff,
//! CapPrm, CapBnd, NoNewPrivs, Uid) of the parent, of every child and of each script while it
//! runs, prints them, and checks them against the module's table:
//!
//! - `script_user nobody`: each child keeps its few capabilities in every set and has
//!   no_new_privs; every script has no capability, no_new_privs and nobody's uid;
//! - `script_user root`: the children narrow only their effective set, so root scripts keep
//!   keepalived's meaning (every capability of root).
//!
//! Needs root and `ip netns` (without them: SKIP, or a failure under `CI=true`).

#[allow(dead_code)]
mod e2e;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use e2e::netns::Lan;
use e2e::router::{Kind, Router};

const KILL: u64 = 1 << 5;
const SETGID: u64 = 1 << 6;
const SETUID: u64 = 1 << 7;
const NET_BIND_SERVICE: u64 = 1 << 10;
const NET_ADMIN: u64 = 1 << 12;
const NET_RAW: u64 = 1 << 13;

const VRRP: u64 = KILL | SETGID | SETUID | NET_ADMIN | NET_RAW;
const CHECKER: u64 = VRRP | NET_BIND_SERVICE;
const BFD: u64 = NET_ADMIN | NET_RAW;

/// Bound on start-up and on the first run of each script (the checker's `delay_loop 1`, the
/// track script's `interval 1`): seconds in theory, generous for a loaded machine.
const WAIT: Duration = Duration::from_secs(30);

/// The fields of `/proc/PID/status` this test reads.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Status {
    eff: u64,
    prm: u64,
    bnd: u64,
    inh: u64,
    amb: u64,
    nnp: bool,
    uid: u32,
}

fn parse(text: &str) -> Option<Status> {
    let fields: BTreeMap<&str, &str> = text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k, v.trim()))
        .collect();
    let hex = |k: &str| u64::from_str_radix(fields.get(k)?, 16).ok();
    Some(Status {
        eff: hex("CapEff")?,
        prm: hex("CapPrm")?,
        bnd: hex("CapBnd")?,
        inh: hex("CapInh")?,
        amb: hex("CapAmb").unwrap_or(0),
        nnp: fields.get("NoNewPrivs")? == &"1",
        uid: fields.get("Uid")?.split_whitespace().nth(1)?.parse().ok()?,
    })
}

fn status_of(pid: i32) -> Option<Status> {
    parse(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

fn print(what: &str, s: &Status) {
    println!(
        "{what:<22} CapEff {:016x} CapPrm {:016x} CapBnd {:016x} CapInh {:x} CapAmb {:x} NoNewPrivs {} uid {}",
        s.eff, s.prm, s.bnd, s.inh, s.amb, u8::from(s.nnp), s.uid
    );
}

fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The configuration: every child and every kind of script, each script recording its own
/// status in `out` as it runs.
fn config(out: &Path, script_user: &str) -> String {
    let o = out.display();
    format!(
        r#"global_defs {{
  router_id priv
  script_user {script_user}
  enable_script_security
}}
vrrp_script chk {{
  script "{o}/track.sh"
  interval 1
}}
vrrp_instance VI_1 {{
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 200
  advert_int 1
  virtual_ipaddress {{
    192.0.2.200/24
  }}
  track_script {{
    chk
  }}
  notify_master "{o}/notify.sh"
}}
virtual_server 192.0.2.200 80 {{
  delay_loop 1
  lb_kind NAT
  protocol TCP
  real_server 192.0.2.2 80 {{
    MISC_CHECK {{
      misc_path "{o}/misc.sh"
    }}
  }}
}}
bfd_instance b1 {{
  neighbor_ip 192.0.2.2
}}
"#
    )
}

/// A script `dir/NAME.sh` that copies its own `/proc/self/status` (through `cat`, the same
/// credentials) to `w/NAME.status`, once.
fn write_script(dir: &Path, w: &Path, name: &str) {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(format!("{name}.sh"));
    let dest = w.join(format!("{name}.status"));
    std::fs::write(
        &p,
        format!(
            "#!/bin/sh\n[ -s {0} ] || cat /proc/self/status > {0}.tmp && mv -f {0}.tmp {0}\nexit 0\n",
            dest.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn pid_file(r: &Router, name: &str) -> Option<i32> {
    std::fs::read_to_string(r.dir.join(name))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Starts kad with `script_user`, and returns every process's status and every script's,
/// printed.
fn observe(script_user: &str) -> Option<(BTreeMap<&'static str, Status>, Running)> {
    let lan = Lan::new(1)?;
    let host = lan.host(1);
    // The scripts' directory: root-owned and not writable by others (enable_script_security),
    // the status files in a subdirectory nobody can write to.
    let out = std::env::temp_dir().join(format!("kad-priv-{}-{script_user}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(out.join("w")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(out.join("w"), std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let w = out.join("w");
    for name in ["track", "notify", "misc"] {
        write_script(&out, &w, name);
    }
    let router = Router::start(Kind::Kad, host, &config(&out, script_user));
    let mut seen = BTreeMap::new();
    let parent = router.pid().expect("parent pid").as_raw();
    let started = wait_for(WAIT, || {
        router.log().contains("Startup complete").then_some(())
    });
    assert!(started.is_some(), "kad did not start:\n{}", router.log());
    seen.insert("parent", status_of(parent).expect("parent status"));
    for (name, file) in [("vrrp", "v.pid"), ("checker", "c.pid"), ("bfd", "b.pid")] {
        let pid = wait_for(WAIT, || pid_file(&router, file))
            .unwrap_or_else(|| panic!("no {name} child:\n{}", router.log()));
        // The child narrows its sets when its start-up is complete.
        let s = wait_for(WAIT, || status_of(pid).filter(|s| s.eff != s.bnd || s.nnp))
            .or_else(|| status_of(pid))
            .expect("child status");
        seen.insert(name, s);
    }
    for (name, key) in [
        ("track", "track_script"),
        ("notify", "notify_master"),
        ("misc", "MISC_CHECK"),
    ] {
        let f = w.join(format!("{name}.status"));
        let text = wait_for(WAIT, || {
            std::fs::read_to_string(&f)
                .ok()
                .filter(|t| t.contains("CapBnd"))
        })
        .unwrap_or_else(|| panic!("{key} script did not run:\n{}", router.log()));
        seen.insert(key, parse(&text).expect("script status"));
    }
    println!("script_user {script_user}:");
    for (k, s) in &seen {
        print(k, s);
    }
    Some((
        seen,
        Running {
            router,
            _dir: RemoveOnDrop(out),
        },
    ))
}

/// kad, then its scripts' directory: fields drop in order, so the directory is removed once
/// kad is stopped.
struct Running {
    router: Router,
    _dir: RemoveOnDrop,
}

struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn can_run() -> bool {
    kad_skip::root() && Kind::Kad.available()
}

#[test]
fn children_keep_only_what_they_need_and_scripts_have_nothing() {
    if !can_run() {
        return;
    }
    let Some((seen, running)) = observe("nobody") else {
        return;
    };
    let router = &running.router;
    let nobody = nix::unistd::User::from_name("nobody")
        .unwrap()
        .expect("user nobody")
        .uid
        .as_raw();
    let log = router.log();
    for (name, want) in [("vrrp", VRRP), ("checker", CHECKER), ("bfd", BFD)] {
        let s = &seen[name];
        assert_eq!(
            (s.eff, s.prm, s.bnd, s.inh, s.amb, s.nnp),
            (want, want, want, 0, 0, true),
            "{name} child: {s:?}\n{log}"
        );
    }
    for (script, child) in [
        ("track_script", VRRP),
        ("notify_master", VRRP),
        ("MISC_CHECK", CHECKER),
    ] {
        let s = &seen[script];
        assert_eq!(
            (s.eff, s.prm, s.bnd, s.amb, s.nnp, s.uid),
            (0, 0, child, 0, true, nobody),
            "{script}: {s:?}"
        );
    }
    // The parent starts the children and is not restricted.
    assert!(!seen["parent"].nnp);
    assert_eq!(seen["parent"].eff, seen["parent"].bnd);
    assert!(
        log.contains("VRRP process: capabilities limited to cap_kill,cap_setgid,cap_setuid,cap_net_admin,cap_net_raw, no_new_privs set"),
        "{log}"
    );
}

#[test]
fn root_scripts_keep_root_capabilities() {
    if !can_run() {
        return;
    }
    let Some((seen, running)) = observe("root") else {
        return;
    };
    let router = &running.router;
    let full = seen["parent"].bnd;
    let log = router.log();
    for (name, want) in [("vrrp", VRRP), ("checker", CHECKER)] {
        let s = &seen[name];
        assert_eq!(
            (s.eff, s.prm, s.bnd, s.nnp),
            (want, full, full, false),
            "{name} child: {s:?}\n{log}"
        );
    }
    // The BFD child runs no script: it is restricted whatever script_user says.
    assert_eq!((seen["bfd"].prm, seen["bfd"].nnp), (BFD, true));
    for script in ["track_script", "notify_master", "MISC_CHECK"] {
        let s = &seen[script];
        assert_eq!((s.eff, s.prm, s.uid), (full, full, 0), "{script}: {s:?}");
    }
    assert!(
        log.contains("root's stay permitted for scripts running as root"),
        "{log}"
    );
}
