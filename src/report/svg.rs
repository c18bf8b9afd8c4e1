//! Hand-written SVG for a [`ChartData`]: axes, threshold lines, fault and rollback marks, and
//! the series, with no plotting crate. Numbers are printed with fixed precision so the same
//! data gives the same bytes.

use super::chart::{ChartData, num};
use super::html::escape;
use crate::journal::Timestamp;

const W: f64 = 760.0;
const H: f64 = 300.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 740.0;
const TOP: f64 = 56.0;
const BOTTOM: f64 = 250.0;
const PALETTE: [&str; 6] = [
    "#1f5fbf", "#c2571a", "#2a8a4a", "#7b3fbf", "#9a7b00", "#0d7f82",
];

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
    if step.is_finite() && step > 0.0 {
        step
    } else {
        1.0
    }
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
    let values = all
        .iter()
        .map(|(_, v)| *v)
        .chain(c.lines.iter().map(|(_, v)| *v));
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let span = if (hi - lo).abs() < f64::EPSILON {
        lo.abs().max(1.0) * 0.5
    } else {
        hi - lo
    };
    let step = nice_step(span * 1.1);
    let v0 = if lo >= 0.0 && lo - step * 0.5 <= 0.0 {
        0.0
    } else {
        (lo / step).floor() * step
    };
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
    s.push_str(&format!(
        "<rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#ffffff\"/>\n"
    ));
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
        let colour = if text.starts_with("breach") {
            "#c62828"
        } else {
            "#b36b00"
        };
        s.push_str(&format!(
            "<line class=\"threshold\" x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{RIGHT}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
            y(*v),
            y(*v)
        ));
        s.push_str(&label(
            LEFT + 4.0,
            y(*v) - 4.0,
            "start",
            colour,
            &escape(text),
        ));
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
            let coords: Vec<String> = seg
                .iter()
                .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v)))
                .collect();
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
    fn grid_steps_are_round() {
        assert_eq!(nice_step(0.13), 0.05);
        assert_eq!(nice_step(4.0), 1.0);
    }

    #[test]
    fn gaps_between_rule_changes_break_the_line() {
        let pts = [
            (0, 1.0),
            (15_000, 2.0),
            (30_000, 3.0),
            (600_000, 1.0),
            (615_000, 0.5),
        ];
        let segs = segments(&pts);
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[1], &pts[3..]);
    }
}
