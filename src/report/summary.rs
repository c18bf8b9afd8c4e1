//! The top of the report: completeness, drill scorecard, summary, roles, key times, durations,
//! blast radius and waves.

use std::collections::BTreeMap;

use super::Ctx;
use super::clock::{duration, hms, local, utc};
use super::doc::{Block, Doc, Entry, Inline, Line, Tone, text};
use super::scorecard::Scorecard;
use super::times::{Moment, Verdict, measures};
use crate::engine::event::EventKind;
use crate::engine::{HostState, RunState};
use crate::runbook::Role;

/// Why the journal does not tell the whole story, if it does not.
pub fn incomplete_reasons(c: &Ctx<'_>, warnings: &[String]) -> Vec<String> {
    let mut out: Vec<String> = warnings.to_vec();
    let last = c.records.last();
    match (&c.state.run, last) {
        (_, None) => out.push("the journal is empty: no event was recorded".into()),
        (RunState::NotStarted, _) => out.push("the journal has no run_started event".into()),
        (run, Some(r)) if !run.is_over() => {
            let how = match (&c.state.halted, run) {
                (Some(why), _) => format!("halted, waiting for a decision ({why})"),
                (None, RunState::Paused { reason, .. }) => format!("paused ({reason})"),
                (None, RunState::RollingBack { scope }) => {
                    format!("rolling back {}", scope.describe())
                }
                _ => "running".into(),
            };
            out.push(format!(
                "the run had not ended when the journal stops: it was {how}; the last event is #{} {} at {}",
                r.seq,
                r.event.type_name(),
                utc(r.at)
            ));
        }
        _ => {}
    }
    out
}

/// The banner saying the journal is incomplete, and why.
pub fn banner(doc: &mut Doc, reasons: &[String]) {
    if reasons.is_empty() {
        return;
    }
    let mut lines = vec![vec![
        Inline::Strong("Incomplete journal.".into()),
        Inline::Text(" This report covers only what the journal holds so far; times and verdicts after its last event are unknown.".into()),
    ]];
    lines.extend(reasons.iter().map(|r| text(format!("• {r}"))));
    doc.push(Block::Callout(Tone::Warning, lines));
}

/// The drill scorecard as a table.
pub fn scorecard(doc: &mut Doc, s: &Scorecard) {
    doc.h(
        2,
        format!("Drill scorecard — injected fault: {}", s.scenario),
    );
    let rows = s
        .lines
        .iter()
        .map(|l| {
            let verdict = if l.verdict == Verdict::Fail {
                Inline::Strong(l.verdict.word().into())
            } else {
                Inline::Text(l.verdict.word().into())
            };
            vec![
                text(&l.item),
                text(&l.value),
                text(&l.target),
                vec![verdict],
            ]
        })
        .collect();
    doc.push(Block::Table(
        vec![
            "Scored".into(),
            "Measured".into(),
            "Target".into(),
            "Result".into(),
        ],
        rows,
    ));
    let verdict = if s.passed() {
        "The drill met every target it could be scored on.".to_string()
    } else {
        format!("The drill missed {} target(s).", s.failures())
    };
    doc.p(verdict);
}

fn outcome(c: &Ctx<'_>) -> String {
    let failed = c.state.failed_total();
    let rolled = c
        .state
        .hosts
        .iter()
        .filter(|h| h.state == HostState::RolledBack)
        .count();
    let tail = format!("; {failed} host(s) failed, {rolled} rolled back");
    match &c.state.run {
        RunState::Completed => format!("completed: every wave done{tail}"),
        RunState::RolledBack if c.state.recovered_at.is_some() => {
            format!("rolled back, service recovered{tail}")
        }
        RunState::RolledBack => format!("rolled back, service not seen to recover{tail}"),
        RunState::Recovering { .. } => {
            format!("rolled back, still watching for recovery when the journal ends{tail}")
        }
        RunState::RollingBack { scope } => format!(
            "rolling back {} when the journal ends{tail}",
            scope.describe()
        ),
        RunState::Paused { reason, .. } => match &c.state.halted {
            Some(why) => format!("halted, waiting for a decision: {why}{tail}"),
            None => format!("paused: {reason}{tail}"),
        },
        RunState::Running => format!("still running when the journal ends{tail}"),
        RunState::NotStarted => "never started".into(),
    }
}

/// Summary: plan, risk, scope, outcome, faults.
pub fn summary(doc: &mut Doc, c: &Ctx<'_>) {
    let p = c.plan;
    let hosts: usize = p.waves.iter().map(|w| w.hosts.len()).sum();
    doc.h(2, "Summary");
    let mut rows: Vec<Vec<Line>> = vec![
        vec![text("Run"), vec![Inline::Code(c.state.run_id.clone())]],
        vec![text("Plan"), text(&p.name)],
        vec![text("Runbook"), vec![Inline::Code(c.state.runbook.clone())]],
        vec![text("Risk"), text(p.risk.as_str())],
        vec![
            text("Scope"),
            text(format!(
                "{} · {} · {} upgrade · {hosts} host(s) in {} wave(s)",
                p.environment,
                p.host_kinds.join(", "),
                p.upgrade_kind,
                p.waves.len()
            )),
        ],
        vec![text("Outcome"), vec![Inline::Strong(outcome(c))]],
    ];
    if let Some(d) = &c.state.drill {
        rows.push(vec![
            text("Drill"),
            text(format!("yes — injected fault {d}")),
        ]);
    }
    for f in &c.state.faults {
        rows.push(vec![
            text("Fault declared"),
            text(format!(
                "{} at {} by {}: {}",
                f.level.as_str(),
                utc(f.at),
                f.by,
                f.reason
            )),
        ]);
    }
    if let Some(t) = c.state.started_at {
        rows.push(vec![text("Started"), text(utc(t))]);
    }
    if let Some(t) = c.state.ended_at {
        rows.push(vec![text("Ended"), text(utc(t))]);
    }
    doc.push(Block::Table(vec!["Field".into(), "Value".into()], rows));
}

/// Who held which role, handovers, and who else acted in each role.
pub fn roles(doc: &mut Doc, c: &Ctx<'_>) {
    doc.h(3, "Roles");
    let mut first: BTreeMap<Role, String> = BTreeMap::new();
    let mut handovers: BTreeMap<Role, Vec<String>> = BTreeMap::new();
    let mut acting: BTreeMap<Role, Vec<String>> = BTreeMap::new();
    for r in c.records {
        let Some(role) = r.actor.role.plan_role() else {
            continue;
        };
        if let EventKind::RunStarted { .. } = r.event {
            first.insert(role, format!("{} (started the run)", r.actor.name));
        }
        if let EventKind::Handover { role: to_role, to } = &r.event {
            handovers.entry(*to_role).or_default().push(format!(
                "to {to} at {} (by {})",
                hms(r.at),
                r.actor.name
            ));
        }
        let names = acting.entry(role).or_default();
        if !names.contains(&r.actor.name) {
            names.push(r.actor.name.clone());
        }
    }
    let rows = Role::ALL
        .iter()
        .map(|role| {
            let held = first.get(role).cloned().unwrap_or_else(|| "—".into());
            let hand = handovers
                .get(role)
                .map_or_else(|| "—".into(), |h| h.join("; "));
            let names = acting
                .get(role)
                .map_or_else(|| "—".into(), |n| n.join(", "));
            let now = c
                .state
                .holders
                .get(role)
                .cloned()
                .unwrap_or_else(|| "—".into());
            vec![
                text(role.as_str()),
                text(held),
                text(hand),
                text(names),
                text(now),
            ]
        })
        .collect();
    doc.push(Block::Table(
        vec![
            "Role".into(),
            "Held first by".into(),
            "Handovers".into(),
            "Acted in the journal".into(),
            "Held at the end".into(),
        ],
        rows,
    ));
}

/// Key times (UTC and local, with how each was derived) and the named durations.
pub fn key_times(doc: &mut Doc, c: &Ctx<'_>) {
    let k = &c.k;
    doc.h(2, "Key times");
    doc.p("Every time comes from the journal. Local times use the time zone of the machine writing this report (TZ); the offset is shown with each.");
    let moments: [(&str, &Option<Moment>); 11] = [
        ("run started", &k.run_started),
        ("upgrade started", &k.upgrade_started),
        ("fault began", &k.fault_began),
        ("detected", &k.detected),
        ("acknowledged", &k.acknowledged),
        ("paused", &k.paused),
        ("rollback started", &k.rollback_started),
        ("rollback done (mitigated)", &k.rollback_done),
        ("service recovered (resolved)", &k.recovered),
        ("run ended", &k.run_ended),
        ("journal ends", &k.journal_ends),
    ];
    let rows = moments
        .iter()
        .map(|(name, m)| match m {
            Some(m) => vec![
                text(*name),
                text(utc(m.at)),
                text(local(m.at, c.zone)),
                text(format!("{} (#{})", c.redact(&m.how), m.seq)),
            ],
            None => vec![
                text(*name),
                text("—"),
                text("—"),
                text("not in the journal"),
            ],
        })
        .collect();
    doc.push(Block::Table(
        vec![
            "Moment".into(),
            "UTC".into(),
            "Local".into(),
            "From (journal line)".into(),
        ],
        rows,
    ));
    doc.h(3, "Durations against the plan's targets");
    let rows = measures(k, &c.plan.targets)
        .iter()
        .map(|m| {
            let target = m.target.map_or_else(
                || "—".into(),
                |(name, ms)| format!("{} ({name})", duration(ms as i64)),
            );
            let verdict = if m.verdict == Verdict::Fail {
                vec![Inline::Strong(m.verdict.word().into())]
            } else {
                text(m.verdict.word())
            };
            vec![
                text(m.name),
                text(format!("{} → {}", m.from, m.to)),
                text(m.ms.map_or_else(|| "—".into(), duration)),
                text(target),
                verdict,
            ]
        })
        .collect();
    doc.push(Block::Table(
        vec![
            "Duration".into(),
            "From → to".into(),
            "Measured".into(),
            "Target".into(),
            "Result".into(),
        ],
        rows,
    ));
    doc.p("Targets are measured from detection (the engine's SLA clocks start when the fault is declared, usually the same moment); the impact duration runs from the first breaching sample to recovery and is an upper bound of user-visible downtime.");
    let missed: Vec<Entry> = c
        .records
        .iter()
        .filter_map(|r| match &r.event {
            EventKind::SlaMissed { target, deadline } => Some(Entry {
                head: text(format!(
                    "{target}: deadline {} passed (recorded at {})",
                    utc(*deadline),
                    hms(r.at)
                )),
                details: Vec::new(),
            }),
            _ => None,
        })
        .collect();
    if !missed.is_empty() {
        doc.p("Targets ripcord recorded as missed while the run went on:");
        doc.push(Block::List(missed));
    }
}
