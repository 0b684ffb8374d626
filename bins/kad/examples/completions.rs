//! Writes kad's shell completion scripts, generated from the clap definitions of its command
//! line, so the completions in the Debian package always list exactly the options kad parses.
//!
//! `cargo run -p kad --example completions -- DIR` writes `DIR/kad.bash`, `DIR/_kad` (zsh) and
//! `DIR/kad.fish`; `scripts/package.sh` runs it before `cargo deb`. Being an example, it keeps
//! `clap_complete` out of the daemon and needs no kad-only option in kad's command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::{generate_to, Shell};

/// kad's command line, compiled here as it is in the binary.
#[allow(dead_code)]
#[path = "../src/cli.rs"]
mod cli;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: completions DIR");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("completions: {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let mut cmd = cli::Cli::command();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        match generate_to(shell, &mut cmd, "kad", &dir) {
            Ok(path) => println!("{}", path.display()),
            Err(e) => {
                eprintln!("completions: {shell}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
