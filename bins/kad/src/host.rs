//! The checks keepalived's `-t` makes against the machine rather than the text: do the
//! interfaces exist, and do the scripts exist (and is `enable_script_security` set when they
//! do). The configuration library never looks at the host, so the binary does it here, after the
//! model is built, with the same outcomes as keepalived:
//!
//! - an interface the VRRP side names that does not exist is an error unless
//!   `dynamic_interfaces` is set (the model's `check_interfaces` says which names, this module
//!   answers from `/sys/class/net`); a loopback interface is refused for an instance even then
//!   (`vrrp_parser.c`, `vrrp_int_handler`);
//! - a `vrrp_script` whose program cannot be found is an error ("Disabling track script ... since
//!   not found/accessible", `vrrp.c`); missing notify and MISC_CHECK scripts are only logged;
//! - with `enable_script_security`, a `vrrp_script` whose path a non-root user could change is
//!   an error ("Disabling track script ... due to insecure"; tests/script_security.rs compares
//!   each case with keepalived 2.2.7's `-t`);
//! - when any script exists and `enable_script_security` is not set, keepalived reports a
//!   SECURITY VIOLATION and its config test exits 6 (`KEEPALIVED_CHK_EXIT_CONFIG_TEST_SECURITY`).
//!
//! Which scripts there are is the model's knowledge (`Config::scripts`); whether they exist,
//! and whether their users do, is answered here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use keepalive_confparse::diag::{Diagnostic, Diagnostics, Severity};
use keepalive_confparse::model::script::check_script_security;
use keepalive_confparse::model::Config;
use keepalive_confparse::token::Loc;

/// `ARPHRD_LOOPBACK` from `<linux/if_arp.h>`, as `/sys/class/net/IF/type` shows it.
const ARPHRD_LOOPBACK: u32 = 772;

/// Where the kernel lists network interfaces; a parameter so tests can use a fake tree.
pub const SYS_CLASS_NET: &str = "/sys/class/net";

/// What the host checks found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Errors and warnings, as the model's.
    pub diagnostics: Vec<Diagnostic>,
    /// Scripts are configured but `enable_script_security` is not: keepalived's config test
    /// exits 6 for this.
    pub security_violation: bool,
}

/// Where the interfaces come from.
pub enum Interfaces<'a> {
    /// A `/sys/class/net` tree: the namespace sysfs was mounted in (a fake tree in tests).
    Sys(&'a Path),
    /// The network namespace this process is in, asked of the kernel: after `setns`, `/sys`
    /// still shows the namespace it was mounted in, so `-t -s NETNS` cannot read it there.
    Kernel,
    /// Not checked (the namespace could not be entered; a warning says so).
    Unchecked,
}

/// Check `config` against this machine.
pub fn check(config: &Config, interfaces: Interfaces) -> Findings {
    let mut f = Findings::default();
    let types = match interfaces {
        Interfaces::Sys(sys) => Some(interface_types(sys)),
        Interfaces::Kernel => Some(kernel_interface_types()),
        Interfaces::Unchecked => None,
    };
    if let Some(types) = types {
        check_interfaces(config, &types, &mut f);
    }
    check_scripts(config, &mut f);
    f
}

/// `-t -s NETNS` and `net_namespace`: check the interfaces of the namespace the daemon would
/// run in. keepalived's `-t` ignores a namespace it cannot join and exits 0; kad does the same
/// but says so.
pub fn enter_namespace(name: &str) -> Result<(), String> {
    let path = format!("/run/netns/{name}");
    let f = std::fs::File::open(&path).map_err(|e| format!("cannot open {path}: {e}"))?;
    nix::sched::setns(&f, nix::sched::CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("cannot join network namespace {name}: {e}"))
}

/// Append the findings to the model's diagnostics.
pub fn merge(findings: &Findings, diags: &mut Diagnostics) {
    for d in &findings.diagnostics {
        diags.push(d.clone());
    }
}

fn error(f: &mut Findings, loc: Option<Loc>, message: String, hint: Option<&str>) {
    f.diagnostics.push(Diagnostic {
        severity: Severity::Error,
        loc,
        message,
        hint: hint.map(str::to_owned),
    });
}

/// The host's interfaces and their `ARPHRD_*` types, read once: a configuration may name the
/// same interface tens of thousands of times.
fn interface_types(sys: &Path) -> HashMap<String, u32> {
    let Ok(dir) = std::fs::read_dir(sys) else {
        return HashMap::new();
    };
    dir.flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let ty = std::fs::read_to_string(e.path().join("type"))
                .ok()
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(0);
            Some((name, ty))
        })
        .collect()
}

/// The same map as [`interface_types`], from `getifaddrs` (rtnetlink in the current namespace);
/// only loopback matters among the types.
fn kernel_interface_types() -> HashMap<String, u32> {
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
        return HashMap::new();
    };
    addrs
        .map(|a| {
            let loopback = a
                .flags
                .contains(nix::net::if_::InterfaceFlags::IFF_LOOPBACK);
            (a.interface_name, if loopback { ARPHRD_LOOPBACK } else { 1 })
        })
        .collect()
}

fn check_interfaces(config: &Config, types: &HashMap<String, u32>, f: &mut Findings) {
    // Which names must exist, and where, is the model's knowledge; whether they do is ours.
    let mut diags = Diagnostics::new();
    let exists = |name: &str| types.contains_key(name);
    keepalive_confparse::model::vrrp::check_interfaces(
        &config.vrrp,
        &config.global,
        &exists,
        &mut diags,
    );
    f.diagnostics.extend(diags.into_vec());
    for inst in &config.vrrp.instances {
        let Some(name) = &inst.interface else {
            continue;
        };
        if types.get(name.as_str()) == Some(&ARPHRD_LOOPBACK) {
            let loc = inst
                .interface_loc
                .clone()
                .unwrap_or_else(|| inst.loc.clone());
            error(
                f,
                Some(loc),
                format!(
                    "({}) cannot use a loopback interface ({name}) for vrrp",
                    inst.name
                ),
                None,
            );
        }
    }
}

/// How keepalived's `check_script_secure()` classifies a script for the config test.
#[derive(Debug, PartialEq, Eq)]
enum ScriptStatus {
    /// `</path`: a file-readability check, nothing is executed (`SC_SYSTEM`).
    System,
    /// The program was found (`SC_ISSCRIPT`).
    Found,
    /// Not found or not accessible (`SC_NOTFOUND`).
    NotFound,
}

fn classify(program: &str) -> ScriptStatus {
    if let Some(rest) = program.strip_prefix('<') {
        if rest.trim_start().starts_with('/') {
            return ScriptStatus::System;
        }
    }
    let found = if program.contains('/') {
        std::fs::metadata(program).is_ok()
    } else {
        find_in_path(program).is_some()
    };
    if found {
        ScriptStatus::Found
    } else {
        ScriptStatus::NotFound
    }
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")
        .unwrap_or_else(|| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Whether `name` is a user of this host (`getpwnam` would also see NSS users; keepalived's
/// test does the same lookup).
fn user_exists(name: &str) -> bool {
    nix::unistd::User::from_name(name).ok().flatten().is_some()
}

fn check_scripts(config: &Config, f: &mut Findings) {
    // `vrrp_script` programs that cannot be found are errors; the others are only logged.
    for s in &config.vrrp.scripts {
        let Some(program) = s.script.as_ref().and_then(|sc| sc.program()) else {
            continue;
        };
        if classify(&program) == ScriptStatus::NotFound {
            error(
                f,
                Some(s.loc.clone()),
                format!(
                    "Disabling track script {} since not found/accessible",
                    s.name
                ),
                Some(&format!("'{program}' does not exist or cannot be read")),
            );
        }
    }
    // keepalived's config test refuses a `vrrp_script` that `enable_script_security` would
    // not run (some part of its path writable by a non-root user); notify scripts are only
    // refused when they are to run. The same checks as at run time (`ScriptUsers::prepare`).
    if config.global.enable_script_security {
        let users = kad::spawn::ScriptUsers::new(&config.global);
        for s in &config.vrrp.scripts {
            let Some(script) = s.script.as_ref() else {
                continue;
            };
            if users.prepare(script, "vrrp_script") == Err(kad::spawn::Rejected::Insecure) {
                error(
                    f,
                    Some(s.loc.clone()),
                    format!("Disabling track script {} due to insecure", s.name),
                    Some("every directory on its path and the file itself must be owned by root and writable only by root (or be a sticky directory)"),
                );
            }
        }
    }
    let mut diags = Diagnostics::new();
    f.security_violation = check_script_security(
        config,
        &user_exists,
        &|program| classify(program) == ScriptStatus::Found,
        &mut diags,
    );
    f.diagnostics.extend(diags.into_vec());
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;

    fn config(text: &str) -> Config {
        load_str("host-test.conf", text, &Options::default()).config
    }

    fn check_sys(config: &Config, sys: &Path) -> Findings {
        check(config, Interfaces::Sys(sys))
    }

    /// A fake `/sys/class/net` with `eth0` (Ethernet) and `lo` (loopback), removed on drop.
    struct FakeSys(PathBuf);

    impl FakeSys {
        fn new(tag: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("kad-host-{tag}-{}", std::process::id()));
            for (name, ty) in [("eth0", "1"), ("lo", "772")] {
                std::fs::create_dir_all(dir.join(name)).unwrap();
                std::fs::write(dir.join(name).join("type"), ty).unwrap();
            }
            FakeSys(dir)
        }
    }

    impl Drop for FakeSys {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const INSTANCE: &str = "vrrp_instance VI_1 {\n    interface IF\n    virtual_router_id 1\n    \
                            priority 100\n    virtual_ipaddress {\n        192.0.2.1\n    }\n}\n";

    #[test]
    fn missing_and_loopback_interfaces_are_errors() {
        let sys = FakeSys::new("if");
        let ok = check_sys(&config(&INSTANCE.replace("IF", "eth0")), &sys.0);
        assert!(ok.diagnostics.is_empty(), "{:?}", ok.diagnostics);
        let missing = check_sys(&config(&INSTANCE.replace("IF", "eth9")), &sys.0);
        assert_eq!(missing.diagnostics.len(), 1);
        assert!(missing.diagnostics[0].message.contains("eth9"));
        assert_eq!(missing.diagnostics[0].loc.as_ref().map(|l| l.line), Some(2));
        let lo = check_sys(&config(&INSTANCE.replace("IF", "lo")), &sys.0);
        assert!(lo.diagnostics[0].message.contains("loopback"));
    }

    #[test]
    fn dynamic_interfaces_allows_missing_ones() {
        let sys = FakeSys::new("dyn");
        let text = format!(
            "global_defs {{\n    dynamic_interfaces\n}}\n{}",
            INSTANCE.replace("IF", "bond7")
        );
        assert!(check_sys(&config(&text), &sys.0).diagnostics.is_empty());
    }

    #[test]
    fn scripts_need_script_security() {
        let sys = FakeSys::new("sec");
        let with_script = INSTANCE.replace("IF", "eth0").replace(
            "priority 100",
            "priority 100\n    notify_master \"/bin/sh -c true\"",
        );
        let f = check_sys(&config(&with_script), &sys.0);
        assert!(f.security_violation, "{:?}", f.diagnostics);
        let secured = format!(
            "global_defs {{\n    enable_script_security\n    script_user root\n}}\n{with_script}"
        );
        let f = check_sys(&config(&secured), &sys.0);
        assert!(!f.security_violation);
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
    }

    #[test]
    fn missing_track_script_program_is_an_error() {
        let sys = FakeSys::new("trk");
        let text = format!(
            "global_defs {{\n    enable_script_security\n}}\n\
             vrrp_script chk {{\n    script \"/nonexistent/kad-check\"\n}}\n{}",
            INSTANCE.replace("IF", "eth0")
        );
        let f = check_sys(&config(&text), &sys.0);
        assert_eq!(f.diagnostics.len(), 1, "{:?}", f.diagnostics);
        assert!(f.diagnostics[0].message.contains("chk"));
    }

    #[test]
    fn script_classes() {
        assert_eq!(classify("</etc/passwd"), ScriptStatus::System);
        assert_eq!(classify("sh"), ScriptStatus::Found);
        assert_eq!(classify("/nonexistent/x"), ScriptStatus::NotFound);
        assert!(user_exists("root") && !user_exists("no-such-user-kad"));
    }
}
