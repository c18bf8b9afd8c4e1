//! Scrape mode: fetch exporters' text exposition, keep the last two values of every series, and
//! evaluate the [`selector`](super::selector) subset over them (rates between consecutive scrapes).

use std::collections::HashMap;

use chrono::{TimeZone, Utc};
use tokio::task::JoinSet;

use super::selector::{Agg, Expr, Term};
use super::{Answer, FetchError, Labels, SeriesPoint};
use crate::runbook::Span;

/// How long a series from a target that stopped answering is kept (then it is gone: no data).
/// Until then its old timestamp makes rules judging it stale. Prometheus's lookback is the same.
pub const KEEP_SILENT_MS: i64 = 5 * 60 * 1000;

#[derive(Debug, Clone, Copy)]
struct History {
    last: (i64, f64),
    before: Option<(i64, f64)>,
}

/// Scrapes a fixed set of `/metrics` targets and answers queries from what it saw.
#[derive(Debug)]
pub struct Scraper {
    http: reqwest::Client,
    targets: Vec<String>,
    timeout: Span,
    /// metric name → labels (with `instance`, without `__name__`) → the last two samples.
    series: HashMap<String, HashMap<Labels, History>>,
}

impl Scraper {
    /// A scraper of `targets` with a per-request `timeout`.
    pub fn new(targets: Vec<String>, timeout: Span) -> Result<Self, FetchError> {
        let http = reqwest::Client::builder()
            .timeout(timeout.as_std())
            .connect_timeout(timeout.as_std())
            .build()
            .map_err(|e| FetchError::SourceDown(format!("cannot start the HTTP client: {e}")))?;
        Ok(Self {
            http,
            targets,
            timeout,
            series: HashMap::new(),
        })
    }

    /// Scrapes every target at once. Ok with a warning per failed target while at least one
    /// answers; SourceDown when none does.
    pub async fn scrape(&mut self, now_ms: i64) -> Result<Vec<String>, FetchError> {
        let mut jobs = JoinSet::new();
        for (i, target) in self.targets.iter().enumerate() {
            let http = self.http.clone();
            let target = target.clone();
            let timeout = self.timeout;
            jobs.spawn(async move { (i, fetch(&http, &target, timeout).await) });
        }
        let mut bodies = vec![None; self.targets.len()];
        let mut failures = Vec::new();
        while let Some(joined) = jobs.join_next().await {
            match joined {
                Ok((i, Ok(body))) => bodies[i] = Some(body),
                Ok((_, Err(e))) => failures.push(e),
                Err(e) => failures.push(format!("scrape task failed: {e}")),
            }
        }
        let answered = bodies.iter().filter(|b| b.is_some()).count();
        for (i, body) in bodies.into_iter().enumerate() {
            if let Some(body) = body {
                let instance = instance_of(&self.targets[i]);
                self.ingest(&body, &instance, now_ms);
            }
        }
        self.forget_silent(now_ms);
        if answered == 0 && !self.targets.is_empty() {
            let first = failures.first().cloned().unwrap_or_default();
            return Err(FetchError::SourceDown(format!(
                "none of the {} scrape targets answered; first: {first}",
                self.targets.len()
            )));
        }
        Ok(failures)
    }

    /// Adds one exposition body (`instance` is added to series that lack it, as Prometheus does).
    pub fn ingest(&mut self, body: &str, instance: &str, now_ms: i64) {
        let at = Utc
            .timestamp_millis_opt(now_ms)
            .single()
            .unwrap_or_else(Utc::now);
        let lines = body.lines().map(|l| Ok(l.to_string()));
        // Reading from memory cannot fail; a parse that does is treated as an empty body.
        let Ok(scrape) = prometheus_parse::Scrape::parse_at(lines, at) else {
            return;
        };
        for sample in scrape.samples {
            let ts = sample.timestamp.timestamp_millis();
            let mut base: Labels = sample
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            base.entry("instance".into())
                .or_insert_with(|| instance.to_string());
            use prometheus_parse::Value as V;
            match sample.value {
                V::Counter(v) | V::Gauge(v) | V::Untyped(v) => {
                    self.record(&sample.metric, base, ts, v)
                }
                V::Histogram(buckets) => {
                    let name = format!("{}_bucket", sample.metric);
                    for b in buckets {
                        let mut l = base.clone();
                        l.insert("le".into(), go_float(b.less_than));
                        self.record(&name, l, ts, b.count);
                    }
                }
                V::Summary(quantiles) => {
                    for q in quantiles {
                        let mut l = base.clone();
                        l.insert("quantile".into(), go_float(q.quantile));
                        self.record(&sample.metric, l, ts, q.count);
                    }
                }
            }
        }
    }

    fn record(&mut self, metric: &str, labels: Labels, at: i64, value: f64) {
        let by_labels = self.series.entry(metric.to_string()).or_default();
        match by_labels.get_mut(&labels) {
            Some(h) if at > h.last.0 => {
                h.before = Some(h.last);
                h.last = (at, value);
            }
            Some(_) => {}
            None => {
                by_labels.insert(
                    labels,
                    History {
                        last: (at, value),
                        before: None,
                    },
                );
            }
        }
    }

    fn forget_silent(&mut self, now_ms: i64) {
        for by_labels in self.series.values_mut() {
            by_labels.retain(|_, h| now_ms - h.last.0 <= KEEP_SILENT_MS);
        }
        self.series.retain(|_, m| !m.is_empty());
    }

    /// Evaluates a parsed query over the last scrape(s); `now_ms` stamps number-only results.
    pub fn evaluate(&self, expr: &Expr, now_ms: i64) -> Answer {
        let left = self.term(&expr.left);
        let series = match &expr.divisor {
            None => left.unwrap_or_else(|n| vec![point(Labels::new(), now_ms, n)]),
            Some(d) => divide(left, self.term(d), now_ms),
        };
        Answer {
            series,
            warnings: Vec::new(),
        }
    }

    /// A term's series, or `Err(number)` for a literal.
    fn term(&self, term: &Term) -> Result<Vec<SeriesPoint>, f64> {
        let (inner, agg) = match term {
            Term::Number(n) => return Err(*n),
            Term::Vector { inner, agg } => (inner, agg),
        };
        let sel = &inner.selector;
        let mut out = Vec::new();
        if let Some(by_labels) = self.series.get(&sel.metric) {
            for (labels, h) in by_labels {
                if !sel
                    .matchers
                    .iter()
                    .all(|m| m.matches(labels.get(&m.label).map(String::as_str)))
                {
                    continue;
                }
                if inner.rate {
                    if let Some(r) = rate(h) {
                        out.push(point(labels.clone(), h.last.0, r));
                    }
                } else {
                    let mut l = labels.clone();
                    l.insert("__name__".into(), sel.metric.clone());
                    out.push(point(l, h.last.0, h.last.1));
                }
            }
        }
        Ok(match agg {
            None => out,
            Some((op, by)) => aggregate(out, *op, by),
        })
    }
}

fn point(labels: Labels, at_ms: i64, value: f64) -> SeriesPoint {
    SeriesPoint {
        labels,
        at_ms,
        value,
    }
}

/// Per-second increase between the last two samples; a drop means the counter restarted from 0.
fn rate(h: &History) -> Option<f64> {
    let (t0, v0) = h.before?;
    let (t1, v1) = h.last;
    let dt = (t1 - t0) as f64 / 1000.0;
    if dt <= 0.0 {
        return None;
    }
    let increase = if v1 >= v0 { v1 - v0 } else { v1 };
    Some(increase / dt)
}

fn aggregate(input: Vec<SeriesPoint>, op: Agg, by: &[String]) -> Vec<SeriesPoint> {
    let mut groups: HashMap<Labels, (i64, Vec<f64>)> = HashMap::new();
    for p in input {
        let key: Labels = by
            .iter()
            .filter_map(|l| p.labels.get(l).map(|v| (l.clone(), v.clone())))
            .collect();
        let g = groups.entry(key).or_insert((i64::MAX, Vec::new()));
        // The oldest member dates the group, so one silent target makes the aggregate stale.
        g.0 = g.0.min(p.at_ms);
        g.1.push(p.value);
    }
    let mut out: Vec<SeriesPoint> = groups
        .into_iter()
        .map(|(labels, (at, vals))| {
            let v = match op {
                Agg::Sum => vals.iter().sum(),
                Agg::Avg => vals.iter().sum::<f64>() / vals.len() as f64,
                Agg::Min => vals.iter().copied().fold(f64::INFINITY, f64::min),
                Agg::Max => vals.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                Agg::Count => vals.len() as f64,
            };
            point(labels, at, v)
        })
        .collect();
    out.sort_by(|a, b| a.labels.cmp(&b.labels));
    out
}

/// `A / B` with one-to-one matching on all labels but the metric name, as Prometheus does.
fn divide(
    left: Result<Vec<SeriesPoint>, f64>,
    right: Result<Vec<SeriesPoint>, f64>,
    now_ms: i64,
) -> Vec<SeriesPoint> {
    let strip = |mut p: SeriesPoint| {
        p.labels.remove("__name__");
        p
    };
    match (left, right) {
        (Err(a), Err(b)) => vec![point(Labels::new(), now_ms, a / b)],
        (Ok(l), Err(b)) => l
            .into_iter()
            .map(strip)
            .map(|p| SeriesPoint {
                value: p.value / b,
                ..p
            })
            .collect(),
        (Err(a), Ok(r)) => r
            .into_iter()
            .map(strip)
            .map(|p| SeriesPoint {
                value: a / p.value,
                ..p
            })
            .collect(),
        (Ok(l), Ok(r)) => {
            let right: HashMap<Labels, SeriesPoint> = r
                .into_iter()
                .map(strip)
                .map(|p| (p.labels.clone(), p))
                .collect();
            l.into_iter()
                .map(strip)
                .filter_map(|p| {
                    let d = right.get(&p.labels)?;
                    Some(SeriesPoint {
                        at_ms: p.at_ms.min(d.at_ms),
                        value: p.value / d.value,
                        labels: p.labels,
                    })
                })
                .collect()
        }
    }
}

/// Formats a float as Prometheus writes `le` and `quantile` labels.
fn go_float(v: f64) -> String {
    if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

/// `host:port` of a target URL, the `instance` label Prometheus would give it.
pub fn instance_of(target: &str) -> String {
    match reqwest::Url::parse(target) {
        Ok(u) => match (u.host_str(), u.port_or_known_default()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => target.to_string(),
        },
        Err(_) => target.to_string(),
    }
}

async fn fetch(http: &reqwest::Client, target: &str, timeout: Span) -> Result<String, String> {
    let shown = super::client::redact_url(target);
    let answer = http.get(target).send().await.map_err(|e| {
        if e.is_timeout() {
            format!("{shown}: no answer within {timeout}")
        } else {
            format!("{shown}: {}", innermost(&e))
        }
    })?;
    let status = answer.status();
    let body = answer
        .text()
        .await
        .map_err(|e| format!("{shown}: {}", innermost(&e)))?;
    if !status.is_success() {
        return Err(format!(
            "{shown}: HTTP {status}; first bytes: {}",
            super::api::first_bytes(body.as_bytes())
        ));
    }
    Ok(body)
}

fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::super::selector::parse;
    use super::*;

    fn scraper() -> Scraper {
        Scraper::new(Vec::new(), Span::from_secs(1)).unwrap()
    }

    fn values(s: &Scraper, q: &str, now: i64) -> Vec<(String, f64)> {
        let mut v: Vec<_> = s
            .evaluate(&parse(q).unwrap(), now)
            .series
            .iter()
            .map(|p| (p.series_name(), p.value))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    #[test]
    fn rate_spans_a_counter_reset() {
        let mut s = scraper();
        s.ingest("# TYPE req counter\nreq{code=\"200\"} 100\n", "h:1", 0);
        assert!(
            values(&s, "rate(req[1m])", 0).is_empty(),
            "one scrape has no rate"
        );
        s.ingest("req{code=\"200\"} 110\n", "h:1", 10_000);
        assert_eq!(
            values(&s, "rate(req[1m])", 10_000),
            vec![(r#"{code="200",instance="h:1"}"#.into(), 1.0)]
        );
        // The process restarted: the counter began again from 0 and is now at 5.
        s.ingest("req{code=\"200\"} 5\n", "h:1", 15_000);
        assert_eq!(values(&s, "rate(req[1m])", 15_000)[0].1, 1.0);
    }

    #[test]
    fn aggregation_ratio_and_matchers() {
        let mut s = scraper();
        let body = "req{code=\"200\",host=\"a\"} 90\nreq{code=\"500\",host=\"a\"} 10\nreq{code=\"200\",host=\"b\"} 50\n";
        s.ingest(body, "x:1", 0);
        let q = r#"sum by (host) (req{code=~"5.."}) / sum by (host) (req)"#;
        assert_eq!(values(&s, q, 0), vec![(r#"{host="a"}"#.into(), 0.1)]);
        assert_eq!(values(&s, "count(req)", 0)[0].1, 3.0);
        assert_eq!(values(&s, "max(req) / 100", 0)[0].1, 0.9);
        assert_eq!(
            values(&s, r#"req{host="b"}"#, 0)[0].0,
            r#"req{code="200",host="b",instance="x:1"}"#
        );
        assert!(values(&s, "nothing_here", 0).is_empty());
    }

    #[test]
    fn histograms_nan_and_silent_targets() {
        let mut s = scraper();
        let body = "# TYPE lat histogram\nlat_bucket{le=\"0.5\"} 3\nlat_bucket{le=\"+Inf\"} 4\nlat_sum 1\nlat_count 4\ng NaN\n";
        s.ingest(body, "x:1", 0);
        assert_eq!(values(&s, r#"lat_bucket{le="+Inf"}"#, 0)[0].1, 4.0);
        assert!(values(&s, "g", 0)[0].1.is_nan());
        s.forget_silent(KEEP_SILENT_MS + 1);
        assert!(values(&s, "g", 0).is_empty());
    }
}
