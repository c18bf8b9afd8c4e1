//! What `ripcord plan` shows, as one serializable document: the JSON of `plan --json`
//! (format 1, documented in docs/plan-json.md) and the data the text view is drawn from,
//! so the two can never disagree.

use std::collections::BTreeMap;

use serde::Serialize;

use super::load::Loaded;
use super::model::{
    Approval, BackupRule, Confirmer, Contacts, FailBudget, MetricSource, OnBreach, OnHostFailure,
    Origin, Reverify, Setting, StepName, StepRunner, WaveSize,
};
use super::placeholders::expand_query_at_wave;
use crate::exec::{Vars, expand_argv};

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

fn doc<T>(s: &Setting<T>, value: String, meaning: String) -> SettingDoc {
    SettingDoc { value, origin: s.origin, meaning }
}

fn budget_text(b: FailBudget) -> String {
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

fn words<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

impl PlanDoc {
    /// Everything `run` would do with `loaded`, nothing run.
    pub fn new(loaded: &Loaded) -> Self {
        let rb = &loaded.runbook;
        let p = &rb.policy;
        let first_wave = loaded.waves.first().map(|w| w.hosts.clone()).unwrap_or_default();
        let first_host = first_wave.first().cloned().unwrap_or_default();
        let policy = PolicyDoc {
            risk_row: rb.plan.risk.as_str().to_string(),
            approve_waves: doc(&p.approve_waves, words(&p.approve_waves.value), match p.approve_waves.value {
                Approval::Commander => "each wave starts on the commander's approval, after the previous soak".into(),
                Approval::Auto => "each wave starts by itself once the previous soak is over".into(),
            }),
            soak: doc(&p.soak, p.soak.value.to_string(), "wait and watch after each wave (a wave's own soak wins)".into()),
            backups: doc(&p.backups, words(&p.backups.value), match p.backups.value {
                BackupRule::VerifiedRestore => "every host backed up, and one restore verified before wave 1".into(),
                BackupRule::Required => "every host backed up before its upgrade".into(),
                BackupRule::Snapshot => "a snapshot of each host before its upgrade".into(),
            }),
            on_host_failure: doc(&p.on_host_failure, words(&p.on_host_failure.value), match p.on_host_failure.value {
                OnHostFailure::PauseRun => "pause the run; rollback of that host offered".into(),
                OnHostFailure::PauseWave => "pause the wave; rollback of that host offered".into(),
                OnHostFailure::RollbackHost => "roll the host back automatically; go on while within max_failed".into(),
            }),
            on_breach: doc(&p.on_breach, words(&p.on_breach.value), match p.on_breach.value {
                OnBreach::Pause => "pause; rollback of the affected wave offered".into(),
                OnBreach::RollbackWave => "pause and roll the affected wave back".into(),
                OnBreach::RollbackHosts => "roll the affected hosts back automatically".into(),
            }),
            rollback_confirm: doc(&p.rollback_confirm, words(&p.rollback_confirm.value), match p.rollback_confirm.value {
                Confirmer::Commander => "only the commander confirms a proposed rollback".into(),
                Confirmer::Technician => "the technician (or the commander) confirms a proposed rollback".into(),
            }),
            reverify: match p.reverify.value {
                Reverify::All => doc(&p.reverify, "all".into(), "after the soak, verify every host of the wave again".into()),
                Reverify::Sample(n) => doc(&p.reverify, format!("{n}%"), format!("after the soak, verify a random {n}% of the wave again (at least one host)")),
                Reverify::None => doc(&p.reverify, "none".into(), "no verification after the soak".into()),
            },
            max_failed_total: doc(&p.max_failed_total, p.max_failed_total.value.to_string(), format!(
                "the run halts on the {} failed host: {} allowed in the whole run",
                ordinal(u64::from(p.max_failed_total.value) + 1),
                p.max_failed_total.value
            )),
            max_failed: doc(&p.max_failed, budget_text(p.max_failed.value), match p.max_failed.value {
                FailBudget::Count(n) => format!("{n} failed host(s) allowed per wave, unless the wave says otherwise"),
                FailBudget::Percent(n) => format!("{n}% of each wave (rounded down) allowed to fail, unless the wave says otherwise"),
            }),
            parallel: doc(&p.parallel, p.parallel.value.to_string(), "hosts in flight at once, unless the wave says otherwise".into()),
        };
        let waves = loaded.waves.iter().zip(&rb.waves).map(|(w, spec)| {
            let n = w.hosts.len();
            let allowed = spec.max_failed.value.allowed(n);
            WaveDoc {
                number: w.number,
                name: w.name.clone(),
                size: match &spec.size {
                    WaveSize::Percent(p) => format!("{p}%"),
                    WaveSize::Count(c) => c.to_string(),
                    WaveSize::Rest => "rest".into(),
                    WaveSize::Select(l) => format!("select {}", l.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")),
                },
                host_count: n,
                hosts: w.hosts.clone(),
                approval: doc(&spec.approval, words(&spec.approval.value), match (spec.approval.value, w.number) {
                    (Approval::Commander, 1) => "starts on the commander's approval".into(),
                    (Approval::Commander, _) => format!("starts on the commander's approval, after wave {}'s soak", w.number - 1),
                    (Approval::Auto, 1) => "starts when the run starts".into(),
                    (Approval::Auto, _) => format!("starts by itself after wave {}'s soak", w.number - 1),
                }),
                soak: doc(&spec.soak, spec.soak.value.to_string(), format!("watched for {} after its last host", spec.soak.value)),
                max_failed: doc(&spec.max_failed, budget_text(spec.max_failed.value), format!(
                    "halts on the {} failure: {allowed} allowed of {n}",
                    ordinal(u64::from(allowed) + 1)
                )),
                allowed_failures: allowed,
                parallel: doc(&spec.parallel, spec.parallel.value.to_string(), format!("{} host(s) at once", spec.parallel.value.min(n as u32))),
            }
        }).collect();
        let steps = StepName::ALL.iter().filter_map(|s| rb.steps.get(s)).map(|step| {
            let per_wave = step.per == super::model::Per::Wave;
            let vars = Vars {
                run: RUN_ID_PLACEHOLDER.into(),
                wave: 1,
                step: step.name,
                host: (!per_wave).then(|| first_host.clone()),
                hosts: if per_wave { first_wave.clone() } else { vec![first_host.clone()] },
            };
            let (kind, argv, example, shell, playbook) = match &step.runner {
                StepRunner::Command { argv, shell: false } => {
                    ("command", argv.clone(), expand_argv(argv, &vars).unwrap_or_else(|_| argv.clone()), false, None)
                }
                StepRunner::Command { argv, shell: true } => {
                    // As exec runs it: the line as written, further elements expanded as $1...
                    let mut ex = vec!["sh".to_string(), "-c".into()];
                    ex.extend(argv.first().cloned());
                    ex.push("ripcord".into());
                    let rest = argv.get(1..).unwrap_or_default();
                    if !rest.is_empty() {
                        ex.extend(expand_argv(rest, &vars).unwrap_or_else(|_| rest.to_vec()));
                    }
                    ("command", argv.clone(), ex, true, None)
                }
                StepRunner::Ansible { playbook, .. } => ("ansible", Vec::new(), Vec::new(), false, Some(playbook.clone())),
            };
            StepDoc {
                name: step.name.as_str().into(),
                kind: kind.into(),
                per: words(&step.per),
                timeout: step.timeout.to_string(),
                shell,
                argv,
                example,
                env: step.env.clone(),
                playbook,
            }
        }).collect();
        let metrics = rb.metrics.as_ref().map(|m| match m {
            MetricSource::Prometheus { url, interval, timeout, .. } => MetricsDoc {
                kind: "prometheus".into(),
                endpoints: vec![url.clone()],
                interval: interval.to_string(),
                timeout: timeout.to_string(),
            },
            MetricSource::Scrape { targets, interval, timeout } => MetricsDoc {
                kind: "scrape".into(),
                endpoints: targets.clone(),
                interval: interval.to_string(),
                timeout: timeout.to_string(),
            },
        });
        let wave_hosts: Vec<Vec<String>> = loaded.waves.iter().map(|w| w.hosts.clone()).collect();
        let rules = rb.watches.iter().map(|w| RuleDoc {
            name: w.name.clone(),
            query: w.query.clone(),
            query_wave_1: expand_query_at_wave(&w.query, &wave_hosts, 1),
            unit: words(&w.unit),
            warn: w.warn.map(|t| t.to_string()),
            breach: w.breach.map(|t| t.to_string()),
            for_: w.for_.to_string(),
            severity: w.severity.as_str().into(),
            no_data: words(&w.no_data),
            per_host: w.per_host,
            baseline_window: w.baseline_window.to_string(),
        }).collect();
        let alerts = rb.alerts.iter().map(|a| AlertDoc {
            name: a.name.clone(),
            matchers: a.matchers.clone(),
            severity: a.severity.as_str().into(),
        }).collect();
        let notify = rb.notify.iter().map(|n| ChannelDoc {
            name: n.name.clone(),
            kind: words(&n.kind),
            audience: words(&n.audience),
            on: n.on.clone(),
            min_severity: n.min_severity.as_str().into(),
            target: match (&n.url_env, &n.url_file, n.command.is_empty(), &n.smtp) {
                (Some(e), _, _, _) => format!("URL from env {e}"),
                (_, Some(f), _, _) => format!("URL from file {f}"),
                (_, _, false, _) => format!("command {}", n.command.join(" ")),
                (_, _, _, Some(s)) => format!("smtp {s} to {}", n.to.join(", ")),
                _ => String::new(),
            },
        }).collect();
        let checklists = rb.checklists.iter().map(|(role, items)| {
            let items = items.iter().map(|i| ItemDoc { text: i.text.clone(), phase: words(&i.phase) }).collect();
            (role.as_str().to_string(), items)
        }).collect();
        let pl = &rb.plan;
        PlanDoc {
            format: FORMAT,
            source: rb.source.display().to_string(),
            plan: Header {
                name: pl.name.clone(),
                risk: pl.risk.as_str().into(),
                environment: pl.environment.clone(),
                host_kinds: pl.host_kinds.clone(),
                upgrade_kind: pl.upgrade_kind.clone(),
                reviewed: pl.reviewed.map(|d| d.to_string()),
            },
            targets: Targets {
                downtime_budget: pl.downtime_budget.to_string(),
                rollback_start_within: pl.rollback_start_within.to_string(),
                restore_within: pl.restore_within.to_string(),
                status_update_every: pl.status_update_every.to_string(),
            },
            policy,
            fleet_size: rb.fleet.len(),
            default_waves: loaded.default_waves,
            rounding: ROUNDING.into(),
            waves,
            example: Example { run: RUN_ID_PLACEHOLDER.into(), wave: 1, host: first_host },
            steps,
            metrics,
            rules,
            alerts,
            notify,
            checklists,
            contacts: rb.contacts.clone(),
        }
    }
}
