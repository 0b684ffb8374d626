//! What the parent takes from the configuration: which children to run, names for pid files
//! and logs, and the reload guards. The parent parses the whole file (as keepalived's parent
//! does) and logs every problem; the children parse it again themselves.

use std::path::Path;
use std::time::Duration;

use keepalive_confparse::diag::Severity;
use keepalive_confparse::load::{load, Loaded};
use keepalive_confparse::model::global::GlobalDefs;
use keepalive_confparse::model::script::Script;
use keepalive_confparse::model::Config;

use crate::cli::{Cli, DumpFormat};
use crate::spawn::{Prepared, ScriptUsers};

/// keepalived's `CHILD_WAIT_SECS`: how long a stop waits for children before SIGKILL.
const CHILD_WAIT_SECS: u64 = 5;

/// The parts of a configuration the parent acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentView {
    /// `have_vrrp_config`: a `vrrp_instance` or a `static_ipaddress`/`_routes`/`_rules` block.
    pub have_vrrp: bool,
    /// `have_checker_config`: a `virtual_server`.
    pub have_checker: bool,
    /// `have_bfd_config`: a `bfd_instance`.
    pub have_bfd: bool,
    /// `net_namespace`, or `-s` which overrides it.
    pub namespace: Option<String>,
    /// `instance`.
    pub instance: Option<String>,
    /// `use_pid_dir` (also implied by `instance` and a namespace).
    pub use_pid_dir: bool,
    /// `child_wait_time`.
    pub child_wait: Duration,
    /// `umask` from `global_defs`.
    pub umask: Option<u32>,
    /// `reload_check_config [FILE]`.
    pub reload_check: Option<Option<String>>,
    /// `net_namespace_ipvs`, which a reload may not change.
    pub namespace_ipvs: Option<String>,
    /// `startup_script`, resolved and checked.
    pub startup: Option<Hook>,
    /// `shutdown_script`, resolved and checked.
    pub shutdown: Option<Hook>,
    /// `process_names` / `process_name`: the parent's name, then the VRRP, checker and BFD
    /// children's (`vrrp_process_name`, `checker_process_name`, `bfd_process_name`).
    pub names: [Option<String>; 4],
    /// The extension file's announcements: withdrawn by the parent when the checker process
    /// dies or kad stops.
    pub announce: kad::announce::Plan,
}

/// A `startup_script` or `shutdown_script` ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// The program, arguments and credentials.
    pub prepared: Prepared,
    /// `startup_script_timeout` / `shutdown_script_timeout` (default 10 s).
    pub timeout: Duration,
}

/// keepalived's default `startup_script_timeout` and `shutdown_script_timeout`.
const SCRIPT_TIMEOUT_SECS: u64 = 10;

/// `check_start_stop_script_secure()` for both scripts, and the security warning keepalived
/// gives when they would run without `enable_script_security`.
fn hooks(g: &GlobalDefs) -> (Option<Hook>, Option<Hook>) {
    if g.startup_script.is_none() && g.shutdown_script.is_none() {
        return (None, None);
    }
    let users = ScriptUsers::new(g);
    let hook = |s: &Option<Script>, t: Option<u32>, what: &str| {
        let prepared = users.prepare(s.as_ref()?, what).ok()?;
        Some(Hook {
            prepared,
            timeout: Duration::from_secs(t.map_or(SCRIPT_TIMEOUT_SECS, u64::from)),
        })
    };
    let startup = hook(&g.startup_script, g.startup_script_timeout, "startup");
    let shutdown = hook(&g.shutdown_script, g.shutdown_script_timeout, "shutdown");
    let scripts: Vec<&Hook> = startup.iter().chain(shutdown.iter()).collect();
    if !g.enable_script_security && scripts.iter().any(|h| !h.prepared.system) {
        log_info!(
            "SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled.{}",
            if scripts.iter().any(|h| h.prepared.insecure) {
                " There are insecure scripts."
            } else {
                ""
            }
        );
    }
    (startup, shutdown)
}

impl ParentView {
    /// Extract the view, applying `-s` over `net_namespace`.
    pub fn new(config: &Config, cli: &Cli) -> ParentView {
        let v = &config.vrrp;
        let (startup, shutdown) = hooks(&config.global);
        let namespace = cli
            .namespace
            .clone()
            .or_else(|| config.top.net_namespace.clone());
        ParentView {
            have_vrrp: !v.instances.is_empty()
                || !v.static_ipaddress.is_empty()
                || !v.static_routes.is_empty()
                || !v.static_rules.is_empty(),
            have_checker: !config.lvs.virtual_servers.is_empty(),
            have_bfd: !config.bfd.is_empty(),
            use_pid_dir: config.top.use_pid_dir
                || namespace.is_some()
                || config.top.instance.is_some(),
            namespace,
            instance: config.top.instance.clone(),
            child_wait: Duration::from_secs(
                config
                    .top
                    .child_wait_time
                    .map_or(CHILD_WAIT_SECS, u64::from),
            ),
            umask: config.global.umask,
            reload_check: config.global.reload_check_config.clone(),
            namespace_ipvs: config.top.net_namespace_ipvs.clone(),
            startup,
            shutdown,
            names: [
                config.global.process_name.clone(),
                config.global.vrrp_process.process_name.clone(),
                config.global.checker_process.process_name.clone(),
                config.global.bfd_process.process_name.clone(),
            ],
            announce: kad::announce::Plan::default(),
        }
    }

    /// `running_vrrp()`: VRRP is not excluded by `-C` and has something to do (or `--all`).
    pub fn run_vrrp(&self, cli: &Cli) -> bool {
        !cli.check_only && (self.have_vrrp || cli.all)
    }

    /// `running_checker()`: checkers are not excluded by `-P` and have something to do.
    pub fn run_checker(&self, cli: &Cli) -> bool {
        !cli.vrrp_only && (self.have_checker || cli.all)
    }

    /// `running_bfd()`: BFD is not excluded by `-B` (nor by `-P`/`-C`, which run one
    /// subsystem only) and has something to do (or `--all`).
    pub fn run_bfd(&self, cli: &Cli) -> bool {
        !cli.no_bfd && !cli.vrrp_only && !cli.check_only && (self.have_bfd || cli.all)
    }

    /// keepalived's `reload_config()` refuses a reload that changes these; the message names
    /// each one ("Cannot change network namespace at a reload - please restart kad").
    pub fn unsupported_changes(&self, new: &ParentView) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.namespace != new.namespace {
            out.push("network namespace");
        }
        if self.namespace_ipvs != new.namespace_ipvs {
            out.push("IPVS network namespace");
        }
        if self.instance != new.instance {
            out.push("instance name");
        }
        out
    }
}

/// A configuration as the parent read it.
#[derive(Debug)]
pub struct Read {
    /// What the parent acts on.
    pub view: ParentView,
    /// Whether any error was reported (the children reject such a configuration at reload).
    pub has_errors: bool,
    /// Every diagnostic, rendered as `-t` prints them.
    pub report: Vec<String>,
}

/// Why there is no configuration at all: keepalived exits `KEEPALIVED_EXIT_NO_CONFIG` (6).
#[derive(Debug, thiserror::Error)]
pub enum NoConfig {
    /// `check_conf_file()`: the file does not exist (keepalived's glob reports it missing).
    #[error("Config files missing '{0}'.")]
    NotFound(String),
    /// `check_conf_file()`: the file exists but cannot be read.
    #[error("Unable to read configuration file {0}")]
    Unreadable(String),
    /// `had_config_file_error()`: a required (`includet`, `-e`) file is missing or unreadable.
    #[error("configuration file error: {0}")]
    File(String),
}

/// `KEEPALIVED_EXIT_NO_CONFIG`.
pub const EXIT_NO_CONFIG: i32 = 6;

/// Read the configuration; logs "Configuration file X" and every diagnostic unless `quiet`.
pub fn read(cli: &Cli, quiet: bool) -> Result<Read, NoConfig> {
    let path = cli.config_path();
    let shown = path.display().to_string();
    let pattern = shown.contains(['*', '?', '[', '{']);
    if !pattern {
        if !path.exists() {
            return Err(NoConfig::NotFound(shown));
        }
        if std::fs::File::open(&path).is_err() {
            return Err(NoConfig::Unreadable(shown));
        }
    }
    if !quiet {
        if crate::log::detail() {
            log_info!("Opening file '{shown}'.");
        }
        log_info!("Configuration file {shown}");
    }
    let mut loaded = load(&path, &crate::options(cli));
    crate::not_acted::warn_keywords(&mut loaded);
    let ext = kad::ext_config::load(
        cli.ext_config.as_deref(),
        &crate::options(cli),
        &loaded.config,
        &mut loaded.diagnostics,
    );
    let mut read = summarise(&loaded, cli);
    read.view.announce = kad::announce::Plan::new(&loaded.config, &ext);
    // `bfd_takeover` runs its sessions in the BFD process, which must then run.
    read.view.have_bfd |= ext.needs_bfd();
    if ext.needs_bfd() && !read.view.run_bfd(cli) && !quiet {
        log_warn!(
            "bfd_takeover: the BFD process is not run (-B, -P or -C), so no instance takes over on a BFD Down"
        );
    }
    if !quiet {
        for line in &read.report {
            log_info!("{line}");
        }
    }
    if let Some(d) = loaded
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error && crate::check::is_file_error(d))
    {
        return Err(NoConfig::File(d.to_string()));
    }
    if !quiet {
        log_dump(&loaded, cli);
    }
    Ok(read)
}

/// `-d` without `-t`: keepalived logs the configuration it runs (at start and after each
/// reload) and carries on; it never stops there, so `DAEMON_ARGS="-D -d"` stays a running
/// service.
fn log_dump(loaded: &Loaded, cli: &Cli) {
    let text = match cli.dump_conf {
        None => return,
        Some(DumpFormat::Text) => crate::dump::text(&loaded.config),
        Some(DumpFormat::Json) => crate::dump::json(&loaded.config),
    };
    for line in text.lines() {
        log_info!("{line}");
    }
}

fn summarise(loaded: &Loaded, cli: &Cli) -> Read {
    let mut buf = Vec::new();
    let _ = crate::check::report(&loaded.diagnostics, &mut buf);
    let report = String::from_utf8_lossy(&buf)
        .lines()
        .map(str::to_owned)
        .collect();
    Read {
        view: ParentView::new(&loaded.config, cli),
        has_errors: loaded.diagnostics.has_errors(),
        report,
    }
}

/// `reload_check_config FILE`: write what `-t` would print into FILE (truncated first), as
/// keepalived's config-test child does; `/dev/null` when no file was named.
pub fn write_check_log(file: Option<&str>, report: &[String]) {
    let path = Path::new(file.unwrap_or("/dev/null"));
    match crate::check::open_log(path) {
        Ok(f) => {
            let _ = f.set_len(0);
            use std::io::Write;
            let mut f = f;
            for line in report {
                let _ = writeln!(f, "{line}");
            }
        }
        Err(e) => log_info!(
            "truncate of config check log {} failed - {e}",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;

    fn cli(args: &[&str]) -> Cli {
        crate::cli::for_test(args)
    }

    fn view(text: &str, c: &Cli) -> ParentView {
        ParentView::new(&load_str("k.conf", text, &Options::default()).config, c)
    }

    const VRRP: &str = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n  192.0.2.1\n }\n}\n";
    const LVS: &str =
        "virtual_server 192.0.2.1 80 {\n protocol TCP\n real_server 192.0.2.2 80 {\n }\n}\n";

    #[test]
    fn children_like_keepalived() {
        let c = cli(&[]);
        let v = view(VRRP, &c);
        assert!(v.run_vrrp(&c) && !v.run_checker(&c));
        let v = view(LVS, &c);
        assert!(!v.run_vrrp(&c) && v.run_checker(&c));
        let v = view("static_ipaddress {\n 192.0.2.9/24 dev lo\n}\n", &c);
        assert!(v.run_vrrp(&c));
        let both = format!("{VRRP}{LVS}");
        let p = cli(&["-P"]);
        let v = view(&both, &p);
        assert!(v.run_vrrp(&p) && !v.run_checker(&p));
        let cc = cli(&["-C"]);
        assert!(!v.run_vrrp(&cc) && v.run_checker(&cc));
        let all = cli(&["--all"]);
        let v = view("global_defs {\n router_id x\n}\n", &all);
        assert!(v.run_vrrp(&all) && v.run_checker(&all));
        assert!(!v.run_vrrp(&c) && !v.run_checker(&c));
    }

    #[test]
    fn namespace_and_instance() {
        let c = cli(&["-s", "blue"]);
        let v = view("net_namespace red\ninstance east\n", &c);
        assert_eq!(v.namespace.as_deref(), Some("blue"));
        assert_eq!(v.instance.as_deref(), Some("east"));
        assert!(v.use_pid_dir);
        let v2 = view("net_namespace red\n", &cli(&[]));
        assert_eq!(
            v2.unsupported_changes(&v),
            vec!["network namespace", "instance name"]
        );
        assert_eq!(v.child_wait, Duration::from_secs(5));
    }

    #[test]
    fn missing_file_is_no_config() {
        let c = cli(&["-f", "/nonexistent/kad/k.conf"]);
        assert!(matches!(read(&c, true), Err(NoConfig::NotFound(_))));
    }
}
