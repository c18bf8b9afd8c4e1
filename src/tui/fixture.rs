//! Deterministic runs for view snapshots and the render benchmark: a plan, then engine events
//! applied on a fixed clock exactly as the run loop would apply them (no wall clock anywhere).

use std::collections::BTreeMap;

use crate::engine::event::{PlanSnapshot, RulePlan, StepPlan, Targets, WavePlan};
use crate::engine::{EventKind, Evidence, HostState, SeriesValue, State, apply, decide};
use crate::exec::Outcome;
use crate::journal::{Actor, Record, Timestamp};
use crate::metrics::store::Rank;
use crate::metrics::{Labels, SeriesPoint};
use crate::runbook::{
    ChecklistItem, Contacts, NoData, Per, Phase, Policy, Risk, Role, Setting, Severity, StepName,
    Threshold, Unit,
};
use crate::tui::panels::{PanelSpec, Panels};

/// 2026-11-24T07:00:00Z, when every fixture run starts.
pub const START: Timestamp = Timestamp::from_unix_millis(1_795_503_600_000);

/// The fixture's watched rules: (name, unit, warn, breach).
const RULES: [(&str, Unit, Option<&str>, Option<&str>); 3] = [
    (
        "HTTP 5xx ratio",
        Unit::Ratio,
        Some("> 0.01"),
        Some("> 0.05"),
    ),
    ("p95 latency", Unit::Seconds, None, Some("> 2x baseline")),
    ("CPU (upgraded)", Unit::Percent, Some("> 70"), Some("> 80")),
];

/// A high-risk plan: `hosts` web hosts in waves of 1 %, 10 %, 30 % and the rest, 1 h soaks.
pub fn plan(hosts: usize) -> PlanSnapshot {
    let mut policy = Policy::for_risk(Risk::High);
    policy.max_failed_total = Setting::set(3);
    let sizes = [
        hosts.div_ceil(100),
        hosts.div_ceil(10),
        (hosts * 3).div_ceil(10),
    ];
    let mut next = 1;
    let mut waves = Vec::new();
    for (i, name) in ["canary", "wave 2", "wave 3", "rest"].iter().enumerate() {
        let n = if i < 3 {
            sizes[i]
        } else {
            (hosts + 1).saturating_sub(next)
        };
        let list: Vec<String> = (next..next + n).map(|k| format!("web-{k:03}")).collect();
        next += n;
        waves.push(WavePlan {
            number: i + 1,
            name: (*name).into(),
            hosts: list,
            soak_ms: 3_600_000,
            max_failed: [0, 1, 3, 5][i],
            parallel: 4,
            approval: policy.approve_waves.value,
        });
    }
    let steps = [
        StepName::Backup,
        StepName::Upgrade,
        StepName::Verify,
        StepName::Rollback,
    ]
    .into_iter()
    .map(|name| StepPlan {
        name,
        per: Per::Host,
    })
    .collect();
    let item = |text: &str, phase| ChecklistItem {
        text: text.into(),
        phase,
    };
    PlanSnapshot {
        name: "web tier kernel 6.1 -> 6.6".into(),
        risk: Risk::High,
        environment: "production".into(),
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
        rules: RULES
            .iter()
            .map(|(name, _, warn, breach)| RulePlan {
                name: (*name).into(),
                severity: Severity::Functional,
                no_data: NoData::Hold,
                per_host: false,
                breach: breach.and_then(|t| Threshold::parse(t).ok()),
                warn: warn.and_then(|t| Threshold::parse(t).ok()),
            })
            .collect(),
        checklists: BTreeMap::from([
            (
                Role::Commander,
                vec![
                    item("Backups verified by a test restore", Phase::Before),
                    item("Vendor support case pre-opened", Phase::Before),
                    item(
                        "Review the soak, then approve the next wave",
                        Phase::EachWave,
                    ),
                ],
            ),
            (
                Role::Technician,
                vec![
                    item("Snapshots taken and checked", Phase::Before),
                    item("Console access tested", Phase::Before),
                ],
            ),
            (
                Role::Impact,
                vec![item("Record impact of each wave", Phase::EachWave)],
            ),
            (
                Role::Communicator,
                vec![item("Maintenance notice published", Phase::Before)],
            ),
        ]),
        contacts: Contacts {
            vendor_support: Some("Cloud vendor P1 line, account 1234".into()),
            escalation: None,
            traffic_switch: Some(
                "runbooks/scripts/drain.sh: move traffic to the standby region".into(),
            ),
        },
        channels: vec!["ops-chat".into(), "status-page".into()],
    }
}

/// The panels of [`plan`]'s rules.
pub fn panels() -> Panels {
    let mut p = Panels::empty();
    p.specs = RULES
        .iter()
        .map(|(name, unit, warn, breach)| PanelSpec {
            name: (*name).into(),
            unit: *unit,
            warn: warn.and_then(|t| Threshold::parse(t).ok()),
            breach: breach.and_then(|t| Threshold::parse(t).ok()),
            per_host: false,
            rank: Rank::High,
        })
        .collect();
    p.store = crate::metrics::SeriesStore::new(
        crate::runbook::Span::from_mins(24 * 60),
        crate::runbook::Span::from_secs(15),
        6,
    );
    p
}

/// Fills `panels` with `points` samples every 15 s up to `now` for `series` series each: a
/// smooth, repeatable shape per panel, `hot` pushing the first panel past its breach level.
pub fn fill(panels: &mut Panels, now: Timestamp, points: usize, series: usize, hot: bool) {
    let names: Vec<String> = panels.specs.iter().map(|s| s.name.clone()).collect();
    for (pi, name) in names.iter().enumerate() {
        for k in 0..points {
            let at = now.unix_millis() - (points - 1 - k) as i64 * 15_000;
            let batch: Vec<SeriesPoint> = (0..series)
                .map(|s| {
                    let phase = (k as f64 / 9.0 + s as f64 + pi as f64).sin();
                    let base = match pi % 3 {
                        0 => {
                            0.004 + 0.002 * phase + if hot && k + 20 > points { 0.08 } else { 0.0 }
                        }
                        1 => 0.15 + 0.03 * phase,
                        _ => 45.0 + 8.0 * phase + s as f64 * 3.0,
                    };
                    let mut labels = Labels::new();
                    labels.insert("instance".into(), format!("web-{:03}", s + 1));
                    SeriesPoint {
                        labels,
                        at_ms: at,
                        value: base,
                    }
                })
                .collect();
            panels.record_points(name, &batch);
        }
    }
}

/// A run driven by hand on a fixed clock.
pub struct Run {
    /// The state.
    pub state: State,
    /// The clock.
    pub now: Timestamp,
    seq: u64,
}

impl Run {
    /// Starts `plan` at [`START`], by commander "alice"; every rule sees data and is ok.
    pub fn start(plan: PlanSnapshot) -> Self {
        let mut run = Run {
            state: State::default(),
            now: START,
            seq: 0,
        };
        run.record(
            Actor::new(Role::Commander, "alice"),
            EventKind::RunStarted {
                run_id: "20261124-0700-web".into(),
                runbook: "runbooks/web-kernel-upgrade.toml".into(),
                plan: Box::new(plan),
                seed: 7,
                drill: None,
            },
        );
        run.record(
            Actor::ripcord(),
            EventKind::BaselineRecorded {
                rule: "p95 latency".into(),
                value: 0.105,
                query: "histogram_quantile(0.95, …)".into(),
                window_ms: 3_600_000,
            },
        );
        for (name, ..) in RULES {
            let ev = evidence(name, 0.004);
            run.record(Actor::ripcord(), EventKind::RuleCleared { evidence: ev });
        }
        run
    }

    /// Applies one event at the current time.
    pub fn record(&mut self, actor: Actor, event: EventKind) {
        self.seq += 1;
        let r = Record {
            seq: self.seq,
            at: self.now,
            actor,
            event,
        };
        apply(&mut self.state, &r);
    }

    /// Moves the clock.
    pub fn advance(&mut self, ms: i64) {
        self.now = self.now.plus_millis(ms);
    }

    /// Lets the engine decide until it has nothing more to say.
    pub fn settle(&mut self) {
        for _ in 0..10_000 {
            let events = decide(&self.state, self.now);
            if events.is_empty() {
                return;
            }
            for e in events {
                self.record(Actor::ripcord(), e);
            }
        }
    }

    /// Finishes the running step of `host`: exit 0, or exit 2 with output.
    pub fn finish(&mut self, host: &str, ok: bool) {
        let Some((step, job)) = self.state.host(host).and_then(|h| match h.state {
            HostState::Running { step, job } => Some((step, job)),
            _ => None,
        }) else {
            return;
        };
        let started_at = self.now.plus_millis(-20_000);
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
                started_at,
                output_tail: if ok {
                    String::new()
                } else {
                    format!("checking {host}\nnginx.service: failed (Result: exit-code)\nsmoke test: GET /health -> 503")
                },
            },
        );
    }

    /// Runs every running step to success, 20 s apart, until `limit` hosts are upgraded in
    /// `wave` or nothing runs.
    pub fn work(&mut self, wave: usize, limit: usize) {
        for _ in 0..1_000 {
            self.settle();
            let done = self
                .state
                .wave_hosts(wave)
                .filter(|h| h.state == HostState::Upgraded)
                .count();
            let running: Vec<String> = self
                .state
                .hosts
                .iter()
                .filter(|h| h.state.is_running())
                .map(|h| h.name.clone())
                .collect();
            if done >= limit || running.is_empty() {
                return;
            }
            self.advance(20_000);
            for h in running {
                self.finish(&h, true);
            }
        }
    }
}

/// Evidence of a rule at `value` (as its last poll saw it).
pub fn evidence(rule: &str, value: f64) -> Evidence {
    let threshold = RULES
        .iter()
        .find(|r| r.0 == rule)
        .and_then(|r| r.3)
        .and_then(|t| Threshold::parse(t).ok());
    Evidence {
        rule: rule.into(),
        query: format!(
            "sum(rate(http_requests_total{{code=~\"5..\",instance=~\"{{upgraded}}\"}}[1m])) /* {rule} */"
        ),
        values: vec![SeriesValue {
            series: "{instance=\"web-003\"}".into(),
            value,
        }],
        threshold,
        baseline: None,
        for_ms: 120_000,
        host: None,
        severity: Severity::Functional,
        error: None,
        recent: Vec::new(),
    }
}

/// Canary done and soaked, wave 2 approved by alice and half done.
pub fn running(hosts: usize) -> Run {
    let mut run = Run::start(plan(hosts));
    let alice = Actor::new(Role::Commander, "alice");
    run.record(alice.clone(), EventKind::WaveApproved { wave: 1 });
    run.settle();
    run.work(1, usize::MAX);
    run.advance(3_600_000);
    run.settle();
    run.work(1, usize::MAX);
    run.record(
        alice.clone(),
        EventKind::ChecklistChecked {
            role: Role::Commander,
            item: 0,
            text: "Backups verified by a test restore".into(),
        },
    );
    run.record(
        Actor::new(Role::Communicator, "bo"),
        EventKind::StatusUpdateSent {
            audience: crate::runbook::Audience::Internal,
            text: "canary done".into(),
        },
    );
    run.record(alice, EventKind::WaveApproved { wave: 2 });
    run.work(2, hosts.div_ceil(10) / 2);
    run.advance(7_000);
    run
}

/// Wave 2 done and soaking, 42 minutes into its hour.
pub fn soaking(hosts: usize) -> Run {
    let mut run = running(hosts);
    run.work(2, usize::MAX);
    run.advance(42 * 60_000);
    run.settle();
    run
}

/// Wave 2 running when the 5xx ratio of upgraded hosts breaches: ripcord pauses, halts and
/// proposes rolling wave 2 back, for the commander to confirm.
pub fn breach(hosts: usize) -> Run {
    let mut run = running(hosts);
    let mut ev = evidence("HTTP 5xx ratio", 0.083);
    ev.recent = (0..40)
        .map(|k| {
            (
                run.now.unix_millis() - (39 - k) * 15_000,
                if k > 30 { 0.083 } else { 0.004 },
            )
        })
        .collect();
    run.record(
        Actor::ripcord(),
        EventKind::RuleBreached {
            state: crate::engine::RuleState::Breach,
            evidence: ev,
        },
    );
    run.settle();
    run.advance(65_000);
    run
}

/// Wave 2 running when one host's verify fails: high risk pauses the run and offers that
/// host's rollback; the host's details hold its steps, exit code and output.
pub fn host_failed(hosts: usize) -> (Run, String) {
    let mut run = running(hosts);
    let victim = run
        .state
        .hosts
        .iter()
        .find(|h| h.state.is_running())
        .map(|h| h.name.clone())
        .unwrap_or_default();
    run.finish(&victim, false);
    run.settle();
    run.advance(12_000);
    (run, victim)
}
