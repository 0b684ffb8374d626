//! Command line, parsed the way keepalived 2.2.7's genhash parses it.
//!
//! keepalived uses `getopt_long()` with the option string `":hvSs:V:p:u:m:P:t:I"`, so this
//! module reproduces GNU getopt rather than using clap: unambiguous abbreviations of long
//! options (`--serv`), `--opt=value`, clustered short flags (`-vS`), attached values
//! (`-p8080`), operands permuted to the end (reported as "Unexpected argument(s)"), and
//! keepalived's own messages, all on stderr followed by the usage text and exit status 1.
//! Scripts that drive keepalived's genhash therefore see the same behaviour.
//!
//! Extensions, from the user guide's description of the older genhash (`--hash/-H`,
//! `--release/-r`): they are only matched by their full long names, so every abbreviation
//! keepalived accepts still means what it meant.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use thiserror::Error;

use crate::cnum::{strtol, strtoul};
use crate::digest::HashAlgorithm;

/// The HTTP version and `Connection` header of the request (`-P`): the checker's `http_protocol`.
pub use keepalive_checkers::HttpProtocol;

/// What one run of genhash should fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Where to connect (`-s` address, `-p` port).
    pub server: SocketAddr,
    /// The request path, sent as given (`-u`).
    pub url: String,
    /// `Host:` header value, and SNI name with `-I` (`-V`).
    pub virtualhost: Option<String>,
    /// Speak TLS (`-S`).
    pub use_ssl: bool,
    /// Send the virtual host as SNI (`-I`).
    pub use_sni: bool,
    /// Print the header, hex dumps and timing (`-v`).
    pub verbose: bool,
    /// `SO_MARK` for the socket, 0 for none (`-m`).
    pub fwmark: u32,
    /// Request line version (`-P`).
    pub protocol: HttpProtocol,
    /// Limit for each connect, write and read step (`-t`).
    pub timeout: Duration,
    /// Digest to print (`-H`, an extension).
    pub hash: HashAlgorithm,
}

/// keepalived's default `connection_to` for genhash: `UINT_MAX` microseconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_micros(u32::MAX as u64);

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Fetch and print a digest.
    Run(Options),
    /// Print the version (`-r`, an extension).
    Release,
    /// Print `errors` (one per line), then the usage text on stderr, and exit 1.
    Usage {
        /// The complaints, in the order keepalived prints them; may be empty (`-h`).
        errors: Vec<CliError>,
    },
}

/// One complaint about the command line, worded as keepalived words it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CliError {
    /// A short option that does not exist.
    #[error("Unknown option -{0}")]
    UnknownShort(char),
    /// A long option that does not exist or is ambiguous, or a flag given `=value`.
    #[error("Unknown option {0}")]
    UnknownLong(String),
    /// A short option's value is missing.
    #[error("Missing parameter for option -{0}")]
    MissingShort(char),
    /// A long option's value is missing (keepalived 2.2.7 crashes here instead).
    #[error("Missing parameter for option --{0}")]
    MissingLong(&'static str),
    /// `-s` is not an IPv4 or IPv6 address.
    #[error("server should be an IP, not {0}")]
    BadServer(String),
    /// `-p` is not a number in 1..=65535.
    #[error("invalid port number '{0}'")]
    BadPort(String),
    /// `-m` is not an unsigned number.
    #[error("invalid fwmark '{0}'")]
    BadFwmark(String),
    /// `-P` is not 1.0, 1.0c, 1.0C or 1.1.
    #[error("invalid HTTP protocol version '{0}'")]
    BadProtocol(String),
    /// `-t` is not an unsigned number.
    #[error("invalid timeout '{0}'")]
    BadTimeout(String),
    /// `-H` names no supported algorithm.
    #[error("invalid hash algorithm '{0}' (md5, sha1 or sha256)")]
    BadHash(String),
    /// Operands left over.
    #[error("Unexpected argument(s): {}", .0.join(" "))]
    Unexpected(Vec<String>),
}

/// keepalived's usage text for `prog` (its `argv[0]`), then the extensions.
pub fn usage(prog: &str) -> String {
    format!(
        "Usage: {prog} COMMAND [OPTIONS]\n\
         Commands:\n   -s server-address -p port -u url\n   -S -s server-address -p port -u url\n   -h\n\n\
         Options:\n\
         Either long or short options are allowed.\n\
         \x20  --use-ssl         -S       Use SSL connection to remote server.\n\
         \x20  --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).\n\
         \x20  --server          -s       Use the specified remote server address.\n\
         \x20  --port            -p       Use the specified remote server port.\n\
         \x20  --url             -u       Use the specified remote server url.\n\
         \x20  --use-virtualhost -V       Use the specified virtualhost in GET query.\n\
         \x20  --verbose         -v       Use verbose mode output.\n\
         \x20  --help            -h       Display this short inlined help screen.\n\
         \x20  --fwmark          -m       Use the specified FW mark.\n\
         \x20  --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.\n\
         \x20                               1.0c means 1.0 with 'Connection: close'\n\
         \x20  --timeout         -t       Timeout in seconds\n\
         \x20  --hash            -H       Use the specified hash: md5 (default), sha1, sha256.\n\
         \x20  --release         -r       Display the release number and exit.\n"
    )
}

struct LongOpt {
    name: &'static str,
    takes_value: bool,
    short: char,
    /// keepalived's own options may be abbreviated; the extensions may not.
    abbreviable: bool,
}

const fn opt(name: &'static str, takes_value: bool, short: char, abbreviable: bool) -> LongOpt {
    LongOpt {
        name,
        takes_value,
        short,
        abbreviable,
    }
}

const LONG_OPTIONS: &[LongOpt] = &[
    opt("help", false, 'h', true),
    opt("verbose", false, 'v', true),
    opt("use-ssl", false, 'S', true),
    opt("use-sni", false, 'I', true),
    opt("server", true, 's', true),
    opt("use-virtualhost", true, 'V', true),
    opt("port", true, 'p', true),
    opt("url", true, 'u', true),
    opt("fwmark", true, 'm', true),
    opt("protocol", true, 'P', true),
    opt("timeout", true, 't', true),
    opt("hash", true, 'H', false),
    opt("release", false, 'r', false),
];

const SHORT_FLAGS: &str = "hvSIr";
const SHORT_WITH_VALUE: &str = "sVpumPtH";

/// getopt_long's lookup: an exact name, else a unique prefix (several prefixes that mean the
/// same option count as one).
fn find_long(name: &str) -> Option<&'static LongOpt> {
    if let Some(exact) = LONG_OPTIONS.iter().find(|o| o.name == name) {
        return Some(exact);
    }
    if name.is_empty() {
        return None;
    }
    let mut found: Option<&'static LongOpt> = None;
    for o in LONG_OPTIONS
        .iter()
        .filter(|o| o.abbreviable && o.name.starts_with(name))
    {
        match found {
            Some(f) if f.short != o.short => return None,
            _ => found = Some(o),
        }
    }
    found
}

#[derive(Default)]
struct Builder {
    server: Option<IpAddr>,
    port: Option<u16>,
    url: Option<String>,
    virtualhost: Option<String>,
    use_ssl: bool,
    use_sni: bool,
    verbose: bool,
    fwmark: u32,
    protocol: HttpProtocol,
    timeout: Option<Duration>,
    hash: HashAlgorithm,
    help: bool,
    release: bool,
}

impl Builder {
    fn flag(&mut self, c: char) {
        match c {
            'h' => self.help = true,
            'v' => self.verbose = true,
            'S' => self.use_ssl = true,
            'I' => self.use_sni = true,
            'r' => self.release = true,
            _ => unreachable!("not a flag: {c}"),
        }
    }

    /// Applies an option's value; an error here ends parsing at once, as in keepalived.
    fn value(&mut self, c: char, v: &str) -> Result<(), CliError> {
        match c {
            's' => self.server = Some(parse_server(v).ok_or(CliError::BadServer(v.into()))?),
            'V' => self.virtualhost = Some(v.into()),
            'p' => {
                let (n, end) = strtol(v.as_bytes());
                match u16::try_from(n) {
                    Ok(port) if port > 0 && end == v.len() => self.port = Some(port),
                    _ => return Err(CliError::BadPort(v.into())),
                }
            }
            'u' => self.url = Some(v.into()),
            'm' => {
                let start = v.trim_start_matches([' ', '\t']);
                let (n, end) = strtoul(start.as_bytes());
                if end != start.len() || start.starts_with('-') {
                    return Err(CliError::BadFwmark(v.into()));
                }
                // keepalived stores it with an `(unsigned)` cast.
                self.fwmark = n as u32;
            }
            'P' => {
                self.protocol = match v {
                    "1.0" => HttpProtocol::Http10,
                    "1.0c" | "1.0C" => HttpProtocol::Http10Close,
                    "1.1" => HttpProtocol::Http11,
                    _ => return Err(CliError::BadProtocol(v.into())),
                }
            }
            't' => {
                let start = v.trim_start_matches([' ', '\t']);
                let (n, end) = strtoul(start.as_bytes());
                if end != start.len() || start.starts_with('-') || start.is_empty() {
                    return Err(CliError::BadTimeout(v.into()));
                }
                // keepalived keeps `(unsigned)` seconds; it then multiplies by 10⁶ in 32 bits,
                // which wraps above 4294 s. We do not reproduce that wrap.
                self.timeout = Some(Duration::from_secs(u64::from(n as u32)));
            }
            'H' => self.hash = HashAlgorithm::from_name(v).ok_or(CliError::BadHash(v.into()))?,
            _ => unreachable!("not a value option: {c}"),
        }
        Ok(())
    }
}

/// keepalived's `inet_stosockaddr()` without a port: IPv6 if there is a `:`; anything from
/// the first `-` (else the first `/`) on is a range or mask and is ignored.
fn parse_server(s: &str) -> Option<IpAddr> {
    let ip = match s.find('-').or_else(|| s.find('/')) {
        Some(cut) => &s[..cut],
        None => s,
    };
    if s.contains(':') {
        ip.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
    } else {
        ip.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    }
}

/// Parses `args` (with `args[0]` the program name) as keepalived's genhash would.
/// `posixly_correct` mirrors the `POSIXLY_CORRECT` environment variable: operands then end
/// option parsing.
pub fn parse(args: &[String], posixly_correct: bool) -> Command {
    let usage = |errors| Command::Usage { errors };
    if args.len() == 2 && (args[1] == "-r" || args[1] == "--release") {
        return Command::Release;
    }
    // keepalived's "trivial sanity check".
    if args.len() <= 2 {
        return usage(Vec::new());
    }
    let mut b = Builder::default();
    let mut errors = Vec::new();
    let mut operands = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            operands.extend(args[i + 1..].iter().cloned());
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            if posixly_correct {
                operands.extend(args[i..].iter().cloned());
                break;
            }
            operands.push(arg.clone());
            i += 1;
            continue;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            match find_long(name) {
                None => errors.push(CliError::UnknownLong(arg.clone())),
                Some(o) if !o.takes_value => match inline {
                    Some(_) => errors.push(CliError::UnknownLong(arg.clone())),
                    None => b.flag(o.short),
                },
                Some(o) => {
                    let value = match inline {
                        Some(v) => Some(v),
                        None if i + 1 < args.len() => {
                            i += 1;
                            Some(args[i].as_str())
                        }
                        None => None,
                    };
                    match value {
                        Some(v) => {
                            if let Err(e) = b.value(o.short, v) {
                                errors.push(e);
                                return usage(errors);
                            }
                        }
                        None => errors.push(CliError::MissingLong(o.name)),
                    }
                }
            }
            i += 1;
            continue;
        }
        // A cluster of short options.
        for (at, c) in arg.char_indices().skip(1) {
            if SHORT_FLAGS.contains(c) {
                b.flag(c);
            } else if SHORT_WITH_VALUE.contains(c) {
                let attached = &arg[at + c.len_utf8()..];
                let value = if !attached.is_empty() {
                    Some(attached)
                } else if i + 1 < args.len() {
                    i += 1;
                    Some(args[i].as_str())
                } else {
                    None
                };
                match value {
                    Some(v) => {
                        if let Err(e) = b.value(c, v) {
                            errors.push(e);
                            return usage(errors);
                        }
                    }
                    None => errors.push(CliError::MissingShort(c)),
                }
                break;
            } else {
                errors.push(CliError::UnknownShort(c));
            }
        }
        i += 1;
    }
    if b.help || !errors.is_empty() {
        return usage(errors);
    }
    if !operands.is_empty() {
        return usage(vec![CliError::Unexpected(operands)]);
    }
    if b.release {
        return Command::Release;
    }
    match (b.server, b.port, b.url) {
        (Some(ip), Some(port), Some(url)) => Command::Run(Options {
            server: SocketAddr::new(ip, port),
            url,
            virtualhost: b.virtualhost,
            use_ssl: b.use_ssl,
            use_sni: b.use_sni,
            verbose: b.verbose,
            fwmark: b.fwmark,
            protocol: b.protocol,
            timeout: b.timeout.unwrap_or(DEFAULT_TIMEOUT),
            hash: b.hash,
        }),
        _ => usage(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> Command {
        let args: Vec<String> = std::iter::once("genhash")
            .chain(line.split(' ').filter(|s| !s.is_empty()))
            .map(String::from)
            .collect();
        parse(&args, false)
    }

    fn errors(line: &str) -> Vec<String> {
        match p(line) {
            Command::Usage { errors } => errors.iter().map(ToString::to_string).collect(),
            other => panic!("expected usage, got {other:?}"),
        }
    }

    fn run(line: &str) -> Options {
        match p(line) {
            Command::Run(o) => o,
            other => panic!("expected run, got {other:?}"),
        }
    }

    #[test]
    fn basic_and_defaults() {
        let o = run("-s 127.0.0.1 -p 8080 -u /a");
        assert_eq!(o.server, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(o.url, "/a");
        assert_eq!(o.protocol, HttpProtocol::Http10);
        assert_eq!(o.timeout, DEFAULT_TIMEOUT);
        assert_eq!(o.hash, HashAlgorithm::Md5);
        assert!(!o.use_ssl && !o.use_sni && !o.verbose);
    }

    #[test]
    fn getopt_forms() {
        let o = run("-p8080 -s127.0.0.1 -u/a -vS");
        assert!(o.verbose && o.use_ssl);
        let o = run("--ser=::1 --po 443 --url /x --use-v host -I -P 1.1 -t 3 -m 7");
        assert_eq!(o.server, "[::1]:443".parse().unwrap());
        assert_eq!(o.virtualhost.as_deref(), Some("host"));
        assert!(o.use_sni);
        assert_eq!(o.protocol, HttpProtocol::Http11);
        assert_eq!(o.timeout, Duration::from_secs(3));
        assert_eq!(o.fwmark, 7);
        // A value may start with '-'.
        assert_eq!(run("-s 127.0.0.1 -p 80 -u -v").url, "-v");
        assert_eq!(run("-s 127.0.0.1 -p +80 -u /").server.port(), 80);
        assert_eq!(
            run("-s 10.0.0.1-5 -p 80 -u /").server.ip().to_string(),
            "10.0.0.1"
        );
        assert_eq!(
            run("-s 10.0.0.1/24 -p 80 -u /").server.ip().to_string(),
            "10.0.0.1"
        );
        assert_eq!(
            run("-s 127.0.0.1 -p 80 -u / -H sha256").hash,
            HashAlgorithm::Sha256
        );
    }

    #[test]
    fn keepalived_messages() {
        assert_eq!(
            errors("-s 127.0.0.1 -p"),
            ["Missing parameter for option -p"]
        );
        assert_eq!(errors("-x -y"), ["Unknown option -x", "Unknown option -y"]);
        assert_eq!(
            errors("--bogus -s 127.0.0.1 -p 80 -u /"),
            ["Unknown option --bogus"]
        );
        assert_eq!(
            errors("-s 127.0.0.1 -p 80 -u / --use"),
            ["Unknown option --use"]
        );
        assert_eq!(
            errors("-s 127.0.0.1 -p 80 -u / --verbose=1"),
            ["Unknown option --verbose=1"]
        );
        assert_eq!(
            errors("-s 127.0.0.1 --port"),
            ["Missing parameter for option --port"]
        );
        assert_eq!(
            errors("--bogus -s 1 -x"),
            ["Unknown option --bogus", "server should be an IP, not 1"]
        );
        assert_eq!(
            errors("-s localhost -p 1 -u /"),
            ["server should be an IP, not localhost"]
        );
        assert_eq!(
            errors("-s 127.0.0.1 -p 0 -u /"),
            ["invalid port number '0'"]
        );
        assert_eq!(
            errors("-s 127.0.0.1 -p 65536 -u /"),
            ["invalid port number '65536'"]
        );
        assert_eq!(
            errors("-s 127.0.0.1 -p 80x -u /"),
            ["invalid port number '80x'"]
        );
        assert_eq!(
            errors("-s 127.0.0.1 -p 80 -u / -P 2"),
            ["invalid HTTP protocol version '2'"]
        );
        assert_eq!(
            errors("-s 127.0.0.1 -p 80 -u / -t x"),
            ["invalid timeout 'x'"]
        );
        assert_eq!(
            errors("-s 127.0.0.1 -p 80 -u / -t -1"),
            ["invalid timeout '-1'"]
        );
        assert_eq!(
            errors("-s 127.0.0.1 -p 80 -u / -m x"),
            ["invalid fwmark 'x'"]
        );
        assert_eq!(
            errors("a -s 127.0.0.1 b -p 80 -u / -- c"),
            ["Unexpected argument(s): a b c"]
        );
        assert!(errors("-s 127.0.0.1 -p 80 -u / -h").is_empty());
        assert!(errors("-s 127.0.0.1 -p 80").is_empty());
        assert!(errors("-h").is_empty());
        assert!(errors("-v").is_empty());
    }

    #[test]
    fn extensions_are_not_abbreviated() {
        // keepalived reads "--h" as --help; adding --hash must not make it ambiguous.
        assert!(errors("-s 127.0.0.1 -p 80 -u / --h").is_empty());
        assert_eq!(
            errors("-s 127.0.0.1 -p 80 -u / --has md5"),
            ["Unknown option --has"]
        );
        assert_eq!(p("-r"), Command::Release);
        assert_eq!(p("--release"), Command::Release);
    }

    #[test]
    fn posixly_correct_stops_at_operand() {
        let args: Vec<String> = ["genhash", "x", "-s", "127.0.0.1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        match parse(&args, true) {
            Command::Usage { errors } => assert_eq!(
                errors,
                [CliError::Unexpected(vec![
                    "x".into(),
                    "-s".into(),
                    "127.0.0.1".into()
                ])]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn usage_starts_like_keepalived() {
        let u = usage("genhash");
        assert!(u.starts_with("Usage: genhash COMMAND [OPTIONS]\nCommands:\n"));
        assert!(u.contains("   --timeout         -t       Timeout in seconds\n"));
    }
}
