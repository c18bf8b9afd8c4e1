//! The footer: the last message (a refusal and its reason), else key hints generated from the
//! key table — keys this role may not use are dimmed; what needs doing now comes first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::engine::State;
use crate::tui::app::{FlashKind, Overlay, UiState};
use crate::tui::format::fit;
use crate::tui::keymap::{Action, Group, TABLE};
use crate::tui::keys::refusal;

/// Draws the footer line.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, ui: &UiState) {
    let t = &ui.look.theme;
    let width = area.width as usize;
    if let Some(f) = ui.live_flash() {
        let style = match f.kind {
            FlashKind::Info => t.text(),
            FlashKind::Refused => t.warn().add_modifier(Modifier::BOLD),
            FlashKind::Warning => t.warn(),
        };
        let lead = match f.kind {
            FlashKind::Refused => " refused — ",
            FlashKind::Warning => " warning — ",
            FlashKind::Info => " ",
        };
        frame.render_widget(
            Paragraph::new(Line::styled(
                fit(&format!("{lead}{}", f.text), width),
                style,
            )),
            area,
        );
        return;
    }
    let keys = &ui.look.keymap;
    let entries: Vec<(String, &str, bool)> = match &ui.overlay {
        Some(Overlay::Dialog(_)) => TABLE
            .iter()
            .filter(|e| e.group == Group::Dialog)
            .map(|e| (keys.label(e.action), e.hint.unwrap_or(""), true))
            .collect(),
        Some(_) => vec![
            (keys.labels(Action::Up), "scroll", true),
            (keys.labels(Action::Close), "close", true),
        ],
        None => {
            let urgent = |a: Action| match a {
                Action::ConfirmRollback => !state.offers.is_empty(),
                Action::Approve => crate::run::waiting_approval(state).is_some(),
                Action::Compose => state.status_due_raised,
                _ => false,
            };
            // Hints that only make sense now and then show only then.
            let relevant = |a: Action| match a {
                Action::ConfirmRollback => !state.offers.is_empty(),
                Action::Approve => state.next_wave().is_some_and(|n| {
                    state.waves[n - 1].approved_by.is_none()
                        && state.plan.as_ref().is_some_and(|p| {
                            p.waves[n - 1].approval == crate::runbook::Approval::Commander
                        })
                }),
                _ => true,
            };
            let mut list: Vec<&crate::tui::keymap::Entry> = TABLE
                .iter()
                .filter(|e| e.group != Group::Dialog && e.hint.is_some() && relevant(e.action))
                .collect();
            // Urgent first, help and quit last, the rest in table order.
            list.sort_by_key(|e| match e.action {
                a if urgent(a) => 0,
                Action::Help | Action::Quit => 2,
                _ => 1,
            });
            list.iter()
                .map(|e| {
                    (
                        keys.label(e.action),
                        e.hint.unwrap_or(""),
                        refusal(e.action, state, ui).is_none(),
                    )
                })
                .collect()
        }
    };
    // Reserve room for the last entries (help, quit) so they always show.
    let text_len = |e: &(String, &str, bool)| e.0.chars().count() + e.1.chars().count() + 4;
    let tail_len: usize = entries.iter().rev().take(2).map(text_len).sum();
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    let n = entries.len();
    for (i, e) in entries.iter().enumerate() {
        let len = text_len(e);
        let reserved = if i + 2 < n { tail_len } else { 0 };
        if used + len + reserved > width {
            continue;
        }
        used += len;
        let (key_style, word_style) = if e.2 {
            (t.key().add_modifier(Modifier::BOLD), t.text())
        } else {
            (t.dimmed(), t.dimmed())
        };
        spans.push(Span::styled(e.0.clone(), key_style));
        spans.push(Span::styled(format!(" {}", e.1), word_style));
        spans.push(Span::styled(" · ", t.muted()));
    }
    spans.pop();
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
