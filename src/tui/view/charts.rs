//! Metric panels: a chart per `[[watch]]` with its warn and breach thresholds drawn as lines,
//! the current value, the rule's state (ok, warn, breach, no data, stale, query error, source
//! down — each with its own word and symbol) and a legend of the series; one compact line per
//! panel when the screen is short.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::panel_data::{level, rule_state, series, specs, state_look};
use super::{block, has_focus};
use crate::engine::{RuleState, State};
use crate::runbook::Threshold;
use crate::tui::app::{ChartMarker, Focus, UiState};
use crate::tui::format::{fit, value};
use crate::tui::panels::{PanelSpec, Panels};
use crate::tui::theme::{Meaning, Theme};

/// The narrowest column of panels worth splitting into.
const MIN_COLUMN: usize = 40;

/// Draws the panels block.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, ui: &UiState, panels: &Panels) {
    let t = &ui.look.theme;
    let focused = has_focus(ui, Focus::Panels);
    let (range_ms, range_label) = ui.zoom_range();
    let title = Line::from(vec![
        super::title("Panels", focused, t).spans.remove(0),
        Span::styled(format!("last {range_label} "), t.muted()),
    ]);
    let b = block(title, focused, t);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let specs = specs(state, panels);
    if specs.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("no [[watch]] panels in this plan", t.muted())),
            inner,
        );
        return;
    }
    let n = specs.len();
    // More columns while a chart would get fewer than 4 rows and a column stays readable.
    let mut cols = 1;
    while cols < 3
        && (inner.height as usize) / n.div_ceil(cols) < 4
        && inner.width as usize / (cols + 1) >= MIN_COLUMN
    {
        cols += 1;
    }
    let per_col = n.div_ceil(cols);
    let rows_each = inner.height as usize / per_col.max(1);
    let col_w = inner.width / cols as u16;
    let now_ms = ui.now.unix_millis();
    for (i, spec) in specs.iter().enumerate() {
        let (c, r) = (i / per_col, i % per_col);
        let x = inner.x + c as u16 * col_w;
        let selected = focused && ui.sel.panel == i;
        if rows_each >= 3 {
            // A gap between columns, so one panel's text never runs into the next.
            let w = if cols > 1 { col_w - 1 } else { col_w };
            let rect = Rect::new(x, inner.y + (r * rows_each) as u16, w, rows_each as u16);
            chart(
                frame,
                rect,
                state,
                t,
                ui.look.marker,
                panels,
                spec,
                now_ms,
                range_ms,
                selected,
            );
        } else if r < inner.height as usize {
            let rect = Rect::new(
                x,
                inner.y + r as u16,
                col_w.saturating_sub(u16::from(cols > 1)),
                1,
            );
            compact(
                frame, rect, state, t, panels, spec, now_ms, range_ms, selected,
            );
        }
    }
}

fn headline(
    state: &State,
    t: &Theme,
    spec: &PanelSpec,
    current: Option<f64>,
    width: usize,
    selected: bool,
) -> Line<'static> {
    let (rs, host) = rule_state(state, &spec.name);
    let (word, meaning) = state_look(rs);
    let mut st = t.style(meaning);
    if rs == Some(RuleState::Breach) {
        st = st.add_modifier(Modifier::BOLD);
    }
    let val = current.map_or_else(|| "—".to_string(), |v| value(v, spec.unit));
    let limits = [("breach", spec.breach), ("warn", spec.warn)]
        .iter()
        .filter_map(|(w, th)| th.map(|th| format!("{w} {}", threshold_text(&th, spec))))
        .collect::<Vec<_>>()
        .join(" · ");
    let on_host = host.map(|h| format!(" on {h}")).unwrap_or_default();
    let tail = format!(" {val} {word}{on_host}");
    let limits = format!("  ─ {limits}");
    let name_len = spec.name.chars().count();
    let tail_len = tail.chars().count();
    // The limits go first when space is short, then the name is shortened.
    let show_limits = name_len + tail_len + limits.chars().count() <= width;
    let name_w = name_len.min(width.saturating_sub(tail_len).max(8));
    let name_style = if selected {
        t.selected()
    } else {
        t.style(Meaning::Title)
    };
    let mut spans = vec![
        Span::styled(fit(&spec.name, name_w), name_style),
        Span::styled(format!(" {val} "), t.text().add_modifier(Modifier::BOLD)),
        Span::styled(format!("{word}{on_host}"), st),
    ];
    if show_limits {
        spans.push(Span::styled(limits, t.muted()));
    }
    Line::from(spans)
}

fn threshold_text(th: &Threshold, spec: &PanelSpec) -> String {
    if th.baseline {
        format!("{} {}x baseline", th.cmp.as_str(), th.value)
    } else {
        format!("{} {}", th.cmp.as_str(), value(th.value, spec.unit))
    }
}

#[allow(clippy::too_many_arguments)] // one panel's inputs; bundling them would only rename them
fn chart(
    frame: &mut Frame,
    rect: Rect,
    state: &State,
    t: &Theme,
    marker: ChartMarker,
    panels: &Panels,
    spec: &PanelSpec,
    now_ms: i64,
    range_ms: i64,
    selected: bool,
) {
    let data = series(state, panels, &spec.name, now_ms, range_ms);
    let current = data
        .iter()
        .filter_map(|(_, p)| p.last().map(|x| x.1))
        .next()
        .or_else(|| {
            state
                .rules
                .get(&spec.name)
                .and_then(|r| r.evidence.as_ref())
                .and_then(|e| e.values.first().map(|v| v.value))
        });
    frame.render_widget(
        Paragraph::new(headline(
            state,
            t,
            spec,
            current,
            rect.width as usize,
            selected,
        )),
        Rect { height: 1, ..rect },
    );
    let legend_rows = u16::from(rect.height >= 6 && !data.is_empty());
    let plot = Rect {
        y: rect.y + 1,
        height: rect.height.saturating_sub(1 + legend_rows),
        ..rect
    };
    let breach = level(state, &spec.name, spec.breach);
    let warn = level(state, &spec.name, spec.warn);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in data
        .iter()
        .flat_map(|(_, p)| p.iter().map(|x| x.1))
        .chain(breach)
        .chain(warn)
    {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.1).max(hi.abs() * 0.05).max(1e-9);
    let (lo, hi) = (
        if lo >= 0.0 {
            (lo - pad).max(0.0)
        } else {
            lo - pad
        },
        hi + pad,
    );
    let series: Vec<(ratatui::style::Style, &[(f64, f64)])> = data
        .iter()
        .enumerate()
        .map(|(i, (_, pts))| (t.series(i), pts.as_slice()))
        .collect();
    // Threshold lines go where the data is not: dashed for warn, solid for breach.
    let levels: Vec<(f64, char, ratatui::style::Style)> =
        [(warn, '┄', Meaning::Warn), (breach, '─', Meaning::Breach)]
            .into_iter()
            .filter_map(|(v, sym, m)| v.map(|v| (v, sym, t.style(m))))
            .collect();
    // A run younger than the zoom range fills the width with what there is (at least a minute).
    let oldest = data
        .iter()
        .filter_map(|(_, p)| p.first().map(|x| x.0))
        .fold(0.0_f64, f64::min);
    let x0 = (-(range_ms as f64) / 1000.0).max(oldest.min(-60.0));
    let scale = super::plot::Scale {
        x0,
        x1: 0.0,
        lo,
        hi,
    };
    super::plot::plot(frame.buffer_mut(), plot, scale, marker, &series, &levels);
    if legend_rows == 1 {
        let mut spans = Vec::new();
        for (i, (name, pts)) in data.iter().enumerate() {
            let g = if t.is_no_color() {
                char::from_digit((i % 9 + 1) as u32, 10).unwrap_or('·')
            } else {
                '■'
            };
            let last = pts
                .last()
                .map_or_else(|| "—".into(), |p| value(p.1, spec.unit));
            let label = if name.is_empty() || name == "{}" {
                "value".to_string()
            } else {
                short_series(name)
            };
            spans.push(Span::styled(format!("{g} "), t.series(i)));
            spans.push(Span::styled(format!("{label} {last}  "), t.muted()));
        }
        let hidden = panels.store.panel(&spec.name).map_or(0, |p| p.hidden());
        if hidden > 0 {
            spans.push(Span::styled(format!("+{hidden} more"), t.muted()));
        }
        frame.render_widget(
            Paragraph::new(Line::from(spans)),
            Rect {
                y: rect.bottom() - 1,
                height: 1,
                ..rect
            },
        );
    }
}

/// `{instance="web-001",job="node"}` → `web-001` (the most telling label value).
fn short_series(name: &str) -> String {
    for key in ["instance=\"", "host=\""] {
        if let Some(i) = name.find(key) {
            let rest = &name[i + key.len()..];
            return rest.split('"').next().unwrap_or(rest).to_string();
        }
    }
    name.trim_matches(['{', '}']).to_string()
}

#[allow(clippy::too_many_arguments)] // one panel's inputs; bundling them would only rename them
fn compact(
    frame: &mut Frame,
    rect: Rect,
    state: &State,
    t: &Theme,
    panels: &Panels,
    spec: &PanelSpec,
    now_ms: i64,
    range_ms: i64,
    selected: bool,
) {
    let data = series(state, panels, &spec.name, now_ms, range_ms);
    let worst = data.first().map(|(_, p)| p.as_slice()).unwrap_or(&[]);
    let current = worst.last().map(|p| p.1);
    let mut line = headline(state, t, spec, current, rect.width as usize, selected);
    let used: usize = line
        .spans
        .iter()
        .take(3)
        .map(|s| s.content.chars().count())
        .sum();
    let spark_w = (rect.width as usize).saturating_sub(used + 2).min(12);
    if spark_w >= 4 && !worst.is_empty() {
        line.spans.truncate(3);
        line.spans.insert(
            2,
            Span::styled(format!("{} ", sparkline(worst, spark_w)), t.series(0)),
        );
    }
    frame.render_widget(Paragraph::new(line), rect);
}

fn sparkline(points: &[(f64, f64)], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let tail = &points[points.len().saturating_sub(width)..];
    let lo = tail.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = tail.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    tail.iter()
        .map(|p| {
            if hi <= lo {
                BARS[0]
            } else {
                BARS[(((p.1 - lo) / (hi - lo)) * 7.0).round() as usize]
            }
        })
        .collect()
}
