//! `genhash`: fetches a page over HTTP or HTTPS and prints the digest of its body, the value
//! keepalived's HTTP_GET/SSL_GET `digest` keyword expects.
//!
//! A drop-in for keepalived 2.2.7's `genhash` (`keepalived --genhash`): the same options,
//! messages, output and exit status (0 once the command line is accepted, whatever the
//! fetch gave; 1 for a bad command line). See `cli` for the extensions (`-H`, `-r`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cli;
mod cnum;
mod digest;
mod dump;
mod net;
mod request;
mod response;
mod session;
mod tls;

use std::io::{self, Write};
use std::process::ExitCode;

use cli::Command;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let prog = args.first().map_or("genhash", String::as_str);
    match cli::parse(&args, std::env::var_os("POSIXLY_CORRECT").is_some()) {
        Command::Usage { errors } => {
            let mut err = io::stderr().lock();
            for e in errors {
                let _ = writeln!(err, "{e}");
            }
            let _ = err.write_all(cli::usage(prog).as_bytes());
            ExitCode::from(1)
        }
        Command::Release => {
            println!("genhash v{} (kad)", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Run(opts) => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            let mut err = io::stderr().lock();
            let result = session::run(
                &opts,
                session::Output {
                    out: &mut out,
                    err: &mut err,
                },
            );
            match result.and_then(|_| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    let _ = writeln!(err, "genhash: cannot write output: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}
