//! Shared by the `vm_*` integration tests, which talk to a real kernel's IPVS and so run only
//! inside the test VM that `scripts/vm/run-in-vm.sh` boots (its `/init` exports `KAD_IN_VM=1`,
//! loads the ip_vs modules and puts 192.0.2.1/24, 198.51.100.1/24, 2001:db8::1/64 and
//! 2001:db8:1::1/64 on `dummy0`, with 203.0.113.0/24 and 2001:db8::/32 routed to it). On any other
//! machine each test prints why it skipped and passes, so `cargo test` on the host stays green.
#![allow(dead_code)] // each test binary uses its own subset

use keepalive_ipvs::{
    AddressFamily, Dest, IpvsClient, Service, ServiceKey, TimeoutUpdate, Timeouts,
};
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

/// The timeouts a fresh kernel has (`ipvsadm -L --timeout`: 900 120 300).
pub const DEFAULT_TIMEOUTS: Timeouts = Timeouts {
    tcp: 900,
    tcp_fin: 120,
    udp: 300,
};

/// True inside the test VM.
pub fn in_vm() -> bool {
    std::env::var("KAD_IN_VM").is_ok_and(|v| v == "1")
}

/// Returns true (after saying so on stderr) when `test` must skip because this is not the VM.
pub fn skip_outside_vm(test: &str) -> bool {
    if in_vm() {
        return false;
    }
    eprintln!(
        "{test}: skipped: not inside the IPVS test VM (KAD_IN_VM unset); \
         run scripts/vm/cargo-test-in-vm.sh"
    );
    true
}

/// Says `what` on stderr when `KAD_VM_TEST_VERBOSE` is set (cargo-test-in-vm.sh passes it on).
pub fn trace(what: &str) {
    if std::env::var_os("KAD_VM_TEST_VERBOSE").is_some() {
        eprintln!("{what}");
    }
}

/// Tests share one kernel table, so they take turns even if run with several test threads.
static KERNEL: Mutex<()> = Mutex::new(());

/// Exclusive use of the kernel's IPVS state, empty on entry and emptied again on drop (even when
/// the test panics), so no test sees another's services, daemons or timeouts.
#[derive(Debug)]
pub struct Kernel {
    /// A client connected to the kernel's IPVS family.
    pub client: IpvsClient,
    _turn: MutexGuard<'static, ()>,
}

impl Kernel {
    /// Waits for the kernel, connects and resets it.
    pub fn take() -> Kernel {
        let turn = KERNEL
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let client = IpvsClient::connect().expect("connect to the IPVS family");
        let mut k = Kernel {
            client,
            _turn: turn,
        };
        k.reset();
        k
    }

    /// Flushes services, stops every sync daemon and restores the default timeouts.
    pub fn reset(&mut self) {
        self.client.flush().expect("flush");
        for d in self.client.daemons().expect("list daemons") {
            trace(&format!("reset: stopping the {} sync daemon", d.state));
            self.client
                .stop_daemon(d.state, d.sync_id)
                .expect("stop daemon");
        }
        self.client
            .set_timeouts(&TimeoutUpdate {
                tcp: Some(DEFAULT_TIMEOUTS.tcp),
                tcp_fin: Some(DEFAULT_TIMEOUTS.tcp_fin),
                udp: Some(DEFAULT_TIMEOUTS.udp),
            })
            .expect("restore timeouts");
    }
}

impl Drop for Kernel {
    fn drop(&mut self) {
        // Best effort: a failing reset must not turn a test failure into a double panic.
        let _ = self.client.flush();
        if let Ok(daemons) = self.client.daemons() {
            for d in daemons {
                trace(&format!("drop: stopping the {} sync daemon", d.state));
                let _ = self.client.stop_daemon(d.state, d.sync_id);
            }
        }
    }
}

/// Runs the VM's `ipvsadm` with `args` and returns its standard output; panics on failure.
pub fn ipvsadm(args: &[&str]) -> String {
    let out = Command::new("ipvsadm")
        .args(args)
        .output()
        .expect("run ipvsadm");
    assert!(
        out.status.success(),
        "ipvsadm {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("ipvsadm prints UTF-8")
}

/// Runs `ipvsadm` with `input` on its standard input (`-R`); panics on failure.
pub fn ipvsadm_stdin(args: &[&str], input: &str) -> String {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new("ipvsadm")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ipvsadm");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write ipvsadm's input");
    let out = child.wait_with_output().expect("wait for ipvsadm");
    assert!(
        out.status.success(),
        "ipvsadm {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("ipvsadm prints UTF-8")
}

/// One virtual service as `ipvsadm -Ln` shows it, reduced to what both sides can state exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedService {
    /// Scheduler name.
    pub scheduler: String,
    /// `persistent N`, when shown.
    pub persistent: Option<u32>,
    /// `ops` shown.
    pub ops: bool,
    /// Destinations: `addr:port` -> (forward column, weight).
    pub dests: BTreeMap<String, (String, i32)>,
}

/// Parses `ipvsadm -Ln` into `"TCP 192.0.2.1:80"` / `"FWM 5"` / `"FWM 5 IPv6"` -> service, the
/// spelling `ServiceKey`'s `Display` uses.
pub fn parse_ipvsadm_list(text: &str) -> BTreeMap<String, ListedService> {
    let mut table = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["IP", "Virtual", ..] | ["Prot", ..] | ["->", "RemoteAddress:Port", ..] | [] => {}
            ["->", addr, fwd, weight, ..] => {
                let key = current
                    .as_ref()
                    .expect("destination line before any service");
                let svc: &mut ListedService = table.get_mut(key).expect("service listed");
                let weight = weight.parse().expect("weight column");
                svc.dests
                    .insert((*addr).to_string(), ((*fwd).to_string(), weight));
            }
            [proto, rest @ ..] => {
                let (key, rest) = match (*proto, rest) {
                    ("FWM", [mark, "IPv6", rest @ ..]) => (format!("FWM {mark} IPv6"), rest),
                    (p, [addr, rest @ ..]) => (format!("{p} {addr}"), rest),
                    _ => panic!("unexpected ipvsadm line {line:?}"),
                };
                let scheduler = rest.first().expect("scheduler column").to_string();
                let persistent = rest
                    .windows(2)
                    .find(|w| w[0] == "persistent")
                    .map(|w| w[1].parse().expect("persistence timeout"));
                table.insert(
                    key.clone(),
                    ListedService {
                        scheduler,
                        persistent,
                        ops: rest.contains(&"ops"),
                        dests: BTreeMap::new(),
                    },
                );
                current = Some(key);
            }
        }
    }
    table
}

/// The same reduction of the client's own dump, for comparison with [`parse_ipvsadm_list`].
pub fn list_from_dump(dump: &[(Service, Vec<Dest>)]) -> BTreeMap<String, ListedService> {
    dump.iter()
        .map(|(svc, dests)| {
            let c = &svc.config;
            let persistent = c
                .flags
                .contains(keepalive_ipvs::ServiceFlags::PERSISTENT)
                .then_some(c.timeout);
            let listed = ListedService {
                scheduler: c.scheduler.clone(),
                persistent,
                ops: c.flags.contains(keepalive_ipvs::ServiceFlags::ONEPACKET),
                dests: dests
                    .iter()
                    .map(|d| {
                        (
                            d.config.key.to_string(),
                            (d.config.fwd.ipvsadm_name().to_string(), d.config.weight),
                        )
                    })
                    .collect(),
            };
            (c.key.to_string(), listed)
        })
        .collect()
}

/// The service key of a TCP service.
pub fn tcp(addr: &str, port: u16) -> ServiceKey {
    ServiceKey::Addr {
        protocol: keepalive_ipvs::Protocol::Tcp,
        addr: addr.parse().expect("test address"),
        port,
    }
}

/// The service key of a UDP service.
pub fn udp(addr: &str, port: u16) -> ServiceKey {
    ServiceKey::Addr {
        protocol: keepalive_ipvs::Protocol::Udp,
        addr: addr.parse().expect("test address"),
        port,
    }
}

/// The service key of a fwmark service.
pub fn fwmark(af: AddressFamily, mark: u32) -> ServiceKey {
    ServiceKey::Fwmark { af, mark }
}

/// Scheduler modules the VM loaded (`ip_vs_<name>` in /proc/modules, less the helper and
/// persistence-engine modules), sorted.
pub fn loaded_schedulers() -> Vec<String> {
    let modules = std::fs::read_to_string("/proc/modules").expect("read /proc/modules");
    let mut names: Vec<String> = modules
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter_map(|m| m.strip_prefix("ip_vs_"))
        .filter(|m| *m != "ftp" && !m.starts_with("pe_"))
        .map(str::to_string)
        .collect();
    names.sort();
    names
}
