//! The checker child process (keepalived's healthchecker, `check/check_daemon.c`): it builds
//! the pool of virtual and real servers from the configuration, installs them into IPVS, runs
//! every health checker in one event loop and keeps IPVS true to the results.
//!
//! * SIGHUP reloads: a configuration with errors is refused and the running one kept; real
//!   servers that stay keep their state (keepalive-checkers' `Pool::reload`).
//! * SIGTERM stops: every IPVS entry kad installed is removed, unless `--dont-release-ipvs`.
//! * Without IPVS in the kernel the checks still run; see the `ipvs` module.
//! * `announce` (extension file): virtual servers' addresses are kernel routes while they
//!   have quorum; SIGTERM withdraws them first and waits `drain` ([`crate::announce`]).

mod event_loop;
mod io;
mod ipvs;
pub(crate) mod mapping;
mod script;
mod tls_key;
mod wording;

use std::collections::HashSet;

use keepalive_confparse::diag::Severity;

use keepalive_confparse::load::{load, Loaded};
use keepalive_ipvs::from_config;

use crate::signals::Signals;
use crate::ChildOptions;

use event_loop::Loop;
use mapping::Plan;

/// keepalived's `KEEPALIVED_EXIT_FATAL`.
const EXIT_FATAL: i32 = 1;
/// keepalived's `KEEPALIVED_EXIT_CONFIG`.
const EXIT_CONFIG: i32 = 2;

/// Load and map the configuration, logging its diagnostics.
///
/// keepalived runs a configuration whatever its complaints (missing `lvs_sched` is a
/// "configuration error" that it fixes with a default), so at start-up only a configuration
/// that cannot be mapped at all is refused. On reload, a configuration with errors that the
/// running one did not have (`known`) is refused and the running one kept.
fn read(
    opts: &ChildOptions,
    known: Option<&HashSet<String>>,
) -> Option<(Loaded, Plan, HashSet<String>, crate::announce::Plan)> {
    let mut loaded = load(&opts.config_file, &opts.parse);
    let ext = crate::ext_config::load(
        opts.ext_config.as_deref(),
        &opts.parse,
        &loaded.config,
        &mut loaded.diagnostics,
    );
    let announce = crate::announce::Plan::new(&loaded.config, &ext);
    let mut errors = HashSet::new();
    let mut new_errors = 0;
    for d in loaded.diagnostics.iter() {
        let text = d.to_string();
        if d.severity == Severity::Error {
            if known.is_some_and(|k| !k.contains(&text)) {
                new_errors += 1;
            }
            errors.insert(text.clone());
        }
        if known.is_none() || new_errors > 0 {
            log_info!("{text}");
        }
    }
    if new_errors > 0 {
        log_err!("Configuration has {new_errors} new error(s); keeping the running configuration");
        return None;
    }
    match mapping::plan(&loaded.config) {
        Ok(plan) => Some((loaded, plan, errors, announce)),
        Err(e) => {
            log_err!("{e}");
            None
        }
    }
}

/// The TLS settings of every SSL_GET, from the `SSL` block.
///
/// keepalived stops the checker process, and with it the daemon, when the certificate or key
/// cannot be loaded (`init_ssl_ctx` failing is `KEEPALIVED_EXIT_FATAL`); kad logs keepalived's
/// line and the cause, and keeps checking without a client certificate, so servers that do
/// not require one stay up.
fn client_tls(loaded: &Loaded) -> Option<io::Tls> {
    let client = loaded.config.lvs.ssl.as_ref().and_then(|s| {
        Some(io::ClientCert {
            certificate: s.certificate.as_deref()?,
            key: s.key.as_deref()?,
            password: s.password.as_deref(),
        })
    });
    match io::Tls::new(client) {
        Ok(t) => Some(t),
        Err(e) => {
            log_info!("{}", e.keepalived_line());
            log_err!("SSL: {e}; trying without a client certificate");
            io::Tls::new(None).ok()
        }
    }
}

/// keepalived's `set_max_file_limit`: every checker may hold a socket at once (plus MISC
/// pipes, FIFOs, netlink and a margin), so the open file limit is raised to that many, the
/// hard limit too when it is lower (the checker runs as root, as keepalived's does).
fn raise_fd_limit(checkers: usize) {
    use nix::sys::resource::{getrlimit, setrlimit, Resource, RLIM_INFINITY};
    let want = libc::rlim_t::try_from(checkers.saturating_add(128)).unwrap_or(RLIM_INFINITY);
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return;
    };
    if soft >= want {
        return;
    }
    let hard = hard.max(want);
    match setrlimit(Resource::RLIMIT_NOFILE, want, hard) {
        Err(errno) => log_info!(
            "Failed to set open file limit to {want}:{hard} failed - errno {}",
            errno as i32
        ),
        Ok(()) if crate::logger::detail() => log_info!("Set open file limit to {want}:{hard}."),
        Ok(()) => {}
    }
}

/// The checker child's main function (env `KAD_CHILD=checker`). Returns the exit code.
pub fn run(opts: &ChildOptions) -> i32 {
    // Blocked before anything else so no signal is lost while the configuration loads.
    let signals = match Signals::new() {
        Ok(s) => s,
        Err(e) => {
            log_err!("Healthcheck child process: cannot set up signals: {e}");
            return EXIT_FATAL;
        }
    };
    let Some((loaded, plan, errors, announce)) = read(opts, None) else {
        return EXIT_CONFIG;
    };
    raise_fd_limit(plan.checkers.len());
    crate::sched::apply(&loaded.config.global.checker_process, "Healthcheck");
    crate::privileges::note_checker_scripts(&loaded.config);
    let g = &loaded.config.global;
    let netns = loaded.config.top.net_namespace_ipvs.as_deref();
    let ipvs = ipvs::Ipvs::start(from_config::lvs_settings(g), netns);
    let tls = client_tls(&loaded);
    let snmp = crate::snmp::check_agent::wanted(opts, &loaded.config);
    // The configuration's model is freed before the pool and the checkers are built, so that
    // they fill its space rather than being scattered among its holes.
    let global = loaded.config.global.clone();
    drop(loaded);
    let mut event_loop = match Loop::new(plan, signals, ipvs, tls, &global) {
        Ok(l) => l,
        Err(e) => {
            log_err!("Healthcheck child process: {e}");
            return EXIT_FATAL;
        }
    };
    event_loop.set_announcements(announce);
    event_loop.dont_release_ipvs = opts.dont_release;
    event_loop.config_read = opts.config_read;
    event_loop.start_snmp(snmp);
    drop(global);
    crate::memory::release_after_load();
    let opts_reload = opts.clone();
    let mut known = errors;
    let reloader: event_loop::Reloader = Box::new(move || {
        let (loaded, plan, errors, announce) = read(&opts_reload, Some(&known))?;
        known = errors;
        let tls = client_tls(&loaded);
        let snmp = crate::snmp::check_agent::wanted(&opts_reload, &loaded.config);
        let global = loaded.config.global;
        Some(event_loop::Reloaded {
            plan,
            settings: from_config::lvs_settings(&global),
            tls,
            global,
            announce,
            snmp,
        })
    });
    let _ = event_loop.run(reloader);
    if !opts.dont_release {
        event_loop.release_ipvs();
    }
    (opts.stopped)();
    0
}
