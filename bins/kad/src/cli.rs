//! kad's command line: every option of keepalived 2.2.7 (`keepalived --help`, `parse_cmdline()`
//! in `keepalived/core/main.c`), with the same short and long names and argument forms, so an
//! existing unit file or init script can run `kad` in place of `keepalived`.
//!
//! getopt and clap differ in a few corners; this module closes the gaps:
//! - options whose argument is optional in getopt (`-t`, `-g`, `-M`, `--perf`, `--debug`) take it
//!   only when attached (`-tFILE`, `--config-test=FILE`), never from the next word;
//! - an empty argument to a required-argument option (`--use-file=`) is an error, as keepalived's
//!   "Missing parameter for option";
//! - unknown options exit 1, as keepalived does (clap's own code would be 2).

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use clap::{ArgAction, Parser, ValueEnum};

/// Where keepalived (and so kad) reads its configuration when `-f` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "/etc/keepalived/keepalived.conf";

/// Exit code for a command line keepalived rejects (`bad_option` → `exit(1)`).
pub const EXIT_BAD_OPTION: i32 = 1;

/// The parsed command line. Fields are grouped as keepalived's `--help` lists them.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "kad",
    about = "keepalived, re-created in Rust: VRRP, health checkers driving IPVS, BFD",
    disable_version_flag = true,
    // getopt lets an option repeat, the last one winning.
    args_override_self = true,
    // keepalived's -h prints usage; clap's help is equivalent and lists the same names.
    after_help = "Default configuration file: /etc/keepalived/keepalived.conf"
)]
pub struct Cli {
    /// Use the specified configuration file
    #[arg(short = 'f', long = "use-file", value_name = "FILE", value_parser = non_empty_path, allow_hyphen_values = true)]
    pub use_file: Option<PathBuf>,

    /// Only run with VRRP subsystem
    #[arg(short = 'P', long = "vrrp")]
    pub vrrp_only: bool,

    /// Only run with Health-checker subsystem
    #[arg(short = 'C', long = "check")]
    pub check_only: bool,

    /// Don't run BFD subsystem
    #[arg(short = 'B', long = "no_bfd")]
    pub no_bfd: bool,

    /// Force all child processes to run, even if have no configuration
    #[arg(long = "all")]
    pub all: bool,

    /// Log messages to local console
    #[arg(short = 'l', long = "log-console")]
    pub log_console: bool,

    /// Detailed log messages (twice: extra detail)
    #[arg(short = 'D', long = "log-detail", action = ArgAction::Count)]
    pub log_detail: u8,

    /// Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)
    #[arg(short = 'S', long = "log-facility", value_name = "([0-7]|local[0-7]|user|daemon)",
          value_parser = non_empty_string, allow_hyphen_values = true)]
    pub log_facility: Option<String>,

    /// Also log to FILE (default /tmp/keepalived.log); the value must be attached (-gFILE)
    #[arg(short = 'g', long = "log-file", value_name = "FILE", num_args = 0..=1,
          require_equals = true, default_missing_value = "")]
    pub log_file: Option<String>,

    /// Flush log file on write
    #[arg(long = "flush-log-file")]
    pub flush_log_file: bool,

    /// Don't log via syslog
    #[arg(short = 'G', long = "no-syslog")]
    pub no_syslog: bool,

    /// umask for file creation (in numeric form)
    #[arg(short = 'u', long = "umask", value_name = "MASK", value_parser = non_empty_string, allow_hyphen_values = true)]
    pub umask: Option<String>,

    /// Drop VIP on transition from signal.
    #[arg(short = 'X', long = "release-vips")]
    pub release_vips: bool,

    /// Don't remove VRRP VIPs and VROUTEs on daemon stop
    #[arg(short = 'V', long = "dont-release-vrrp")]
    pub dont_release_vrrp: bool,

    /// Don't remove IPVS topology on daemon stop
    #[arg(short = 'I', long = "dont-release-ipvs")]
    pub dont_release_ipvs: bool,

    /// Don't respawn child processes
    #[arg(short = 'R', long = "dont-respawn")]
    pub dont_respawn: bool,

    /// Don't fork the daemon process
    #[arg(short = 'n', long = "dont-fork")]
    pub dont_fork: bool,

    /// Dump the configuration data (kad extension: --dump-conf=json for JSON)
    #[arg(short = 'd', long = "dump-conf", value_name = "FORMAT", num_args = 0..=1,
          require_equals = true, default_missing_value = "text", value_enum)]
    pub dump_conf: Option<DumpFormat>,

    /// Use specified pidfile for parent process
    #[arg(short = 'p', long = "pid", value_name = "FILE", value_parser = non_empty_path, allow_hyphen_values = true)]
    pub pid: Option<PathBuf>,

    /// Use specified pidfile for VRRP child process
    #[arg(short = 'r', long = "vrrp_pid", value_name = "FILE", value_parser = non_empty_path, allow_hyphen_values = true)]
    pub vrrp_pid: Option<PathBuf>,

    /// Enter into genhash utility mode (this should be the first option used).
    #[arg(short = 'T', long = "genhash")]
    pub genhash: bool,

    /// Use specified pidfile for checkers child process
    #[arg(short = 'c', long = "checkers_pid", value_name = "FILE", value_parser = non_empty_path, allow_hyphen_values = true)]
    pub checkers_pid: Option<PathBuf>,

    /// Report all address additions/deletions notified via netlink
    #[arg(short = 'a', long = "address-monitoring")]
    pub address_monitoring: bool,

    /// Use specified pidfile for BFD child process
    #[arg(short = 'b', long = "bfd_pid", value_name = "FILE", value_parser = non_empty_path, allow_hyphen_values = true)]
    pub bfd_pid: Option<PathBuf>,

    /// Enable SNMP subsystem
    #[arg(short = 'x', long = "snmp")]
    pub snmp: bool,

    /// Use the specified socket for master agent
    #[arg(short = 'A', long = "snmp-agent-socket", value_name = "FILE",
          value_parser = non_empty_string, allow_hyphen_values = true)]
    pub snmp_agent_socket: Option<String>,

    /// Run in network namespace NAME (overrides config)
    #[arg(short = 's', long = "namespace", value_name = "NAME", value_parser = non_empty_string, allow_hyphen_values = true)]
    pub namespace: Option<String>,

    /// Produce core dump if terminate abnormally
    #[arg(short = 'm', long = "core-dump")]
    pub core_dump: bool,

    /// Also set /proc/sys/kernel/core_pattern to PATN (default 'core'); attach it: -MPATN
    #[arg(short = 'M', long = "core-dump-pattern", value_name = "PATN", num_args = 0..=1,
          require_equals = true, default_missing_value = "")]
    pub core_dump_pattern: Option<String>,

    /// disable malloc() etc mem-checks (accepted for compatibility; kad has no mem-check)
    #[arg(long = "no-mem-check")]
    pub no_mem_check: bool,

    /// Log malloc/frees to syslog (accepted for compatibility; kad has no mem-check)
    #[arg(short = 'L', long = "mem-check-log", hide = true)]
    pub mem_check_log: bool,

    /// Error if any configuration file missing (same as includet)
    #[arg(short = 'e', long = "all-config")]
    pub all_config: bool,

    /// Skip any configuration lines beginning '@' that don't match id, or any lines beginning
    /// @^ that do match. The config-id defaults to the node name if option not used
    #[arg(short = 'i', long = "config-id", value_name = "id", value_parser = non_empty_string, allow_hyphen_values = true)]
    pub config_id: Option<String>,

    /// Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
    #[arg(long = "signum", value_name = "SIGFUNC", value_parser = non_empty_string, allow_hyphen_values = true)]
    pub signum: Option<String>,

    /// Check the configuration for obvious errors, output to stderr by default
    #[arg(short = 't', long = "config-test", value_name = "LOG_FILE", num_args = 0..=1,
          require_equals = true, default_missing_value = "")]
    pub config_test: Option<String>,

    /// File descriptor to write consolidated config to (keepalived internal use)
    #[arg(long = "config-fd", value_name = "fd_num", hide = true, value_parser = non_empty_string, allow_hyphen_values = true)]
    pub config_fd: Option<String>,

    /// Collect perf data, PERF_TYPE=all, run(default) or end
    #[arg(long = "perf", value_name = "PERF_TYPE", num_args = 0..=1, require_equals = true,
          default_missing_value = "run")]
    pub perf: Option<String>,

    /// Enable debug options (p, b, c, v select parent, bfd, checker and vrrp processes)
    #[arg(long = "debug", value_name = "...", num_args = 0..=1, require_equals = true,
          default_missing_value = "")]
    pub debug: Option<String>,

    /// kad extension: serve Prometheus metrics on ADDR:PORT at /metrics (default off)
    #[arg(long = "metrics-listen", value_name = "ADDR:PORT")]
    pub metrics_listen: Option<std::net::SocketAddr>,

    /// Display the version number
    #[arg(short = 'v', long = "version")]
    pub version: bool,

    /// kad only: read kad's extensions (per-object settings keepalived lacks, such as
    /// bfd_takeover) from FILE, written in keepalived.conf syntax
    #[arg(long = "ext-config", value_name = "FILE", value_parser = non_empty_path, allow_hyphen_values = true)]
    pub ext_config: Option<PathBuf>,
    /// kad only: the DBus VRRP object has CreateInstance and DestroyInstance (keepalived
    /// built with --enable-dbus-create-instance)
    #[arg(long = "dbus-create-instance")]
    pub dbus_create_instance: bool,

    /// Arguments that are not options: keepalived prints them and carries on.
    #[arg(hide = true, trailing_var_arg = false)]
    pub unexpected: Vec<String>,
}

/// The form `--dump-conf` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DumpFormat {
    /// keepalived.conf-like blocks (plain `-d`).
    Text,
    /// JSON of the typed configuration, for tooling.
    Json,
}

impl Cli {
    /// The configuration file to read: `-f`, else keepalived's default.
    pub fn config_path(&self) -> PathBuf {
        self.use_file
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE))
    }

    /// The `-t` log file, when `-tFILE`/`--config-test=FILE` named one.
    pub fn config_test_log(&self) -> Option<&str> {
        self.config_test.as_deref().filter(|s| !s.is_empty())
    }
}

/// How a command line was handled before any configuration is read.
#[derive(Debug)]
pub enum Parsed {
    /// Go on with these options.
    Run(Box<Cli>),
    /// Print this on the given stream and exit with the code (help, bad option).
    Exit {
        /// Text to print.
        text: String,
        /// True for stdout, false for stderr.
        stdout: bool,
        /// Exit code.
        code: i32,
    },
    /// `-T`/`--genhash`: hand these arguments (those after `-T`) to genhash.
    Genhash {
        /// The arguments that follow `-T`.
        args: Vec<OsString>,
        /// Options given before `-T`, which keepalived ignores with a warning.
        ignored_before: bool,
    },
}

/// Parse `argv` (including the program name) the way keepalived does.
pub fn parse<I, T>(argv: I) -> Parsed
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
    // keepalived stops parsing at -T and gives the remaining words to genhash, so genhash's own
    // options never reach kad's parser.
    if let Some(pos) = argv
        .iter()
        .skip(1)
        .position(|a| a == "-T" || a == "--genhash")
    {
        return Parsed::Genhash {
            args: argv[pos + 2..].to_vec(),
            ignored_before: pos > 0,
        };
    }
    match Cli::try_parse_from(getopt_compat(argv)) {
        Ok(cli) => Parsed::Run(Box::new(cli)),
        Err(e) => {
            use clap::error::ErrorKind;
            let (stdout, code) = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => (true, 0),
                _ => (false, EXIT_BAD_OPTION),
            };
            Parsed::Exit {
                text: e.render().to_string(),
                stdout,
                code,
            }
        }
    }
}

/// Short options whose argument getopt takes only when attached (`t::`, `g::`, `M::`).
const OPTIONAL_ARG_SHORTS: &[char] = &['t', 'g', 'M'];
/// Short options that require an argument, attached or in the next word.
const REQUIRED_ARG_SHORTS: &[char] = &['f', 'S', 'u', 'p', 'r', 'c', 'b', 'A', 's', 'i'];
/// Long options that require an argument, attached with `=` or in the next word.
const REQUIRED_ARG_LONGS: &[&str] = &[
    "--use-file",
    "--log-facility",
    "--umask",
    "--pid",
    "--vrrp_pid",
    "--checkers_pid",
    "--bfd_pid",
    "--snmp-agent-socket",
    "--namespace",
    "--config-id",
    "--signum",
    "--config-fd",
    "--ext-config",
    "--metrics-listen",
];

/// Rewrite getopt's attached optional arguments (`-tFILE`, `-lnglog`) into the `-t=FILE` form
/// clap understands, leaving everything else as it was. Words that are the argument of a
/// required-argument option (`-f -tfoo`: a file named `-tfoo`) are passed through untouched.
fn getopt_compat(argv: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(argv.len());
    let mut iter = argv.into_iter();
    if let Some(prog) = iter.next() {
        out.push(prog);
    }
    let mut value_next = false;
    let mut rest_verbatim = false;
    for arg in iter {
        if value_next || rest_verbatim {
            value_next = false;
            out.push(arg);
            continue;
        }
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            rest_verbatim = true;
            out.push(arg);
            continue;
        }
        if let Some(long) = text.strip_prefix("--") {
            value_next = !long.contains('=') && REQUIRED_ARG_LONGS.contains(&text);
            out.push(arg);
            continue;
        }
        let Some(cluster) = text.strip_prefix('-').filter(|c| !c.is_empty()) else {
            out.push(arg);
            continue;
        };
        let mut flags = String::new();
        let mut split = None;
        for (i, c) in cluster.char_indices() {
            let rest = &cluster[i + c.len_utf8()..];
            if REQUIRED_ARG_SHORTS.contains(&c) {
                value_next = rest.is_empty();
                break;
            }
            if OPTIONAL_ARG_SHORTS.contains(&c) && !rest.is_empty() {
                split = Some((c, rest.to_owned()));
                break;
            }
            flags.push(c);
        }
        match split {
            Some((c, value)) => {
                if !flags.is_empty() {
                    out.push(format!("-{flags}").into());
                }
                out.push(format!("-{c}={value}").into());
            }
            None => out.push(arg),
        }
    }
    out
}

fn non_empty_string(s: &str) -> Result<String, EmptyArgument> {
    if s.is_empty() {
        Err(EmptyArgument)
    } else {
        Ok(s.to_owned())
    }
}

fn non_empty_path(s: &str) -> Result<PathBuf, EmptyArgument> {
    non_empty_string(s).map(PathBuf::from)
}

/// An option that needs an argument was given an empty one (`--use-file=`).
#[derive(Debug, Clone, Copy)]
pub struct EmptyArgument;

impl fmt::Display for EmptyArgument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("missing parameter")
    }
}

impl std::error::Error for EmptyArgument {}

/// syslog facility named by `-S`: `0`..`7`, `local0`..`local7`, `user` or `daemon`
/// (keepalived's `LOG_FACILITY[]` and `facility_names[]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFacility {
    /// `LOG_LOCALn`.
    Local(u8),
    /// `LOG_USER`.
    User,
    /// `LOG_DAEMON`, keepalived's default.
    Daemon,
}

impl LogFacility {
    /// Parse `-S`'s argument; `None` when keepalived would print "Invalid log facility".
    pub fn parse(s: &str) -> Option<Self> {
        let digits = s.strip_prefix("local").unwrap_or(s);
        if digits.len() == 1 {
            if let Some(n) = digits.chars().next().and_then(|c| c.to_digit(10)) {
                if n <= 7 {
                    return Some(LogFacility::Local(n as u8));
                }
            }
        }
        match s {
            "user" => Some(LogFacility::User),
            "daemon" => Some(LogFacility::Daemon),
            _ => None,
        }
    }
}

/// Parse `-u`'s argument as keepalived's `set_umask()` does: C integer syntax (`0` prefix octal,
/// `0x` hex, else decimal), only permission bits allowed.
pub fn parse_umask(s: &str) -> Option<u32> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    let v = u32::from_str_radix(digits, radix).ok()?;
    (v & !0o777 == 0).then_some(v)
}

/// `--signum=SIGFUNC`: the signal number keepalived uses for each control function
/// (`get_signum()` in `lib/signals.c`); `None` for an unknown name.
pub fn signum(func: &str) -> Option<i32> {
    match func {
        "STOP" => Some(libc::SIGTERM),
        "RELOAD" => Some(libc::SIGHUP),
        "DATA" => Some(libc::SIGUSR1),
        "STATS" => Some(libc::SIGUSR2),
        "STATS_CLEAR" => Some(libc::SIGRTMAX() - 1),
        "JSON" => Some(libc::SIGRTMIN() + 2),
        _ => None,
    }
}

/// The options of `kad ARGS…`, for unit tests anywhere in the binary.
#[cfg(test)]
pub fn for_test(args: &[&str]) -> Cli {
    let mut argv = vec!["kad"];
    argv.extend_from_slice(args);
    match parse(argv) {
        Parsed::Run(cli) => *cli,
        other => panic!("expected options, got {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Cli {
        for_test(args)
    }

    fn exit_code(args: &[&str]) -> i32 {
        let mut argv = vec!["kad"];
        argv.extend_from_slice(args);
        match parse(argv) {
            Parsed::Exit { code, .. } => code,
            other => panic!("expected exit, got {other:?}"),
        }
    }

    #[test]
    fn defaults_to_keepalived_config_path() {
        let cli = run(&[]);
        assert_eq!(cli.config_path(), PathBuf::from(DEFAULT_CONFIG_FILE));
        assert!(cli.config_test.is_none());
    }

    #[test]
    fn config_test_takes_only_attached_file() {
        let cli = run(&["-t", "-f", "/x.conf"]);
        assert_eq!(cli.config_test.as_deref(), Some(""));
        assert_eq!(cli.config_test_log(), None);
        assert_eq!(cli.use_file, Some(PathBuf::from("/x.conf")));
        let cli = run(&["--config-test=/tmp/log", "--use-file=/y.conf"]);
        assert_eq!(cli.config_test_log(), Some("/tmp/log"));
        assert_eq!(cli.use_file, Some(PathBuf::from("/y.conf")));
        // getopt keeps everything after -t, so -t=FILE names "=FILE", as in keepalived.
        let cli = run(&["-t=/tmp/log"]);
        assert_eq!(cli.config_test_log(), Some("=/tmp/log"));
    }

    #[test]
    fn short_flags_cluster_like_getopt() {
        let cli = run(&["-lnDD", "-P"]);
        assert!(cli.log_console && cli.dont_fork && cli.vrrp_only);
        assert_eq!(cli.log_detail, 2);
        let cli = run(&["-ldn"]);
        assert!(cli.log_console && cli.dont_fork);
        assert_eq!(cli.dump_conf, Some(DumpFormat::Text));
    }

    #[test]
    fn getopt_attached_optional_arguments() {
        let cli = run(&["-tLOG", "-lnglog", "-Mcore"]);
        assert_eq!(cli.config_test_log(), Some("LOG"));
        assert!(cli.log_console && cli.dont_fork);
        assert_eq!(cli.log_file.as_deref(), Some("log"));
        assert_eq!(cli.core_dump_pattern.as_deref(), Some("core"));
        // The word after -f is its value even when it looks like options.
        let cli = run(&["-f", "-tfoo"]);
        assert_eq!(cli.use_file, Some(PathBuf::from("-tfoo")));
        assert!(cli.config_test.is_none());
        let cli = run(&["--use-file", "-tx", "-ffile", "-i", "-t"]);
        assert_eq!(cli.use_file, Some(PathBuf::from("file")));
        assert_eq!(cli.config_id.as_deref(), Some("-t"));
    }

    #[test]
    fn dump_conf_forms() {
        assert_eq!(run(&["-d"]).dump_conf, Some(DumpFormat::Text));
        assert_eq!(run(&["--dump-conf"]).dump_conf, Some(DumpFormat::Text));
        assert_eq!(run(&["--dump-conf=json"]).dump_conf, Some(DumpFormat::Json));
        assert_eq!(exit_code(&["--dump-conf=yaml"]), EXIT_BAD_OPTION);
    }

    #[test]
    fn every_keepalived_option_is_accepted() {
        let cli = run(&[
            "-f",
            "/k.conf",
            "-P",
            "-C",
            "-B",
            "--all",
            "-l",
            "-D",
            "-S",
            "local3",
            "-glog",
            "--flush-log-file",
            "-G",
            "-u",
            "0022",
            "-X",
            "-V",
            "-I",
            "-R",
            "-n",
            "-d",
            "-p",
            "/p",
            "-r",
            "/r",
            "-c",
            "/c",
            "-a",
            "-b",
            "/b",
            "-x",
            "-A",
            "/sock",
            "-s",
            "ns1",
            "-m",
            "-Mcore.%p",
            "--no-mem-check",
            "-e",
            "-i",
            "node1",
            "--perf=all",
            "--debug=TpMEvcp",
            "--config-fd=3",
            "-t",
        ]);
        assert_eq!(cli.log_facility.as_deref(), Some("local3"));
        assert_eq!(cli.log_file.as_deref(), Some("log"));
        assert_eq!(cli.core_dump_pattern.as_deref(), Some("core.%p"));
        assert_eq!(cli.config_id.as_deref(), Some("node1"));
        assert_eq!(cli.namespace.as_deref(), Some("ns1"));
        assert_eq!(cli.perf.as_deref(), Some("all"));
        assert!(cli.all && cli.all_config && cli.snmp && cli.no_bfd && cli.check_only);
        let cli = run(&[
            "--use-file=/k.conf",
            "--vrrp",
            "--check",
            "--no_bfd",
            "--log-console",
            "--log-detail",
            "--log-facility=daemon",
            "--log-file",
            "--no-syslog",
            "--umask=077",
            "--release-vips",
            "--dont-release-vrrp",
            "--dont-release-ipvs",
            "--dont-respawn",
            "--dont-fork",
            "--pid=/p",
            "--vrrp_pid=/r",
            "--checkers_pid=/c",
            "--address-monitoring",
            "--bfd_pid=/b",
            "--snmp",
            "--snmp-agent-socket=/s",
            "--namespace=n",
            "--core-dump",
            "--core-dump-pattern",
            "--all-config",
            "--config-id=x",
            "--config-test",
            "--perf",
            "--debug",
        ]);
        assert_eq!(cli.log_file.as_deref(), Some(""));
        assert_eq!(cli.perf.as_deref(), Some("run"));
        assert_eq!(cli.core_dump_pattern.as_deref(), Some(""));
    }

    #[test]
    fn bad_options_exit_1_like_keepalived() {
        assert_eq!(exit_code(&["--bogus"]), 1);
        assert_eq!(exit_code(&["-f"]), 1);
        assert_eq!(exit_code(&["--use-file="]), 1);
        assert_eq!(exit_code(&["-h"]), 0);
        assert_eq!(exit_code(&["--help"]), 0);
    }

    #[test]
    fn metrics_listen_takes_an_address_and_port() {
        assert_eq!(
            run(&["--metrics-listen", "127.0.0.1:9650"]).metrics_listen,
            Some("127.0.0.1:9650".parse().unwrap())
        );
        assert_eq!(
            run(&["--metrics-listen=[::1]:9650"]).metrics_listen,
            Some("[::1]:9650".parse().unwrap())
        );
        assert_eq!(run(&[]).metrics_listen, None);
        assert_eq!(exit_code(&["--metrics-listen", "9650"]), 1);
    }

    #[test]
    fn genhash_takes_the_rest() {
        match parse(["kad", "-T", "-s", "192.0.2.1", "-p", "80"]) {
            Parsed::Genhash {
                args,
                ignored_before,
            } => {
                assert_eq!(args.len(), 4);
                assert!(!ignored_before);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn facility_umask_signum() {
        assert_eq!(LogFacility::parse("local7"), Some(LogFacility::Local(7)));
        assert_eq!(LogFacility::parse("3"), Some(LogFacility::Local(3)));
        assert_eq!(LogFacility::parse("daemon"), Some(LogFacility::Daemon));
        assert_eq!(LogFacility::parse("local8"), None);
        assert_eq!(parse_umask("022"), Some(0o22));
        assert_eq!(parse_umask("0x1ff"), Some(0o777));
        assert_eq!(parse_umask("18"), Some(18));
        assert_eq!(parse_umask("01000"), None);
        assert_eq!(parse_umask("abc"), None);
        assert_eq!(signum("STOP"), Some(15));
        assert_eq!(signum("RELOAD"), Some(1));
        assert_eq!(signum("DATA"), Some(10));
        assert_eq!(signum("STATS"), Some(12));
        assert_eq!(signum("JSON"), Some(36));
        assert_eq!(signum("STATS_CLEAR"), Some(63));
        assert_eq!(signum("TDUMP"), None);
    }
}
