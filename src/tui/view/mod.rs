//! The cockpit view: a pure function of the run's state, the screen's state and the panels'
//! series. It reads no clock (the time shown is `ui.now`) and changes nothing.

mod charts;
mod checklist;
mod details;
mod dialogs;
mod footer;
pub mod grid;
mod header;
mod help;
mod hosts;
pub mod layout;
mod panel_data;
mod plot;
mod timeline;
mod waves;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

use super::app::{Focus, Overlay, UiState};
use super::panels::Panels;
use super::theme::Theme;
use crate::engine::State;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &State, ui: &UiState, panels: &Panels) {
    let area = frame.area();
    if area.width < layout::MIN_WIDTH || area.height < layout::MIN_HEIGHT {
        too_small(frame, area, &ui.look.theme);
        return;
    }
    let a = layout::areas_for(area, state, ui);
    header::draw(frame, a.header, state, ui);
    waves::draw(frame, a.waves, state, ui);
    hosts::draw(frame, a.hosts, state, ui);
    charts::draw(frame, a.panels, state, ui, panels);
    checklist::draw(frame, a.checklist, state, ui);
    timeline::draw(frame, a.timeline, state, ui);
    footer::draw(frame, a.footer, state, ui);
    match &ui.overlay {
        None => {}
        Some(Overlay::Help { scroll }) => help::draw(frame, area, state, ui, *scroll),
        Some(Overlay::HostDetails { host, scroll }) => {
            details::host(frame, area, state, ui, host, *scroll)
        }
        Some(Overlay::PanelDetails { panel, scroll }) => {
            details::panel(frame, area, state, ui, panels, *panel, *scroll)
        }
        Some(Overlay::Dialog(d)) => dialogs::draw(frame, area, state, ui, d),
    }
}

/// What a terminal below the minimum shows: the size needed and the size it has.
fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let (w, h) = (area.width, area.height);
    let size_style = |ok: bool| if ok { theme.ok() } else { theme.breach() };
    let lines = vec![
        Line::styled("ripcord: terminal too small", theme.text()),
        Line::from(vec![
            Span::styled("need ", theme.muted()),
            Span::styled(
                format!("{}×{}", layout::MIN_WIDTH, layout::MIN_HEIGHT),
                theme.text(),
            ),
        ]),
        Line::from(vec![
            Span::styled("have ", theme.muted()),
            Span::styled(format!("{w}"), size_style(w >= layout::MIN_WIDTH)),
            Span::styled("×", theme.text()),
            Span::styled(format!("{h}"), size_style(h >= layout::MIN_HEIGHT)),
        ]),
    ];
    let top = area.height.saturating_sub(3) / 2;
    let rect = Rect {
        y: area.y + top,
        height: 3.min(area.height),
        ..area
    };
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}

/// A block with a title; its border shows focus.
pub(crate) fn block<'a>(title: Line<'a>, focused: bool, theme: &Theme) -> Block<'a> {
    let border = if focused {
        theme.focus()
    } else {
        theme.style(super::theme::Meaning::Border)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(title)
}

/// A block title: the name, marked when focused (the mark reads without colour too).
pub(crate) fn title<'a>(name: &str, focused: bool, theme: &Theme) -> Line<'a> {
    let style: Style = if focused {
        theme.focus()
    } else {
        theme.style(super::theme::Meaning::Title)
    };
    Line::from(Span::styled(
        if focused {
            format!("▸ {name} ")
        } else {
            format!(" {name} ")
        },
        style,
    ))
}

/// True when `f` is the focused block and no overlay takes the keys.
pub(crate) fn has_focus(ui: &UiState, f: Focus) -> bool {
    ui.focus == f && ui.overlay.is_none()
}

/// A centred rectangle of at most `w` × `h` inside `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
