//! Baselines for `Nx baseline` thresholds: the query's mean over a window before wave 1.
//!
//! With Prometheus the window is read back at once with a range query; in scrape mode nothing
//! older than the first scrape exists, so the mean is taken of the samples polled during a
//! baseline period (until the window has passed or wave 1 starts, whichever comes first).

use serde::{Deserialize, Serialize};

use crate::metrics::api::RangeSeries;
use crate::metrics::{Answer, SeriesPoint};
use crate::runbook::Span;

/// A rule's baseline, recorded once in the journal (`baseline_recorded`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineRecorded {
    /// The `[[watch]]` name.
    pub rule: String,
    /// The mean of every finite value of every series over the window.
    pub value: f64,
    /// The query as sent (placeholders expanded over the whole fleet).
    pub query: String,
    /// The window actually covered.
    pub window: Span,
}

/// Mean of every finite point of every series of a range answer; `None` when there is none.
pub fn mean_of_range(series: &[RangeSeries]) -> Option<f64> {
    mean(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)))
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .filter(|v| v.is_finite())
        .fold((0.0, 0u64), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Collects the samples of scrape mode's baseline period.
#[derive(Debug, Clone)]
pub struct BaselineMeter {
    started_ms: i64,
    /// Per rule: the query last seen, the sum and count of finite values.
    acc: Vec<Option<(String, f64, u64)>>,
}

impl BaselineMeter {
    /// A meter for `rules` rules, started at `now_ms`.
    pub fn new(rules: usize, now_ms: i64) -> Self {
        Self {
            started_ms: now_ms,
            acc: vec![None; rules],
        }
    }

    /// Adds one poll's answer for rule `index`.
    pub fn feed(&mut self, index: usize, query: &str, answer: &Answer) {
        let Some(slot) = self.acc.get_mut(index) else {
            return;
        };
        let entry = slot.get_or_insert_with(|| (query.to_string(), 0.0, 0));
        entry.0 = query.to_string();
        for SeriesPoint { value, .. } in &answer.series {
            if value.is_finite() {
                entry.1 += value;
                entry.2 += 1;
            }
        }
    }

    /// True once `window` has passed since the meter started.
    pub fn window_passed(&self, window: Span, now_ms: i64) -> bool {
        now_ms - self.started_ms >= window.as_millis() as i64
    }

    /// The baseline of rule `index` named `rule`, if any finite sample was seen.
    pub fn finish(&self, index: usize, rule: &str, now_ms: i64) -> Option<BaselineRecorded> {
        let (query, sum, n) = self.acc.get(index)?.as_ref()?;
        (*n > 0).then(|| BaselineRecorded {
            rule: rule.to_string(),
            value: sum / *n as f64,
            query: query.clone(),
            window: Span::from_millis((now_ms - self.started_ms).max(0) as u64),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Labels;

    #[test]
    fn the_range_mean_skips_nan_and_inf() {
        let s = RangeSeries {
            labels: Labels::new(),
            points: vec![(0, 1.0), (1, f64::NAN), (2, 3.0), (3, f64::INFINITY)],
        };
        assert_eq!(mean_of_range(&[s]), Some(2.0));
        assert_eq!(mean_of_range(&[]), None);
    }

    #[test]
    fn the_meter_averages_polls_and_reports_the_window_covered() {
        let mut m = BaselineMeter::new(1, 1_000);
        let answer = |v: f64| Answer {
            series: vec![SeriesPoint {
                labels: Labels::new(),
                at_ms: 0,
                value: v,
            }],
            warnings: Vec::new(),
        };
        m.feed(0, "q", &answer(2.0));
        m.feed(0, "q", &answer(4.0));
        assert!(!m.window_passed(Span::from_secs(10), 5_000));
        let b = m.finish(0, "lat", 11_000).unwrap();
        assert_eq!(
            (b.value, b.window, b.query.as_str()),
            (3.0, Span::from_secs(10), "q")
        );
    }
}
