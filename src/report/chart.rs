//! Charts of the watched metrics over the run, hand-written as SVG: one series per rule (per
//! host for per-host rules), threshold lines, and the fault and rollback marked.
//!
//! The journal records samples only as evidence when a rule changes state (`recent` samples and
//! the value at the change, in `rule_breached`, `rule_cleared` and `no_data`), so a chart shows
//! the metric around those changes, not every poll.

use std::collections::BTreeMap;

use super::html::escape;
use super::times::KeyTimes;
use crate::engine::event::{EventKind, PlanSnapshot};
use crate::engine::Evidence;
use crate::journal::{Record, Timestamp};

/// What one chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    /// The rule (the `[[watch]]` name).
    pub rule: String,
    /// Series by key (`rule`, or `rule@host`), samples `(unix ms, value)` in time order.
    pub series: BTreeMap<String, Vec<(i64, f64)>>,
    /// Horizontal lines: label and value (breach, warn).
    pub lines: Vec<(String, f64)>,
    /// Vertical marks: label and unix ms (fault began, rollback ...).
    pub marks: Vec<(&'static str, i64)>,
}

fn evidence_of(e: &EventKind) -> Option<&Evidence> {
    match e {
        EventKind::RuleBreached { evidence, .. }
        | EventKind::RuleCleared { evidence }
        | EventKind::NoData { evidence, .. } => Some(evidence),
        _ => None,
    }
}

/// The charts of a run: one per rule that recorded any sample, plan rules first.
pub fn collect(records: &[Record<EventKind>], plan: &PlanSnapshot, k: &KeyTimes) -> Vec<ChartData> {
    let mut order: Vec<String> = plan.rules.iter().map(|r| r.name.clone()).collect();
    let mut points: BTreeMap<String, BTreeMap<String, BTreeMap<i64, f64>>> = BTreeMap::new();
    let mut baselines: BTreeMap<String, f64> = BTreeMap::new();
    for r in records {
        if let EventKind::BaselineRecorded { rule, value, .. } = &r.event {
            baselines.insert(rule.clone(), *value);
        }
        let Some(ev) = evidence_of(&r.event) else {
            continue;
        };
        if !order.contains(&ev.rule) {
            order.push(ev.rule.clone());
        }
        if let Some(b) = ev.baseline {
            baselines.entry(ev.rule.clone()).or_insert(b);
        }
        let key = crate::engine::transitions::rule_key(&ev.rule, ev.host.as_deref());
        let series = points.entry(ev.rule.clone()).or_default().entry(key).or_default();
        for (t, v) in &ev.recent {
            if v.is_finite() {
                series.insert(*t, *v);
            }
        }
        if let Some(v) = ev.values.first().map(|v| v.value).filter(|v| v.is_finite()) {
            series.entry(r.at.unix_millis()).or_insert(v);
        }
    }
    let marks: Vec<(&'static str, i64)> = [
        ("fault began", &k.fault_began),
        ("detected", &k.detected),
        ("rollback started", &k.rollback_started),
        ("rollback done", &k.rollback_done),
    ]
    .into_iter()
    .filter_map(|(l, m)| m.as_ref().map(|m| (l, m.at.unix_millis())))
    .collect();
    order
        .into_iter()
        .filter_map(|rule| {
            let series = points.remove(&rule)?;
            let series: BTreeMap<String, Vec<(i64, f64)>> = series
                .into_iter()
                .filter(|(_, p)| !p.is_empty())
                .map(|(k, p)| (k, p.into_iter().collect()))
                .collect();
            if series.is_empty() {
                return None;
            }
            let mut lines = Vec::new();
            if let Some(rp) = plan.rules.iter().find(|r| r.name == rule) {
                for (word, t) in [("breach", rp.breach), ("warn", rp.warn)] {
                    let Some(t) = t else { continue };
                    let value = if t.baseline {
                        baselines.get(&rule).map(|b| b * t.value)
                    } else {
                        Some(t.value)
                    };
                    if let Some(v) = value {
                        lines.push((format!("{word} {t}"), v));
                    }
                }
            }
            Some(ChartData {
                rule,
                series,
                lines,
                marks: marks.clone(),
            })
        })
        .collect()
}

/// A file-name-safe form of a rule name: `http-5xx-ratio-upgraded-hosts`.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-');
    let cut: String = s.chars().take(48).collect();
    if cut.is_empty() { "rule".into() } else { cut.trim_end_matches('-').to_string() }
}

/// A number for axis labels: short, stable, no float noise.
pub fn num(v: f64) -> String {
    let a = v.abs();
    let s = if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

const W: f64 = 760.0;
const H: f64 = 300.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 740.0;
const TOP: f64 = 56.0;
const BOTTOM: f64 = 250.0;
const PALETTE: [&str; 6] = ["#1f5fbf", "#c2571a", "#2a8a4a", "#7b3fbf", "#9a7b00", "#0d7f82"];

fn mark_colour(label: &str) -> &'static str {
    match label {
        "fault began" => "#b71c1c",
        "detected" => "#6a1b9a",
        "rollback started" => "#0d47a1",
        _ => "#1b5e20",
    }
}

/// A round step for about four grid lines over `span`: 1, 2, 2.5 or 5 × 10^k.
fn nice_step(span: f64) -> f64 {
    let raw = span / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    if step.is_finite() && step > 0.0 { step } else { 1.0 }
}

/// Splits samples where the journal recorded nothing for a while (between two rule changes),
/// so the chart draws no line where no sample was kept.
fn segments(pts: &[(i64, f64)]) -> Vec<&[(i64, f64)]> {
    let mut gaps: Vec<i64> = pts.windows(2).map(|w| w[1].0 - w[0].0).collect();
    gaps.sort_unstable();
    let typical = gaps.get(gaps.len() / 2).copied().unwrap_or(0).max(1000);
    let mut out = Vec::new();
    let mut from = 0;
    for i in 1..pts.len() {
        if pts[i].0 - pts[i - 1].0 > typical * 4 {
            out.push(&pts[from..i]);
            from = i;
        }
    }
    out.push(&pts[from..]);
    out
}

/// Text with a white halo, readable over lines.
fn label(x: f64, y: f64, anchor: &str, colour: &str, body: &str) -> String {
    format!(
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{body}</text>\n"
    )
}

/// The chart as a standalone SVG document.
pub fn svg(c: &ChartData) -> String {
    let all: Vec<(i64, f64)> = c.series.values().flatten().copied().collect();
    let (mut t0, mut t1) = all
        .iter()
        .map(|(t, _)| *t)
        .chain(c.marks.iter().map(|(_, t)| *t))
        .fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
    if t1 - t0 < 1000 {
        t0 -= 30_000;
        t1 += 30_000;
    }
    let values = all.iter().map(|(_, v)| *v).chain(c.lines.iter().map(|(_, v)| *v));
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let span = if (hi - lo).abs() < f64::EPSILON { lo.abs().max(1.0) * 0.5 } else { hi - lo };
    let step = nice_step(span * 1.1);
    let v0 = if lo >= 0.0 && lo - step * 0.5 <= 0.0 { 0.0 } else { (lo / step).floor() * step };
    let mut v1 = (hi / step).ceil() * step;
    if v1 <= hi {
        v1 += step;
    }
    let x = |t: i64| LEFT + (t - t0) as f64 / (t1 - t0) as f64 * (RIGHT - LEFT);
    let y = |v: f64| BOTTOM - (v - v0) / (v1 - v0) * (BOTTOM - TOP);
    let title = format!("{} over the run", c.rule);
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n",
        escape(&title)
    ));
    s.push_str(&format!("<title>{}</title>\n", escape(&title)));
    s.push_str(&format!("<rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#ffffff\"/>\n"));
    s.push_str(&format!(
        "<text x=\"{LEFT}\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#1d2330\">{}</text>\n",
        escape(&c.rule)
    ));
    let ticks: Vec<f64> = (0..=12)
        .map(|i| v0 + step * f64::from(i))
        .take_while(|v| *v <= v1 + step * 1e-6)
        .collect();
    s.push_str("<g class=\"axes\" stroke=\"#d5d9e0\" stroke-width=\"1\">\n");
    for v in &ticks {
        s.push_str(&format!(
            "<line x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{RIGHT}\" y2=\"{:.1}\"/>\n",
            y(*v),
            y(*v)
        ));
    }
    s.push_str("</g>\n<g class=\"labels\" fill=\"#5b6577\">\n");
    for v in &ticks {
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            LEFT - 6.0,
            y(*v) + 4.0,
            num(*v)
        ));
    }
    for i in 0..=4 {
        let t = t0 + (t1 - t0) * i / 4;
        let anchor = match i {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>\n",
            x(t),
            BOTTOM + 16.0,
            super::clock::hms(Timestamp::from_unix_millis(t))
        ));
    }
    s.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">time (UTC)</text>\n</g>\n",
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 32.0
    ));
    s.push_str("<g class=\"thresholds\">\n");
    for (text, v) in &c.lines {
        let colour = if text.starts_with("breach") { "#c62828" } else { "#b36b00" };
        s.push_str(&format!(
            "<line class=\"threshold\" x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{RIGHT}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
            y(*v),
            y(*v)
        ));
        s.push_str(&label(LEFT + 4.0, y(*v) - 4.0, "start", colour, &escape(text)));
    }
    s.push_str("</g>\n<g class=\"marks\">\n");
    // Labels go on the lowest of three rows where they overlap no label placed before.
    let mut rows: [Vec<(f64, f64)>; 3] = Default::default();
    for (text, t) in &c.marks {
        let colour = mark_colour(text);
        let mx = x(*t);
        s.push_str(&format!(
            "<line class=\"mark\" x1=\"{mx:.1}\" y1=\"{TOP}\" x2=\"{mx:.1}\" y2=\"{BOTTOM}\" stroke=\"{colour}\" stroke-width=\"1.2\" stroke-dasharray=\"2 3\"/>\n"
        ));
        let width = 6.2 * text.chars().count() as f64;
        let (lx, anchor, from) = if mx + 3.0 + width > W - 4.0 {
            (mx - 3.0, "end", mx - 3.0 - width)
        } else {
            (mx + 3.0, "start", mx + 3.0)
        };
        let span = (from - 2.0, from + width + 2.0);
        let row = (0..rows.len())
            .find(|r| rows[*r].iter().all(|(a, b)| span.1 < *a || span.0 > *b))
            .unwrap_or(rows.len() - 1);
        rows[row].push(span);
        let ly = TOP - 4.0 - 12.0 * row as f64;
        s.push_str(&label(lx, ly, anchor, colour, text));
    }
    s.push_str("</g>\n");
    for (i, (key, pts)) in c.series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        s.push_str(&format!(
            "<g class=\"series\" data-rule=\"{}\" data-series=\"{}\" stroke=\"{colour}\" fill=\"{colour}\">\n",
            escape(&c.rule),
            escape(key)
        ));
        for seg in segments(pts) {
            let coords: Vec<String> = seg.iter().map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v))).collect();
            s.push_str(&format!(
                "<polyline fill=\"none\" stroke-width=\"2\" points=\"{}\"/>\n",
                coords.join(" ")
            ));
        }
        for (t, v) in pts {
            s.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" stroke=\"none\"/>\n",
                x(*t),
                y(*v)
            ));
        }
        s.push_str("</g>\n");
        let lx = LEFT + 190.0 * i as f64;
        if lx < RIGHT {
            s.push_str(&format!(
                "<text x=\"{lx:.1}\" y=\"{:.1}\" fill=\"{colour}\">&#9632; {}</text>\n",
                H - 8.0,
                escape(key)
            ));
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_numbers_are_stable() {
        assert_eq!(slug("HTTP 5xx ratio, upgraded hosts"), "http-5xx-ratio-upgraded-hosts");
        assert_eq!(slug("∞"), "rule");
        assert_eq!(num(0.05), "0.05");
        assert_eq!(num(0.123456), "0.1235");
        assert_eq!(num(212.0), "212");
        assert_eq!(num(12345.6), "12346");
        assert_eq!(nice_step(0.13), 0.05);
        assert_eq!(nice_step(4.0), 1.0);
    }

    #[test]
    fn gaps_between_rule_changes_break_the_line() {
        let pts = [(0, 1.0), (15_000, 2.0), (30_000, 3.0), (600_000, 1.0), (615_000, 0.5)];
        let segs = segments(&pts);
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[1], &pts[3..]);
    }
}
