//! Builds the [`PlanDoc`] of a loaded runbook: policy and wave budgets in words, step
//! commands expanded by the exec module exactly as a run expands them, rule queries as a run
//! sends them during wave 1.

use super::load::Loaded;
use super::model::{
    Approval, BackupRule, Confirmer, FailBudget, MetricSource, OnBreach, OnHostFailure, Per,
    Reverify, StepName, StepRunner, WaveSize,
};
use super::placeholders::expand_query_at_wave;
use super::plan_doc::*;
use crate::exec::{Vars, expand_argv};

impl PlanDoc {
    /// Everything `run` would do with `loaded`, nothing run.
    pub fn new(loaded: &Loaded) -> Self {
        let rb = &loaded.runbook;
        let p = &rb.policy;
        let first_wave = loaded
            .waves
            .first()
            .map(|w| w.hosts.clone())
            .unwrap_or_default();
        let first_host = first_wave.first().cloned().unwrap_or_default();
        let policy = PolicyDoc {
            risk_row: rb.plan.risk.as_str().to_string(),
            approve_waves: doc(
                &p.approve_waves,
                words(&p.approve_waves.value),
                match p.approve_waves.value {
                    Approval::Commander => {
                        "each wave starts on the commander's approval, after the previous soak"
                            .into()
                    }
                    Approval::Auto => {
                        "each wave starts by itself once the previous soak is over".into()
                    }
                },
            ),
            soak: doc(
                &p.soak,
                p.soak.value.to_string(),
                "wait and watch after each wave (a wave's own soak wins)".into(),
            ),
            backups: doc(
                &p.backups,
                words(&p.backups.value),
                match p.backups.value {
                    BackupRule::VerifiedRestore => {
                        "every host backed up, and one restore verified before wave 1".into()
                    }
                    BackupRule::Required => "every host backed up before its upgrade".into(),
                    BackupRule::Snapshot => "a snapshot of each host before its upgrade".into(),
                },
            ),
            on_host_failure: doc(
                &p.on_host_failure,
                words(&p.on_host_failure.value),
                match p.on_host_failure.value {
                    OnHostFailure::PauseRun => {
                        "pause the run; rollback of that host offered".into()
                    }
                    OnHostFailure::PauseWave => {
                        "pause the wave; rollback of that host offered".into()
                    }
                    OnHostFailure::RollbackHost => {
                        "roll the host back automatically; go on while within max_failed".into()
                    }
                },
            ),
            on_breach: doc(
                &p.on_breach,
                words(&p.on_breach.value),
                match p.on_breach.value {
                    OnBreach::Pause => "pause; rollback of the affected wave offered".into(),
                    OnBreach::RollbackWave => "pause and roll the affected wave back".into(),
                    OnBreach::RollbackHosts => "roll the affected hosts back automatically".into(),
                },
            ),
            rollback_confirm: doc(
                &p.rollback_confirm,
                words(&p.rollback_confirm.value),
                match p.rollback_confirm.value {
                    Confirmer::Commander => {
                        "only the commander confirms a proposed rollback".into()
                    }
                    Confirmer::Technician => {
                        "the technician (or the commander) confirms a proposed rollback".into()
                    }
                },
            ),
            reverify: match p.reverify.value {
                Reverify::All => doc(
                    &p.reverify,
                    "all".into(),
                    "after the soak, verify every host of the wave again".into(),
                ),
                Reverify::Sample(n) => doc(
                    &p.reverify,
                    format!("{n}%"),
                    format!(
                        "after the soak, verify a random {n}% of the wave again (at least one host)"
                    ),
                ),
                Reverify::None => doc(
                    &p.reverify,
                    "none".into(),
                    "no verification after the soak".into(),
                ),
            },
            max_failed_total: doc(
                &p.max_failed_total,
                p.max_failed_total.value.to_string(),
                format!(
                    "the run halts on the {} failed host: {} allowed in the whole run",
                    ordinal(u64::from(p.max_failed_total.value) + 1),
                    p.max_failed_total.value
                ),
            ),
            max_failed: doc(
                &p.max_failed,
                budget_text(p.max_failed.value),
                match p.max_failed.value {
                    FailBudget::Count(n) => format!(
                        "{n} failed host(s) allowed per wave, unless the wave says otherwise"
                    ),
                    FailBudget::Percent(n) => format!(
                        "{n}% of each wave (rounded down) allowed to fail, unless the wave says otherwise"
                    ),
                },
            ),
            parallel: doc(
                &p.parallel,
                p.parallel.value.to_string(),
                "hosts in flight at once, unless the wave says otherwise".into(),
            ),
        };
        let waves = loaded
            .waves
            .iter()
            .zip(&rb.waves)
            .map(|(w, spec)| {
                let n = w.hosts.len();
                let allowed = spec.max_failed.value.allowed(n);
                WaveDoc {
                    number: w.number,
                    name: w.name.clone(),
                    size: match &spec.size {
                        WaveSize::Percent(p) => format!("{p}%"),
                        WaveSize::Count(c) => c.to_string(),
                        WaveSize::Rest => "rest".into(),
                        WaveSize::Select(l) => format!(
                            "select {}",
                            l.iter()
                                .map(|(k, v)| format!("{k}={v}"))
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                    },
                    host_count: n,
                    hosts: w.hosts.clone(),
                    approval: doc(
                        &spec.approval,
                        words(&spec.approval.value),
                        match (spec.approval.value, w.number) {
                            (Approval::Commander, 1) => "starts on the commander's approval".into(),
                            (Approval::Commander, _) => format!(
                                "starts on the commander's approval, after wave {}'s soak",
                                w.number - 1
                            ),
                            (Approval::Auto, 1) => "starts when the run starts".into(),
                            (Approval::Auto, _) => {
                                format!("starts by itself after wave {}'s soak", w.number - 1)
                            }
                        },
                    ),
                    soak: doc(
                        &spec.soak,
                        spec.soak.value.to_string(),
                        format!("watched for {} after its last host", spec.soak.value),
                    ),
                    max_failed: doc(
                        &spec.max_failed,
                        budget_text(spec.max_failed.value),
                        format!(
                            "halts on the {} failure: {allowed} allowed of {n}",
                            ordinal(u64::from(allowed) + 1)
                        ),
                    ),
                    allowed_failures: allowed,
                    parallel: doc(
                        &spec.parallel,
                        spec.parallel.value.to_string(),
                        format!("{} host(s) at once", spec.parallel.value.min(n as u32)),
                    ),
                }
            })
            .collect();
        let steps = StepName::ALL
            .iter()
            .filter_map(|s| rb.steps.get(s))
            .map(|step| {
                let per_wave = step.per == Per::Wave;
                let vars = Vars {
                    run: RUN_ID_PLACEHOLDER.into(),
                    wave: 1,
                    step: step.name,
                    host: (!per_wave).then(|| first_host.clone()),
                    hosts: if per_wave {
                        first_wave.clone()
                    } else {
                        vec![first_host.clone()]
                    },
                };
                let (kind, argv, example, shell, playbook) = match &step.runner {
                    StepRunner::Command { argv, shell: false } => (
                        "command",
                        argv.clone(),
                        expand_argv(argv, &vars).unwrap_or_else(|_| argv.clone()),
                        false,
                        None,
                    ),
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
                    StepRunner::Ansible { playbook, .. } => (
                        "ansible",
                        Vec::new(),
                        Vec::new(),
                        false,
                        Some(playbook.clone()),
                    ),
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
            })
            .collect();
        let metrics = rb.metrics.as_ref().map(|m| match m {
            MetricSource::Prometheus {
                url,
                interval,
                timeout,
                ..
            } => MetricsDoc {
                kind: "prometheus".into(),
                endpoints: vec![url.clone()],
                interval: interval.to_string(),
                timeout: timeout.to_string(),
            },
            MetricSource::Scrape {
                targets,
                interval,
                timeout,
            } => MetricsDoc {
                kind: "scrape".into(),
                endpoints: targets.clone(),
                interval: interval.to_string(),
                timeout: timeout.to_string(),
            },
        });
        let wave_hosts: Vec<Vec<String>> = loaded.waves.iter().map(|w| w.hosts.clone()).collect();
        let rules = rb
            .watches
            .iter()
            .map(|w| RuleDoc {
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
            })
            .collect();
        let alerts = rb
            .alerts
            .iter()
            .map(|a| AlertDoc {
                name: a.name.clone(),
                matchers: a.matchers.clone(),
                severity: a.severity.as_str().into(),
            })
            .collect();
        let notify = rb
            .notify
            .iter()
            .map(|n| ChannelDoc {
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
            })
            .collect();
        let checklists = rb
            .checklists
            .iter()
            .map(|(role, items)| {
                let items = items
                    .iter()
                    .map(|i| ItemDoc {
                        text: i.text.clone(),
                        phase: words(&i.phase),
                    })
                    .collect();
                (role.as_str().to_string(), items)
            })
            .collect();
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
            example: Example {
                run: RUN_ID_PLACEHOLDER.into(),
                wave: 1,
                host: first_host,
            },
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
