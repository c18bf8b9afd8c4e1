//! Series store: per panel, a capped number of series, each a fixed-size ring of `(unix ms,
//! value)`; what panels draw and the report charts. Memory is allocated once per series slot
//! and never grows, whatever the run length or fleet size.

use std::collections::BTreeMap;

use super::SeriesPoint;
use crate::runbook::{Cmp, Span, Watch};

/// Bytes one stored point takes (`i64` time + `f64` value).
pub const POINT_BYTES: usize = std::mem::size_of::<(i64, f64)>();

/// A fixed-capacity ring buffer of points; pushing past capacity drops the oldest.
#[derive(Debug, Clone)]
pub struct Ring {
    buf: Box<[(i64, f64)]>,
    start: usize,
    len: usize,
}

impl Ring {
    /// A ring holding at most `capacity` points (at least one), allocated now, once.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: vec![(0, 0.0); capacity.max(1)].into_boxed_slice(),
            start: 0,
            len: 0,
        }
    }
    /// Appends a point, overwriting the oldest when full.
    pub fn push(&mut self, at_ms: i64, value: f64) {
        let cap = self.buf.len();
        let idx = (self.start + self.len) % cap;
        self.buf[idx] = (at_ms, value);
        if self.len < cap {
            self.len += 1;
        } else {
            self.start = (self.start + 1) % cap;
        }
    }
    /// Points in time order, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        (0..self.len).map(move |i| self.buf[(self.start + i) % self.buf.len()])
    }
    /// The newest point.
    pub fn last(&self) -> Option<(i64, f64)> {
        (self.len > 0).then(|| self.buf[(self.start + self.len - 1) % self.buf.len()])
    }
    /// Number of points held.
    pub fn len(&self) -> usize {
        self.len
    }
    /// True when no point is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Maximum number of points.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
    /// The newest `n` points, oldest first (for evidence).
    pub fn tail(&self, n: usize) -> Vec<(i64, f64)> {
        self.iter().skip(self.len.saturating_sub(n)).collect()
    }
    fn clear(&mut self) {
        self.start = 0;
        self.len = 0;
    }
}

/// Which end of the values is the interesting one, so the kept series are the worst ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rank {
    /// Higher is worse (`> threshold` rules, and panels without a rule).
    #[default]
    High,
    /// Lower is worse (`< threshold` rules such as success rates).
    Low,
}

impl Rank {
    /// The rank a watch's panel keeps: low values are worst for `<` rules.
    pub fn of(watch: &Watch) -> Rank {
        match watch.breach.or(watch.warn).map(|t| t.cmp) {
            Some(Cmp::Lt | Cmp::Le) => Rank::Low,
            _ => Rank::High,
        }
    }
}

/// One panel's series.
#[derive(Debug, Clone)]
pub struct Panel {
    slots: Vec<(String, Ring)>,
    hidden: usize,
}

impl Panel {
    /// The kept series, by name, in the order they were first seen.
    pub fn series(&self) -> impl Iterator<Item = (&str, &Ring)> {
        self.slots.iter().map(|(n, r)| (n.as_str(), r))
    }
    /// How many series the last batch had beyond the cap: shown as "+k more".
    pub fn hidden(&self) -> usize {
        self.hidden
    }
}

/// Every panel's history.
#[derive(Debug, Clone)]
pub struct SeriesStore {
    capacity: usize,
    max_series: usize,
    panels: BTreeMap<String, Panel>,
}

impl SeriesStore {
    /// A store keeping `history` at one point per `interval` (24 h at 15 s = 5,760 points) for
    /// at most `max_series` series per panel.
    pub fn new(history: Span, interval: Span, max_series: usize) -> Self {
        let capacity = (history.as_millis() / interval.as_millis().max(1)).max(1) as usize;
        Self {
            capacity,
            max_series: max_series.max(1),
            panels: BTreeMap::new(),
        }
    }

    /// Points per series.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Records one poll of a panel: the worst `max_series` series (by `rank`) get a point;
    /// a series that falls out of the worst set keeps its history until its slot is needed.
    pub fn record(&mut self, panel: &str, points: &[SeriesPoint], rank: Rank) {
        let (cap, max) = (self.capacity, self.max_series);
        let p = self
            .panels
            .entry(panel.to_string())
            .or_insert_with(|| Panel {
                slots: Vec::new(),
                hidden: 0,
            });
        let mut order: Vec<&SeriesPoint> = points.iter().collect();
        order.sort_by(|a, b| worse_first(a.value, b.value, rank));
        order.truncate(max);
        p.hidden = points.len().saturating_sub(max);
        let names: Vec<String> = order.iter().map(|s| s.series_name()).collect();
        for (point, name) in order.iter().zip(&names) {
            if let Some((_, ring)) = p.slots.iter_mut().find(|(n, _)| n == name) {
                ring.push(point.at_ms, point.value);
                continue;
            }
            if p.slots.len() < max {
                let mut ring = Ring::with_capacity(cap);
                ring.push(point.at_ms, point.value);
                p.slots.push((name.clone(), ring));
                continue;
            }
            // Reuse the slot of a series not among this poll's worst (one always exists, since
            // the worst set has at most `max` members and this one is not yet stored).
            if let Some(slot) = p.slots.iter_mut().find(|(n, _)| !names.contains(n)) {
                slot.0.clone_from(name);
                slot.1.clear();
                slot.1.push(point.at_ms, point.value);
            }
        }
    }

    /// Records every answered rule of a poll under its watch's name.
    pub fn record_update(&mut self, update: &super::MetricUpdate, watches: &[Watch]) {
        for (samples, watch) in update.samples.iter().zip(watches) {
            if let Ok(answer) = &samples.reading {
                self.record(&samples.rule, &answer.series, Rank::of(watch));
            }
        }
    }

    /// A panel's series, if it has been recorded.
    pub fn panel(&self, name: &str) -> Option<&Panel> {
        self.panels.get(name)
    }

    /// Bytes held by ring buffers (what grows with history and series; names excluded).
    pub fn bytes(&self) -> usize {
        self.panels
            .values()
            .flat_map(|p| &p.slots)
            .map(|(_, r)| r.capacity() * POINT_BYTES)
            .sum()
    }

    /// The most a full store can hold: `panels × max_series × capacity × 16` bytes.
    pub fn bytes_when_full(&self, panels: usize) -> usize {
        panels * self.max_series * self.capacity * POINT_BYTES
    }
}

/// Orders values worst first; NaN always last (it says nothing).
pub fn worse_first(a: f64, b: f64, rank: Rank) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => match rank {
            Rank::High => b.total_cmp(&a),
            Rank::Low => a.total_cmp(&b),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Labels;

    fn pt(instance: &str, at: i64, v: f64) -> SeriesPoint {
        let mut labels = Labels::new();
        labels.insert("instance".into(), instance.into());
        SeriesPoint {
            labels,
            at_ms: at,
            value: v,
        }
    }

    #[test]
    fn memory_does_not_grow_past_capacity() {
        let mut store = SeriesStore::new(Span::from_mins(1), Span::from_secs(15), 3);
        assert_eq!(store.capacity(), 4);
        for i in 0..1_000 {
            let batch: Vec<_> = (0..10)
                .map(|h| pt(&format!("h{h}"), i * 15_000, (h * i) as f64))
                .collect();
            store.record("cpu", &batch, Rank::High);
        }
        let panel = store.panel("cpu").unwrap();
        assert_eq!(panel.series().count(), 3);
        assert_eq!(panel.hidden(), 7);
        for (_, ring) in panel.series() {
            assert_eq!(ring.len(), 4);
            assert_eq!(ring.capacity(), 4);
        }
        assert_eq!(store.bytes(), 3 * 4 * POINT_BYTES);
        assert_eq!(store.bytes(), store.bytes_when_full(1));
    }

    #[test]
    fn ring_keeps_the_newest_in_order() {
        let mut r = Ring::with_capacity(3);
        for i in 0..5 {
            r.push(i, i as f64);
        }
        assert_eq!(r.iter().map(|p| p.0).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(r.last(), Some((4, 4.0)));
        assert_eq!(r.tail(2), vec![(3, 3.0), (4, 4.0)]);
    }

    #[test]
    fn the_worst_series_are_kept_for_low_is_worse_panels() {
        let mut store = SeriesStore::new(Span::from_mins(1), Span::from_secs(15), 1);
        store.record(
            "success",
            &[pt("a", 0, 0.999), pt("b", 0, 0.9), pt("c", 0, f64::NAN)],
            Rank::Low,
        );
        let names: Vec<_> = store
            .panel("success")
            .unwrap()
            .series()
            .map(|(n, _)| n.to_string())
            .collect();
        assert_eq!(names, vec![r#"{instance="b"}"#.to_string()]);
    }
}
