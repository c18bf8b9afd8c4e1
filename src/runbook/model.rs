//! The checked runbook: what parsing and validation produce and what the rest of ripcord relies on.
//!
//! Every value here has passed validation (see `validate`): hosts are unique and well named,
//! waves place every host exactly once, steps name only known placeholders, and every policy
//! item is resolved (risk default or runbook override, with its origin kept for `plan`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::duration::Span;

/// Risk level of the change; picks the default policy row (DESIGN §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Core services: payments, account DB, signalling.
    High,
    /// Non-core: log agents, middleware.
    Medium,
    /// Minor patches, UI, toolchain.
    Low,
}

impl Risk {
    /// Lower-case name as written in the runbook.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::High => "high",
            Risk::Medium => "medium",
            Risk::Low => "low",
        }
    }
}

/// The `[plan]` table: what the change is and the targets it must meet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanInfo {
    /// Human name of the upgrade, shown in the header and every message.
    pub name: String,
    /// Risk level; picks the default policy.
    pub risk: Risk,
    /// production | staging | test.
    pub environment: String,
    /// Host kinds in scope: linux, windows, container-host, database.
    pub host_kinds: Vec<String>,
    /// patch | kernel | major-version | runtime | middleware.
    pub upgrade_kind: String,
    /// Total user-visible downtime allowed.
    pub downtime_budget: Span,
    /// Rollback must start within this long of a fault being declared.
    pub rollback_start_within: Span,
    /// Service must be restored within this long of a fault being declared.
    pub restore_within: Span,
    /// Cadence of stakeholder status updates.
    pub status_update_every: Span,
    /// When the plan was last reviewed; `check` warns past 90 days.
    pub reviewed: Option<NaiveDate>,
}

/// Where a policy value came from, so `plan` can say why it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The risk level's default row (DESIGN §1).
    Default,
    /// Set in the runbook's `[policy]` or `[[wave]]`.
    Runbook,
}

/// A policy value and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting<T> {
    /// The value in force.
    pub value: T,
    /// Default of the risk row, or set by the runbook.
    pub origin: Origin,
}

impl<T> Setting<T> {
    /// A risk-row default.
    pub fn default_of(value: T) -> Self {
        Self {
            value,
            origin: Origin::Default,
        }
    }
    /// A runbook override.
    pub fn set(value: T) -> Self {
        Self {
            value,
            origin: Origin::Runbook,
        }
    }
}

/// Who lets the next wave start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Approval {
    /// The commander approves each wave after its soak.
    Commander,
    /// The wave starts by itself once the previous soak is over.
    Auto,
}

/// What happens when a host fails a step (verify, upgrade, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnHostFailure {
    /// Pause the run; offer rollback of that host (commander confirms). High risk.
    PauseRun,
    /// Pause the wave; offer rollback (technician confirms). Medium risk.
    PauseWave,
    /// Roll the host back automatically; go on while within `max_failed`. Low risk.
    RollbackHost,
}

/// What happens when a functional rule is breached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnBreach {
    /// Pause and offer rollback of the affected wave; a person confirms.
    Pause,
    /// Pause and start the rollback of the affected wave at once.
    RollbackWave,
    /// Roll the affected hosts back automatically.
    RollbackHosts,
}

/// Which hosts of a wave are verified again once its soak is over.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "percent")]
pub enum Reverify {
    /// Every host of the wave.
    All,
    /// A seeded random sample of this percentage (at least one host).
    Sample(u8),
    /// None.
    None,
}

/// What backups the policy requires before a host is upgraded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackupRule {
    /// Every host backed up and one restore verified before wave 1.
    VerifiedRestore,
    /// Every host backed up.
    Required,
    /// A snapshot per host.
    Snapshot,
}

/// Who may confirm a rollback the engine proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confirmer {
    /// Only the commander.
    Commander,
    /// The technician or the commander.
    Technician,
}

/// The resolved policy: the risk row of DESIGN §1 with runbook overrides applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Who approves the next wave.
    pub approve_waves: Setting<Approval>,
    /// Default soak between waves (a wave's own `soak` wins).
    pub soak: Setting<Span>,
    /// Backup requirement.
    pub backups: Setting<BackupRule>,
    /// Reaction to a host failing a step.
    pub on_host_failure: Setting<OnHostFailure>,
    /// Reaction to a functional rule breach.
    pub on_breach: Setting<OnBreach>,
    /// Who confirms a proposed wave rollback.
    pub rollback_confirm: Setting<Confirmer>,
    /// Post-soak verification.
    pub reverify: Setting<Reverify>,
    /// Failures allowed in the whole run before it halts (halts when *more than* this).
    pub max_failed_total: Setting<u32>,
    /// Default failures allowed per wave when a wave states none.
    pub max_failed: Setting<FailBudget>,
    /// Default hosts in flight at once within a wave.
    pub parallel: Setting<u32>,
}

/// A failure budget: a count, or a percentage of the wave (floored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "value")]
pub enum FailBudget {
    /// This many failed hosts are tolerated.
    Count(u32),
    /// This percentage of the wave's hosts (floored) is tolerated.
    Percent(u8),
}

impl FailBudget {
    /// Failures tolerated in a wave of `wave_size` hosts; the wave halts on *more* than this.
    pub fn allowed(self, wave_size: usize) -> u32 {
        match self {
            FailBudget::Count(n) => n,
            FailBudget::Percent(p) => (wave_size as u64 * p as u64 / 100) as u32,
        }
    }
}

/// How a `[[wave]]` says which hosts it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "value")]
pub enum WaveSize {
    /// A percentage of the whole fleet, rounded up, at least one host.
    Percent(u8),
    /// A host count.
    Count(u32),
    /// Every host not placed by another wave.
    Rest,
    /// Hosts whose labels match every `key = value` given (not already placed).
    Select(BTreeMap<String, String>),
}

/// A `[[wave]]` as written (sizes unresolved).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaveSpec {
    /// Optional display name (`canary`); defaults to `wave N`.
    pub name: Option<String>,
    /// Which hosts the wave takes.
    pub size: WaveSize,
    /// Soak after the wave (defaults to the policy soak).
    pub soak: Setting<Span>,
    /// Failures tolerated in this wave.
    pub max_failed: Setting<FailBudget>,
    /// Hosts in flight at once.
    pub parallel: Setting<u32>,
    /// Who starts this wave (defaults to the policy).
    pub approval: Setting<Approval>,
}

/// One host of the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    /// Host name: only `[A-Za-z0-9._:-]`.
    pub name: String,
    /// Labels from the inventory (`zone=a group=canary`).
    pub labels: BTreeMap<String, String>,
}

/// `[fleet] ansible_inventory` (and `pattern`): the Ansible inventory the runbook names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnsibleInventory {
    /// Path as written, relative to the runbook's folder; Ansible steps without their own
    /// `inventory` use it.
    pub path: String,
    /// Ansible host pattern selecting the fleet within it; `None` takes every host.
    pub pattern: Option<String>,
    /// True when the fleet's hosts were read from it (no `hosts` / `hosts_file`).
    pub fleet: bool,
}

/// The standard host steps, in the order they run (DESIGN §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    /// Take a backup or snapshot.
    Backup,
    /// Check the backup can be restored.
    VerifyBackup,
    /// Dependent services up, modules compatible, cron paused, logins locked.
    Precheck,
    /// The upgrade itself.
    Upgrade,
    /// Boot log, service status, smoke test.
    Verify,
    /// Put the old version back.
    Rollback,
    /// Check the rollback worked.
    VerifyRollback,
}

impl StepName {
    /// Forward steps in order (rollback steps excluded).
    pub const FORWARD: [StepName; 5] = [
        StepName::Backup,
        StepName::VerifyBackup,
        StepName::Precheck,
        StepName::Upgrade,
        StepName::Verify,
    ];
    /// Every step name, in runbook order.
    pub const ALL: [StepName; 7] = [
        StepName::Backup,
        StepName::VerifyBackup,
        StepName::Precheck,
        StepName::Upgrade,
        StepName::Verify,
        StepName::Rollback,
        StepName::VerifyRollback,
    ];
    /// snake_case name as in `[steps.NAME]`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepName::Backup => "backup",
            StepName::VerifyBackup => "verify_backup",
            StepName::Precheck => "precheck",
            StepName::Upgrade => "upgrade",
            StepName::Verify => "verify",
            StepName::Rollback => "rollback",
            StepName::VerifyRollback => "verify_rollback",
        }
    }
    /// True for the forward steps (backup … verify), false for rollback steps.
    pub fn is_forward(self) -> bool {
        !matches!(self, StepName::Rollback | StepName::VerifyRollback)
    }
    /// Parses a `[steps.NAME]` key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == key)
    }
}

/// Whether a step runs once per host or once per wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    /// One process per host (`{host}`).
    #[default]
    Host,
    /// One process for the wave's hosts (`{hosts}`), e.g. `ansible-playbook --limit`.
    Wave,
}

/// How a step is executed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum StepRunner {
    /// An argv (or, with `shell = true`, one shell line in `argv[0]`).
    Command {
        /// Program and arguments with placeholders; never split on spaces.
        argv: Vec<String>,
        /// Run through `sh -c` (explicit opt-in).
        shell: bool,
    },
    /// `ansible-playbook` with per-host results (the Ansible issue).
    Ansible {
        /// Playbook path, relative to the runbook.
        playbook: String,
        /// Inventory path, relative to the runbook (defaults to the fleet's inventory).
        inventory: Option<String>,
        /// `--extra-vars key=value`.
        extra_vars: BTreeMap<String, String>,
        /// `--tags`.
        tags: Vec<String>,
        /// `--forks`.
        forks: Option<u32>,
    },
}

/// A `[steps.NAME]` entry, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepSpec {
    /// Which standard step this is.
    pub name: StepName,
    /// What runs.
    pub runner: StepRunner,
    /// Killed (whole process group) and counted as failed after this long.
    pub timeout: Span,
    /// Once per host or once per wave.
    pub per: Per,
    /// Extra environment for the step.
    pub env: BTreeMap<String, String>,
}

/// Where metrics come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum MetricSource {
    /// A Prometheus server's HTTP API (PromQL).
    Prometheus {
        /// Base URL, e.g. `http://127.0.0.1:9090`.
        url: String,
        /// Poll interval.
        interval: Span,
        /// Per-request timeout.
        timeout: Span,
        /// Auth and headers, with secrets named by env var.
        auth: Auth,
        /// Extra HTTP headers (values may not hold secrets).
        headers: BTreeMap<String, String>,
    },
    /// Scrape exporters' `/metrics` directly (the simple mode).
    Scrape {
        /// URLs of `/metrics` endpoints.
        targets: Vec<String>,
        /// Scrape interval.
        interval: Span,
        /// Per-request timeout.
        timeout: Span,
    },
}

/// Authentication for the metric source; only names of env vars / files are stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Auth {
    /// Env var holding a bearer token.
    pub bearer_token_env: Option<String>,
    /// File holding a bearer token.
    pub bearer_token_file: Option<String>,
    /// Basic auth user name (not secret).
    pub basic_user: Option<String>,
    /// Env var holding the basic auth password.
    pub basic_password_env: Option<String>,
}

/// Comparison in a rule threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cmp {
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
}

impl Cmp {
    /// Symbol as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
        }
    }
    /// True when `value OP limit` holds.
    pub fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            Cmp::Gt => value > limit,
            Cmp::Ge => value >= limit,
            Cmp::Lt => value < limit,
            Cmp::Le => value <= limit,
        }
    }
}

/// A threshold such as `> 0.05` or `> 2x baseline`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// The comparison.
    pub cmp: Cmp,
    /// The number, or the baseline factor when `baseline` is true.
    pub value: f64,
    /// `Nx baseline`: compare against `value` × the recorded baseline.
    pub baseline: bool,
}

impl Threshold {
    /// Parses `"> 0.05"`, `"< 0.999"`, `">= 2x baseline"`, `"> 5%"` (= 0.05).
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let (cmp, rest) = if let Some(r) = t.strip_prefix(">=") {
            (Cmp::Ge, r)
        } else if let Some(r) = t.strip_prefix("<=") {
            (Cmp::Le, r)
        } else if let Some(r) = t.strip_prefix('>') {
            (Cmp::Gt, r)
        } else if let Some(r) = t.strip_prefix('<') {
            (Cmp::Lt, r)
        } else {
            return Err(format!(
                "threshold \"{text}\" must start with >, >=, < or <=, e.g. \"> 0.05\" or \"> 2x baseline\""
            ));
        };
        let rest = rest.trim();
        if let Some(factor) = rest.strip_suffix("baseline") {
            let factor = factor.trim().trim_end_matches(['x', 'X', '*']).trim();
            let value: f64 = factor.parse().map_err(|_| {
                format!("threshold \"{text}\": write a baseline factor like \"> 2x baseline\"")
            })?;
            return Ok(Self {
                cmp,
                value,
                baseline: true,
            });
        }
        let (num, scale) = match rest.strip_suffix('%') {
            Some(n) => (n.trim(), 0.01),
            None => (rest, 1.0),
        };
        let value: f64 = num.parse().map_err(|_| {
            format!("threshold \"{text}\": \"{rest}\" is not a number; write e.g. \"> 0.05\", \"> 5%\" or \"> 2x baseline\"")
        })?;
        if !value.is_finite() {
            return Err(format!("threshold \"{text}\" must be a finite number"));
        }
        Ok(Self {
            cmp,
            value: value * scale,
            baseline: false,
        })
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.baseline {
            write!(f, "{} {}x baseline", self.cmp.as_str(), self.value)
        } else {
            write!(f, "{} {}", self.cmp.as_str(), self.value)
        }
    }
}

/// Fault levels (DESIGN §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Recorded; the run goes on.
    Minor,
    /// Later waves paused; failing hosts rolled back per policy.
    Functional,
    /// Fleet rollback proposed; commander confirms.
    Severe,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Functional => "functional",
            Severity::Severe => "severe",
        }
    }
}

/// What a rule does while it has no data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum NoData {
    /// Treat as a breach.
    Breach,
    /// Start no new hosts while blind (fail-closed; the default).
    #[default]
    Hold,
    /// Carry on.
    Ignore,
}

/// Unit of a watched value, for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// A 0..1 ratio shown as a percentage.
    Ratio,
    /// A percentage 0..100.
    Percent,
    /// Seconds.
    Seconds,
    /// Milliseconds.
    Ms,
    /// Bytes.
    Bytes,
    /// Per second.
    Rps,
    /// A plain number.
    #[default]
    Count,
}

/// A `[[watch]]` panel and rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Watch {
    /// Panel title and rule name.
    pub name: String,
    /// PromQL (or a scrape selector in scrape mode) with placeholders.
    pub query: String,
    /// Display unit.
    pub unit: Unit,
    /// Warning level (shown, no action).
    pub warn: Option<Threshold>,
    /// Breach level (acts per severity and policy); a watch without one only draws.
    pub breach: Option<Threshold>,
    /// The condition must hold this long before it counts (like an alert rule's `for`).
    pub for_: Span,
    /// Fault level a breach raises.
    pub severity: Severity,
    /// Behaviour while there is no data.
    pub no_data: NoData,
    /// Judge each upgraded host on its own (`{host}` in the query).
    pub per_host: bool,
    /// Window before wave 1 over which the baseline is measured.
    pub baseline_window: Span,
}

/// An `[[alerts]]` gate: firing Prometheus alerts that match hold or halt the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertGate {
    /// Display name.
    pub name: String,
    /// Label matchers the alert must carry (`alertname`, `severity`, ...).
    pub matchers: BTreeMap<String, String>,
    /// Fault level a matching firing alert raises.
    pub severity: Severity,
}

/// A role of the emergency plan (DESIGN §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Decides.
    Commander,
    /// Executes.
    Technician,
    /// Assesses business impact.
    Impact,
    /// Keeps stakeholders informed.
    Communicator,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 4] = [
        Role::Commander,
        Role::Technician,
        Role::Impact,
        Role::Communicator,
    ];
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Commander => "commander",
            Role::Technician => "technician",
            Role::Impact => "impact",
            Role::Communicator => "communicator",
        }
    }
    /// Parses a lower-case role name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// When a checklist item is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Before wave 1.
    #[default]
    Before,
    /// Once per wave.
    EachWave,
    /// When a fault is declared.
    OnFault,
    /// After the run.
    After,
}

/// A checklist item of a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// What to do.
    pub text: String,
    /// When it is due.
    pub phase: Phase,
}

/// Audience of a message: internal may name hosts and values, external never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// Engineers and management.
    #[default]
    Internal,
    /// Customers and the public.
    External,
}

/// Kind of notification channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// Slack incoming webhook.
    Slack,
    /// Generic JSON webhook.
    Webhook,
    /// WeCom group robot.
    Wecom,
    /// DingTalk robot.
    Dingtalk,
    /// A local command (SMS / phone gateways).
    Command,
    /// SMTP email.
    Email,
}

/// A `[[notify]]` channel. Secrets are named by env var or file, never stored here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotifyChannel {
    /// Channel name.
    pub name: String,
    /// Kind.
    pub kind: ChannelKind,
    /// Env var holding the URL (webhooks).
    pub url_env: Option<String>,
    /// File holding the URL.
    pub url_file: Option<String>,
    /// Env var holding a signing secret.
    pub secret_env: Option<String>,
    /// argv for `command` channels.
    pub command: Vec<String>,
    /// SMTP relay `host:port` for `email`.
    pub smtp: Option<String>,
    /// Recipients for `email`.
    pub to: Vec<String>,
    /// Sender for `email`.
    pub from: Option<String>,
    /// Event kinds subscribed to (`status_update` for status updates).
    pub on: Vec<String>,
    /// Least severity of faults sent.
    pub min_severity: Severity,
    /// Internal or external.
    pub audience: Audience,
    /// Template overrides by event kind.
    pub templates: BTreeMap<String, String>,
}

/// `[contacts]`: who to call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Contacts {
    /// Vendor support line.
    pub vendor_support: Option<String>,
    /// Escalation path.
    pub escalation: Option<String>,
    /// How traffic is switched away in a severe fault.
    pub traffic_switch: Option<String>,
}

/// `[drill]`: how a rehearsal of this plan breaks it on purpose. `ripcord run` never
/// injects anything; `ripcord drill` and `ripcord demo --fault` do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drill {
    /// The scenario `ripcord drill` injects when `--fault` names none.
    pub fault: Option<String>,
    /// 1-based wave whose start injects the fault (default 1).
    pub wave: usize,
}

/// Whether `name` can name a fault scenario: letters, digits, `-` and `_`, not empty (it
/// reaches step environments and journal lines as it is).
pub fn is_scenario_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A checked runbook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Runbook {
    /// The file it came from.
    pub source: PathBuf,
    /// Folder the steps run in (the runbook's folder).
    pub dir: PathBuf,
    /// `[plan]`.
    pub plan: PlanInfo,
    /// Resolved policy.
    pub policy: Policy,
    /// Every host, in file order.
    pub fleet: Vec<Host>,
    /// The Ansible inventory `[fleet]` names, if any.
    #[serde(default)]
    pub ansible_inventory: Option<AnsibleInventory>,
    /// `[[wave]]` specs, in order.
    pub waves: Vec<WaveSpec>,
    /// Steps by name (upgrade always present).
    pub steps: BTreeMap<StepName, StepSpec>,
    /// Metric source, if any.
    pub metrics: Option<MetricSource>,
    /// `[[watch]]` panels and rules.
    pub watches: Vec<Watch>,
    /// `[[alerts]]` gates.
    pub alerts: Vec<AlertGate>,
    /// Checklists per role.
    pub checklists: BTreeMap<Role, Vec<ChecklistItem>>,
    /// Notification channels.
    pub notify: Vec<NotifyChannel>,
    /// Contacts.
    pub contacts: Contacts,
    /// `[drill]`, if the plan says how to rehearse it.
    #[serde(default)]
    pub drill: Option<Drill>,
}
