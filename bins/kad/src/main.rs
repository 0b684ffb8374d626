//! `kad`: keepalived re-created in Rust.
//!
//! It accepts keepalived 2.2.7's command line unchanged (see [`cli`]): `-t` checks a
//! configuration (keepalived's exit codes) and with `-d`/`--dump-conf[=json]` prints the
//! effective configuration, `-v`, `-h`, `--signum`, `-T` (hands over to `genhash`); otherwise it runs
//! the daemon: a parent process ([`daemon`]) starting a VRRP and a checker child, each of which
//! runs its loop from kad's library ([`kad::vrrp::run`], [`kad::checker::run`]).
//!
//! This binary holds what is only the daemon's: the command line, the parent and its children,
//! pid files, logging to syslog and files, and the `-t`/`-d` checks.
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[macro_use]
extern crate kad;

mod check;
mod cli;
mod daemon;
mod dump;
mod host;
mod log;
mod not_acted;
mod version;

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use keepalive_confparse::diag::{Diagnostic, Severity};
use keepalive_confparse::load::{load, Loaded};
use keepalive_confparse::Options;

use kad::{bfd, checker, memory, signals, spawn, vrrp, ChildOptions};

use cli::{Cli, DumpFormat, Parsed};

fn main() -> ExitCode {
    let code = match cli::parse(std::env::args_os()) {
        Parsed::Exit { text, stdout, code } => {
            if stdout {
                print!("{text}");
            } else {
                eprint!("{text}");
            }
            code
        }
        Parsed::Genhash {
            args,
            ignored_before,
        } => genhash(args, ignored_before),
        Parsed::Run(cli) => {
            memory::no_huge_pages();
            run(&cli)
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn run(cli: &Cli) -> i32 {
    if cli.version {
        eprint!("{}", version::text());
        return 0;
    }
    if let Some(func) = &cli.signum {
        return match cli::signum(func) {
            Some(n) => {
                println!("{n}");
                0
            }
            None => {
                eprintln!("Unknown sigfunc {func}");
                1
            }
        };
    }
    // keepalived complains about these and carries on with its defaults (the parent only).
    let child = daemon::child_role().is_some();
    if let Some(f) = cli.log_facility.as_ref().filter(|_| !child) {
        if cli::LogFacility::parse(f).is_none() {
            eprintln!("Invalid log facility '{f}'");
        }
    }
    if let Some(u) = cli.umask.as_ref().filter(|_| !child) {
        if cli::parse_umask(u).is_none() {
            eprintln!("Invalid --umask option {u}");
        }
    }
    if !cli.unexpected.is_empty() && !child {
        println!("Unexpected argument(s): {} ", cli.unexpected.join(" "));
    }

    if cli.config_test.is_some() {
        return config_test(cli);
    }
    match daemon::child_role() {
        Some(role @ log::Role::Vrrp) => daemon::child_main(cli, role, |cli| {
            vrrp::run(&child_options(cli, cli.dont_release_vrrp))
        }),
        Some(role @ log::Role::Checker) => daemon::child_main(cli, role, |cli| {
            checker::run(&child_options(cli, cli.dont_release_ipvs))
        }),
        Some(role @ log::Role::Bfd) => {
            daemon::child_main(cli, role, |cli| bfd::run(&child_options(cli, false)))
        }
        Some(_) => 1,
        None => daemon::run(cli),
    }
}

/// The options the preprocessor needs from the command line. Without `-i` the preprocessor
/// uses keepalived's default config-id, the node name up to its first dot. The loader also
/// reports where the keywords kad does not act on are, for [`not_acted`]'s warnings.
fn options(cli: &Cli) -> Options {
    Options {
        config_id: cli.config_id.clone(),
        include_check_all: cli.all_config,
        report_keywords: not_acted::keywords(),
        ..Options::default()
    }
}

/// What a child's loop takes from the command line and from the parent.
fn child_options(cli: &Cli, dont_release: bool) -> ChildOptions {
    ChildOptions {
        config_file: cli.config_path(),
        ext_config: cli.ext_config.clone(),
        parse: options(cli),
        dont_release,
        log_detail: cli.log_detail > 0,
        config_read: daemon::config_read,
        stopped: daemon::log_stopping,
        reload: reload_parent,
        dbus_create_instance: cli.dbus_create_instance,
        snmp: cli.snmp,
        snmp_socket: cli.snmp_agent_socket.clone(),
    }
}

/// DBus `ReloadConfig` in the VRRP child: SIGHUP to kad's parent, which reloads every child
/// (keepalived's `kill(getppid(), SIGHUP)`).
fn reload_parent() {
    let _ = nix::sys::signal::kill(nix::unistd::getppid(), nix::sys::signal::Signal::SIGHUP);
}

/// Load the configuration, or explain why there is none to load.
fn read(cli: &Cli, err: &mut dyn Write) -> Result<Checked, i32> {
    let path = cli.config_path();
    // keepalived globs `-f` too; a pattern is left to the loader, which reports no match.
    let pattern = path.to_string_lossy().contains(['*', '?', '[', '{']);
    if !pattern {
        if let Err(e) = std::fs::File::open(&path) {
            let _ = writeln!(
                err,
                "{}: error: unable to read configuration file: {e}",
                path.display()
            );
            return Err(check::EXIT_CONFIG);
        }
    }
    let mut loaded = load(&path, &options(cli));
    not_acted::warn_keywords(&mut loaded);
    kad::ext_config::load(
        cli.ext_config.as_deref(),
        &options(cli),
        &loaded.config,
        &mut loaded.diagnostics,
    );
    let namespace = cli
        .namespace
        .as_deref()
        .or(loaded.config.top.net_namespace.as_deref());
    let interfaces = match namespace.map(host::enter_namespace) {
        None => host::Interfaces::Sys(Path::new(host::SYS_CLASS_NET)),
        Some(Ok(())) => host::Interfaces::Kernel,
        Some(Err(why)) => {
            loaded.diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                loc: None,
                message: format!("{why}: interfaces not checked"),
                hint: None,
            });
            host::Interfaces::Unchecked
        }
    };
    let findings = host::check(&loaded.config, interfaces);
    host::merge(&findings, &mut loaded.diagnostics);
    Ok(Checked {
        loaded,
        security_violation: findings.security_violation,
    })
}

/// A configuration read and checked against this machine.
struct Checked {
    loaded: Loaded,
    security_violation: bool,
}

impl Checked {
    fn exit_code(&self) -> i32 {
        check::exit_code(&self.loaded.diagnostics, self.security_violation)
    }
}

fn config_test(cli: &Cli) -> i32 {
    let mut log: Box<dyn Write> = match cli.config_test_log() {
        Some(file) => match check::open_log(Path::new(file)) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("Unable to open config-test log file {file} - {e}");
                return 1;
            }
        },
        None => Box::new(io::stderr().lock()),
    };
    let checked = match read(cli, &mut log) {
        Ok(c) => c,
        Err(code) => return code,
    };
    for line in not_acted::flag_warnings(cli) {
        let _ = writeln!(log, "warning: {line}");
    }
    let _ = check::report(&checked.loaded.diagnostics, &mut log);
    if let Some(format) = cli.dump_conf {
        print_dump(&checked.loaded, format);
    }
    let code = checked.exit_code();
    // The process ends here: freeing a configuration of tens of thousands of instances piece
    // by piece would cost a tenth of the whole check.
    std::mem::forget(checked);
    code
}

fn print_dump(loaded: &Loaded, format: DumpFormat) {
    let text = match format {
        DumpFormat::Text => dump::text(&loaded.config),
        DumpFormat::Json => dump::json(&loaded.config),
    };
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// `-T`: keepalived runs its built-in genhash; kad runs its own `genhash`, installed beside it
/// (`target/…/genhash`) or, when kad is in an `sbin` directory, in the sibling `bin` one
/// (`/usr/sbin/kad` → `/usr/bin/genhash`, as the package installs them).
/// Never one found on `PATH`: that may be keepalived's, with other options and output.
fn genhash(args: Vec<std::ffi::OsString>, ignored_before: bool) -> i32 {
    if ignored_before {
        eprintln!("Warning -- `-T` not used as first option, previous options ignored");
    }
    let dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let mut candidates: Vec<_> = dir.iter().map(|d| d.join("genhash")).collect();
    if let Some(d) = dir.as_ref().filter(|d| d.ends_with("sbin")) {
        candidates.push(d.join("../bin/genhash"));
    }
    let Some(exe) = candidates.iter().find(|p| p.is_file()) else {
        let looked: Vec<_> = candidates.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "kad: cannot run genhash: kad's genhash is not installed (looked for {})",
            looked.join(" and ")
        );
        return 1;
    };
    match std::process::Command::new(exe).args(args).status() {
        Ok(status) => status.code().unwrap_or(1),
        Err(e) => {
            eprintln!("kad: cannot run {}: {e}", exe.display());
            1
        }
    }
}
