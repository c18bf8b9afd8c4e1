//! What metric panels draw: one spec per `[[watch]]` and the series history the poller fills.
//! The view reads it; the cockpit records each poller update into it.

use crate::engine::event::PlanSnapshot;
use crate::metrics::store::{Rank, SeriesStore};
use crate::metrics::{MetricUpdate, SeriesPoint};
use crate::runbook::{Runbook, Span, Threshold, Unit, Watch};

/// One panel: the watch it draws.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSpec {
    /// Title and rule name.
    pub name: String,
    /// Unit of its values.
    pub unit: Unit,
    /// Warn level.
    pub warn: Option<Threshold>,
    /// Breach level.
    pub breach: Option<Threshold>,
    /// Judged per host (rule keys `name@host`).
    pub per_host: bool,
    /// Which end of the values is bad, to keep the worst series.
    pub rank: Rank,
}

impl PanelSpec {
    /// The panel of a watch.
    pub fn of_watch(w: &Watch) -> Self {
        Self {
            name: w.name.clone(),
            unit: w.unit,
            warn: w.warn,
            breach: w.breach,
            per_host: w.per_host,
            rank: Rank::of(w),
        }
    }
}

/// Every panel and its history: the input of the chart view besides the run's state.
#[derive(Debug, Clone)]
pub struct Panels {
    /// Panels in runbook order.
    pub specs: Vec<PanelSpec>,
    /// Their series.
    pub store: SeriesStore,
}

/// Series kept per panel (the worst ones; the rest are counted as "+k more").
pub const MAX_SERIES: usize = 6;

impl Panels {
    /// Panels for the runbook's watches, keeping `history` at the poll interval.
    pub fn from_runbook(runbook: &Runbook, history: Span) -> Self {
        let interval = match &runbook.metrics {
            Some(crate::runbook::MetricSource::Prometheus { interval, .. })
            | Some(crate::runbook::MetricSource::Scrape { interval, .. }) => *interval,
            None => Span::from_secs(15),
        };
        Self {
            specs: runbook.watches.iter().map(PanelSpec::of_watch).collect(),
            store: SeriesStore::new(history, interval, MAX_SERIES),
        }
    }

    /// Panels for a plan's rules when the runbook is not at hand (units unknown: plain numbers).
    pub fn from_plan(plan: &PlanSnapshot, history: Span, interval: Span) -> Self {
        Self {
            specs: plan
                .rules
                .iter()
                .map(|r| PanelSpec {
                    name: r.name.clone(),
                    unit: Unit::Count,
                    warn: r.warn,
                    breach: r.breach,
                    per_host: r.per_host,
                    rank: match r.breach.or(r.warn).map(|t| t.cmp) {
                        Some(crate::runbook::Cmp::Lt | crate::runbook::Cmp::Le) => Rank::Low,
                        _ => Rank::High,
                    },
                })
                .collect(),
            store: SeriesStore::new(history, interval, MAX_SERIES),
        }
    }

    /// No panels at all.
    pub fn empty() -> Self {
        Self {
            specs: Vec::new(),
            store: SeriesStore::new(Span::from_mins(1), Span::from_mins(1), 1),
        }
    }

    /// Records one poll: each answered rule's series under its panel.
    pub fn record(&mut self, update: &MetricUpdate) {
        for samples in &update.samples {
            let Ok(answer) = &samples.reading else {
                continue;
            };
            if let Some(spec) = self.specs.iter().find(|s| s.name == samples.rule) {
                self.store.record(&spec.name, &answer.series, spec.rank);
            }
        }
    }

    /// Records points for one panel directly (tests, benches, replays).
    pub fn record_points(&mut self, panel: &str, points: &[SeriesPoint]) {
        let rank = self
            .specs
            .iter()
            .find(|s| s.name == panel)
            .map_or(Rank::High, |s| s.rank);
        self.store.record(panel, points, rank);
    }
}
