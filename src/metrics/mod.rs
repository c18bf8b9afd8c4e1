//! Live metrics: Prometheus HTTP API client, /metrics scraping, rule evaluation, series store.
//!
//! The flow: the [`poller`] asks the source (a Prometheus server through [`client`], or exporters
//! through [`scrape`] and the small [`selector`] language) once per interval, with the host
//! [`placeholders`] expanded from the current [`HostSets`]; the pure [`rules`] state machine turns
//! each answer into edge-triggered [`rules::RuleChange`]s with their evidence; the shell feeds the
//! samples into the [`store`] that panels and the report read. [`preflight`] runs every query once
//! before wave 1.

pub mod api;
pub mod client;
pub mod placeholders;
pub mod poller;
pub mod preflight;
pub mod rules;
pub mod scrape;
pub mod selector;
pub mod store;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use client::PromClient;
pub use poller::{MetricUpdate, PollerConfig, RuleSamples, spawn_poller};
pub use preflight::{PreflightProblem, preflight};
pub use rules::{BaselineRecorded, Gate, RuleBook, RuleChange};
pub use store::SeriesStore;

/// Why a source gave no numbers: the two failure states a rule can show besides no data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The source cannot be reached or is broken: connection refused, timeout, HTTP 5xx.
    #[error("source down: {0}")]
    SourceDown(String),
    /// The source answered, but not with numbers for this query: bad PromQL, HTTP 4xx, not JSON.
    #[error("query error: {0}")]
    Query(String),
}

/// Label set of a series, sorted by name (`__name__` included when the source sends it).
pub type Labels = BTreeMap<String, String>;

/// One series' value at one instant, as the source reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// The series' labels.
    pub labels: Labels,
    /// When the value was sampled, unix milliseconds.
    pub at_ms: i64,
    /// The value; NaN and ±Inf are kept as the source sent them.
    pub value: f64,
}

impl SeriesPoint {
    /// The series rendered as Prometheus does: `name{a="1",b="2"}` (just `{}` when unlabelled).
    pub fn series_name(&self) -> String {
        render_series(&self.labels)
    }
}

/// Renders a label set as `name{a="1"}`; `{}` for an empty set.
pub fn render_series(labels: &Labels) -> String {
    let name = labels.get("__name__").map(String::as_str).unwrap_or("");
    let inner: Vec<String> = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    if inner.is_empty() && !name.is_empty() {
        name.to_string()
    } else {
        format!("{name}{{{}}}", inner.join(","))
    }
}

/// What one query returned: series (possibly none) and the source's warnings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answer {
    /// The series with their current values; empty means no data.
    pub series: Vec<SeriesPoint>,
    /// Warnings the source attached (Prometheus `warnings`), shown but not fatal.
    pub warnings: Vec<String>,
}

/// The outcome of one query: numbers, or why there are none. Never a panic, never a made-up value.
pub type Reading = Result<Answer, FetchError>;

/// The host sets the placeholders expand to, as the shell last published them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostSets {
    /// Hosts upgraded so far (and not rolled back): `{upgraded}`, and `{host}` of per-host rules.
    pub upgraded: Vec<String>,
    /// Hosts of the current wave: `{wave}`.
    pub wave: Vec<String>,
    /// Hosts not yet upgraded: `{pending}`.
    pub pending: Vec<String>,
}

impl fmt::Display for HostSets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} upgraded, {} in the wave, {} pending",
            self.upgraded.len(),
            self.wave.len(),
            self.pending.len()
        )
    }
}
