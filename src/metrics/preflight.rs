//! Preflight: before wave 1 every query runs once with the placeholders expanded for wave 1;
//! an error or an empty result blocks the start, and every problem is reported at once.

use std::fmt;
use std::time::Duration;

use super::client::PromClient;
use super::scrape::Scraper;
use super::selector::{self, Expr, Term};
use super::{FetchError, HostSets, placeholders};
use crate::runbook::{AlertGate, MetricSource, Runbook, Watch};

/// One thing that would leave a rule blind from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreflightProblem {
    /// The `[[watch]]` or `[[alerts]]` name (`[prometheus]` for the source itself).
    pub rule: String,
    /// The query as it was sent (placeholders expanded).
    pub query: String,
    /// What is wrong and what to check.
    pub problem: String,
}

impl fmt::Display for PreflightProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.problem)?;
        if !self.query.is_empty() {
            write!(f, "\n  query: {}", self.query)?;
        }
        Ok(())
    }
}

/// `ripcord check --online`: the preflight of a checked runbook with wave 1's hosts, on a
/// runtime of its own (the CLI is synchronous). A runbook without a metric source passes.
pub fn for_runbook(runbook: &Runbook, wave_one: &[String]) -> Vec<PreflightProblem> {
    let Some(source) = &runbook.metrics else {
        return Vec::new();
    };
    let fleet: Vec<String> = runbook.fleet.iter().map(|h| h.name.clone()).collect();
    let sets = wave_one_sets(wave_one, &fleet);
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(preflight(source, &runbook.watches, &runbook.alerts, &sets)),
        Err(e) => vec![problem(
            "[metrics]",
            "",
            format!("cannot start the preflight runtime: {e}"),
        )],
    }
}

/// The host sets of wave 1 about to start: `{upgraded}`, `{wave}` and `{host}` are its hosts,
/// `{pending}` the rest of the fleet.
pub fn wave_one_sets(wave_one: &[String], fleet: &[String]) -> HostSets {
    HostSets {
        upgraded: wave_one.to_vec(),
        wave: wave_one.to_vec(),
        pending: fleet
            .iter()
            .filter(|h| !wave_one.contains(h))
            .cloned()
            .collect(),
    }
}

/// Runs every watch query (and reads the alert list) once; empty when all is well.
pub async fn preflight(
    source: &MetricSource,
    watches: &[Watch],
    alerts: &[AlertGate],
    hosts: &HostSets,
) -> Vec<PreflightProblem> {
    match source {
        MetricSource::Prometheus {
            url,
            timeout,
            auth,
            headers,
            ..
        } => {
            let client = match PromClient::new(url, *timeout, auth, headers) {
                Ok(c) => c,
                Err(e) => return vec![problem("[prometheus]", "", e.to_string())],
            };
            prometheus(&client, watches, alerts, hosts).await
        }
        MetricSource::Scrape {
            targets,
            timeout,
            interval,
        } => {
            let mut out = Vec::new();
            for gate in alerts {
                out.push(problem(&gate.name, "", "alert gates need a Prometheus source ([prometheus] url); scrape mode has no alerts".into()));
            }
            let scraper = match Scraper::new(targets.clone(), *timeout) {
                Ok(s) => s,
                Err(e) => {
                    out.push(problem("[scrape]", "", e.to_string()));
                    return out;
                }
            };
            out.extend(scrape(scraper, watches, hosts, interval.as_std()).await);
            out
        }
    }
}

fn problem(rule: &str, query: &str, text: String) -> PreflightProblem {
    PreflightProblem {
        rule: rule.to_string(),
        query: query.to_string(),
        problem: text,
    }
}

fn no_series(w: &Watch, hosts: &HostSets) -> String {
    let mut text = "the query returned no series: check the metric and label names".to_string();
    if placeholders::uses_hosts(&w.query) {
        text.push_str(&format!(
            ", and that the wave 1 hosts are scraped under these names ({} hosts, e.g. {})",
            hosts.wave.len(),
            hosts.wave.first().map_or("none", String::as_str)
        ));
    }
    text
}

async fn prometheus(
    client: &PromClient,
    watches: &[Watch],
    alerts: &[AlertGate],
    hosts: &HostSets,
) -> Vec<PreflightProblem> {
    let mut jobs = tokio::task::JoinSet::new();
    for (i, w) in watches.iter().enumerate() {
        let (c, q) = (client.clone(), placeholders::expand(&w.query, hosts));
        jobs.spawn(async move {
            let r = c.query(&q, None).await;
            (i, q, r)
        });
    }
    let mut found: Vec<(usize, PreflightProblem)> = Vec::new();
    while let Some(Ok((i, query, reading))) = jobs.join_next().await {
        let w = &watches[i];
        let text = match reading {
            Err(e) => Some(e.to_string()),
            Ok(a) if a.series.is_empty() => Some(no_series(w, hosts)),
            Ok(_) => None,
        };
        if let Some(text) = text {
            found.push((i, problem(&w.name, &query, text)));
        }
    }
    found.sort_by_key(|(i, _)| *i);
    let mut out: Vec<PreflightProblem> = found.into_iter().map(|(_, p)| p).collect();
    if !alerts.is_empty()
        && let Err(e) = client.alerts().await
    {
        let names: Vec<&str> = alerts.iter().map(|a| a.name.as_str()).collect();
        out.push(problem(
            &names.join(", "),
            "/api/v1/alerts",
            format!("cannot read the alert list: {e}"),
        ));
    }
    out
}

fn uses_rate(expr: &Expr) -> bool {
    [Some(&expr.left), expr.divisor.as_ref()]
        .into_iter()
        .flatten()
        .any(|t| matches!(t, Term::Vector { inner, .. } if inner.rate))
}

async fn scrape(
    mut scraper: Scraper,
    watches: &[Watch],
    hosts: &HostSets,
    interval: Duration,
) -> Vec<PreflightProblem> {
    let mut out = Vec::new();
    let mut parsed = Vec::new();
    for w in watches {
        let query = placeholders::expand(&w.query, hosts);
        match selector::parse(&query) {
            Ok(expr) => parsed.push((w, query, expr)),
            Err(e) => out.push(problem(
                &w.name,
                &query,
                e.why.clone() + " — " + &e.to_string(),
            )),
        }
    }
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    };
    let mut scraped = scraper.scrape(now()).await;
    if scraped.is_ok() && parsed.iter().any(|(_, _, e)| uses_rate(e)) {
        // A rate needs two scrapes.
        tokio::time::sleep(interval.min(Duration::from_secs(1))).await;
        scraped = scraper.scrape(now()).await;
    }
    let at = now();
    for (w, query, expr) in parsed {
        let text = match &scraped {
            Err(FetchError::SourceDown(t) | FetchError::Query(t)) => {
                Some(format!("source down: {t}"))
            }
            Ok(_) if scraper.evaluate(&expr, at).series.is_empty() => Some(no_series(w, hosts)),
            Ok(_) => None,
        };
        if let Some(text) = text {
            out.push(problem(&w.name, &query, text));
        }
    }
    out
}
