//! The drill scorecard: how a rehearsal with an injected fault measured up against the plan's
//! targets. `ripcord report` puts it at the top of a drill's report; `ripcord drill` prints it.

use std::fmt;

use super::clock::{duration, hms};
use super::outbox::deliveries;
use super::times::{KeyTimes, Measure, Verdict, blast_radius, key_times, measures};
use crate::engine::State;
use crate::engine::event::EventKind;
use crate::journal::Record;

/// The first status update after a fault goes out within this long (DESIGN §1).
pub const FIRST_UPDATE_WITHIN_MS: i64 = 5 * 60 * 1000;

/// One line of the scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreLine {
    /// What is scored.
    pub item: String,
    /// What the drill measured.
    pub value: String,
    /// The target, in words ("—" when the plan sets none).
    pub target: String,
    /// Pass, fail, not reached ...
    pub verdict: Verdict,
}

/// A drill's scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    /// The injected fault scenario.
    pub scenario: String,
    /// The lines, in the order of the incident.
    pub lines: Vec<ScoreLine>,
}

impl Scorecard {
    /// True when no line failed.
    pub fn passed(&self) -> bool {
        self.lines.iter().all(|l| l.verdict != Verdict::Fail)
    }
    /// Lines that failed.
    pub fn failures(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| l.verdict == Verdict::Fail)
            .count()
    }
}

impl fmt::Display for Scorecard {
    /// A plain-text table for terminals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Drill scorecard — fault {}", self.scenario)?;
        let w0 = self
            .lines
            .iter()
            .map(|l| l.item.chars().count())
            .max()
            .unwrap_or(0);
        let w1 = self
            .lines
            .iter()
            .map(|l| l.value.chars().count())
            .max()
            .unwrap_or(0);
        let w2 = self
            .lines
            .iter()
            .map(|l| l.target.chars().count())
            .max()
            .unwrap_or(0);
        for l in &self.lines {
            writeln!(
                f,
                "  {:w0$}  {:w1$}  {:w2$}  {}",
                l.item,
                l.value,
                l.target,
                l.verdict.word()
            )?;
        }
        let failed = self.failures();
        if failed == 0 {
            write!(f, "  result: pass")
        } else {
            write!(f, "  result: {failed} target(s) missed")
        }
    }
}

/// The scorecard of a drill's journal; `None` when the run is not a drill.
pub fn scorecard(records: &[Record<EventKind>]) -> Option<Scorecard> {
    let state = State::replay(records);
    let k = key_times(records, &state);
    score(records, &state, &k)
}

fn line(item: &str, value: String, target: String, verdict: Verdict) -> ScoreLine {
    ScoreLine {
        item: item.into(),
        value,
        target,
        verdict,
    }
}

fn measured(m: &Measure) -> ScoreLine {
    let value = m.ms.map_or_else(
        || format!("{} not reached", m.to),
        |ms| format!("{} ({} → {})", duration(ms), m.from, m.to),
    );
    let target = m.target.map_or_else(
        || "—".into(),
        |(name, ms)| format!("≤ {} ({name})", duration(ms as i64)),
    );
    line(m.name, value, target, m.verdict)
}

/// The scorecard from parts already computed (the report reuses its own).
pub(crate) fn score(
    records: &[Record<EventKind>],
    state: &State,
    k: &KeyTimes,
) -> Option<Scorecard> {
    let scenario = state.drill.clone()?;
    let plan = state.plan.as_deref()?;
    let ms = measures(k, &plan.targets);
    let find = |name: &str| ms.iter().find(|m| m.name == name);
    let mut lines = Vec::new();
    if let Some(first) = state.injected.first() {
        lines.push(line(
            "fault injected",
            format!("{} {} ({})", hms(first.at), first.scenario, first.why),
            "—".into(),
            Verdict::NoTarget,
        ));
    }
    match (&k.fault_began, &k.detected) {
        (Some(b), Some(d)) => {
            lines.push(line(
                "fault began",
                hms(b.at),
                "—".into(),
                Verdict::NoTarget,
            ));
            let ttd = d.at.millis_since(b.at);
            lines.push(line(
                "detected",
                format!("{} (time to detect {})", hms(d.at), duration(ttd)),
                "detected at all".into(),
                Verdict::Pass,
            ));
        }
        _ => {
            lines.push(line(
                "detected",
                "the injected fault was never detected".into(),
                "detected at all".into(),
                Verdict::Fail,
            ));
            return Some(Scorecard { scenario, lines });
        }
    }
    let paused = match (&k.paused, &k.rollback_started) {
        (Some(p), _) => line(
            "paused",
            hms(p.at),
            "paused after detection".into(),
            Verdict::Pass,
        ),
        (None, Some(_)) => line(
            "paused",
            "not paused: the policy rolled back directly".into(),
            "paused after detection".into(),
            Verdict::NoTarget,
        ),
        (None, None) => line(
            "paused",
            "never".into(),
            "paused after detection".into(),
            Verdict::Fail,
        ),
    };
    lines.push(paused);
    for name in [
        "time to start the rollback",
        "time to mitigate",
        "time to resolve",
    ] {
        if let Some(m) = find(name) {
            let mut l = measured(m);
            if name == "time to mitigate" {
                // The plan's restore target covers the rollback as much as the recovery.
                let limit = plan.targets.restore_within_ms;
                l.target = format!("≤ {} (restore_within)", duration(limit as i64));
                l.verdict = match m.ms {
                    Some(v) if v <= limit as i64 => Verdict::Pass,
                    Some(_) => Verdict::Fail,
                    None => find("time to resolve").map_or(Verdict::NotReached, |r| r.verdict),
                };
            }
            lines.push(l);
        }
    }
    if let Some(m) = find("impact duration (downtime, upper bound)") {
        let budget = plan.targets.downtime_budget_ms;
        let value = match m.ms {
            Some(v) if budget > 0 => format!(
                "{} of {} ({}%)",
                duration(v),
                duration(budget as i64),
                (v as f64 / budget as f64 * 100.0).round()
            ),
            Some(v) => duration(v),
            None => "service not recovered".into(),
        };
        lines.push(line(
            "downtime budget used",
            value,
            format!("≤ {} (downtime_budget)", duration(budget as i64)),
            m.verdict,
        ));
    }
    if let (Some(b), Some(d)) = (&k.fault_began, &k.detected) {
        // Hosts whose upgrade began between the fault and its detection could not have been
        // spared; one started after detection is a gate that did not hold (DESIGN §3 rule 3).
        let hosts = blast_radius(state, b.at);
        let after_detection = blast_radius(state, d.at);
        let verdict = if after_detection.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
        lines.push(line(
            "blast radius",
            format!(
                "{} host(s) upgraded after the fault began, {} after it was detected",
                hosts.len(),
                after_detection.len()
            ),
            "0 after detection".into(),
            verdict,
        ));
    }
    lines.extend(notification_lines(records, k, !plan.channels.is_empty()));
    Some(Scorecard { scenario, lines })
}

fn notification_lines(
    records: &[Record<EventKind>],
    k: &KeyTimes,
    has_channels: bool,
) -> Vec<ScoreLine> {
    let mut out = Vec::new();
    let Some(det) = &k.detected else {
        return out;
    };
    let after: Vec<_> = deliveries(records)
        .into_iter()
        .filter(|d| d.queued_at >= det.at)
        .collect();
    let sent = after.iter().filter(|d| d.sent_at.is_some()).count();
    let longest = after.iter().filter_map(|d| d.delay_ms()).max();
    let verdict = match (after.len(), has_channels) {
        (0, false) => Verdict::NotApplicable,
        (0, true) => Verdict::Fail,
        (n, _) if sent == n => Verdict::Pass,
        _ => Verdict::Fail,
    };
    let value = if after.is_empty() {
        "none sent after detection".to_string()
    } else {
        format!(
            "{sent} of {} delivered{}",
            after.len(),
            longest
                .map(|l| format!(", longest delay {}", duration(l)))
                .unwrap_or_default()
        )
    };
    out.push(line(
        "notifications after detection",
        value,
        "all delivered".into(),
        verdict,
    ));
    let first_update = records
        .iter()
        .find(|r| r.seq > det.seq && matches!(r.event, EventKind::StatusUpdateSent { .. }));
    let end = k.journal_ends.as_ref().map_or(det.at, |m| m.at);
    let (value, verdict) = match first_update {
        Some(r) => {
            let d = r.at.millis_since(det.at);
            let v = if d <= FIRST_UPDATE_WITHIN_MS {
                Verdict::Pass
            } else {
                Verdict::Fail
            };
            (
                format!("{} ({} after detection)", hms(r.at), duration(d)),
                v,
            )
        }
        None if end.millis_since(det.at) > FIRST_UPDATE_WITHIN_MS => ("none".into(), Verdict::Fail),
        None => ("none yet".into(), Verdict::NotReached),
    };
    out.push(line(
        "first status update",
        value,
        format!("≤ {} after detection", duration(FIRST_UPDATE_WITHIN_MS)),
        verdict,
    ));
    out
}
