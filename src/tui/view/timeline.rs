//! The timeline: newest first, each line with its time, what happened and why, and who did it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{block, has_focus};
use crate::engine::State;
use crate::journal::ActorRole;
use crate::tui::app::{Focus, UiState};
use crate::tui::format::clock;

/// Draws the timeline block.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, ui: &UiState) {
    let t = &ui.look.theme;
    let focused = has_focus(ui, Focus::Timeline);
    let mut title = super::title("Timeline", focused, t);
    if ui.sel.timeline > 0 {
        title.spans.push(Span::styled(
            format!("{} newer above ", ui.sel.timeline),
            t.muted(),
        ));
    }
    let b = block(title, focused, t);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let rows = inner.height as usize;
    let lines: Vec<Line> = state
        .timeline
        .iter()
        .rev()
        .skip(ui.sel.timeline)
        .take(rows.max(1))
        .map(|e| {
            let text_style = if e.text.starts_with("refused to") {
                t.warn()
            } else {
                t.text()
            };
            let mut spans = vec![
                Span::styled(format!("{} ", clock(e.at)), t.muted()),
                Span::styled(e.text.clone(), text_style),
            ];
            if e.actor.role != ActorRole::Ripcord {
                spans.push(Span::styled(
                    format!(" [{} {}]", e.actor.role.as_str(), e.actor.name),
                    t.focus(),
                ));
            }
            Line::from(spans)
        })
        .collect();
    if lines.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("nothing yet", t.muted())),
            inner,
        );
        return;
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
