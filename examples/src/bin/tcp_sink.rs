//! A tiny TCP/HTTP sink for the checker benchmark (`scripts/bench-checker.sh`).
//!
//! Listens on the wildcard address of each port given, so one listener serves every local
//! address (the benchmark puts hundreds of test addresses on `lo`). Ports given with `--tcp`
//! accept and close at once (what `TCP_CHECK` needs); ports given with `--http` read the request
//! head and answer a minimal `200 OK` (what `HTTP_GET` with `status_code 200` needs).
//!
//! ```text
//! tcp_sink [--count FILE] [--tcp PORT]... [--http PORT]...
//! ```
//!
//! With `--count FILE` the number of connections accepted so far is written to FILE every
//! 200 ms: the benchmark reads it to tell how many checks a checker really made in its interval.
//!
//! One thread per port: the checkers connect at a few thousand per second at most, which a
//! blocking accept loop keeps up with, and the sink's own CPU is the same for both checkers.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

/// The answer to every HTTP request: small, complete, and closed after sending.
const RESPONSE: &[u8] =
    b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";

/// Connections accepted on every port since the start.
static ACCEPTED: AtomicU64 = AtomicU64::new(0);

/// Rewrites `path` with the [`ACCEPTED`] count five times a second (through a rename, so a
/// reader never sees a half-written number).
fn publish_count(path: PathBuf) {
    let tmp = path.with_extension("tmp");
    loop {
        let n = ACCEPTED.load(Ordering::Relaxed);
        if std::fs::write(&tmp, format!("{n}\n")).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
        thread::sleep(Duration::from_millis(200));
    }
}

/// Reads up to the end of the request head (or a short timeout) and answers [`RESPONSE`].
fn answer_http(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = [0u8; 2048];
    let mut have = 0;
    loop {
        match s.read(&mut buf[have..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                have += n;
                if buf[..have].windows(4).any(|w| w == b"\r\n\r\n") || have == buf.len() {
                    break;
                }
            }
        }
    }
    let _ = s.write_all(RESPONSE);
}

fn serve(port: u16, http: bool) -> std::io::Result<thread::JoinHandle<()>> {
    let l = TcpListener::bind((Ipv4Addr::UNSPECIFIED, port))?;
    Ok(thread::spawn(move || {
        for conn in l.incoming() {
            if conn.is_ok() {
                ACCEPTED.fetch_add(1, Ordering::Relaxed);
            }
            match conn {
                Ok(s) if http => answer_http(s),
                // TCP_CHECK only needs the handshake: dropping the stream closes it.
                Ok(_) => {}
                Err(e) => eprintln!("tcp_sink: accept on port {port}: {e}"),
            }
        }
    }))
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut handles = Vec::new();
    while let Some(flag) = args.next() {
        if flag == "--count" {
            let Some(path) = args.next() else {
                eprintln!("tcp_sink: --count wants a file name");
                return ExitCode::from(2);
            };
            thread::spawn(move || publish_count(PathBuf::from(path)));
            continue;
        }
        let http = match flag.as_str() {
            "--tcp" => false,
            "--http" => true,
            _ => {
                eprintln!("usage: tcp_sink [--count FILE] [--tcp PORT]... [--http PORT]...");
                return ExitCode::from(2);
            }
        };
        let Some(port) = args.next().and_then(|p| p.parse::<u16>().ok()) else {
            eprintln!("tcp_sink: {flag} wants a port number");
            return ExitCode::from(2);
        };
        match serve(port, http) {
            Ok(h) => handles.push(h),
            Err(e) => {
                eprintln!("tcp_sink: cannot listen on port {port}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if handles.is_empty() {
        eprintln!("usage: tcp_sink [--count FILE] [--tcp PORT]... [--http PORT]...");
        return ExitCode::from(2);
    }
    eprintln!("tcp_sink: listening on {} ports", handles.len());
    for h in handles {
        let _ = h.join();
    }
    ExitCode::SUCCESS
}
