//! Shared helpers for genhash's integration tests: real servers on 127.0.0.1 (python's
//! http.server, `openssl s_server -WWW`, the scripted `support/rawserver.py`), each killed by a
//! Drop guard, and runners for our genhash and Debian's keepalived `genhash` (the oracle).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use md5::{Digest, Md5};

/// keepalived's genhash, the reference.
pub const KEEPALIVED_GENHASH: &str = "/usr/bin/genhash";

/// Our binary.
pub fn ours() -> &'static str {
    env!("CARGO_BIN_EXE_genhash")
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "genhash-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, data).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server child process, killed and reaped on drop.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `cmd` and reads its port from the first stdout line that `parse` accepts.
fn start(mut cmd: Command, parse: impl Fn(&str) -> Option<u16> + Send + 'static) -> Server {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("start test server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(port) = parse(&line) {
                let _ = tx.send(port);
            }
        }
    });
    let port = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(port) => port,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("test server did not report its port");
        }
    };
    Server { child, port }
}

/// `python3 -m http.server` serving `dir` on 127.0.0.1.
pub fn http_server(dir: &Path) -> Server {
    http_server_on(dir, "127.0.0.1")
}

/// `python3 -m http.server` serving `dir` on the loopback address `bind`.
pub fn http_server_on(dir: &Path, bind: &str) -> Server {
    let mut cmd = Command::new("python3");
    cmd.args([
        "-u",
        "-m",
        "http.server",
        "0",
        "--bind",
        bind,
        "--directory",
    ])
    .arg(dir);
    start(cmd, |line| {
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let rest = line.split(" port ").nth(1)?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// A self-signed certificate and key, made with `openssl req`, in `dir`.
pub fn make_cert(dir: &Path) -> (PathBuf, PathBuf) {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=www.test.example", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run openssl req");
    assert!(status.success(), "openssl req failed");
    (cert, key)
}

/// `openssl s_server -WWW` serving files from `dir` (its working directory).
pub fn tls_file_server(dir: &Path, cert: &Path, key: &Path) -> Server {
    let mut cmd = Command::new("openssl");
    cmd.current_dir(dir)
        .args(["s_server", "-accept", "127.0.0.1:0", "-WWW", "-cert"])
        .arg(cert)
        .arg("-key")
        .arg(key);
    start(cmd, |line| {
        // "ACCEPT 127.0.0.1:40691"
        line.strip_prefix("ACCEPT ")?
            .rsplit(':')
            .next()?
            .parse()
            .ok()
    })
}

/// `support/rawserver.py` with `args` (see its docstring).
pub fn raw_server(args: &[&str]) -> Server {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/rawserver.py");
    let mut cmd = Command::new("python3");
    cmd.arg("-u").arg(script).args(args);
    start(cmd, |line| line.trim().parse().ok())
}

/// What a genhash run printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
    pub elapsed: Duration,
}

fn run_program(program: &str, args: &[&str]) -> Run {
    let started = Instant::now();
    let out: Output = Command::new(program)
        .arg0("genhash")
        .args(args)
        .env_remove("POSIXLY_CORRECT")
        .stdin(Stdio::null())
        .output()
        .expect("run genhash");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
        elapsed: started.elapsed(),
    }
}

/// Runs our genhash.
pub fn run_ours(args: &[&str]) -> Run {
    run_program(ours(), args)
}

/// Runs keepalived's genhash.
pub fn run_keepalived(args: &[&str]) -> Run {
    assert!(
        Path::new(KEEPALIVED_GENHASH).exists(),
        "{KEEPALIVED_GENHASH} missing: run scripts/deps.sh (Debian's keepalived)"
    );
    run_program(KEEPALIVED_GENHASH, args)
}

/// Drops the verbose timing line, the only output that differs run to run.
pub fn without_timing(s: &str) -> String {
    s.lines()
        .filter(|l| !l.starts_with("Global response time for ["))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Asserts that ours and keepalived's print the same thing and exit the same way.
pub fn assert_same_as_keepalived(args: &[&str]) -> Run {
    let theirs = run_keepalived(args);
    let mine = run_ours(args);
    assert_eq!(
        without_timing(&mine.stdout),
        without_timing(&theirs.stdout),
        "stdout differs for {args:?}"
    );
    assert_eq!(mine.stderr, theirs.stderr, "stderr differs for {args:?}");
    assert_eq!(mine.code, theirs.code, "exit status differs for {args:?}");
    mine
}

/// Lower-case hex MD5 of `data`, computed here, independently of genhash.
pub fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Deterministic pseudo-random bytes (xorshift), so big files are not all one value.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
