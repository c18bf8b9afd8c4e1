//! Builds the [`PlanSnapshot`] a run starts from, out of a checked runbook and its planned waves.

use super::event::{PlanSnapshot, RulePlan, StepPlan, Targets, WavePlan};
use crate::runbook::{PlannedWave, Runbook, StepName};

impl PlanSnapshot {
    /// The snapshot of `runbook` with `waves` as planned.
    pub fn from_runbook(runbook: &Runbook, waves: &[PlannedWave]) -> Self {
        let p = &runbook.plan;
        PlanSnapshot {
            name: p.name.clone(),
            risk: p.risk,
            environment: p.environment.clone(),
            upgrade_kind: p.upgrade_kind.clone(),
            host_kinds: p.host_kinds.clone(),
            targets: Targets {
                downtime_budget_ms: p.downtime_budget.as_millis(),
                rollback_start_within_ms: p.rollback_start_within.as_millis(),
                restore_within_ms: p.restore_within.as_millis(),
                status_update_every_ms: p.status_update_every.as_millis(),
            },
            policy: runbook.policy.clone(),
            waves: waves
                .iter()
                .zip(&runbook.waves)
                .map(|(w, spec)| WavePlan {
                    number: w.number,
                    name: w.name.clone(),
                    hosts: w.hosts.clone(),
                    soak_ms: spec.soak.value.as_millis(),
                    max_failed: spec.max_failed.value.allowed(w.hosts.len()),
                    parallel: spec.parallel.value,
                    approval: spec.approval.value,
                })
                .collect(),
            steps: StepName::ALL
                .iter()
                .filter_map(|s| {
                    runbook.steps.get(s).map(|spec| StepPlan {
                        name: *s,
                        per: spec.per,
                    })
                })
                .collect(),
            rules: runbook
                .watches
                .iter()
                .map(|w| RulePlan {
                    name: w.name.clone(),
                    severity: w.severity,
                    no_data: w.no_data,
                    per_host: w.per_host,
                    breach: w.breach,
                    warn: w.warn,
                    for_ms: w.for_.as_millis(),
                })
                .collect(),
            checklists: runbook.checklists.clone(),
            contacts: runbook.contacts.clone(),
            channels: runbook.notify.iter().map(|n| n.name.clone()).collect(),
        }
    }
}
