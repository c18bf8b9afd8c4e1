//! The key times of a run and the named durations between them, judged against the plan's
//! targets (DESIGN §1 "Recovery and review"). Derived from the journal alone.
//!
//! How each time is found (also written in the report and in docs/report.md):
//! - *detected*: the first of a `rule_breached` in breach with a severity above minor, a
//!   `fault_declared` above minor (by a rule or a person), or a `host_failed`;
//! - *fault began*: for a rule, the first sample of the breaching run that ends at the breach,
//!   from the evidence's `recent` samples; without samples, the breach time minus the rule's
//!   `for`; for a failed host, the start of the failing step; for a fault declared by a person,
//!   the declaration (the journal holds nothing earlier);
//! - *acknowledged*: the first event caused by a person after detection;
//! - *paused*, *rollback started*: the first `paused` / `rollback_started` after detection;
//! - *rollback done* (mitigated): the first `rollback_completed` after that rollback started;
//! - *service recovered* (resolved): the run's `service_recovered` (its recovery watch saw
//!   every rule clear after the rollback); in journals without one, once the rollback is done,
//!   the first moment no rule that breached is still in breach (per-host rules of rolled-back
//!   hosts no longer count); the rollback's end when no rule was involved.

use std::collections::BTreeSet;

use crate::engine::event::EventKind;
use crate::engine::{Evidence, RuleState, State};
use crate::journal::{ActorRole, Record, Timestamp};
use crate::runbook::{Severity, StepName};

pub use super::targets::{Measure, Verdict, blast_radius, measures};

/// A key time: when, the journal line it comes from, and how it was derived.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    /// When.
    pub at: Timestamp,
    /// The `seq` of the journal line it comes from.
    pub seq: u64,
    /// How it was found, in words.
    pub how: String,
}

/// The key times of a run; `None` when the journal holds no such moment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyTimes {
    /// `run_started`.
    pub run_started: Option<Moment>,
    /// The first wave started.
    pub upgrade_started: Option<Moment>,
    /// The fault began (first breaching sample).
    pub fault_began: Option<Moment>,
    /// The fault was detected.
    pub detected: Option<Moment>,
    /// A person first acted after detection.
    pub acknowledged: Option<Moment>,
    /// The run paused after detection.
    pub paused: Option<Moment>,
    /// The rollback started.
    pub rollback_started: Option<Moment>,
    /// The rollback completed (mitigated).
    pub rollback_done: Option<Moment>,
    /// The service recovered (resolved).
    pub recovered: Option<Moment>,
    /// The run ended (completed or rolled back).
    pub run_ended: Option<Moment>,
    /// The journal's last line.
    pub journal_ends: Option<Moment>,
}

fn moment(r: &Record<EventKind>, how: impl Into<String>) -> Option<Moment> {
    Some(Moment {
        at: r.at,
        seq: r.seq,
        how: how.into(),
    })
}

/// The limit a threshold stands for, with a baseline factor applied.
pub fn limit(ev: &Evidence) -> Option<f64> {
    let t = ev.threshold?;
    if t.baseline {
        ev.baseline.map(|b| b * t.value)
    } else {
        Some(t.value)
    }
}

/// When the fault began, from a rule's evidence recorded at `at`.
pub fn began_from_evidence(ev: &Evidence, at: Timestamp) -> (Timestamp, String) {
    let mut samples: Vec<(i64, f64)> = ev
        .recent
        .iter()
        .copied()
        .filter(|(t, _)| *t <= at.unix_millis())
        .collect();
    samples.sort_by_key(|(t, _)| *t);
    if let (Some(limit), Some(t)) = (limit(ev), ev.threshold) {
        let breaching = |v: f64| t.cmp.holds(v, limit);
        let first = samples
            .iter()
            .rev()
            .take_while(|(_, v)| breaching(*v))
            .last()
            .copied();
        if let Some((ms, v)) = first {
            let whole = samples.first().is_some_and(|(t0, _)| *t0 == ms);
            let how = if whole {
                format!(
                    "earliest recorded sample of {}, already breaching ({v}); the fault may have begun earlier",
                    ev.rule
                )
            } else {
                format!("first breaching sample of {} ({v} {t})", ev.rule)
            };
            return (Timestamp::from_unix_millis(ms), how);
        }
    }
    let span = crate::runbook::Span::from_millis(ev.for_ms);
    (
        at.plus_millis(-(ev.for_ms as i64)),
        format!(
            "{} breached minus its `for` ({span}): no breaching sample recorded",
            ev.rule
        ),
    )
}

fn rule_key(ev: &Evidence) -> String {
    crate::engine::transitions::rule_key(&ev.rule, ev.host.as_deref())
}

/// The detection event, the fault's start, and the rule key it involved, if any.
fn detection(records: &[Record<EventKind>]) -> Option<(Moment, Moment, Option<String>)> {
    for (i, r) in records.iter().enumerate() {
        match &r.event {
            EventKind::RuleBreached {
                state: RuleState::Breach,
                evidence,
            } if evidence.severity > Severity::Minor => {
                let (began, how) = began_from_evidence(evidence, r.at);
                let det = moment(r, format!("rule {} breached", evidence.rule))?;
                let began = Moment {
                    at: began.min(r.at),
                    seq: r.seq,
                    how,
                };
                return Some((det, began, Some(rule_key(evidence))));
            }
            EventKind::FaultDeclared {
                level,
                reason,
                rule,
            } if *level > Severity::Minor => {
                let by_rule = rule.as_ref().and_then(|key| {
                    records[..i].iter().rev().find_map(|p| match &p.event {
                        EventKind::NoData { evidence, .. } if &rule_key(evidence) == key => {
                            Some((p, evidence))
                        }
                        _ => None,
                    })
                });
                if let Some((p, ev)) = by_rule {
                    let det = moment(
                        p,
                        format!("rule {} lost its data (no-data policy: breach)", ev.rule),
                    )?;
                    let began = moment(p, "the rule's data stopped: no sample after it")?;
                    return Some((det, began, rule.clone()));
                }
                let who = if r.actor.role == ActorRole::Ripcord {
                    "ripcord".to_string()
                } else {
                    format!("{} ({})", r.actor.name, r.actor.role.as_str())
                };
                let det = moment(
                    r,
                    format!("{} fault declared by {who}: {reason}", level.as_str()),
                )?;
                let began = moment(r, "the declaration: the journal holds no earlier sign")?;
                return Some((det, began, rule.clone()));
            }
            EventKind::HostFailed {
                host, step, reason, ..
            } => {
                let started = failing_step_start(&records[..i], host, *step);
                let det = moment(r, format!("{host} failed {}: {reason}", step.as_str()))?;
                let began = match started {
                    Some(at) => Moment {
                        at,
                        seq: r.seq,
                        how: format!(
                            "start of {host}'s failing {} step (the earliest it can have been seen)",
                            step.as_str()
                        ),
                    },
                    None => moment(r, "the failure itself: no step start recorded")?,
                };
                return Some((det, began, None));
            }
            _ => {}
        }
    }
    None
}

fn failing_step_start(
    before: &[Record<EventKind>],
    host: &str,
    step: StepName,
) -> Option<Timestamp> {
    before.iter().rev().find_map(|r| match &r.event {
        EventKind::HostStepFinished {
            host: h,
            step: s,
            started_at,
            ..
        } if h == host && *s == step => Some(*started_at),
        _ => None,
    })
}

/// The key times of the run in `records` (replayed into `state`).
pub fn key_times(records: &[Record<EventKind>], state: &State) -> KeyTimes {
    let mut k = KeyTimes {
        journal_ends: records
            .last()
            .and_then(|r| moment(r, "the journal's last line")),
        ..KeyTimes::default()
    };
    for r in records {
        match &r.event {
            EventKind::RunStarted { .. } if k.run_started.is_none() => {
                k.run_started = moment(r, format!("started by {}", r.actor));
            }
            EventKind::WaveStarted { wave, .. } if k.upgrade_started.is_none() => {
                k.upgrade_started = moment(r, format!("wave {wave} started"));
            }
            _ => {}
        }
    }
    let watched = records.iter().any(|r| {
        matches!(
            r.event,
            EventKind::ServiceRecovered { .. } | EventKind::RecoveryUnconfirmed { .. }
        )
    });
    k.run_ended = records.iter().find_map(|r| match &r.event {
        EventKind::RunCompleted {} => moment(r, "every wave done"),
        // A rollback is followed by the recovery watch: the run ends with it.
        EventKind::ServiceRecovered { .. } => moment(r, "rolled back; the service recovered"),
        EventKind::RecoveryUnconfirmed { .. } => moment(
            r,
            "rolled back; recovery not confirmed by the restore deadline",
        ),
        EventKind::RollbackCompleted { scope, .. }
            if !matches!(scope, crate::engine::Scope::Hosts { .. }) && !watched =>
        {
            moment(r, format!("rollback of {} completed", scope.describe()))
        }
        _ => None,
    });
    let Some((detected, began, rule)) = detection(records) else {
        return k;
    };
    let after = records.iter().filter(|r| r.seq > detected.seq);
    for r in after {
        match &r.event {
            _ if k.acknowledged.is_none() && r.actor.role != ActorRole::Ripcord => {
                let what = crate::engine::describe::line(state, &r.event)
                    .unwrap_or_else(|| r.event.type_name().replace('_', " "));
                k.acknowledged = moment(r, format!("{}: {what}", r.actor));
                if let EventKind::Paused { .. } = r.event {
                    k.paused.get_or_insert(Moment {
                        at: r.at,
                        seq: r.seq,
                        how: format!("paused by {}", r.actor),
                    });
                }
                if let EventKind::RollbackStarted { scope, .. } = &r.event {
                    k.rollback_started.get_or_insert(Moment {
                        at: r.at,
                        seq: r.seq,
                        how: format!("rollback of {} started by {}", scope.describe(), r.actor),
                    });
                }
            }
            EventKind::Paused { reason } if k.paused.is_none() => {
                k.paused = moment(r, format!("paused by {}: {reason}", r.actor));
            }
            EventKind::RollbackStarted { scope, .. } if k.rollback_started.is_none() => {
                k.rollback_started = moment(
                    r,
                    format!("rollback of {} started by {}", scope.describe(), r.actor),
                );
            }
            EventKind::RollbackCompleted {
                scope,
                rolled_back,
                failed,
            } if k.rollback_started.is_some() && k.rollback_done.is_none() => {
                k.rollback_done = moment(
                    r,
                    format!(
                        "rollback of {} completed: {rolled_back} rolled back, {failed} failed",
                        scope.describe()
                    ),
                );
            }
            _ => {}
        }
    }
    k.recovered = recovery(records, &detected, rule, k.rollback_done.as_ref());
    k.detected = Some(detected);
    k.fault_began = Some(began);
    k
}

/// When the service recovered: see the module comment.
fn recovery(
    records: &[Record<EventKind>],
    detected: &Moment,
    rule: Option<String>,
    done: Option<&Moment>,
) -> Option<Moment> {
    // The run's own recovery watch said so: that is the moment.
    if let Some(r) = records
        .iter()
        .find(|r| r.seq > detected.seq && matches!(r.event, EventKind::ServiceRecovered { .. }))
    {
        return moment(
            r,
            "service_recovered: the recovery watch saw every rule clear after the rollback",
        );
    }
    let mut breached: BTreeSet<String> = rule.into_iter().collect();
    let mut involved = !breached.is_empty();
    for r in records.iter().filter(|r| r.seq > detected.seq) {
        match &r.event {
            // A rolled-back host leaves its per-host rules (as it leaves the poller's set).
            EventKind::HostRolledBack { host } => {
                let suffix = format!("@{host}");
                breached.retain(|k| !k.ends_with(&suffix));
            }
            EventKind::RuleBreached {
                state: RuleState::Breach,
                evidence,
            } => {
                involved = true;
                breached.insert(rule_key(evidence));
            }
            EventKind::RuleCleared { evidence } => {
                breached.remove(&rule_key(evidence));
            }
            _ => {}
        }
        let rolled_back = done.is_none_or(|d| r.seq >= d.seq);
        if rolled_back && breached.is_empty() && (involved || done.is_some()) {
            let how = match (involved, done) {
                (true, Some(d)) if d.seq == r.seq => {
                    "rollback done, with every breached rule already back to ok".to_string()
                }
                (true, _) => "the last breached rule back to ok".to_string(),
                (false, _) => "rollback done; no rule was in breach".to_string(),
            };
            return moment(r, how);
        }
    }
    None
}
