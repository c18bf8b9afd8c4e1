//! Everything that happens in a run, as journaled events (DESIGN §8), and the operator intents
//! that become them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::drill::{InjectTarget, Injection, PlannedFault};
use super::evidence::{Evidence, RuleState};
pub use super::operator::Intent;
use crate::exec::Outcome;
use crate::journal::Timestamp;
use crate::runbook::{
    Approval, ChecklistItem, Contacts, NoData, Per, Policy, Risk, Role, Severity, StepName,
    Threshold,
};

/// What a run is working from: the plan as it was when the run started, so that replay and the
/// report never depend on the runbook file staying the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSnapshot {
    /// Plan name.
    pub name: String,
    /// Risk level.
    pub risk: Risk,
    /// production | staging | test.
    pub environment: String,
    /// patch | kernel | major-version ...
    pub upgrade_kind: String,
    /// Host kinds in scope.
    pub host_kinds: Vec<String>,
    /// The plan's time targets, in milliseconds.
    pub targets: Targets,
    /// The resolved policy.
    pub policy: Policy,
    /// Waves with their hosts decided.
    pub waves: Vec<WavePlan>,
    /// Steps the runbook defines, in run order, with how each runs.
    pub steps: Vec<StepPlan>,
    /// Rules watched.
    pub rules: Vec<RulePlan>,
    /// Checklists per role.
    pub checklists: BTreeMap<Role, Vec<ChecklistItem>>,
    /// Who to call.
    pub contacts: Contacts,
    /// Notification channel names.
    pub channels: Vec<String>,
}

/// The plan's time targets (DESIGN §1), in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    /// Downtime allowed.
    pub downtime_budget_ms: u64,
    /// Rollback must start within this long of a fault.
    pub rollback_start_within_ms: u64,
    /// Service restored within this long of a fault.
    pub restore_within_ms: u64,
    /// Status update cadence.
    pub status_update_every_ms: u64,
}

/// One wave as planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WavePlan {
    /// 1-based.
    pub number: usize,
    /// Display name.
    pub name: String,
    /// Hosts, in order.
    pub hosts: Vec<String>,
    /// Soak after the wave, ms.
    pub soak_ms: u64,
    /// Failures tolerated (halts on more).
    pub max_failed: u32,
    /// Host processes at once.
    pub parallel: u32,
    /// Who starts it.
    pub approval: Approval,
}

/// One step as planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepPlan {
    /// Which step.
    pub name: StepName,
    /// Per host or per wave.
    pub per: Per,
}

/// One rule as planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulePlan {
    /// Rule name.
    pub name: String,
    /// Fault level of a breach.
    pub severity: Severity,
    /// No-data policy.
    pub no_data: NoData,
    /// Judged per host.
    pub per_host: bool,
    /// Breach threshold.
    pub breach: Option<Threshold>,
    /// Warn threshold.
    pub warn: Option<Threshold>,
    /// How long a breach must last before it counts (`for`), ms.
    #[serde(default)]
    pub for_ms: u64,
}

/// What a rollback covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Scope {
    /// Named hosts.
    Hosts {
        /// The hosts.
        hosts: Vec<String>,
    },
    /// Every touched host of one wave.
    Wave {
        /// 1-based wave number.
        wave: usize,
    },
    /// Every touched host of the fleet.
    Fleet,
}

impl Scope {
    /// Words for screens: "host web-014", "wave 2", "the fleet".
    pub fn describe(&self) -> String {
        match self {
            Scope::Hosts { hosts } if hosts.len() == 1 => format!("host {}", hosts[0]),
            Scope::Hosts { hosts } => format!("{} hosts", hosts.len()),
            Scope::Wave { wave } => format!("wave {wave}"),
            Scope::Fleet => "the fleet".into(),
        }
    }
}

/// Every event of a run. `type` is the snake_case name; names are stable once released.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A run began.
    RunStarted {
        /// Run id.
        run_id: String,
        /// The runbook path.
        runbook: String,
        /// The plan in force.
        plan: Box<PlanSnapshot>,
        /// Seed of every random choice (post-soak samples), so replay is exact.
        seed: u64,
        /// The fault scenario when this run is a drill.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        drill: Option<String>,
        /// How faults can be injected into this run (demos and drills only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        injection: Option<Injection>,
    },
    /// A controller picked the run up again after a stop or crash.
    RunResumed {
        /// Hosts whose step was in flight when the controller stopped.
        interrupted: Vec<String>,
    },
    /// A wave began.
    WaveStarted {
        /// 1-based.
        wave: usize,
        /// Its hosts.
        hosts: Vec<String>,
    },
    /// Someone approved a wave.
    WaveApproved {
        /// 1-based.
        wave: usize,
    },
    /// A step started on a host (recorded before the process is spawned).
    HostStepStarted {
        /// Host.
        host: String,
        /// Step.
        step: StepName,
        /// 1-based wave.
        wave: usize,
        /// Hosts sharing one process (a per-wave step) share a job number.
        job: u64,
        /// Per host or per wave.
        per: Per,
    },
    /// A step ended on a host.
    HostStepFinished {
        /// Host.
        host: String,
        /// Step.
        step: StepName,
        /// Job number from `host_step_started`.
        job: u64,
        /// ok / failed / timed_out / unreachable / not_started / killed.
        outcome: Outcome,
        /// True for `ok`.
        ok: bool,
        /// Exit code, when the process exited.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        /// Operator words: "exit 2", "timed out after 5m".
        reason: String,
        /// When the process started.
        started_at: Timestamp,
        /// Last output, redacted.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        output_tail: String,
    },
    /// A host passed every forward step.
    HostUpgraded {
        /// Host.
        host: String,
        /// 1-based wave.
        wave: usize,
    },
    /// A host failed, and what the policy did about it.
    HostFailed {
        /// Host.
        host: String,
        /// 1-based wave.
        wave: usize,
        /// Failing step.
        step: StepName,
        /// How it failed.
        outcome: Outcome,
        /// Why, in words.
        reason: String,
        /// The policy row that applied and its consequence.
        policy: String,
    },
    /// A host's step was in flight when the controller stopped.
    HostInterrupted {
        /// Host.
        host: String,
        /// The step that was running.
        step: StepName,
    },
    /// An operator took a host out of the run.
    HostSkipped {
        /// Host.
        host: String,
    },
    /// An operator sent a failed host through its steps again.
    HostRetried {
        /// Host.
        host: String,
    },
    /// A wave's soak began.
    SoakStarted {
        /// 1-based wave.
        wave: usize,
        /// When it ends.
        until: Timestamp,
    },
    /// A wave's soak ended; these hosts are verified again.
    SoakFinished {
        /// 1-based wave.
        wave: usize,
        /// Hosts to verify again (all, a seeded sample, or none, per policy).
        reverify: Vec<String>,
    },
    /// Every host of a wave is settled.
    WaveCompleted {
        /// 1-based wave.
        wave: usize,
        /// Hosts upgraded.
        upgraded: usize,
        /// Hosts failed.
        failed: usize,
        /// Hosts rolled back.
        rolled_back: usize,
    },
    /// A rule's baseline was measured before wave 1.
    BaselineRecorded {
        /// Rule.
        rule: String,
        /// Baseline value.
        value: f64,
        /// Resolved query.
        query: String,
        /// Window, ms.
        window_ms: u64,
    },
    /// A rule went to warn or breach.
    RuleBreached {
        /// Warn or Breach.
        state: RuleState,
        /// What it saw.
        evidence: Evidence,
    },
    /// A rule is back to ok.
    RuleCleared {
        /// What it saw.
        evidence: Evidence,
    },
    /// A rule lost sight: no data, stale, query error, source down.
    NoData {
        /// Which kind of blindness.
        state: RuleState,
        /// What it saw.
        evidence: Evidence,
    },
    /// A fault was declared (by a rule or a person).
    FaultDeclared {
        /// minor | functional | severe.
        level: Severity,
        /// Why.
        reason: String,
        /// The rule that raised it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<String>,
    },
    /// No new host step starts.
    Paused {
        /// Why.
        reason: String,
    },
    /// Steps may start again.
    Resumed {},
    /// A rollback was proposed (by ripcord, awaiting confirmation) or asked for.
    RollbackRequested {
        /// What it covers.
        scope: Scope,
        /// Hosts it would roll back.
        hosts: Vec<String>,
        /// Why.
        reason: String,
        /// Role that must confirm a proposal.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirm_by: Option<Role>,
    },
    /// A rollback began.
    RollbackStarted {
        /// What it covers.
        scope: Scope,
        /// Hosts it rolls back.
        hosts: Vec<String>,
        /// Why.
        reason: String,
    },
    /// A host is back on the old version.
    HostRolledBack {
        /// Host.
        host: String,
    },
    /// A rollback ended.
    RollbackCompleted {
        /// What it covered.
        scope: Scope,
        /// Hosts rolled back.
        rolled_back: usize,
        /// Hosts whose rollback failed.
        failed: usize,
    },
    /// An operator intent was refused.
    IntentRefused {
        /// The intent, in words.
        intent: String,
        /// Why.
        reason: String,
    },
    /// A checklist item was checked.
    ChecklistChecked {
        /// Whose checklist.
        role: Role,
        /// 0-based item index.
        item: usize,
        /// Item text.
        text: String,
    },
    /// Business impact as assessed.
    ImpactRecorded {
        /// Traffic drop, percent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        traffic_drop_pct: Option<f64>,
        /// Failed transactions, percent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failed_tx_pct: Option<f64>,
        /// Free text.
        #[serde(default)]
        note: String,
    },
    /// A notification was put in the outbox (before any attempt).
    NotificationQueued {
        /// Outbox id (also the idempotency key).
        id: String,
        /// Channel name.
        channel: String,
        /// Event kind it reports.
        kind: String,
        /// Rendered text.
        text: String,
    },
    /// A notification was delivered.
    NotificationSent {
        /// Outbox id.
        id: String,
        /// Attempt number, from 1.
        attempt: u32,
    },
    /// A delivery attempt failed.
    NotificationFailed {
        /// Outbox id.
        id: String,
        /// Attempt number.
        attempt: u32,
        /// Why.
        error: String,
        /// No more attempts will be made.
        last: bool,
    },
    /// A stakeholder update is due.
    StatusUpdateDue {
        /// When it was due.
        due_at: Timestamp,
    },
    /// A stakeholder update went out.
    StatusUpdateSent {
        /// internal | external.
        audience: crate::runbook::Audience,
        /// The text sent.
        text: String,
    },
    /// A role changed hands.
    Handover {
        /// The role.
        role: Role,
        /// New holder.
        to: String,
    },
    /// A plan target was missed.
    SlaMissed {
        /// rollback_start_within | restore_within.
        target: String,
        /// When it was due.
        deadline: Timestamp,
    },
    /// A drill's fault was injected: into ripcord's simulated fleet, or into the environment
    /// of the steps that run from now on (`RIPCORD_DRILL`). Recorded before it takes effect.
    FaultInjected {
        /// The scenario (`5xx`, `slow-burn` ...).
        scenario: String,
        /// What injected it: the runbook's `[drill]`, `--fault`, or a person's key.
        why: String,
    },
    /// After a wave or fleet rollback, no rule is in breach any more: the service recovered
    /// (the postmortem's *resolved*). The run ends rolled back.
    ServiceRecovered {
        /// Rules that had breached since the fault and are clear now.
        cleared: Vec<String>,
    },
    /// After a rollback the service was not seen to recover by the plan's restore deadline;
    /// the run ends rolled back, the watch over.
    RecoveryUnconfirmed {
        /// Rules still in breach (or blind where the plan says blind is a breach).
        still_breaching: Vec<String>,
        /// Hosts that still run the new version.
        still_upgraded: Vec<String>,
    },
    /// Every wave is done.
    RunCompleted {},
    /// The run stopped and needs a decision.
    RunHalted {
        /// Why.
        reason: String,
    },
}

impl EventKind {
    /// The snake_case `type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::RunStarted { .. } => "run_started",
            EventKind::RunResumed { .. } => "run_resumed",
            EventKind::WaveStarted { .. } => "wave_started",
            EventKind::WaveApproved { .. } => "wave_approved",
            EventKind::HostStepStarted { .. } => "host_step_started",
            EventKind::HostStepFinished { .. } => "host_step_finished",
            EventKind::HostUpgraded { .. } => "host_upgraded",
            EventKind::HostFailed { .. } => "host_failed",
            EventKind::HostInterrupted { .. } => "host_interrupted",
            EventKind::HostSkipped { .. } => "host_skipped",
            EventKind::HostRetried { .. } => "host_retried",
            EventKind::SoakStarted { .. } => "soak_started",
            EventKind::SoakFinished { .. } => "soak_finished",
            EventKind::WaveCompleted { .. } => "wave_completed",
            EventKind::BaselineRecorded { .. } => "baseline_recorded",
            EventKind::RuleBreached { .. } => "rule_breached",
            EventKind::RuleCleared { .. } => "rule_cleared",
            EventKind::NoData { .. } => "no_data",
            EventKind::FaultDeclared { .. } => "fault_declared",
            EventKind::Paused { .. } => "paused",
            EventKind::Resumed {} => "resumed",
            EventKind::RollbackRequested { .. } => "rollback_requested",
            EventKind::RollbackStarted { .. } => "rollback_started",
            EventKind::HostRolledBack { .. } => "host_rolled_back",
            EventKind::RollbackCompleted { .. } => "rollback_completed",
            EventKind::IntentRefused { .. } => "intent_refused",
            EventKind::ChecklistChecked { .. } => "checklist_checked",
            EventKind::ImpactRecorded { .. } => "impact_recorded",
            EventKind::NotificationQueued { .. } => "notification_queued",
            EventKind::NotificationSent { .. } => "notification_sent",
            EventKind::NotificationFailed { .. } => "notification_failed",
            EventKind::StatusUpdateDue { .. } => "status_update_due",
            EventKind::StatusUpdateSent { .. } => "status_update_sent",
            EventKind::Handover { .. } => "handover",
            EventKind::SlaMissed { .. } => "sla_missed",
            EventKind::FaultInjected { .. } => "fault_injected",
            EventKind::ServiceRecovered { .. } => "service_recovered",
            EventKind::RecoveryUnconfirmed { .. } => "recovery_unconfirmed",
            EventKind::RunCompleted {} => "run_completed",
            EventKind::RunHalted { .. } => "run_halted",
        }
    }
}
