//! What a metric rule saw: the rule states and the evidence every automatic decision carries.

use serde::{Deserialize, Serialize};

use crate::runbook::{Severity, Threshold};

/// The state of one rule (DESIGN §3 rule 4): never "no data" shown as ok, never an error as a breach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleState {
    /// Within limits.
    Ok,
    /// Past the warn level (no action).
    Warn,
    /// Past the breach level for at least `for`.
    Breach,
    /// The query returned no series.
    NoData,
    /// The series stopped updating (Prometheus staleness or a scrape gap).
    Stale,
    /// The source answered with an error for this query (bad PromQL, 4xx).
    QueryError,
    /// The source cannot be reached (connection refused, timeout, 5xx).
    SourceDown,
}

impl RuleState {
    /// Short lower-case word for screens and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleState::Ok => "ok",
            RuleState::Warn => "warn",
            RuleState::Breach => "breach",
            RuleState::NoData => "no data",
            RuleState::Stale => "stale",
            RuleState::QueryError => "query error",
            RuleState::SourceDown => "source down",
        }
    }
    /// How bad the state looks, for picking the worst of several (ok 0 … breach 6).
    pub fn badness(self) -> u8 {
        match self {
            RuleState::Ok => 0,
            RuleState::Warn => 1,
            RuleState::NoData => 2,
            RuleState::Stale => 3,
            RuleState::QueryError => 4,
            RuleState::SourceDown => 5,
            RuleState::Breach => 6,
        }
    }
    /// True when the rule cannot see (no data, stale, error, source down).
    pub fn is_blind(self) -> bool {
        matches!(
            self,
            RuleState::NoData | RuleState::Stale | RuleState::QueryError | RuleState::SourceDown
        )
    }
}

/// One series' value at the time of a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesValue {
    /// Series labels rendered `{instance="web-001"}` (empty for a single unlabelled value).
    pub series: String,
    /// The value (may be NaN or infinite as Prometheus sends them; serialised as a string then).
    #[serde(with = "float_text")]
    pub value: f64,
}

/// Why a rule changed state: enough to judge the decision later without the metric source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The `[[watch]]` name (or alert gate name).
    pub rule: String,
    /// The query with placeholders expanded, exactly as sent.
    pub query: String,
    /// Values seen at the decision, worst first.
    pub values: Vec<SeriesValue>,
    /// The threshold that applied, as written (`> 0.05`, `> 2x baseline`).
    pub threshold: Option<Threshold>,
    /// The baseline the threshold was scaled by, when it is `Nx baseline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    /// How long the condition had held (the rule's `for`), in milliseconds.
    pub for_ms: u64,
    /// The host judged, for `per_host` rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Fault level this rule raises.
    pub severity: Severity,
    /// Error text from the source, for query errors and source down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Recent samples `(unix ms, value)` of the worst series around the change, for the report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<(i64, f64)>,
}

/// Serialises floats so NaN and ±Inf survive JSON (as "NaN", "+Inf", "-Inf").
mod float_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_nan() {
            s.serialize_str("NaN")
        } else if v.is_infinite() {
            s.serialize_str(if *v > 0.0 { "+Inf" } else { "-Inf" })
        } else {
            s.serialize_f64(*v)
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Num(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Num(n) => Ok(n),
            Raw::Text(t) => match t.as_str() {
                "NaN" => Ok(f64::NAN),
                "+Inf" | "Inf" => Ok(f64::INFINITY),
                "-Inf" => Ok(f64::NEG_INFINITY),
                other => other.parse().map_err(serde::de::Error::custom),
            },
        }
    }
}
