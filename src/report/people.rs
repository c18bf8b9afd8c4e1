//! What people did and were told: operator actions, notifications, status updates, impact,
//! checklists, controller restarts and the timeline.

use super::Ctx;
use super::clock::{duration, hms};
use super::doc::{Block, Doc, Entry, Inline, Line, text};
use super::outbox::deliveries;
use crate::engine::describe;
use crate::engine::event::EventKind;
use crate::engine::state::TIMELINE_KEEP;
use crate::journal::ActorRole;
use crate::runbook::{Audience, Phase};

/// Every event caused by a person, with who and when.
pub fn operator_actions(doc: &mut Doc, c: &Ctx<'_>) {
    doc.h(2, "Operator actions");
    let rows: Vec<Vec<Line>> = c
        .records
        .iter()
        .filter(|r| r.actor.role != ActorRole::Ripcord)
        .map(|r| {
            let what = match &r.event {
                EventKind::RunStarted { run_id, .. } => format!("started run {run_id}"),
                e => describe::line(c.state, e).unwrap_or_else(|| e.type_name().replace('_', " ")),
            };
            vec![
                text(hms(r.at)),
                text(&r.actor.name),
                text(r.actor.role.as_str()),
                text(c.redact(&what)),
            ]
        })
        .collect();
    if rows.is_empty() {
        doc.p("No person acted in the journal.");
        return;
    }
    doc.push(Block::Table(
        vec![
            "Time (UTC)".into(),
            "Who".into(),
            "Role".into(),
            "Action".into(),
        ],
        rows,
    ));
}

/// Notifications and status updates.
pub fn notifications(doc: &mut Doc, c: &Ctx<'_>) {
    doc.h(2, "Notifications");
    let all = deliveries(c.records);
    if all.is_empty() {
        let why = if c.plan.channels.is_empty() {
            "the runbook names no notification channel"
        } else {
            "the journal holds no notification"
        };
        doc.p(format!("None sent: {why}."));
    } else {
        let rows = all
            .iter()
            .map(|d| {
                let result = match (&d.sent_at, &d.error) {
                    (Some(t), _) => format!("delivered at {}", hms(*t)),
                    (None, Some(e)) if d.gave_up => {
                        format!("NOT delivered, gave up: {}", c.redact(e))
                    }
                    (None, Some(e)) => format!("not delivered yet: {}", c.redact(e)),
                    (None, None) => "not delivered (no attempt recorded)".into(),
                };
                vec![
                    text(&d.channel),
                    text(&d.kind),
                    text(hms(d.event_at)),
                    text(hms(d.queued_at)),
                    text(d.delay_ms().map_or_else(|| "—".into(), duration)),
                    text(d.attempts.to_string()),
                    text(result),
                ]
            })
            .collect();
        doc.push(Block::Table(
            [
                "Channel",
                "Reports",
                "Event at",
                "Queued",
                "Delay after the event",
                "Attempts",
                "Result",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        ));
    }
    doc.h(3, "Status updates");
    let updates: Vec<Entry> = c
        .records
        .iter()
        .filter_map(|r| match &r.event {
            EventKind::StatusUpdateSent {
                audience,
                text: body,
            } => Some(Entry {
                head: vec![
                    Inline::Strong(hms(r.at)),
                    Inline::Text(format!(
                        " {} update by {} ({})",
                        match audience {
                            Audience::Internal => "internal",
                            Audience::External => "external",
                        },
                        r.actor.name,
                        r.actor.role.as_str()
                    )),
                ],
                details: vec![text(c.redact(body))],
            }),
            _ => None,
        })
        .collect();
    if updates.is_empty() {
        doc.p("No status update was sent.");
    } else {
        doc.push(Block::List(updates));
    }
    let impact: Vec<Entry> = c
        .records
        .iter()
        .filter(|r| matches!(r.event, EventKind::ImpactRecorded { .. }))
        .filter_map(|r| {
            let line = describe::line(c.state, &r.event)?;
            Some(Entry {
                head: text(format!(
                    "{} {} — by {}",
                    hms(r.at),
                    c.redact(&line),
                    r.actor
                )),
                details: Vec::new(),
            })
        })
        .collect();
    if !impact.is_empty() {
        doc.h(3, "Business impact as recorded");
        doc.push(Block::List(impact));
    }
}

fn phase(p: Phase) -> &'static str {
    match p {
        Phase::Before => "before wave 1",
        Phase::EachWave => "each wave",
        Phase::OnFault => "on a fault",
        Phase::After => "after the run",
    }
}

/// Checklists per role: done by whom and when, and what was left undone.
pub fn checklists(doc: &mut Doc, c: &Ctx<'_>) {
    doc.h(2, "Checklists");
    if c.state.checklists.values().all(Vec::is_empty) {
        doc.p("The runbook has no checklist.");
        return;
    }
    for (role, items) in &c.state.checklists {
        if items.is_empty() {
            continue;
        }
        doc.h(3, role.as_str());
        let rows = items
            .iter()
            .map(|i| match &i.checked {
                Some((who, at)) => vec![
                    text("done"),
                    text(&i.text),
                    text(phase(i.phase)),
                    text(who),
                    text(hms(*at)),
                ],
                None => vec![
                    vec![Inline::Strong("NOT DONE".into())],
                    text(&i.text),
                    text(phase(i.phase)),
                    text("—"),
                    text("—"),
                ],
            })
            .collect();
        doc.push(Block::Table(
            ["", "Item", "Due", "By", "At (UTC)"]
                .map(String::from)
                .to_vec(),
            rows,
        ));
        let undone = items.iter().filter(|i| i.checked.is_none()).count();
        if undone > 0 {
            doc.p(format!("Left undone: {undone} of {} item(s).", items.len()));
        }
    }
}

/// Controller stops and restarts.
pub fn restarts(doc: &mut Doc, c: &Ctx<'_>) {
    let entries: Vec<Entry> = c
        .records
        .iter()
        .filter_map(|r| match &r.event {
            EventKind::RunResumed { interrupted } => Some(Entry {
                head: text(match c.records.get((r.seq as usize).saturating_sub(2)) {
                    Some(p) if p.seq + 1 == r.seq => format!(
                        "{} #{} run resumed; the journal was silent for {} since #{} at {}",
                        hms(r.at),
                        r.seq,
                        duration(r.at.millis_since(p.at)),
                        p.seq,
                        hms(p.at)
                    ),
                    _ => format!("{} #{} run resumed", hms(r.at), r.seq),
                }),
                details: if interrupted.is_empty() {
                    vec![text("no host step was in flight")]
                } else {
                    vec![text(format!(
                        "in flight when ripcord stopped, verified before anything else: {}",
                        interrupted.join(", ")
                    ))]
                },
            }),
            _ => None,
        })
        .collect();
    if entries.is_empty() {
        return;
    }
    doc.h(2, "Controller restarts");
    doc.push(Block::List(entries));
}

/// The timeline as the cockpit showed it.
pub fn timeline(doc: &mut Doc, c: &Ctx<'_>) {
    doc.h(2, "Appendix: timeline");
    let tl = &c.state.timeline;
    if tl.len() >= TIMELINE_KEEP {
        doc.p(format!(
            "The last {TIMELINE_KEEP} lines; the journal holds every event."
        ));
    }
    let body: Vec<String> = tl
        .iter()
        .map(|e| {
            let who = if e.actor.role == ActorRole::Ripcord {
                String::new()
            } else {
                format!(" [{} {}]", e.actor.role.as_str(), e.actor.name)
            };
            format!("{} {}{who}", hms(e.at), c.redact(&e.text))
        })
        .collect();
    doc.push(Block::Pre(body.join("\n")));
}
