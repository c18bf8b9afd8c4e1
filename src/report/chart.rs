//! Charts of the watched metrics over the run, hand-written as SVG: one series per rule (per
//! host for per-host rules), threshold lines, and the fault and rollback marked.
//!
//! The journal records samples only as evidence when a rule changes state (`recent` samples and
//! the value at the change, in `rule_breached`, `rule_cleared` and `no_data`), so a chart shows
//! the metric around those changes, not every poll.

use std::collections::BTreeMap;

use super::times::KeyTimes;
use crate::engine::Evidence;
use crate::engine::event::{EventKind, PlanSnapshot};
use crate::journal::Record;

pub use super::svg::svg;

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
        let series = points
            .entry(ev.rule.clone())
            .or_default()
            .entry(key)
            .or_default();
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
    if cut.is_empty() {
        "rule".into()
    } else {
        cut.trim_end_matches('-').to_string()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_numbers_are_stable() {
        assert_eq!(
            slug("HTTP 5xx ratio, upgraded hosts"),
            "http-5xx-ratio-upgraded-hosts"
        );
        assert_eq!(slug("∞"), "rule");
        assert_eq!(num(0.05), "0.05");
        assert_eq!(num(0.123456), "0.1235");
        assert_eq!(num(212.0), "212");
        assert_eq!(num(12345.6), "12346");
    }
}
