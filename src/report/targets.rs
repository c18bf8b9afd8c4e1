//! The named durations between key times, judged against the plan's targets, and the blast
//! radius.

use super::times::{KeyTimes, Moment};
use crate::engine::State;
use crate::engine::event::Targets;
use crate::journal::Timestamp;
use crate::runbook::StepName;

/// A pass / fail judgement against a plan target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the target.
    Pass,
    /// Past the target (or not reached and the target has passed).
    Fail,
    /// Not reached yet, and the target has not passed when the journal ends.
    NotReached,
    /// Measured; the plan sets no target for it.
    NoTarget,
    /// Nothing to measure (no fault).
    NotApplicable,
}

impl Verdict {
    /// The word in reports.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::NotReached => "not reached",
            Verdict::NoTarget => "—",
            Verdict::NotApplicable => "n/a",
        }
    }
}

/// One named duration between two key times.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// Its name: "time to detect".
    pub name: &'static str,
    /// Start key time, in words.
    pub from: &'static str,
    /// End key time, in words.
    pub to: &'static str,
    /// Milliseconds, when both ends exist.
    pub ms: Option<i64>,
    /// The plan target's name and value, ms.
    pub target: Option<(&'static str, u64)>,
    /// How it compares.
    pub verdict: Verdict,
}

/// The named durations, each against its target where the plan sets one.
pub fn measures(k: &KeyTimes, t: &Targets) -> Vec<Measure> {
    let end = k.journal_ends.as_ref().map(|m| m.at);
    let m = |name,
             from: (&'static str, &Option<Moment>),
             to: (&'static str, &Option<Moment>),
             target: Option<(&'static str, u64)>| {
        let ms = match (from.1, to.1) {
            (Some(a), Some(b)) => Some(b.at.millis_since(a.at)),
            _ => None,
        };
        let verdict = match (from.1, ms, target) {
            (None, _, _) => Verdict::NotApplicable,
            (Some(_), Some(ms), Some((_, limit))) => {
                if ms <= limit as i64 {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                }
            }
            (Some(_), Some(_), None) => Verdict::NoTarget,
            (Some(a), None, Some((_, limit))) => {
                let waited = end.map_or(0, |e| e.millis_since(a.at));
                if waited > limit as i64 {
                    Verdict::Fail
                } else {
                    Verdict::NotReached
                }
            }
            (Some(_), None, None) => Verdict::NotReached,
        };
        Measure {
            name,
            from: from.0,
            to: to.0,
            ms,
            target,
            verdict,
        }
    };
    let began = ("fault began", &k.fault_began);
    let detected = ("detected", &k.detected);
    vec![
        m("time to detect", began, detected, None),
        m(
            "time to acknowledge",
            detected,
            ("acknowledged", &k.acknowledged),
            None,
        ),
        m("time to pause", detected, ("paused", &k.paused), None),
        m(
            "time to start the rollback",
            detected,
            ("rollback started", &k.rollback_started),
            Some(("rollback_start_within", t.rollback_start_within_ms)),
        ),
        m(
            "time to mitigate",
            detected,
            ("rollback done", &k.rollback_done),
            None,
        ),
        m(
            "time to resolve",
            detected,
            ("service recovered", &k.recovered),
            Some(("restore_within", t.restore_within_ms)),
        ),
        m(
            "impact duration (downtime, upper bound)",
            began,
            ("service recovered", &k.recovered),
            Some(("downtime_budget", t.downtime_budget_ms)),
        ),
        m(
            "upgrade duration",
            ("upgrade started", &k.upgrade_started),
            ("run ended", &k.run_ended),
            None,
        ),
    ]
}

/// Hosts whose upgrade step started at or after `since` (the blast radius), in plan order.
pub fn blast_radius(state: &State, since: Timestamp) -> Vec<String> {
    state
        .hosts
        .iter()
        .filter(|h| {
            h.steps
                .iter()
                .any(|s| s.step == StepName::Upgrade && s.started_at >= since)
        })
        .map(|h| h.name.clone())
        .collect()
}
