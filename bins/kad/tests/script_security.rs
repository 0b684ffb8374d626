//! `enable_script_security` refusals, case by case, against keepalived 2.2.7 on the same
//! files. The man page: with it set, a script running as root is not run if any part of its
//! path (the file or a directory above it) is writable by a non-root user, or owned by one; a
//! sticky directory may be writable. Each case builds the files (root-owned unless the case
//! says otherwise) and then:
//!
//! - runs `keepalived -t` and `kad -t` on a configuration whose `vrrp_script` is that file:
//!   keepalived's config test refuses an insecure track script ("Disabling track script chk
//!   due to insecure", exit 5); both must decide alike;
//! - runs kad's own run-time check (`ScriptUsers::prepare`, used for every script kind)
//!   and asks for keepalived's decision: notify scripts are refused at run time by the same
//!   `check_script_secure()`, and keepalived's config test passes them.
//!
//! The table is printed. Needs root, `ip netns` and keepalived (SKIP, or a failure under
//! `CI=true`).

#[allow(dead_code)]
mod e2e;

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::netns::Lan;
use e2e::router::Kind;

/// The cases: name, and keepalived 2.2.7's decision as measured here (true: refused).
const CASES: [(&str, bool); 13] = [
    ("secure", false),
    ("file writable by others", true),
    ("file writable by a non-root group", true),
    ("file writable by root's group", false),
    ("file owned by nobody", true),
    ("directory writable by others", true),
    ("sticky directory writable by others", false),
    ("directory owned by nobody", true),
    ("grandparent directory writable by others", true),
    ("symlink in a directory writable by others", false),
    ("symlink to a file writable by others", true),
    ("renamed symlink in a directory writable by others", false),
    ("symlink owned by nobody", false),
];

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown(p: &Path, user: Option<&str>, group: Option<&str>) {
    let uid = user.map(|u| nix::unistd::User::from_name(u).unwrap().expect("user").uid);
    let gid = group.map(|g| {
        nix::unistd::Group::from_name(g)
            .unwrap()
            .expect("group")
            .gid
    });
    nix::unistd::fchownat(
        nix::fcntl::AT_FDCWD,
        p,
        uid,
        gid,
        nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
    )
    .unwrap();
}

/// Builds case `name` under `base` and returns the path the configuration names.
fn build(base: &Path, name: &str) -> PathBuf {
    let _ = std::fs::remove_dir_all(base);
    let (d, t) = (base.join("d"), base.join("t"));
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::create_dir_all(&t).unwrap();
    for p in [base, &d, &d.join("sub"), &t] {
        chmod(p, 0o755);
        chown(p, Some("root"), Some("root"));
    }
    let f = d.join("chk.sh");
    std::fs::write(&f, "#!/bin/sh\nexit 0\n").unwrap();
    chmod(&f, 0o755);
    match name {
        "secure" => f,
        "file writable by others" => {
            chmod(&f, 0o757);
            f
        }
        "file writable by a non-root group" => {
            chown(&f, None, Some("nogroup"));
            chmod(&f, 0o775);
            f
        }
        "file writable by root's group" => {
            chmod(&f, 0o775);
            f
        }
        "file owned by nobody" => {
            chown(&f, Some("nobody"), None);
            f
        }
        "directory writable by others" => {
            chmod(&d, 0o777);
            f
        }
        "sticky directory writable by others" => {
            chmod(&d, 0o1777);
            f
        }
        "directory owned by nobody" => {
            chown(&d, Some("nobody"), None);
            f
        }
        "grandparent directory writable by others" => {
            let g = d.join("sub/chk.sh");
            std::fs::rename(&f, &g).unwrap();
            chmod(&d, 0o777);
            g
        }
        "symlink in a directory writable by others" => {
            chmod(&t, 0o777);
            symlink(&f, t.join("chk.sh")).unwrap();
            t.join("chk.sh")
        }
        "symlink to a file writable by others" => {
            chmod(&f, 0o757);
            symlink(&f, t.join("chk.sh")).unwrap();
            t.join("chk.sh")
        }
        "renamed symlink in a directory writable by others" => {
            chmod(&t, 0o777);
            symlink(&f, t.join("other.sh")).unwrap();
            t.join("other.sh")
        }
        "symlink owned by nobody" => {
            symlink(&f, t.join("chk.sh")).unwrap();
            chown(&t.join("chk.sh"), Some("nobody"), None);
            t.join("chk.sh")
        }
        other => panic!("no case {other}"),
    }
}

fn config(script: &Path) -> String {
    format!(
        "global_defs {{\n  script_user root\n  enable_script_security\n}}\n\
         vrrp_script chk {{\n  script \"{}\"\n}}\n\
         vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  \
         virtual_ipaddress {{\n    192.0.2.200\n  }}\n  track_script {{\n    chk\n  }}\n}}\n",
        script.display()
    )
}

/// `-t` of `program` in `ns`: exit code and whether it refused the track script.
fn config_test(ns: &str, program: &str, conf: &Path) -> (i32, bool) {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, program, "-t", "-l", "-f"])
        .arg(conf)
        .output()
        .expect("run -t");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap_or(-1),
        text.contains("Disabling track script chk due to insecure"),
    )
}

/// kad's run-time decision for a notify script at `path` (root, `enable_script_security`).
fn run_time_refuses(path: &Path) -> bool {
    let global = keepalive_confparse::model::global::GlobalDefs {
        enable_script_security: true,
        script_user: Some(("root".into(), None)),
        ..Default::default()
    };
    let users = kad::spawn::ScriptUsers::new(&global);
    let p = path.to_string_lossy().into_owned();
    let script = keepalive_confparse::model::script::Script {
        command: p.clone(),
        args: vec![p],
        user: None,
        group: None,
        loc: keepalive_confparse::token::Loc::new("t".into(), 1, 1),
    };
    users.prepare(&script, "notify_master") == Err(kad::spawn::Rejected::Insecure)
}

#[test]
fn refusals_match_keepalived() {
    if !kad_skip::root() || !Kind::Kad.available() || !Kind::Keepalived.available() {
        return;
    }
    let Some(lan) = Lan::new(1) else {
        return;
    };
    let ns = lan.host(1).name().to_owned();
    let base = std::env::temp_dir().join(format!("kad-scriptsec-{}", std::process::id()));
    let conf = std::env::temp_dir().join(format!("kad-scriptsec-{}.conf", std::process::id()));
    let mut mismatches = Vec::new();
    println!(
        "{:<50} {:>10} {:>10} {:>10}",
        "case", "keepalived", "kad -t", "kad run"
    );
    for (name, measured) in CASES {
        let path = build(&base, name);
        std::fs::write(&conf, config(&path)).unwrap();
        let ka = config_test(&ns, &Kind::Keepalived.program(), &conf);
        let kad = config_test(&ns, &Kind::Kad.program(), &conf);
        let run = run_time_refuses(&path);
        let word = |refused: bool| if refused { "refused" } else { "runs" };
        println!(
            "{name:<50} {:>10} {:>10} {:>10}",
            format!("{} ({})", word(ka.1), ka.0),
            format!("{} ({})", word(kad.1), kad.0),
            word(run)
        );
        if ka != kad || run != ka.1 || ka.1 != measured {
            mismatches.push(format!(
                "{name}: keepalived {ka:?}, kad -t {kad:?}, kad at run time refuses={run}, measured before {measured}"
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    let _ = std::fs::remove_file(&conf);
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
