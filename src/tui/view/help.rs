//! The help overlay, generated from the live key table (so it shows rebound keys and can
//! never drift); keys this role may not use are dimmed with the reason.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{block, centered};
use crate::engine::State;
use crate::tui::app::UiState;
use crate::tui::keymap::{Group, TABLE};
use crate::tui::keys::refusal;

const GROUPS: [Group; 6] = [
    Group::Run,
    Group::Rollback,
    Group::Hosts,
    Group::People,
    Group::Screen,
    Group::Dialog,
];

/// Draws the help overlay.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, ui: &UiState, scroll: u16) {
    let t = &ui.look.theme;
    let keys = &ui.look.keymap;
    let rect = centered(area, 120, area.height.saturating_sub(2));
    let title = Line::from(vec![
        Span::styled(" Keys ", t.focus().add_modifier(Modifier::BOLD)),
        Span::styled(
            format!("— you are {} {} ", ui.who.role.as_str(), ui.who.name),
            t.muted(),
        ),
    ]);
    let b = block(title, true, t);
    let inner = b.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(b, rect);
    let key_w = 12;
    let mut lines = Vec::new();
    for g in GROUPS {
        lines.push(Line::styled(
            g.title(),
            t.style(crate::tui::theme::Meaning::Title)
                .add_modifier(Modifier::BOLD),
        ));
        for e in TABLE.iter().filter(|e| e.group == g) {
            let why = refusal(e.action, state, ui);
            let (ks, hs) = if why.is_some() {
                (t.dimmed(), t.dimmed())
            } else {
                (t.key(), t.text())
            };
            let mut spans = vec![
                Span::styled(format!("  {:<key_w$}", keys.labels(e.action)), ks),
                Span::styled(e.help.to_string(), hs),
            ];
            if let Some(why) = why {
                spans.push(Span::styled(
                    format!(" — {why}"),
                    t.dimmed().add_modifier(Modifier::ITALIC),
                ));
            }
            lines.push(Line::from(spans));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(
        "Text fields: ← → Home End move, Backspace Delete erase; in the update text Enter starts a new line.",
        t.muted(),
    ));
    lines.push(Line::styled(
        "Rebind keys in keys.toml in the config dir ([keys] pause = \"P\"); see docs/keys.md.",
        t.muted(),
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}
