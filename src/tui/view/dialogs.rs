//! Drawing the dialogs: what will happen and to whom, the fields, and the buttons with focus
//! shown by reverse video and a marker (readable without colour).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{block, centered};
use crate::engine::Intent;
use crate::engine::State;
use crate::engine::intent::permitted;
use crate::runbook::Audience;
use crate::tui::app::UiState;
use crate::tui::dialog::forms::{LEVELS, consequences};
use crate::tui::dialog::{Button, Dialog};
use crate::tui::editor::TextArea;
use crate::tui::theme::Theme;

/// Draws the open dialog over the screen.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, ui: &UiState, d: &Dialog) {
    let t = &ui.look.theme;
    match d {
        Dialog::Filter(text) => {
            let n = state
                .hosts
                .iter()
                .filter(|h| super::grid::matches(h, &text.text()))
                .count();
            let rect = Rect::new(
                area.x,
                area.bottom().saturating_sub(4),
                area.width.min(60),
                3,
            );
            let inner = shell(frame, rect, t, "Filter hosts (name or state)");
            let mut line = field_line(text, true, inner.width.saturating_sub(14) as usize, t);
            line.spans
                .push(Span::styled(format!("  {n} match"), t.muted()));
            frame.render_widget(Paragraph::new(line), inner);
        }
        Dialog::Confirm(c) => {
            let mut lines: Vec<Line> = c
                .body
                .iter()
                .map(|b| Line::styled(b.clone(), t.text()))
                .collect();
            if c.hosts.len() > 1 {
                let shown: Vec<&str> = c.hosts.iter().take(60).map(String::as_str).collect();
                let more = c.hosts.len().saturating_sub(shown.len());
                let mut text = format!("Hosts ({}): {}", c.hosts.len(), shown.join(", "));
                if more > 0 {
                    text.push_str(&format!(" … and {more} more"));
                }
                lines.push(Line::styled(text, t.muted()));
            }
            if let Some(typed) = &c.typed {
                lines.push(Line::raw(""));
                let mut l = Line::styled(format!("Type {} to confirm: ", typed.expected), t.warn());
                l.spans.extend(field_line(&typed.input, true, 8, t).spans);
                lines.push(l);
            }
            note(&mut lines, c.note.as_deref(), t);
            lines.push(Line::raw(""));
            lines.push(buttons(
                &[
                    ("Cancel", c.focus == Button::Cancel, true),
                    (&c.ok_label, c.focus == Button::Ok, c.ready()),
                ],
                t,
            ));
            boxed(frame, area, t, &c.title, lines, 76);
        }
        Dialog::Fault(f) => {
            let mut lines = vec![Line::styled(
                "Level (↑ ↓ or 1 2 3):",
                label_style(f.focus == 0, t),
            )];
            for (i, level) in LEVELS.iter().enumerate() {
                let chosen = *level == f.level;
                let probe = Intent::DeclareFault {
                    level: *level,
                    reason: String::new(),
                };
                let why = permitted(state, f.role, &probe).err();
                let style = match (&why, chosen) {
                    (Some(_), _) => t.dimmed(),
                    (None, true) => t.focus().add_modifier(Modifier::BOLD),
                    (None, false) => t.text(),
                };
                let mut l = Line::styled(
                    format!(
                        "  {} {} {}",
                        if chosen { "(•)" } else { "( )" },
                        i + 1,
                        level.as_str()
                    ),
                    style,
                );
                if let Some(why) = why {
                    l.spans.push(Span::styled(format!(" — {why}"), t.dimmed()));
                }
                lines.push(l);
            }
            lines.push(Line::styled(
                format!("If declared {} now:", f.level.as_str()),
                t.muted(),
            ));
            for c in consequences(state, f.level) {
                lines.push(Line::styled(format!("  • {c}"), t.text()));
            }
            lines.push(Line::raw(""));
            let mut l = Line::styled("Reason: ", label_style(f.focus == 1, t));
            l.spans
                .extend(field_line(&f.reason, f.focus == 1, 56, t).spans);
            lines.push(l);
            note(&mut lines, f.note.as_deref(), t);
            lines.push(Line::raw(""));
            lines.push(buttons(
                &[
                    ("Cancel", f.focus == 2, true),
                    ("Declare", f.focus == 3, true),
                ],
                t,
            ));
            boxed(frame, area, t, "Declare a fault", lines, 84);
        }
        Dialog::Inject(f) => {
            let mut lines = vec![Line::styled(
                "Scenario (↑ ↓ or 1-9), injected into the simulated fleet now:",
                label_style(f.focus == 0, t),
            )];
            for (i, s) in f.scenarios.iter().enumerate() {
                let chosen = i == f.chosen;
                let style = if chosen {
                    t.focus().add_modifier(Modifier::BOLD)
                } else {
                    t.text()
                };
                lines.push(Line::styled(
                    format!(
                        "  {} {} {s:<13} {}",
                        if chosen { "(•)" } else { "( )" },
                        i + 1,
                        crate::tui::dialog::inject::what_it_does(s)
                    ),
                    style,
                ));
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "The injection is journaled as fault_injected and the run becomes a drill: the report scores how the plan caught it.",
                t.muted(),
            ));
            note(&mut lines, f.note.as_deref(), t);
            lines.push(Line::raw(""));
            lines.push(buttons(
                &[
                    ("Cancel", f.focus == 1, true),
                    (&format!("Inject {}", f.scenario()), f.focus == 2, true),
                ],
                t,
            ));
            boxed(frame, area, t, "Inject a drill fault", lines, 100);
        }
        Dialog::Impact(f) => {
            let mut lines = Vec::new();
            for (i, (label, field)) in [
                ("Traffic drop %", &f.traffic),
                ("Failed transactions %", &f.failed),
                ("Note", &f.note),
            ]
            .into_iter()
            .enumerate()
            {
                let mut l = Line::styled(format!("{label:<22}"), label_style(f.focus == i, t));
                l.spans.extend(field_line(field, f.focus == i, 40, t).spans);
                lines.push(l);
            }
            note(&mut lines, f.error.as_deref(), t);
            lines.push(Line::raw(""));
            lines.push(buttons(
                &[
                    ("Cancel", f.focus == 3, true),
                    ("Record", f.focus == 4, true),
                ],
                t,
            ));
            boxed(frame, area, t, "Record business impact", lines, 72);
        }
        Dialog::Compose(c) => compose(frame, area, state, t, c),
    }
}

fn compose(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    t: &Theme,
    c: &crate::tui::dialog::Composer,
) {
    let width = area.width.saturating_sub(4).min(100);
    let height = area.height.saturating_sub(2).min(24);
    let rect = centered(area, width, height);
    let inner = shell(frame, rect, t, "Status update");
    let channels = state
        .plan
        .as_ref()
        .map(|p| p.channels.join(", "))
        .filter(|c| !c.is_empty());
    let aud = |a: Audience, word: &str| {
        let on = c.audience == a;
        let s = if on {
            t.focus().add_modifier(Modifier::BOLD)
        } else {
            t.muted()
        };
        Span::styled(
            if on {
                format!("‹{word}›")
            } else {
                format!(" {word} ")
            },
            s,
        )
    };
    let mut head = vec![
        Line::from(vec![
            Span::styled("Audience (← →): ", label_style(c.focus == 0, t)),
            aud(Audience::Internal, "internal"),
            Span::raw(" "),
            aud(Audience::External, "external"),
            Span::styled(
                if c.audience == Audience::External {
                    "  no host names, no resolution time"
                } else {
                    "  may name hosts and values"
                },
                t.muted(),
            ),
        ]),
        Line::from(vec![
            Span::styled("Goes to: ", t.muted()),
            Span::styled(
                channels.unwrap_or_else(|| {
                    "no channel in the plan: recorded in the journal only".into()
                }),
                t.text(),
            ),
        ]),
    ];
    let foot_h = 2 + u16::from(c.note.is_some());
    let text_h = inner.height.saturating_sub(head.len() as u16 + foot_h + 2);
    let text_rect = Rect::new(
        inner.x,
        inner.y + head.len() as u16,
        inner.width,
        text_h + 2,
    );
    frame.render_widget(Paragraph::new(std::mem::take(&mut head)), inner);
    let tb = block(
        Line::styled(" text ", label_style(c.focus == 1, t)),
        c.focus == 1,
        t,
    );
    let ti = tb.inner(text_rect);
    frame.render_widget(tb, text_rect);
    frame.render_widget(Paragraph::new(area_lines(&c.text, c.focus == 1, ti, t)), ti);
    let mut foot = Vec::new();
    note(&mut foot, c.note.as_deref(), t);
    foot.push(Line::raw(""));
    foot.push(buttons(
        &[("Cancel", c.focus == 2, true), ("Send", c.focus == 3, true)],
        t,
    ));
    let fy = text_rect.bottom();
    frame.render_widget(
        Paragraph::new(foot),
        Rect::new(inner.x, fy, inner.width, inner.bottom().saturating_sub(fy)),
    );
}

fn shell(frame: &mut Frame, rect: Rect, t: &Theme, title: &str) -> Rect {
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

fn boxed(frame: &mut Frame, area: Rect, t: &Theme, title: &str, lines: Vec<Line>, max_w: u16) {
    let width = area.width.saturating_sub(4).min(max_w);
    let inner_w = width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1))
        .sum();
    let rect = centered(area, width, rows as u16 + 2);
    let inner = shell(frame, rect, t, title);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn label_style(focused: bool, t: &Theme) -> Style {
    if focused {
        t.focus().add_modifier(Modifier::BOLD)
    } else {
        t.muted()
    }
}

fn note(lines: &mut Vec<Line>, note: Option<&str>, t: &Theme) {
    if let Some(n) = note {
        lines.push(Line::styled(
            format!("! {n}"),
            t.warn().add_modifier(Modifier::BOLD),
        ));
    }
}

/// `[ Cancel ]  [ Roll back 7 hosts ]`: focus reversed and marked `▸`; an inactive button dim.
fn buttons(list: &[(&str, bool, bool)], t: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw("  ")];
    for (label, focused, active) in list {
        let style = match (focused, active) {
            (_, false) => t.dimmed(),
            (true, true) => t.selected().add_modifier(Modifier::BOLD),
            (false, true) => t.text(),
        };
        spans.push(Span::styled(
            format!("{}[ {label} ]", if *focused { "▸" } else { " " }),
            style,
        ));
        spans.push(Span::raw("   "));
    }
    Line::from(spans)
}

/// A one-line field, scrolled so the cursor shows; the cursor cell in reverse video.
fn field_line(text: &TextArea, focused: bool, width: usize, t: &Theme) -> Line<'static> {
    let line = text.lines().first().cloned().unwrap_or_default();
    let (_, col) = text.cursor();
    cursor_line(&line, focused.then_some(col), width.max(4), t)
}

fn cursor_line(line: &str, cursor: Option<usize>, width: usize, t: &Theme) -> Line<'static> {
    let chars: Vec<char> = line.chars().collect();
    let col = cursor.unwrap_or(0);
    let start = (col + 1).saturating_sub(width);
    let visible: String = chars.iter().skip(start).take(width).collect();
    let field = t.text().add_modifier(Modifier::UNDERLINED);
    let Some(col) = cursor else {
        return Line::styled(format!("{visible:<width$}"), field);
    };
    let rel = col - start;
    let before: String = visible.chars().take(rel).collect();
    let at: String = visible
        .chars()
        .nth(rel)
        .map_or(" ".into(), |c| c.to_string());
    let after: String = visible.chars().skip(rel + 1).collect();
    let pad = width.saturating_sub(visible.chars().count().max(rel + 1));
    Line::from(vec![
        Span::styled(before, field),
        Span::styled(at, t.selected()),
        Span::styled(format!("{after}{}", " ".repeat(pad)), field),
    ])
}

fn area_lines(text: &TextArea, focused: bool, rect: Rect, t: &Theme) -> Vec<Line<'static>> {
    let (row, col) = text.cursor();
    let h = rect.height as usize;
    let top = (row + 1).saturating_sub(h.max(1));
    text.lines()
        .iter()
        .enumerate()
        .skip(top)
        .take(h)
        .map(|(i, l)| {
            if focused && i == row {
                cursor_line(l, Some(col), rect.width as usize, t)
            } else {
                Line::styled(crate::tui::format::fit(l, rect.width as usize), t.text())
            }
        })
        .collect()
}
