//! The header: plan, risk, run state, elapsed time, soak countdown, next status update (red
//! when overdue), who is at the screen; then banners for what needs a person now — a proposed
//! rollback, a halt, a pause, the fault's SLA clocks, contacts in a severe fault, approvals.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::engine::{RunState, State, WaveState};
use crate::runbook::{Risk, Severity};
use crate::tui::app::UiState;
use crate::tui::format::{countdown, elapsed, fit};
use crate::tui::keymap::Action;
use crate::tui::theme::Meaning;

/// Lines the header takes: the status line plus as many banners as the height allows.
pub fn height(state: &State, ui: &UiState, term_height: u16) -> u16 {
    let max = if term_height >= 40 { 4 } else { 2 };
    1 + banners(state, ui).len().min(max) as u16
}

/// The status line's colour for a run state.
fn run_meaning(run: &RunState) -> Meaning {
    match run {
        RunState::Running | RunState::Completed => Meaning::Ok,
        RunState::Paused { .. } | RunState::RolledBack | RunState::Recovering { .. } => {
            Meaning::Warn
        }
        RunState::RollingBack { .. } => Meaning::Breach,
        RunState::NotStarted => Meaning::Muted,
    }
}

/// Draws the header into `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, ui: &UiState) {
    let t = &ui.look.theme;
    let mut lines = vec![status_line(state, ui, area.width as usize)];
    for (meaning, text) in banners(state, ui)
        .into_iter()
        .take(area.height.saturating_sub(1) as usize)
    {
        let style = t.style(meaning);
        lines.push(Line::from(Span::styled(
            fit(&text, area.width as usize),
            style,
        )));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn status_line(state: &State, ui: &UiState, width: usize) -> Line<'static> {
    let t = &ui.look.theme;
    let now = ui.now;
    let sep = || Span::styled(" · ", t.muted());
    // (priority: higher stays longer, spans)
    let mut parts: Vec<(u8, Vec<Span<'static>>)> = Vec::new();
    let bold = |s: Style| s.add_modifier(Modifier::BOLD);
    if let Some(plan) = &state.plan {
        let (risk_meaning, risk) = match plan.risk {
            Risk::High => (Meaning::Breach, "HIGH"),
            Risk::Medium => (Meaning::Warn, "MEDIUM"),
            Risk::Low => (Meaning::Ok, "LOW"),
        };
        parts.push((2, vec![Span::styled(plan.name.clone(), t.text())]));
        parts.push((
            6,
            vec![Span::styled(format!("{risk} risk"), t.style(risk_meaning))],
        ));
    }
    parts.push((
        9,
        vec![Span::styled(
            state.run.word().to_string(),
            bold(t.style(run_meaning(&state.run))),
        )],
    ));
    if let Some(start) = state.started_at {
        let end = state.ended_at.unwrap_or(now);
        parts.push((
            5,
            vec![Span::styled(elapsed(end.millis_since(start)), t.text())],
        ));
    }
    if let Some(n) = state.active_wave()
        && let WaveState::Soaking { until } = state.waves[n - 1].state
    {
        parts.push((
            7,
            vec![Span::styled(
                format!("soak {}", countdown(until.millis_since(now))),
                t.text(),
            )],
        ));
    }
    if let (Some(due), false) = (state.status_due_at, state.run.is_over()) {
        let left = due.millis_since(now);
        parts.push((
            7,
            vec![if left >= 0 {
                Span::styled(format!("next update {}", countdown(left)), t.text())
            } else {
                Span::styled(
                    format!("update OVERDUE {}", countdown(left)),
                    bold(t.breach()),
                )
            }],
        ));
    }
    parts.push((
        8,
        vec![Span::styled(
            format!("{} {}", ui.who.role.as_str(), ui.who.name),
            t.focus(),
        )],
    ));
    let width_of = |parts: &[(u8, Vec<Span>)]| -> usize {
        10 + parts
            .iter()
            .map(|(_, s)| s.iter().map(|x| x.content.chars().count()).sum::<usize>() + 3)
            .sum::<usize>()
    };
    // Shorten the plan name first, then drop the least important parts.
    while width_of(&parts) > width {
        let over = width_of(&parts) - width;
        if let Some((_, spans)) = parts.iter_mut().find(|(p, _)| *p == 2) {
            let n = spans[0].content.chars().count();
            if n > 12 {
                let keep = n.saturating_sub(over).max(12);
                spans[0].content = fit(&spans[0].content, keep).into();
                continue;
            }
        }
        let Some(lowest) = parts
            .iter()
            .enumerate()
            .min_by_key(|(_, (p, _))| *p)
            .map(|(i, _)| i)
        else {
            break;
        };
        parts.remove(lowest);
    }
    let mut spans = vec![Span::styled(" ripcord", bold(t.style(Meaning::Title)))];
    for (_, s) in parts {
        spans.push(sep());
        spans.extend(s);
    }
    Line::from(spans)
}

/// What needs a person now, most urgent first: (meaning, words).
pub fn banners(state: &State, ui: &UiState) -> Vec<(Meaning, String)> {
    let keys = &ui.look.keymap;
    let now = ui.now;
    let mut out = Vec::new();
    if let Some(offer) = state.live_offers().last() {
        out.push((
            Meaning::Breach,
            format!(
                "⚠ rollback of {} proposed ({}): {} — the {} confirms: {}",
                offer.scope.describe(),
                crate::tui::format::plural(offer.hosts.len(), "host"),
                offer.reason,
                offer.confirm_by.as_str(),
                keys.label(Action::ConfirmRollback)
            ),
        ));
    }
    if let Some(why) = &state.halted {
        out.push((Meaning::Breach, format!("HALTED: {why}")));
    } else if let RunState::Paused { reason, by } = &state.run {
        out.push((
            Meaning::Warn,
            format!(
                "paused by {by}: {reason} — {} resumes",
                keys.label(Action::PauseResume)
            ),
        ));
    }
    if let Some(fault_at) = state.first_fault_at() {
        out.push((Meaning::Breach, sla_line(state, fault_at, now)));
    }
    if state.faults.iter().any(|f| f.level == Severity::Severe)
        && let Some(plan) = &state.plan
    {
        let c = &plan.contacts;
        out.push((
            Meaning::Warn,
            format!(
                "SEVERE: traffic switch: {} · vendor support: {}",
                c.traffic_switch.as_deref().unwrap_or("not in the plan"),
                c.vendor_support.as_deref().unwrap_or("not in the plan")
            ),
        ));
    }
    if let RunState::Recovering { since } = &state.run {
        let still = crate::engine::recovery::still_breaching(state);
        let grace = crate::engine::recovery::recovery_grace_ms(state);
        let text = if still.is_empty() {
            "recovering: every rule clear; confirming the service".to_string()
        } else {
            format!(
                "recovering since {}: watching until every rule clears — still in breach: {} (past {} the hosts still upgraded are offered for rollback)",
                crate::engine::describe::clock(*since),
                still.join(", "),
                crate::engine::describe::whole_seconds(grace)
            )
        };
        out.push((Meaning::Warn, text));
    }
    if let RunState::RollingBack { scope } = &state.run
        && let Some((_, hosts)) = &state.rollback
    {
        let done = hosts
            .iter()
            .filter(|h| state.host(h).is_some_and(|h| !h.rollback_pending))
            .count();
        out.push((
            Meaning::Breach,
            format!(
                "rolling back {}: {done}/{} hosts done",
                scope.describe(),
                hosts.len()
            ),
        ));
    }
    if let Some(n) = crate::run::waiting_approval(state) {
        out.push((
            Meaning::Warn,
            format!(
                "wave {n} waits for the commander's approval — {} approves",
                keys.label(Action::Approve)
            ),
        ));
    }
    if let Some(blind) = crate::engine::holding(state).filter(|b| !b.is_empty()) {
        out.push((
            Meaning::Blind,
            format!(
                "holding: no new host starts while blind: {}",
                blind.join(", ")
            ),
        ));
    }
    for n in state
        .outbox
        .values()
        .filter(|n| n.sent_at.is_none() && n.error.is_some())
    {
        out.push((
            Meaning::Warn,
            format!(
                "notify: {} {} (attempt {}): {}",
                n.channel,
                if n.gave_up { "GAVE UP" } else { "failing" },
                n.attempts,
                n.error.as_deref().unwrap_or("")
            ),
        ));
    }
    out
}

fn sla_line(
    state: &State,
    fault_at: crate::journal::Timestamp,
    now: crate::journal::Timestamp,
) -> String {
    let level = state
        .faults
        .iter()
        .map(|f| f.level)
        .max()
        .map_or("?", |l| l.as_str());
    let mut parts = vec![format!(
        "FAULT {level} since {} ({} ago)",
        crate::tui::format::clock(fault_at),
        countdown(now.millis_since(fault_at))
    )];
    if let Some(plan) = &state.plan {
        let start_by = fault_at.plus_millis(plan.targets.rollback_start_within_ms as i64);
        parts.push(match state.rollback_started_at.filter(|s| *s >= fault_at) {
            Some(s) if s <= start_by => format!(
                "rollback started {} (in time)",
                crate::tui::format::clock(s)
            ),
            Some(s) => format!("rollback started {} (LATE)", crate::tui::format::clock(s)),
            None if now <= start_by => format!(
                "rollback must start in {}",
                countdown(start_by.millis_since(now))
            ),
            None => format!(
                "rollback start OVERDUE {}",
                countdown(now.millis_since(start_by))
            ),
        });
        let restore_by = fault_at.plus_millis(plan.targets.restore_within_ms as i64);
        parts.push(
            match state.rollback_completed_at.filter(|s| *s >= fault_at) {
                Some(s) => format!("mitigated {}", crate::tui::format::clock(s)),
                None if now <= restore_by => {
                    format!("restore in {}", countdown(restore_by.millis_since(now)))
                }
                None => format!(
                    "restore OVERDUE {}",
                    countdown(now.millis_since(restore_by))
                ),
            },
        );
    }
    let blast = state.blast_radius().len();
    if blast > 0 {
        parts.push(format!("blast radius {blast}"));
    }
    parts.join(" · ")
}
