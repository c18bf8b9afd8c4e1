//! Writes the journal of a severe fault with fleet rollback, driving the real engine on a manual
//! clock into a real journal: deterministic to the byte. No CLI can inject a metric breach yet.

use std::path::{Path, PathBuf};

use ripcord::engine::{
    EventKind, Evidence, HostState, Intent, PlanSnapshot, RuleState, SeriesValue, State, apply,
    decide, intent,
};
use ripcord::exec::Outcome;
use ripcord::journal::{Actor, Journal, Timestamp};
use ripcord::runbook::{Audience, Role, Severity, Threshold};

/// The runbook the journal's plan comes from (relative to the crate root, as tests run there).
pub const RUNBOOK: &str = "tests/fixtures/journals/severe/plan.toml";
/// When the run starts.
pub const T0: &str = "2026-11-24T07:00:00.000Z";
/// The 5xx rule.
pub const R5XX: &str = "HTTP 5xx ratio, upgraded hosts";
/// The latency rule.
pub const RLAT: &str = "p95 latency";

struct Drive {
    journal: Journal<EventKind>,
    state: State,
    now: Timestamp,
}

impl Drive {
    fn record(&mut self, actor: &Actor, e: EventKind) {
        let r = self.journal.append(self.now, actor.clone(), e).unwrap();
        apply(&mut self.state, &r);
    }
    fn settle(&mut self) {
        for _ in 0..1000 {
            let evs = decide(&self.state, self.now);
            if evs.is_empty() {
                return;
            }
            for e in evs {
                self.record(&Actor::ripcord(), e);
            }
        }
        panic!("decide did not settle");
    }
    fn intent(&mut self, actor: &Actor, i: Intent) {
        let evs = intent::handle(&self.state, actor, &i);
        assert!(
            !matches!(evs.first(), Some(EventKind::IntentRefused { .. })),
            "{i:?} refused: {evs:?}"
        );
        for e in evs {
            self.record(actor, e);
        }
    }
    fn advance(&mut self, ms: i64) {
        self.now = self.now.plus_millis(ms);
    }
    /// Runs every step that starts to its end, `step_ms` each, until nothing runs.
    fn run_steps(&mut self, step_ms: i64) {
        self.settle();
        loop {
            let running: Vec<(String, ripcord::runbook::StepName, u64, Timestamp)> = self
                .state
                .hosts
                .iter()
                .filter_map(|h| match h.state {
                    HostState::Running { step, job } => {
                        Some((h.name.clone(), step, job, h.steps.last()?.started_at))
                    }
                    _ => None,
                })
                .collect();
            if running.is_empty() {
                return;
            }
            self.advance(step_ms);
            for (host, step, job, started_at) in running {
                let e = EventKind::HostStepFinished {
                    host: host.clone(),
                    step,
                    job,
                    outcome: Outcome::Ok,
                    ok: true,
                    exit_code: Some(0),
                    reason: "exit 0".into(),
                    started_at,
                    output_tail: format!("{} on {host}: ok\n", step.as_str()),
                };
                self.record(&Actor::ripcord(), e);
            }
            self.settle();
        }
    }
    fn rule(&mut self, state: Option<RuleState>, ev: Evidence) {
        let e = match state {
            Some(s) => EventKind::RuleBreached {
                state: s,
                evidence: ev,
            },
            None => EventKind::RuleCleared { evidence: ev },
        };
        self.record(&Actor::ripcord(), e);
    }
    fn notify(&mut self, id: &str, kind: &str, delay_ms: i64, fail_first: bool) {
        let rc = Actor::ripcord();
        self.record(
            &rc,
            EventKind::NotificationQueued {
                id: id.into(),
                channel: "ops-hook".into(),
                kind: kind.into(),
                text: format!("{kind} notice"),
            },
        );
        let mut attempt = 1;
        if fail_first {
            self.advance(2_000);
            let error = "HTTP 503 Service Unavailable; retrying in 5s".into();
            self.record(
                &rc,
                EventKind::NotificationFailed {
                    id: id.into(),
                    attempt,
                    error,
                    last: false,
                },
            );
            attempt += 1;
        }
        self.advance(delay_ms);
        self.record(
            &rc,
            EventKind::NotificationSent {
                id: id.into(),
                attempt,
            },
        );
    }
}

/// Evidence of `rule` at the current time with samples every 15 s ending now.
fn evidence(rule: &str, now: Timestamp, samples: &[f64], baseline: Option<f64>) -> Evidence {
    evidence_at(rule, now, samples, baseline, false)
}

/// Evidence judged against the rule's warn level instead of its breach level.
fn warn_evidence(rule: &str, now: Timestamp, samples: &[f64], baseline: Option<f64>) -> Evidence {
    evidence_at(rule, now, samples, baseline, true)
}

fn evidence_at(
    rule: &str,
    now: Timestamp,
    samples: &[f64],
    baseline: Option<f64>,
    warn: bool,
) -> Evidence {
    let (threshold, severity, query) = if rule == R5XX {
        (
            Threshold::parse("> 0.05").ok(),
            Severity::Severe,
            r#"sum(rate(http_requests_total{code=~"5..",instance=~"web\-01|web\-02|web\-03|web\-04"}[1m])) / sum(rate(http_requests_total{instance=~"web\-01|web\-02|web\-03|web\-04"}[1m]))"#,
        )
    } else {
        (
            Threshold::parse(if warn {
                "> 1.5x baseline"
            } else {
                "> 3x baseline"
            })
            .ok(),
            Severity::Functional,
            "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
        )
    };
    let n = samples.len() as i64;
    let recent: Vec<(i64, f64)> = samples
        .iter()
        .enumerate()
        .map(|(i, v)| (now.unix_millis() - (n - 1 - i as i64) * 15_000, *v))
        .collect();
    Evidence {
        rule: rule.into(),
        query: query.into(),
        values: vec![SeriesValue {
            series: String::new(),
            value: *samples.last().unwrap_or(&0.0),
        }],
        threshold,
        baseline,
        for_ms: if rule == R5XX { 60_000 } else { 120_000 },
        host: None,
        severity,
        error: None,
        recent,
    }
}

/// Writes the severe-fault run into `state_dir` (as a drill of `drill` when given); returns the
/// journal's path.
pub fn write(state_dir: &Path, drill: Option<&str>) -> PathBuf {
    let loaded = ripcord::runbook::load_with_today(
        Path::new(RUNBOOK),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
    )
    .unwrap_or_else(|d| panic!("{RUNBOOK}: {d:?}"));
    let plan = PlanSnapshot::from_runbook(&loaded.runbook, &loaded.waves);
    let id = if drill.is_some() {
        "20261124-070000-dril"
    } else {
        "20261124-070000-sev1"
    };
    let dir = ripcord::paths::run_dir(state_dir, id);
    let mut d = Drive {
        journal: Journal::create(&dir).unwrap(),
        state: State::default(),
        now: Timestamp::parse(T0).unwrap(),
    };
    let ana = Actor::new(Role::Commander, "ana");
    let bo = Actor::new(Role::Technician, "bo");
    let cy = Actor::new(Role::Communicator, "cy");
    let dee = Actor::new(Role::Impact, "dee");
    d.record(
        &ana,
        EventKind::RunStarted {
            run_id: id.into(),
            runbook: RUNBOOK.into(),
            plan: Box::new(plan),
            seed: 7,
            drill: drill.map(str::to_string),
            injection: None,
        },
    );
    d.intent(
        &ana,
        Intent::HandOver {
            role: Role::Communicator,
            to: "cy".into(),
        },
    );
    d.intent(
        &ana,
        Intent::CheckItem {
            role: Role::Commander,
            item: 0,
        },
    );
    d.advance(20_000);
    d.intent(
        &bo,
        Intent::CheckItem {
            role: Role::Technician,
            item: 0,
        },
    );
    d.intent(
        &cy,
        Intent::CheckItem {
            role: Role::Communicator,
            item: 0,
        },
    );
    let rc = Actor::ripcord();
    d.record(
        &rc,
        EventKind::BaselineRecorded {
            rule: RLAT.into(),
            value: 0.12,
            query: "histogram_quantile(0.95, …)".into(),
            window_ms: 600_000,
        },
    );
    let now = d.now;
    d.rule(None, evidence(R5XX, now, &[0.002, 0.003, 0.002], None));
    d.rule(
        None,
        evidence(RLAT, now, &[0.118, 0.121, 0.125], Some(0.12)),
    );
    for wave in 1..=2 {
        d.advance(30_000);
        d.intent(&ana, Intent::ApproveWave { wave });
        d.run_steps(40_000);
        if wave == 1 {
            d.advance(120_000);
            d.run_steps(20_000);
        }
    }
    // Wave 2 soaks; the 5xx ratio of the upgraded hosts climbs.
    d.advance(45_000);
    let now = d.now;
    d.rule(
        Some(RuleState::Warn),
        warn_evidence(RLAT, now, &[0.13, 0.16, 0.2], Some(0.12)),
    );
    d.advance(45_000);
    let now = d.now;
    d.rule(
        Some(RuleState::Breach),
        evidence(
            R5XX,
            now,
            &[0.004, 0.006, 0.031, 0.072, 0.094, 0.118, 0.121],
            None,
        ),
    );
    d.settle();
    d.notify("n1", "rule_breached", 3_000, false);
    d.advance(70_000);
    d.intent(&cy, Intent::SendStatusUpdate { audience: Audience::Internal, text: "Wave 2 of the kernel upgrade: 5xx ratio 12% on the 4 upgraded hosts; fleet rollback proposed; next update 07:30 UTC".into() });
    d.notify("n2", "status_update", 2_000, false);
    d.intent(
        &dee,
        Intent::RecordImpact {
            traffic_drop_pct: Some(3.5),
            failed_tx_pct: Some(1.2),
            note: "checkout errors reported by support".into(),
        },
    );
    d.advance(60_000);
    d.intent(&ana, Intent::ConfirmRollback);
    d.notify("n3", "rollback_started", 5_000, true);
    d.run_steps(50_000);
    d.advance(45_000);
    let now = d.now;
    d.rule(None, evidence(R5XX, now, &[0.09, 0.04, 0.011, 0.004], None));
    d.rule(None, evidence(RLAT, now, &[0.15, 0.13, 0.122], Some(0.12)));
    // The recovery watch sees every rule clear: service_recovered ends the run.
    d.settle();
    d.advance(60_000);
    d.intent(
        &cy,
        Intent::SendStatusUpdate {
            audience: Audience::External,
            text: "The maintenance is over and the service is fully available again.".into(),
        },
    );
    d.intent(
        &ana,
        Intent::CheckItem {
            role: Role::Commander,
            item: 1,
        },
    );
    ripcord::journal::journal_path(&dir)
}
