//! What `ripcord plan` shows, as one serializable document: the JSON of `plan --json`
//! (format 1, documented in docs/plan-json.md) and the data the text view is drawn from,
//! so the two can never disagree. Built by `plan_build`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{Contacts, FailBudget, Origin, Setting};

/// Version of the JSON layout; bumped only when a field changes meaning or goes away.
pub const FORMAT: u32 = 1;

/// Stands in for the run id, which exists only once a run starts.
pub const RUN_ID_PLACEHOLDER: &str = "<run-id>";

/// How ripcord sizes waves, said next to every plan (Ansible users expect otherwise).
pub const ROUNDING: &str = "A percentage is of the whole fleet, rounded up, and at least one host; a count is exact; \"rest\" takes every host left; selector waves take their labelled hosts first. Ansible's `serial` floors percentages and repeats its last batch size until the inventory is done; ripcord does neither: the waves above are all there is.";

/// `plan --json`.
#[derive(Debug, Clone, Serialize)]
pub struct PlanDoc {
    /// Always [`FORMAT`].
    pub format: u32,
    /// The runbook file.
    pub source: String,
    /// `[plan]`.
    pub plan: Header,
    /// The targets of the plan.
    pub targets: Targets,
    /// The policy in force, item by item, with where each value came from.
    pub policy: PolicyDoc,
    /// Hosts in the fleet.
    pub fleet_size: usize,
    /// True when the runbook has no `[[wave]]` and the risk row's waves apply.
    pub default_waves: bool,
    /// How percentages are rounded ([`ROUNDING`]).
    pub rounding: String,
    /// The waves in run order.
    pub waves: Vec<WaveDoc>,
    /// Values the examples below were expanded with.
    pub example: Example,
    /// The steps in run order.
    pub steps: Vec<StepDoc>,
    /// Where metrics come from, if anywhere.
    pub metrics: Option<MetricsDoc>,
    /// `[[watch]]` rules and panels.
    pub rules: Vec<RuleDoc>,
    /// `[[alerts]]` gates.
    pub alerts: Vec<AlertDoc>,
    /// `[[notify]]` channels.
    pub notify: Vec<ChannelDoc>,
    /// Checklist items per role.
    pub checklists: BTreeMap<String, Vec<ItemDoc>>,
    /// `[contacts]`.
    pub contacts: Contacts,
}

/// `[plan]`.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    /// Name of the change.
    pub name: String,
    /// high | medium | low.
    pub risk: String,
    /// production | staging | test.
    pub environment: String,
    /// Host kinds in scope.
    pub host_kinds: Vec<String>,
    /// Kind of upgrade ("" when not stated).
    pub upgrade_kind: String,
    /// Last review, `YYYY-MM-DD`.
    pub reviewed: Option<String>,
}

/// The plan's targets, as durations like `30m`.
#[derive(Debug, Clone, Serialize)]
pub struct Targets {
    /// User-visible downtime allowed.
    pub downtime_budget: String,
    /// Rollback starts within this of a fault.
    pub rollback_start_within: String,
    /// Service restored within this of a fault.
    pub restore_within: String,
    /// Status update cadence.
    pub status_update_every: String,
}

/// A policy value and its origin.
#[derive(Debug, Clone, Serialize)]
pub struct SettingDoc {
    /// The value as a runbook would write it (`commander`, `1h`, `10%`, `3`).
    pub value: String,
    /// `default` (the risk row) or `runbook`.
    pub origin: Origin,
    /// What it means, in words.
    pub meaning: String,
}

/// The resolved policy.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyDoc {
    /// Risk row the defaults come from.
    pub risk_row: String,
    /// Who starts each wave.
    pub approve_waves: SettingDoc,
    /// Default soak.
    pub soak: SettingDoc,
    /// Backup requirement.
    pub backups: SettingDoc,
    /// Reaction to a failed host.
    pub on_host_failure: SettingDoc,
    /// Reaction to a breach.
    pub on_breach: SettingDoc,
    /// Who confirms a rollback.
    pub rollback_confirm: SettingDoc,
    /// Verification after the soak.
    pub reverify: SettingDoc,
    /// Failures allowed in the run.
    pub max_failed_total: SettingDoc,
    /// Default failures allowed per wave.
    pub max_failed: SettingDoc,
    /// Default hosts at once.
    pub parallel: SettingDoc,
}

/// One wave.
#[derive(Debug, Clone, Serialize)]
pub struct WaveDoc {
    /// 1-based.
    pub number: usize,
    /// Display name.
    pub name: String,
    /// As written: `10%`, `25`, `rest`, `select group=canary`.
    pub size: String,
    /// Hosts in the wave.
    pub host_count: usize,
    /// Every host, in order.
    pub hosts: Vec<String>,
    /// Who starts the wave.
    pub approval: SettingDoc,
    /// Soak after the wave.
    pub soak: SettingDoc,
    /// Failure budget as written.
    pub max_failed: SettingDoc,
    /// Failures tolerated in this wave; it halts on one more.
    pub allowed_failures: u32,
    /// Hosts at once.
    pub parallel: SettingDoc,
}

/// The run id, wave and host the examples are expanded for.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// [`RUN_ID_PLACEHOLDER`].
    pub run: String,
    /// Wave 1.
    pub wave: usize,
    /// The first host of wave 1.
    pub host: String,
}

/// One step.
#[derive(Debug, Clone, Serialize)]
pub struct StepDoc {
    /// `upgrade`, `verify` ...
    pub name: String,
    /// `command` or `ansible`.
    pub kind: String,
    /// `host` or `wave`.
    pub per: String,
    /// Timeout as a duration.
    pub timeout: String,
    /// Runs through `sh -c`.
    pub shell: bool,
    /// argv as written (empty for ansible steps).
    pub argv: Vec<String>,
    /// argv as it runs for the example host (or wave 1, per wave); empty for ansible.
    pub example: Vec<String>,
    /// Extra environment.
    pub env: BTreeMap<String, String>,
    /// Ansible playbook, for ansible steps.
    pub playbook: Option<String>,
}

/// The metric source.
#[derive(Debug, Clone, Serialize)]
pub struct MetricsDoc {
    /// `prometheus` or `scrape`.
    pub kind: String,
    /// Prometheus URL, or the scrape targets.
    pub endpoints: Vec<String>,
    /// Poll interval.
    pub interval: String,
    /// Request timeout.
    pub timeout: String,
}

/// One `[[watch]]`.
#[derive(Debug, Clone, Serialize)]
pub struct RuleDoc {
    /// Name.
    pub name: String,
    /// Query as written.
    pub query: String,
    /// Query as a run sends it while wave 1 is upgraded.
    pub query_wave_1: String,
    /// Display unit.
    pub unit: String,
    /// Warning threshold.
    pub warn: Option<String>,
    /// Breach threshold (none: a panel only).
    pub breach: Option<String>,
    /// How long the condition must hold.
    #[serde(rename = "for")]
    pub for_: String,
    /// Fault level of a breach.
    pub severity: String,
    /// Behaviour without data.
    pub no_data: String,
    /// Judged per host.
    pub per_host: bool,
    /// Baseline window (used by `Nx baseline` thresholds).
    pub baseline_window: String,
}

/// One `[[alerts]]`.
#[derive(Debug, Clone, Serialize)]
pub struct AlertDoc {
    /// Name.
    pub name: String,
    /// Label matchers.
    pub matchers: BTreeMap<String, String>,
    /// Fault level.
    pub severity: String,
}

/// One `[[notify]]` channel; secrets appear only as the place they are read from.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelDoc {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// `internal` or `external`.
    pub audience: String,
    /// Events sent.
    pub on: Vec<String>,
    /// Least fault severity sent.
    pub min_severity: String,
    /// `env NAME`, `file PATH`, `command ...`, `smtp HOST` (never the secret).
    pub target: String,
}

/// A checklist item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemDoc {
    /// What to do.
    pub text: String,
    /// `before`, `each-wave`, `on-fault`, `after`.
    pub phase: String,
}

pub(crate) fn doc<T>(s: &Setting<T>, value: String, meaning: String) -> SettingDoc {
    SettingDoc {
        value,
        origin: s.origin,
        meaning,
    }
}

pub(crate) fn budget_text(b: FailBudget) -> String {
    match b {
        FailBudget::Count(n) => n.to_string(),
        FailBudget::Percent(p) => format!("{p}%"),
    }
}

/// `1st`, `2nd`, `3rd`, `11th` ...
pub fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

pub(crate) fn words<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
