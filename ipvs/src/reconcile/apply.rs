//! Applying a plan, tracking ownership as each operation lands, and the [`Reconciler`] that ties
//! reading, planning and applying together with the `lvs_*` global settings.

use super::backend::IpvsBackend;
use super::plan::{plan, plan_stop, FlushOnStop, Op};
use super::spec::Desired;
use super::table::{Ownership, Table};
use crate::error::KernelReason;
use crate::types::{ServiceKey, TimeoutUpdate};
use crate::Error;
use std::collections::BTreeSet;
use std::fmt;

/// What happened to each operation of a plan.
#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Done (including deletions of entries that were already gone).
    pub applied: Vec<Op>,
    /// Refused, with the kernel's reason; the table and ownership reflect everything else.
    pub failed: Vec<(Op, Error)>,
    /// Not tried because an operation they depend on failed (destinations of a service whose
    /// addition failed).
    pub skipped: Vec<Op>,
}

impl ApplyReport {
    /// True if nothing failed or was skipped.
    pub fn is_ok(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty()
    }

    fn merge(&mut self, other: ApplyReport) {
        self.applied.extend(other.applied);
        self.failed.extend(other.failed);
        self.skipped.extend(other.skipped);
    }
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} applied, {} failed, {} skipped",
            self.applied.len(),
            self.failed.len(),
            self.skipped.len()
        )?;
        for (op, e) in &self.failed {
            write!(f, "; {op}: {e}")?;
        }
        Ok(())
    }
}

/// A deletion whose target is already gone has reached its goal.
fn already_done(op: &Op, e: &Error) -> bool {
    matches!(
        (op, e.reason()),
        (Op::DelService(_), Some(KernelReason::NoSuchService))
            | (
                Op::DelDest(..),
                Some(KernelReason::NoSuchDest | KernelReason::NoSuchService)
            )
            | (Op::StopDaemon(..), Some(KernelReason::NoDaemon))
    )
}

fn record(owned: &mut Ownership, op: &Op) {
    match op {
        Op::Flush => *owned = Ownership::default(),
        Op::AddService(s) | Op::EditService(s) => {
            owned.services.insert(s.key);
        }
        Op::DelService(k) => owned.drop_service(k),
        Op::AddDest(s, d) | Op::EditDest(s, d) => {
            owned.own_dest(*s, d.key);
        }
        Op::DelDest(s, d) => {
            owned.disown_dest(s, d);
        }
        Op::SetTimeouts(_) | Op::StartDaemon(_) | Op::StopDaemon(..) => {}
    }
}

/// Runs one op. A sync-daemon stop is sent only if that daemon runs ("stop" means "make sure it
/// is stopped"), so clearing leftovers at startup costs no kernel refusal.
fn execute<B: IpvsBackend + ?Sized>(backend: &mut B, op: &Op) -> Result<(), Error> {
    if let Op::StopDaemon(state, _) = op {
        if !backend.daemons()?.iter().any(|d| d.state == *state) {
            return Ok(());
        }
    }
    backend.execute(op)
}

/// Runs `ops` in order, continuing past failures, and keeps `owned` equal to what kad has
/// installed: an entry becomes owned when its add or edit succeeds and stops being owned when
/// its deletion succeeds (or finds it gone).
pub fn apply<B: IpvsBackend + ?Sized>(
    backend: &mut B,
    ops: &[Op],
    owned: &mut Ownership,
) -> ApplyReport {
    let mut report = ApplyReport::default();
    let mut failed_services: BTreeSet<ServiceKey> = BTreeSet::new();
    for op in ops {
        if let Op::AddDest(s, _) | Op::EditDest(s, _) = op {
            if failed_services.contains(s) {
                report.skipped.push(op.clone());
                continue;
            }
        }
        match execute(backend, op) {
            Ok(()) => {
                record(owned, op);
                report.applied.push(op.clone());
            }
            Err(e) if already_done(op, &e) => {
                record(owned, op);
                report.applied.push(op.clone());
            }
            Err(e) => {
                if let Op::AddService(s) = op {
                    failed_services.insert(s.key);
                }
                report.failed.push((op.clone(), e));
            }
        }
    }
    report
}

/// The global `lvs_*` keywords.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LvsSettings {
    /// `lvs_flush`: flush the whole table at startup.
    pub flush: bool,
    /// `lvs_flush_on_stop [VS]`.
    pub flush_on_stop: FlushOnStop,
    /// `lvs_timeouts`.
    pub timeouts: Option<TimeoutUpdate>,
}

/// Keeps the kernel's IPVS table equal to the configuration, owning what it installs.
///
/// Call order: [`start`](Self::start) once, [`reconcile`](Self::reconcile) after every change of
/// the desired table (configuration load or reload, a checker changing a weight), and
/// [`stop`](Self::stop) at shutdown.
#[derive(Debug, Clone, Default)]
pub struct Reconciler {
    settings: LvsSettings,
    owned: Ownership,
    /// The kernel's table as last seen: dumped once, then kept current with every operation
    /// the kernel accepted, so reconciling a small change costs that change and not a dump of
    /// 10,000 services (IPVS dumps destinations one service at a time). Dropped, and dumped
    /// again next time, whenever an operation fails or [`invalidate`](Self::invalidate) says
    /// the table may have been changed by someone else.
    cache: Option<Table>,
}

impl Reconciler {
    /// A reconciler that owns nothing yet.
    pub fn new(settings: LvsSettings) -> Self {
        Reconciler {
            settings,
            owned: Ownership::default(),
            cache: None,
        }
    }

    /// The entries kad owns.
    pub fn owned(&self) -> &Ownership {
        &self.owned
    }

    /// The settings.
    pub fn settings(&self) -> &LvsSettings {
        &self.settings
    }

    /// Replaces the settings (on reload); ownership is kept.
    pub fn set_settings(&mut self, settings: LvsSettings) {
        self.settings = settings;
    }

    /// The startup operations: `lvs_flush`, then `lvs_timeouts`.
    pub fn start_ops(&self) -> Vec<Op> {
        let mut ops = Vec::new();
        if self.settings.flush {
            ops.push(Op::Flush);
        }
        if let Some(t) = self.settings.timeouts {
            ops.push(Op::SetTimeouts(t));
        }
        ops
    }

    /// Runs [`start_ops`](Self::start_ops).
    pub fn start<B: IpvsBackend + ?Sized>(&mut self, backend: &mut B) -> ApplyReport {
        let ops = self.start_ops();
        self.cache = None;
        apply(backend, &ops, &mut self.owned)
    }

    /// Forget the cached view of the kernel's table: the next [`reconcile`](Self::reconcile)
    /// dumps it again. Call it when another program may have changed IPVS (a periodic
    /// resync, a netlink error, `ipvsadm` run by hand).
    pub fn invalidate(&mut self) {
        self.cache = None;
    }

    /// The plan against a known current table (adopting desired entries already present).
    pub fn plan(&mut self, desired: &Desired, current: &Table) -> Vec<Op> {
        self.owned.adopt(desired.table(), current);
        plan(desired.table(), current, &self.owned)
    }

    /// Plans against the kernel's table (dumped if no cached view is valid) and applies. Fails
    /// only if the table cannot be read; refused operations are in the report.
    pub fn reconcile<B: IpvsBackend + ?Sized>(
        &mut self,
        backend: &mut B,
        desired: &Desired,
    ) -> Result<ApplyReport, Error> {
        let mut current = match self.cache.take() {
            Some(t) => t,
            None => Table::from_dump(backend.table()?),
        };
        let ops = self.plan(desired, &current);
        let report = apply(backend, &ops, &mut self.owned);
        if report.failed.is_empty() {
            for op in &report.applied {
                current.apply(op);
            }
            self.cache = Some(current);
        }
        Ok(report)
    }

    /// Removes kad's entries as `lvs_flush_on_stop` says. Failed deletions stay owned.
    pub fn stop<B: IpvsBackend + ?Sized>(&mut self, backend: &mut B) -> ApplyReport {
        self.cache = None;
        let ops = plan_stop(&self.owned, self.settings.flush_on_stop);
        let mut report = ApplyReport::default();
        report.merge(apply(backend, &ops, &mut self.owned));
        report
    }
}
