//! A manual-clock harness for engine tests: a run driven the way the shell drives it.

use std::collections::BTreeMap;

use super::event::{EventKind, Intent, PlanSnapshot, RulePlan, StepPlan, Targets, WavePlan};
use super::state::{HostState, State, apply};
use super::{decide, intent};
use crate::exec::Outcome;
use crate::journal::{Actor, Record, Timestamp};
use crate::runbook::{
    Approval, Contacts, NoData, Per, Policy, Risk, Role, Severity, StepName, Threshold,
};

/// A wave for [`plan`]: hosts, max_failed, parallel, soak (ms).
pub struct W(pub usize, pub u32, pub u32, pub u64);

/// A plan with `waves` of generated hosts `h-001`…, standard steps, risk defaults.
pub fn plan(risk: Risk, waves: &[W], per_wave_upgrade: bool) -> PlanSnapshot {
    let policy = Policy::for_risk(risk);
    let mut next = 1;
    let waves = waves
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let hosts = (0..w.0)
                .map(|_| {
                    let h = format!("h-{next:03}");
                    next += 1;
                    h
                })
                .collect();
            WavePlan {
                number: i + 1,
                name: format!("wave {}", i + 1),
                hosts,
                max_failed: w.1,
                parallel: w.2,
                soak_ms: w.3,
                approval: policy.approve_waves.value,
            }
        })
        .collect();
    let steps = [
        StepName::Backup,
        StepName::Upgrade,
        StepName::Verify,
        StepName::Rollback,
    ]
    .into_iter()
    .map(|name| StepPlan {
        name,
        per: if name == StepName::Upgrade && per_wave_upgrade {
            Per::Wave
        } else {
            Per::Host
        },
    })
    .collect();
    PlanSnapshot {
        name: "test plan".into(),
        risk,
        environment: "test".into(),
        upgrade_kind: "kernel".into(),
        host_kinds: vec!["linux".into()],
        targets: Targets {
            downtime_budget_ms: 30 * 60_000,
            rollback_start_within_ms: 30 * 60_000,
            restore_within_ms: 2 * 3_600_000,
            status_update_every_ms: 15 * 60_000,
        },
        policy,
        waves,
        steps,
        rules: vec![RulePlan {
            name: "5xx".into(),
            severity: Severity::Functional,
            no_data: NoData::Hold,
            per_host: false,
            breach: Threshold::parse("> 0.05").ok(),
            warn: None,
            for_ms: 120_000,
        }],
        checklists: BTreeMap::from([(
            Role::Commander,
            vec![crate::runbook::ChecklistItem {
                text: "backups verified".into(),
                phase: Default::default(),
            }],
        )]),
        contacts: Contacts::default(),
        channels: Vec::new(),
    }
}

/// A run under test.
pub struct Run {
    /// The state.
    pub state: State,
    /// The fake clock.
    pub now: Timestamp,
    /// Everything journaled.
    pub log: Vec<Record<EventKind>>,
}

impl Run {
    /// Starts a run of `plan` at a fixed time, started by commander "ana".
    pub fn start(plan: PlanSnapshot) -> Self {
        let mut run = Run {
            state: State::default(),
            now: Timestamp::from_unix_millis(1_795_000_000_000),
            log: Vec::new(),
        };
        run.record(
            Actor::new(Role::Commander, "ana"),
            EventKind::RunStarted {
                run_id: "r1".into(),
                runbook: "t.toml".into(),
                plan: Box::new(plan),
                seed: 7,
                drill: None,
                injection: None,
            },
        );
        run
    }

    /// Journals and applies one event.
    pub fn record(&mut self, actor: Actor, event: EventKind) {
        let r = Record {
            seq: self.log.len() as u64 + 1,
            at: self.now,
            actor,
            event,
        };
        apply(&mut self.state, &r);
        self.log.push(r);
    }

    /// Runs `decide` to a fixpoint; returns what it decided.
    pub fn settle(&mut self) -> Vec<EventKind> {
        let mut all = Vec::new();
        for _ in 0..10_000 {
            let evs = decide(&self.state, self.now);
            if evs.is_empty() {
                return all;
            }
            for e in evs {
                all.push(e.clone());
                self.record(Actor::ripcord(), e);
            }
        }
        panic!("decide did not settle");
    }

    /// Hosts with a running step, and the step.
    pub fn running(&self) -> Vec<(String, StepName)> {
        self.state
            .hosts
            .iter()
            .filter_map(|h| match h.state {
                HostState::Running { step, .. } => Some((h.name.clone(), step)),
                _ => None,
            })
            .collect()
    }

    /// Ends `host`'s running step.
    pub fn finish(&mut self, host: &str, ok: bool) {
        let (step, job) = match self.state.host(host).map(|h| h.state.clone()) {
            Some(HostState::Running { step, job }) => (step, job),
            other => panic!("{host} is not running: {other:?}"),
        };
        self.record(
            Actor::ripcord(),
            EventKind::HostStepFinished {
                host: host.into(),
                step,
                job,
                outcome: if ok { Outcome::Ok } else { Outcome::Failed },
                ok,
                exit_code: Some(if ok { 0 } else { 2 }),
                reason: if ok { "exit 0".into() } else { "exit 2".into() },
                started_at: self.now,
                output_tail: String::new(),
            },
        );
    }

    /// Finishes every running step successfully and settles, until nothing runs; returns the
    /// steps run, in order.
    pub fn drain_ok(&mut self) -> Vec<(String, StepName)> {
        let mut ran = Vec::new();
        self.settle();
        loop {
            let running = self.running();
            if running.is_empty() {
                return ran;
            }
            for (h, s) in running {
                self.finish(&h, true);
                ran.push((h, s));
            }
            self.settle();
        }
    }

    /// Moves the clock.
    pub fn advance(&mut self, ms: i64) {
        self.now = self.now.plus_millis(ms);
    }

    /// An operator intent by `role`.
    pub fn intent(&mut self, role: Role, i: Intent) -> Vec<EventKind> {
        let actor = Actor::new(role, role.as_str());
        let evs = intent::handle(&self.state, &actor, &i);
        for e in &evs {
            self.record(actor.clone(), e.clone());
        }
        evs
    }

    /// Event type names journaled so far.
    pub fn types(&self) -> Vec<&'static str> {
        self.log.iter().map(|r| r.event.type_name()).collect()
    }
}

/// Sets all rules to ok (data flowing) so `hold` does not block.
pub fn rules_ok(run: &mut Run) {
    let names: Vec<String> = run.state.rules.keys().cloned().collect();
    for name in names {
        run.record(
            Actor::ripcord(),
            EventKind::RuleCleared {
                evidence: evidence(&name, 0.001, Severity::Functional),
            },
        );
    }
}

/// Evidence of `rule` at `value`.
pub fn evidence(rule: &str, value: f64, severity: Severity) -> super::Evidence {
    super::Evidence {
        rule: rule.into(),
        query: "sum(rate(x[1m]))".into(),
        values: vec![super::SeriesValue {
            series: String::new(),
            value,
        }],
        threshold: Threshold::parse("> 0.05").ok(),
        baseline: None,
        for_ms: 120_000,
        host: None,
        severity,
        error: None,
        recent: Vec::new(),
    }
}

/// Approval marker for readability.
pub const AUTO: Approval = Approval::Auto;
