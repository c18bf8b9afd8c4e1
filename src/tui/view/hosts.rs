//! The host grid: one cell per host (or per few hosts in a very large fleet), grouped per
//! wave, coloured by state and readable without colour through its symbol; a legend with
//! counts; the selected host named in the title.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::grid::{self, LABEL};
use super::{block, has_focus, layout};
use crate::engine::state::HostRec;
use crate::engine::{HostState, State};
use crate::runbook::StepName;
use crate::tui::app::{Focus, UiState};
use crate::tui::theme::{Meaning, Theme};

/// The symbol and meaning a host state is drawn with.
pub fn look(s: &HostState) -> (char, Meaning) {
    match s {
        HostState::Pending => ('·', Meaning::Muted),
        HostState::Running {
            step: StepName::Rollback | StepName::VerifyRollback,
            ..
        } => ('«', Meaning::Warn),
        HostState::Running { .. } | HostState::Between { .. } => ('»', Meaning::Running),
        HostState::Upgraded => ('■', Meaning::Ok),
        HostState::StepFailed { .. } | HostState::Failed { .. } => ('✖', Meaning::Breach),
        HostState::Interrupted { .. } => ('?', Meaning::Warn),
        HostState::RolledBack => ('○', Meaning::RolledBack),
        HostState::RollbackFailed { .. } => ('!', Meaning::Breach),
        HostState::Skipped => ('-', Meaning::Muted),
    }
}

/// Legend entries in order: (symbol, word, meaning, matcher).
const LEGEND: [(char, &str, Meaning); 8] = [
    ('■', "up", Meaning::Ok),
    ('»', "busy", Meaning::Running),
    ('✖', "failed", Meaning::Breach),
    ('«', "rolling back", Meaning::Warn),
    ('○', "back", Meaning::RolledBack),
    ('?', "interrupted", Meaning::Warn),
    ('!', "rollback failed", Meaning::Breach),
    ('·', "pending", Meaning::Muted),
];

fn legend(state: &State, t: &Theme, per_cell: usize) -> Line<'static> {
    let mut counts = [0usize; LEGEND.len()];
    let mut skipped = 0;
    for h in &state.hosts {
        let (sym, _) = look(&h.state);
        match LEGEND.iter().position(|(s, _, _)| *s == sym) {
            Some(i) => counts[i] += 1,
            None => skipped += 1,
        }
    }
    let mut spans = Vec::new();
    for (i, (sym, word, m)) in LEGEND.iter().enumerate() {
        if counts[i] == 0 && !matches!(*word, "up" | "failed" | "pending") {
            continue;
        }
        spans.push(Span::styled(format!("{sym} "), t.style(*m)));
        spans.push(Span::styled(format!("{} {word}  ", counts[i]), t.text()));
    }
    if skipped > 0 {
        spans.push(Span::styled(format!("- {skipped} skipped  "), t.muted()));
    }
    if per_cell > 1 {
        spans.push(Span::styled(
            format!("(1 cell = {per_cell} hosts, worst shown)"),
            t.muted(),
        ));
    }
    Line::from(spans)
}

fn title_line(state: &State, ui: &UiState, focused: bool) -> Line<'static> {
    let t = &ui.look.theme;
    let mut spans = vec![super::title("Hosts", focused, t).spans.remove(0)];
    if !ui.filter.is_empty() {
        let n = state
            .hosts
            .iter()
            .filter(|h| grid::matches(h, &ui.filter))
            .count();
        spans.push(Span::styled(
            format!("filter \"{}\": {n} ", ui.filter),
            t.focus(),
        ));
    }
    if let Some(h) = crate::tui::keys::selected_host(state, ui).and_then(|n| state.host(n)) {
        let (sym, m) = look(&h.state);
        let why = match &h.state {
            HostState::Failed { step, reason, .. } | HostState::StepFailed { step, reason, .. } => {
                format!(" ({}: {reason})", step.as_str())
            }
            HostState::RollbackFailed { reason } => format!(" ({reason})"),
            _ => String::new(),
        };
        spans.push(Span::styled(
            format!("{sym} {} {}{why} ", h.name, h.state.word()),
            t.style(m),
        ));
    }
    Line::from(spans)
}

/// Draws the hosts block.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, ui: &UiState) {
    let t = &ui.look.theme;
    let focused = has_focus(ui, Focus::Hosts);
    let b = block(title_line(state, ui, focused), focused, t);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 {
        return;
    }
    let groups = grid::by_wave(state);
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    let cells = layout::grid_area(area);
    let g = grid::layout(&sizes, cells.width, cells.height);
    frame.render_widget(
        Paragraph::new(legend(state, t, g.per_cell)),
        Rect { height: 1, ..inner },
    );
    let selected = crate::tui::keys::selected_host(state, ui).map(|_| ui.sel.host);
    let styles: Vec<Style> = [
        Meaning::Muted,
        Meaning::Running,
        Meaning::Ok,
        Meaning::Breach,
        Meaning::Warn,
        Meaning::RolledBack,
    ]
    .iter()
    .map(|m| t.style(*m))
    .collect();
    let style_of = |m: Meaning| match m {
        Meaning::Muted => styles[0],
        Meaning::Running => styles[1],
        Meaning::Ok => styles[2],
        Meaning::Breach => styles[3],
        Meaning::Warn => styles[4],
        _ => styles[5],
    };
    let filtered_out = t.dimmed();
    let sel_style = if focused {
        t.selected()
    } else {
        Style::new().add_modifier(Modifier::UNDERLINED)
    };
    let buf = frame.buffer_mut();
    let mut y = cells.y;
    for (w, hosts) in groups.iter().enumerate() {
        if y >= cells.bottom() {
            break;
        }
        buf.set_string(cells.x, y, format!("{:>2}", w + 1), t.muted());
        for (c, chunk) in hosts.chunks(g.per_cell).enumerate() {
            let row = c / g.cols;
            let col = c % g.cols;
            let cy = y + row as u16;
            if cy >= cells.bottom() {
                break;
            }
            let cx = cells.x + LABEL + col as u16;
            let worst: &HostRec = chunk
                .iter()
                .map(|&i| &state.hosts[i])
                .max_by_key(|h| grid::badness(&h.state))
                .unwrap_or(&state.hosts[chunk[0]]);
            let (sym, m) = look(&worst.state);
            let visible = ui.filter.is_empty()
                || chunk
                    .iter()
                    .any(|&i| grid::matches(&state.hosts[i], &ui.filter));
            let mut style = if visible { style_of(m) } else { filtered_out };
            if selected.is_some_and(|s| chunk.contains(&s)) {
                style = style.patch(sel_style);
            }
            buf[(cx, cy)]
                .set_char(if visible { sym } else { ' ' })
                .set_style(style);
        }
        let rows = hosts.len().div_ceil(g.per_cell).div_ceil(g.cols).max(1);
        y += rows as u16;
    }
}
