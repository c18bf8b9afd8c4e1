//! Detail overlays: a host's steps (start and end times, exit codes, reasons, output tails)
//! and a panel's rule with the evidence of its last change.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::panel_data::{rule_state, specs, state_look};
use super::{block, centered};
use crate::engine::State;
use crate::tui::app::UiState;
use crate::tui::format::{clock, countdown, value};
use crate::tui::panels::Panels;

fn frame_for(frame: &mut Frame, area: Rect, ui: &UiState, title: String) -> Rect {
    let t = &ui.look.theme;
    let rect = centered(
        area,
        area.width.saturating_sub(6).min(120),
        area.height.saturating_sub(4),
    );
    let b = block(
        Line::styled(format!(" {title} "), t.focus().add_modifier(Modifier::BOLD)),
        true,
        t,
    );
    let inner = b.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(b, rect);
    inner
}

/// A host's steps, times, exit codes and output.
pub fn host(frame: &mut Frame, area: Rect, state: &State, ui: &UiState, name: &str, scroll: u16) {
    let t = &ui.look.theme;
    let Some(h) = state.host(name) else {
        let inner = frame_for(frame, area, ui, name.to_string());
        frame.render_widget(
            Paragraph::new(Line::styled("no such host in this run", t.muted())),
            inner,
        );
        return;
    };
    let (sym, meaning) = super::hosts::look(&h.state);
    let wave = state
        .plan
        .as_ref()
        .and_then(|p| p.waves.get(h.wave.wrapping_sub(1)))
        .map_or_else(|| format!("wave {}", h.wave), |w| w.name.clone());
    let inner = frame_for(frame, area, ui, format!("{} · {wave}", h.name));
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{sym} {}", h.state.word()),
            t.style(meaning).add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            [
                (h.rollback_offered, " · rollback offered"),
                (h.rollback_pending, " · rollback under way"),
                (h.reverify_pending, " · to be verified again"),
                (h.touched_after_fault, " · touched after the fault began"),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, w)| *w)
            .collect::<String>(),
            t.warn(),
        ),
    ])];
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(
            "{:<16}{:<10}{:<10}{:>8}  {:<12}{:>5}  reason",
            "step", "started", "ended", "took", "outcome", "exit"
        ),
        t.muted().add_modifier(Modifier::BOLD),
    ));
    for s in &h.steps {
        let end = s.finished_at.unwrap_or(ui.now);
        let outcome = s.outcome.map_or("running", |o| o.as_str());
        let style = match s.outcome {
            Some(o) if o.is_ok() => t.ok(),
            Some(_) => t.breach(),
            None => t.style(crate::tui::theme::Meaning::Running),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<16}", s.step.as_str()), t.text()),
            Span::styled(format!("{:<10}", clock(s.started_at)), t.text()),
            Span::styled(
                format!("{:<10}", s.finished_at.map_or_else(|| "—".into(), clock)),
                t.text(),
            ),
            Span::styled(
                format!("{:>8}  ", countdown(end.millis_since(s.started_at))),
                t.text(),
            ),
            Span::styled(format!("{outcome:<12}"), style),
            Span::styled(
                format!(
                    "{:>5}  ",
                    s.exit_code.map_or_else(|| "—".into(), |c| c.to_string())
                ),
                t.text(),
            ),
            Span::styled(s.reason.clone(), t.text()),
        ]));
    }
    if h.steps.is_empty() {
        lines.push(Line::styled("no step has run on this host yet", t.muted()));
    }
    for s in h.steps.iter().rev().filter(|s| !s.output_tail.is_empty()) {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("output of {} (last lines):", s.step.as_str()),
            t.muted(),
        ));
        for l in s.output_tail.lines() {
            lines.push(Line::styled(format!("  {l}"), t.text()));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

/// A panel's rule, thresholds and evidence.
pub fn panel(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    ui: &UiState,
    panels: &Panels,
    index: usize,
    scroll: u16,
) {
    let t = &ui.look.theme;
    let specs = specs(state, panels);
    let Some(spec) = specs.get(index.min(specs.len().saturating_sub(1))) else {
        return;
    };
    let inner = frame_for(frame, area, ui, spec.name.clone());
    let (rs, host) = rule_state(state, &spec.name);
    let (word, meaning) = state_look(rs);
    let key = match host {
        Some(h) => format!("{}@{h}", spec.name),
        None => spec.name.clone(),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled("state: ", t.muted()),
        Span::styled(word, t.style(meaning).add_modifier(Modifier::BOLD)),
        Span::styled(
            host.map(|h| format!(" (worst host: {h})"))
                .unwrap_or_default(),
            t.text(),
        ),
    ])];
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k}: "), t.muted()),
            Span::styled(v, t.text()),
        ])
    };
    for (w, th) in [("breach", spec.breach), ("warn", spec.warn)] {
        if let Some(th) = th {
            lines.push(kv(w, th.to_string()));
        }
    }
    let rec = state.rules.get(&key);
    if let Some(b) = rec.and_then(|r| r.baseline) {
        lines.push(kv("baseline", value(b, spec.unit)));
    }
    match rec.and_then(|r| r.evidence.as_ref()) {
        None => lines.push(Line::styled(
            "no evidence yet: the rule has not changed state",
            t.muted(),
        )),
        Some(ev) => {
            lines.push(kv("query", ev.query.clone()));
            lines.push(kv(
                "held for",
                crate::runbook::Span::from_millis(ev.for_ms).to_string(),
            ));
            lines.push(kv("severity", ev.severity.as_str().to_string()));
            if let Some(e) = &ev.error {
                lines.push(kv("error", e.clone()));
            }
            lines.push(Line::styled("values (worst first):", t.muted()));
            for v in ev.values.iter().take(20) {
                let name = if v.series.is_empty() {
                    "value".to_string()
                } else {
                    v.series.clone()
                };
                lines.push(Line::styled(
                    format!("  {} {name}", value(v.value, spec.unit)),
                    t.text(),
                ));
            }
            if !ev.recent.is_empty() {
                lines.push(kv("recent samples", ev.recent.len().to_string()));
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}
