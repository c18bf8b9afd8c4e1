//! Waves: progress bars, soak countdowns, approvals, and the failure budget of the wave in
//! progress ("failures 1 / 3 allowed — 3 more halt wave 2").

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, has_focus, title};
use crate::engine::{HostState, State, WaveState};
use crate::runbook::Approval;
use crate::tui::app::{Focus, UiState};
use crate::tui::format::{countdown, fit};
use crate::tui::theme::Meaning;

/// Counts of a wave's hosts: (settled, upgraded, failed, rolled back, total).
/// Counts per wave (index 0 = wave 1): (settled, upgraded, failed, rolled back, total), in
/// one pass over the hosts however many waves there are.
fn counts(state: &State) -> Vec<(usize, usize, usize, usize, usize)> {
    let mut out = vec![(0, 0, 0, 0, 0); state.waves.len()];
    for h in &state.hosts {
        let Some(c) = out.get_mut(h.wave.wrapping_sub(1)) else {
            continue;
        };
        c.4 += 1;
        if h.state.is_settled() {
            c.0 += 1;
        }
        match h.state {
            HostState::Upgraded => c.1 += 1,
            HostState::Failed { .. }
            | HostState::StepFailed { .. }
            | HostState::RollbackFailed { .. } => c.2 += 1,
            HostState::RolledBack => c.3 += 1,
            _ => {}
        }
    }
    out
}

/// The failure budget line of a wave in progress.
pub fn budget(state: &State, wave: usize) -> Option<(Meaning, String)> {
    let plan = state.plan.as_ref()?;
    let allowed = plan.waves.get(wave - 1)?.max_failed;
    let failed = state.waves.get(wave - 1)?.failed;
    let total_allowed = plan.policy.max_failed_total.value;
    let total = state.failed_total();
    // Halting is on *more* than allowed: with 1 of 3 used, the 4th failure halts.
    let wave_left = (allowed + 1).saturating_sub(failed);
    let run_left = (total_allowed + 1).saturating_sub(total);
    let text = if wave_left == 0 || run_left == 0 {
        format!(
            "failures {failed} / {allowed} allowed — over budget (run {total} / {total_allowed})"
        )
    } else if wave_left <= run_left {
        format!("failures {failed} / {allowed} allowed — {wave_left} more halt wave {wave}")
    } else {
        format!(
            "failures {failed} / {allowed} allowed — {run_left} more halt the run (run {total} / {total_allowed})"
        )
    };
    let meaning = match wave_left.min(run_left) {
        0 => Meaning::Breach,
        1 => Meaning::Warn,
        _ if failed > 0 => Meaning::Warn,
        _ => Meaning::Muted,
    };
    Some((meaning, text))
}

/// Draws the waves block.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, ui: &UiState) {
    let t = &ui.look.theme;
    let focused = has_focus(ui, Focus::Waves);
    let b = block(title("Waves", focused, t), focused, t);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let width = inner.width as usize;
    let name_w = state
        .plan
        .as_ref()
        .map_or(6, |p| {
            p.waves
                .iter()
                .map(|w| w.name.chars().count())
                .max()
                .unwrap_or(6)
        })
        .clamp(6, 12);
    let bar_w = if width >= 60 { 20 } else { 8 };
    let mut lines = Vec::new();
    let active = state.active_wave();
    let tally = counts(state);
    for (i, w) in state.waves.iter().enumerate() {
        let n = i + 1;
        let plan_wave = state.plan.as_ref().and_then(|p| p.waves.get(i));
        let name = plan_wave.map_or_else(|| format!("wave {n}"), |p| p.name.clone());
        let (settled, up, failed, rb, total) = tally[i];
        let narrow = width < 50;
        let (sym, meaning, words) = match w.state {
            WaveState::Completed if narrow => ("✔", Meaning::Ok, "done".to_string()),
            WaveState::Completed => (
                "✔",
                Meaning::Ok,
                format!("done: {up} up, {failed} failed, {rb} back"),
            ),
            WaveState::Running => ("▶", Meaning::Running, "running".to_string()),
            WaveState::Soaking { until } => (
                "◷",
                Meaning::Running,
                format!("soak {}", countdown(until.millis_since(ui.now))),
            ),
            WaveState::Reverifying => ("↻", Meaning::Running, "verifying again".into()),
            WaveState::Pending => match (plan_wave.map(|p| p.approval), &w.approved_by) {
                (_, Some(_)) if narrow => ("·", Meaning::Muted, "approved".into()),
                (_, Some(by)) => ("·", Meaning::Muted, format!("approved by {by}")),
                (Some(Approval::Commander), None) if narrow => {
                    ("·", Meaning::Warn, "approval".into())
                }
                (Some(Approval::Commander), None) => ("·", Meaning::Warn, "needs approval".into()),
                _ if narrow => ("·", Meaning::Muted, "auto".into()),
                _ => ("·", Meaning::Muted, "starts after soak".into()),
            },
        };
        let filled = (settled * bar_w).checked_div(total).unwrap_or(0);
        let bar_style = if failed > 0 { t.warn() } else { t.ok() };
        let mut spans = vec![
            Span::styled(format!("{sym} "), t.style(meaning)),
            Span::styled(format!("{:<name_w$} ", fit(&name, name_w)), t.text()),
            Span::styled("█".repeat(filled), bar_style),
            Span::styled("░".repeat(bar_w - filled), t.muted()),
            Span::styled(format!(" {settled:>3}/{total:<3} "), t.text()),
            Span::styled(words, t.style(meaning)),
        ];
        if failed > 0 && w.state != WaveState::Completed {
            spans.push(Span::styled(format!(" ✖{failed}"), t.breach()));
        }
        let mut line = Line::from(spans);
        if focused && ui.sel.wave == i {
            line = line.style(t.selected());
        }
        lines.push(line);
    }
    if let Some((meaning, text)) = active
        .or_else(|| state.next_wave())
        .and_then(|n| budget(state, n))
    {
        lines.push(Line::from(Span::styled(
            fit(&text, width),
            t.style(meaning),
        )));
    }
    // Keep the selected wave (or the one in progress) in view in a short block.
    let keep = if focused {
        ui.sel.wave
    } else {
        active.map_or(0, |a| a - 1)
    };
    let rows = inner.height as usize;
    let skip = (keep + 2).saturating_sub(rows.max(1));
    frame.render_widget(Paragraph::new(lines).scroll((skip as u16, 0)), inner);
}
