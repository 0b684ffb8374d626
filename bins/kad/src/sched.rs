//! A child's scheduling settings (`bfd_priority`, `bfd_rt_priority`, `bfd_rlimit_rttime`,
//! `bfd_no_swap`, `bfd_cpu_affinity`, and their `vrrp_*`/`checker_*` twins), applied the way
//! keepalived's `set_process_priorities()` and `set_process_cpu_affinity()` do: a real-time
//! priority (SCHED_RR) with RLIMIT_RTTIME as a guard against a runaway loop, else a nice
//! value; memory locked; the CPU set. Failures are logged and the process carries on, as in
//! keepalived.

use keepalive_confparse::model::global::ProcessSettings;

/// keepalived's default `*_rlimit_rttime` (µs).
const DEFAULT_RLIMIT_RTTIME: u64 = 10_000;

/// Applies `p` to this process; `what` names the child in log lines ("BFD").
pub fn apply(p: &ProcessSettings, what: &str) {
    if let Some(prio) = p.rt_priority {
        let rttime = p.rlimit_rttime.map_or(DEFAULT_RLIMIT_RTTIME, u64::from);
        // The hard limit above the soft one: SIGXCPU first, SIGKILL only if it persists.
        if let Err(e) = set_rlimit_rttime(rttime, rttime + DEFAULT_RLIMIT_RTTIME) {
            log_warn!("{what} process: setrlimit(RLIMIT_RTTIME) failed - {e}");
        }
        if let Err(e) = set_realtime(prio) {
            log_warn!("{what} process: sched_setscheduler(SCHED_RR, {prio}) failed - {e}");
        }
    } else if let Some(nice) = p.priority.filter(|n| *n != 0) {
        if let Err(e) = set_nice(nice) {
            log_warn!("{what} process: setpriority({nice}) failed - {e}");
        }
    }
    if p.no_swap {
        if let Err(e) = lock_memory() {
            log_warn!("{what} process: mlockall failed - {e}");
        }
    }
    if !p.cpu_affinity.is_empty() {
        if let Err(e) = set_affinity(&p.cpu_affinity) {
            log_warn!("{what} process: sched_setaffinity failed - {e}");
        }
    }
}

fn check(r: libc::c_int) -> std::io::Result<()> {
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// setrlimit(RLIMIT_RTTIME); nix's wrapper needs a feature kad does not enable.
#[allow(unsafe_code)]
fn set_rlimit_rttime(soft: u64, hard: u64) -> std::io::Result<()> {
    let lim = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: setrlimit() reads the struct it is given, which lives for the call.
    check(unsafe { libc::setrlimit(libc::RLIMIT_RTTIME, &lim) })
}

/// sched_setscheduler(SCHED_RR, prio).
#[allow(unsafe_code)]
fn set_realtime(prio: u32) -> std::io::Result<()> {
    let param = libc::sched_param {
        sched_priority: i32::try_from(prio).unwrap_or(99),
    };
    // SAFETY: sched_setscheduler() reads the struct it is given, which lives for the call.
    check(unsafe { libc::sched_setscheduler(0, libc::SCHED_RR, &param) })
}

/// setpriority(PRIO_PROCESS, self, nice).
#[allow(unsafe_code)]
fn set_nice(nice: i32) -> std::io::Result<()> {
    // SAFETY: setpriority() takes integers only.
    check(unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) })
}

/// mlockall(MCL_CURRENT | MCL_FUTURE).
#[allow(unsafe_code)]
fn lock_memory() -> std::io::Result<()> {
    // SAFETY: mlockall() takes flags only.
    check(unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) })
}

/// sched_setaffinity(self, cpus).
#[allow(unsafe_code)]
fn set_affinity(cpus: &[u32]) -> std::io::Result<()> {
    // SAFETY: an all-zero cpu_set_t is the empty set; CPU_SET writes inside the set for any
    // index below CPU_SETSIZE, which the filter guarantees; sched_setaffinity reads the set,
    // which lives for the call.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &c in cpus
            .iter()
            .filter(|c| (**c as usize) < libc::CPU_SETSIZE as usize)
        {
            libc::CPU_SET(c as usize, &mut set);
        }
        check(libc::sched_setaffinity(
            0,
            std::mem::size_of::<libc::cpu_set_t>(),
            &set,
        ))
    }
}
