//! Packet captures with Debian's `tshark`: capture to a file inside a namespace, then read
//! it back through Wireshark's dissectors as fields.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::netns::Netns;

/// tshark, looked up on `PATH`.
const TSHARK: &str = "tshark";
/// Longer than dumpcap's read timeout (a few hundred ms), after which its capture ring hands over a
/// partly filled block.
const BLOCK_TIMEOUT: Duration = Duration::from_millis(600);

/// Whether tshark is installed; skips the test ([`kad_skip::skip`]) when not.
pub fn available() -> bool {
    kad_skip::program(TSHARK, "Debian's tshark").is_some()
}

/// A running capture, stopped on drop.
#[derive(Debug)]
pub struct Capture {
    child: Option<Child>,
    /// The capture file.
    pub pcap: PathBuf,
    err: PathBuf,
}

impl Capture {
    /// Captures on `dev` in `ns` with capture filter `filter` into `dir`/`name`.pcapng, and
    /// returns once tshark says it is capturing.
    pub fn start(ns: &Netns, dev: &str, filter: &str, dir: &Path, name: &str) -> Capture {
        std::fs::create_dir_all(dir).expect("capture dir");
        let pcap = dir.join(format!("{name}.pcapng"));
        let err = dir.join(format!("{name}.tshark.err"));
        let errf = File::create(&err).expect("tshark stderr");
        let child = ns
            .exec(TSHARK)
            .args(["-n", "-q", "-i", dev, "-f", filter, "-w"])
            .arg(&pcap)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(errf)
            .spawn()
            .expect("spawn tshark");
        let cap = Capture {
            child: Some(child),
            pcap,
            err,
        };
        // tshark loads every dissector before it captures: over 20 s at a load average of 20.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = std::fs::read_to_string(&cap.err).unwrap_or_default();
            if text.contains("Capturing on") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "tshark did not start capturing: {text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        cap
    }

    /// Stops the capture (SIGINT, so the file is complete) and returns the file.
    pub fn stop(mut self) -> PathBuf {
        // The capture's ring hands packets over a block at a time, when the block fills or
        // its timeout passes; a block still open at SIGINT is lost. On a quiet machine that
        // was the last 100 ms or more (a BFD Down sent 30 ms before the stop, every time).
        std::thread::sleep(BLOCK_TIMEOUT);
        self.finish();
        self.pcap.clone()
    }

    fn finish(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid"));
        let _ = kill(pid, Signal::SIGINT);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Reads `pcap` through tshark: for each packet matching display filter `filter`, the
/// values of `fields` (empty string when absent; several occurrences joined with `,`).
pub fn fields(pcap: &Path, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new(TSHARK);
    cmd.args(["-n", "-r"]).arg(pcap).args([
        "-Y",
        filter,
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "occurrence=a",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark -r");
    assert!(
        out.status.success(),
        "tshark -r failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('|').map(str::to_owned).collect())
        .collect()
}

/// The full dissection (`-V`) of the packets matching `filter`, for failure messages.
pub fn verbose(pcap: &Path, filter: &str) -> String {
    let out = Command::new(TSHARK)
        .args(["-n", "-r"])
        .arg(pcap)
        .args(["-Y", filter, "-V", "-c", "5"])
        .output()
        .expect("tshark -V");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Largest gap between consecutive timestamps (seconds, as tshark's `frame.time_epoch`).
pub fn max_gap(times: &[f64]) -> f64 {
    times.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max)
}
