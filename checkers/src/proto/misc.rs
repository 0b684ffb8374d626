//! MISC_CHECK: run a program; its exit status is the verdict.
//!
//! Status 0 is success, 1 failure; with `misc_dynamic`, 2..=255 is success and sets the real
//! server's weight to `status - 2` (keepalived's contribution is `status - 2 - weight`, so
//! that with one such checker the effective weight is exactly `status - 2`).

use std::time::Duration;

use super::Step;
use crate::error::FailReason;
use crate::event::{CheckAction, IoEvent, Script, ScriptStatus};

/// The settings of a `MISC_CHECK`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiscConfig {
    /// `misc_path` and `user`.
    pub script: Script,
    /// `misc_timeout`; `None` means `delay_loop`. It replaces `connect_timeout` as the bound
    /// of one attempt.
    pub timeout: Option<Duration>,
    /// `misc_dynamic`.
    pub dynamic: bool,
    /// The real server's configured `weight`, needed for the dynamic contribution.
    pub rs_weight: i64,
}

/// The MISC_CHECK probe.
#[derive(Debug)]
pub struct MiscProbe {
    config: MiscConfig,
    running: bool,
    weight: Option<i64>,
}

impl MiscProbe {
    pub(crate) fn new(config: MiscConfig) -> Self {
        let weight = config.dynamic.then_some(0);
        MiscProbe {
            config,
            running: false,
            weight,
        }
    }

    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.config.timeout
    }

    pub(crate) fn running(&self) -> bool {
        self.running
    }

    /// The dynamic contribution after the last success (`None` without `misc_dynamic`).
    pub(crate) fn weight(&self) -> Option<i64> {
        self.weight
    }

    pub(crate) fn begin(&mut self, out: &mut Vec<CheckAction>) {
        self.running = true;
        out.push(CheckAction::RunScript(self.config.script.clone()));
    }

    pub(crate) fn on_event(&mut self, ev: &IoEvent<'_>) -> Step {
        let IoEvent::ScriptExited(status) = ev else {
            return Step::Pending;
        };
        self.running = false;
        match *status {
            ScriptStatus::Exited(0) => {
                if self.config.dynamic {
                    self.weight = Some(0);
                }
                Step::Pass
            }
            ScriptStatus::Exited(s) if self.config.dynamic && s >= 2 => {
                self.weight = Some(i64::from(s) - 2 - self.config.rs_weight);
                Step::Pass
            }
            ScriptStatus::Exited(s) => Step::Fail(FailReason::ScriptExit(s)),
            ScriptStatus::Signaled(sig) => Step::Fail(FailReason::ScriptSignal(sig)),
        }
    }
}
