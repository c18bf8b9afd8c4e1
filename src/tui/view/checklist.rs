//! Role checklists as tabs: each item, its phase, and who checked it and when.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, has_focus};
use crate::engine::State;
use crate::runbook::{Phase, Role};
use crate::tui::app::{Focus, UiState};
use crate::tui::format::{clock_hm, fit};

fn phase_word(p: Phase) -> &'static str {
    match p {
        Phase::Before => "before",
        Phase::EachWave => "each wave",
        Phase::OnFault => "on fault",
        Phase::After => "after",
    }
}

/// Draws the checklist block.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, ui: &UiState) {
    let t = &ui.look.theme;
    let focused = has_focus(ui, Focus::Checklist);
    let mut tabs = vec![super::title("Checklist", focused, t).spans.remove(0)];
    for role in Role::ALL {
        let items = state.checklists.get(&role);
        let open = items.map_or(0, |l| l.iter().filter(|i| i.checked.is_none()).count());
        let mut word = role.as_str().to_string();
        if open > 0 {
            word.push_str(&format!(" {open}"));
        }
        let mut style = if role == ui.sel.tab {
            t.focus().add_modifier(Modifier::BOLD)
        } else {
            t.muted()
        };
        if role == ui.who.role {
            style = style.add_modifier(Modifier::UNDERLINED);
        }
        tabs.push(Span::styled(
            if role == ui.sel.tab {
                format!("[{word}]")
            } else {
                format!(" {word} ")
            },
            style,
        ));
    }
    let b = block(Line::from(tabs), focused, t);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let width = inner.width as usize;
    let tab = ui.sel.tab;
    let mut lines = Vec::new();
    if let Some(holder) = state.holders.get(&tab) {
        lines.push(Line::styled(
            format!("{} held by {holder}", tab.as_str()),
            t.muted(),
        ));
    }
    let items = state.checklists.get(&tab).map(Vec::as_slice).unwrap_or(&[]);
    if items.is_empty() {
        lines.push(Line::styled(
            format!("the plan gives the {} no checklist", tab.as_str()),
            t.muted(),
        ));
    }
    let header_rows = lines.len();
    for (i, item) in items.iter().enumerate() {
        let (mark, style) = match &item.checked {
            Some(_) => ("[x]", t.ok()),
            None => ("[ ]", t.text()),
        };
        let who = item
            .checked
            .as_ref()
            .map(|(name, at)| format!(" ({} {name})", clock_hm(*at)))
            .unwrap_or_default();
        let phase = format!(" · {}", phase_word(item.phase));
        let room = width.saturating_sub(4 + who.chars().count() + phase.chars().count());
        let mut line = Line::from(vec![
            Span::styled(format!("{mark} "), style),
            Span::styled(fit(&item.text, room.max(10)), style),
            Span::styled(who, t.muted()),
            Span::styled(phase, t.muted()),
        ]);
        if focused && ui.sel.item == i {
            line = line.style(t.selected());
        }
        lines.push(line);
    }
    let rows = inner.height as usize;
    let skip = (header_rows + ui.sel.item + 1).saturating_sub(rows.max(1));
    frame.render_widget(Paragraph::new(lines).scroll((skip as u16, 0)), inner);
}
