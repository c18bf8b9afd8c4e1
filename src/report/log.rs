//! The record of what happened: failed hosts, automatic decisions with their evidence, operator
//! actions, notifications, status updates, checklists, restarts and the timeline.

use super::Ctx;
use super::clock::{duration, hms, utc};
use super::doc::{Block, Doc, Entry, Inline, Line, text};
use crate::engine::Evidence;
use crate::engine::describe::{self, host_range};
use crate::engine::event::EventKind;
use crate::journal::{ActorRole, Record};
use crate::runbook::Span;

/// Lines of output quoted for a failed host.
const EXCERPT_LINES: usize = 15;
/// Characters kept of one output line.
const EXCERPT_WIDTH: usize = 240;

/// Failed hosts: the failing step, exit code, times and an output excerpt.
pub fn failed_hosts(doc: &mut Doc, c: &Ctx<'_>) {
    doc.h(2, "Failed hosts");
    let failures: Vec<&Record<EventKind>> = c
        .records
        .iter()
        .filter(|r| matches!(r.event, EventKind::HostFailed { .. }))
        .collect();
    if failures.is_empty() {
        doc.p("No host failed.");
        return;
    }
    for r in failures {
        let EventKind::HostFailed {
            host,
            wave,
            step,
            outcome,
            reason,
            policy,
        } = &r.event
        else {
            continue;
        };
        doc.h(
            3,
            format!("{host} — {} {}", step.as_str(), outcome.as_str()),
        );
        let run = c.state.host(host).and_then(|h| {
            h.steps
                .iter()
                .rev()
                .find(|s| s.step == *step && s.finished_at.is_some_and(|f| f <= r.at))
        });
        let mut rows = vec![
            vec![text("Wave"), text(wave.to_string())],
            vec![
                text("Failed at"),
                text(format!("{} (#{})", utc(r.at), r.seq)),
            ],
            vec![text("Reason"), text(c.redact(reason))],
            vec![text("Policy"), text(c.redact(policy))],
        ];
        if let Some(run) = run {
            rows.push(vec![text("Step started"), text(utc(run.started_at))]);
            if let Some(f) = run.finished_at {
                rows.push(vec![
                    text("Step finished"),
                    text(format!(
                        "{} (ran {})",
                        utc(f),
                        duration(f.millis_since(run.started_at))
                    )),
                ]);
            }
            rows.push(vec![
                text("Exit code"),
                text(
                    run.exit_code
                        .map_or_else(|| "none (no exit status)".into(), |c| c.to_string()),
                ),
            ]);
        }
        doc.push(Block::Table(vec!["Field".into(), "Value".into()], rows));
        match run
            .map(|r| r.output_tail.as_str())
            .filter(|t| !t.trim().is_empty())
        {
            Some(tail) => {
                doc.p(format!(
                    "Last output (up to {EXCERPT_LINES} lines, secrets redacted):"
                ));
                doc.push(Block::Pre(excerpt(&c.redact(tail))));
            }
            None => doc.p("No output was recorded for this step."),
        }
    }
}

fn excerpt(tail: &str) -> String {
    let lines: Vec<&str> = tail.lines().collect();
    let from = lines.len().saturating_sub(EXCERPT_LINES);
    lines[from..]
        .iter()
        .map(|l| {
            if l.chars().count() > EXCERPT_WIDTH {
                format!("{}…", l.chars().take(EXCERPT_WIDTH).collect::<String>())
            } else {
                (*l).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn evidence_lines(ev: &Evidence, c: &Ctx<'_>) -> Vec<Line> {
    let mut out = vec![vec![
        Inline::Text("rule: ".into()),
        Inline::Strong(ev.rule.clone()),
        Inline::Text(
            ev.host
                .as_ref()
                .map(|h| format!(" on host {h}"))
                .unwrap_or_default(),
        ),
        Inline::Text(format!(" ({} severity)", ev.severity.as_str())),
    ]];
    out.push(vec![
        Inline::Text("query: ".into()),
        Inline::Code(c.redact(&ev.query)),
    ]);
    if !ev.values.is_empty() {
        let shown: Vec<String> = ev
            .values
            .iter()
            .take(5)
            .map(|v| {
                let series = if v.series.is_empty() {
                    "value"
                } else {
                    v.series.as_str()
                };
                format!("{series} = {}", v.value)
            })
            .collect();
        let more = ev.values.len().saturating_sub(5);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        out.push(text(format!(
            "values (worst first): {}{more}",
            shown.join(", ")
        )));
    }
    match (ev.threshold, ev.baseline) {
        (Some(t), Some(b)) if t.baseline => out.push(text(format!(
            "threshold: {t} (baseline {b} → limit {})",
            b * t.value
        ))),
        (Some(t), _) => out.push(text(format!("threshold: {t}"))),
        (None, _) => out.push(text("threshold: none (the rule's no-data policy applied)")),
    }
    out.push(vec![
        Inline::Text("window (".into()),
        Inline::Code("for".into()),
        Inline::Text(format!("): {}", Span::from_millis(ev.for_ms))),
    ]);
    if let Some(e) = &ev.error {
        out.push(text(format!("source error: {}", c.redact(e))));
    }
    if let (Some(a), Some(b)) = (ev.recent.first(), ev.recent.last()) {
        out.push(text(format!(
            "{} recent sample(s) from {} to {}",
            ev.recent.len(),
            hms(crate::journal::Timestamp::from_unix_millis(a.0)),
            hms(crate::journal::Timestamp::from_unix_millis(b.0))
        )));
    }
    out
}

fn decision_details(r: &Record<EventKind>, c: &Ctx<'_>) -> Option<Vec<Line>> {
    Some(match &r.event {
        EventKind::RuleBreached { evidence, .. }
        | EventKind::RuleCleared { evidence }
        | EventKind::NoData { evidence, .. } => evidence_lines(evidence, c),
        EventKind::FaultDeclared { rule, .. } => match rule {
            Some(key) => {
                let from = c.records[..(r.seq as usize).saturating_sub(1).min(c.records.len())]
                    .iter()
                    .rev()
                    .find(|p| match &p.event {
                        EventKind::RuleBreached { evidence, .. }
                        | EventKind::NoData { evidence, .. } => {
                            crate::engine::transitions::rule_key(
                                &evidence.rule,
                                evidence.host.as_deref(),
                            ) == *key
                        }
                        _ => false,
                    });
                vec![text(format!(
                    "raised by rule {key}{}",
                    from.map(|p| format!("; its evidence is at #{}", p.seq))
                        .unwrap_or_default()
                ))]
            }
            None => Vec::new(),
        },
        EventKind::HostFailed {
            outcome, policy, ..
        } => vec![
            text(format!("outcome: {}", outcome.as_str())),
            text(format!("policy row applied: {}", c.redact(policy))),
        ],
        EventKind::RollbackRequested {
            hosts, confirm_by, ..
        } => vec![
            text(format!("hosts: {} ({})", hosts.len(), host_range(hosts))),
            text(match confirm_by {
                Some(role) => format!("awaiting confirmation by the {}", role.as_str()),
                None => "no confirmation needed".into(),
            }),
        ],
        EventKind::RollbackStarted { hosts, .. } => {
            vec![text(format!(
                "hosts: {} ({})",
                hosts.len(),
                host_range(hosts)
            ))]
        }
        EventKind::Paused { .. }
        | EventKind::RunHalted { .. }
        | EventKind::RollbackCompleted { .. }
        | EventKind::SlaMissed { .. } => Vec::new(),
        _ => return None,
    })
}

/// Every automatic decision (actor `ripcord`) with its evidence.
pub fn decisions(doc: &mut Doc, c: &Ctx<'_>) {
    doc.h(2, "Automatic decisions and their evidence");
    let entries: Vec<Entry> = c
        .records
        .iter()
        .filter(|r| r.actor.role == ActorRole::Ripcord)
        .filter_map(|r| {
            let details = decision_details(r, c)?;
            let line =
                describe::line(c.state, &r.event).unwrap_or_else(|| r.event.type_name().into());
            Some(Entry {
                head: vec![
                    Inline::Strong(hms(r.at)),
                    Inline::Text(format!(" #{} — {}", r.seq, c.redact(&line))),
                ],
                details,
            })
        })
        .collect();
    if entries.is_empty() {
        doc.p("ripcord made no decision beyond running the plan: no rule changed state, no host failed, nothing was paused or rolled back.");
    } else {
        doc.push(Block::List(entries));
    }
}
