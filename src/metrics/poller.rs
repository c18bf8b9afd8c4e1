//! The poller: one tokio task per metric source that queries every rule on the runbook interval,
//! judges the answers and sends [`MetricUpdate`]s into a bounded channel without ever blocking.
//!
//! A slow consumer never grows memory and never stalls polling: when the channel is full the
//! update is kept and the next poll is merged into it (newest samples replace older ones; rule
//! changes and baselines are kept, up to [`MAX_PENDING_CHANGES`], oldest dropped and counted).

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::MissedTickBehavior;

use super::client::PromClient;
use super::rules::{BaselineMeter, BaselineRecorded, RuleBook, RuleChange, mean_of_range};
use super::scrape::Scraper;
use super::selector::{self, Expr, SelectorError};
use super::{Answer, FetchError, HostSets, Reading, placeholders};
use crate::runbook::{AlertGate, MetricSource, Span, Watch};

/// Rule changes kept while the consumer is behind; beyond this the oldest are dropped.
pub const MAX_PENDING_CHANGES: usize = 10_000;

/// What the poller needs from the runbook and the run.
#[derive(Debug, Clone)]
pub struct PollerConfig {
    /// The metric source.
    pub source: MetricSource,
    /// The `[[watch]]` rules, in runbook order.
    pub watches: Vec<Watch>,
    /// The `[[alerts]]` gates.
    pub alerts: Vec<AlertGate>,
    /// Every host of the fleet: baseline queries expand every placeholder to it.
    pub fleet: Vec<String>,
    /// Baselines already recorded (read back from the journal on resume), by rule name.
    pub baselines: BTreeMap<String, f64>,
}

/// One rule's answer in one poll, for the series store and the panels.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSamples {
    /// The `[[watch]]` name.
    pub rule: String,
    /// The query as sent (placeholders expanded).
    pub query: String,
    /// Series values, or why there are none.
    pub reading: Reading,
}

/// What one poll (or several merged ones) produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricUpdate {
    /// When the newest poll ran, unix ms.
    pub at_ms: i64,
    /// The newest poll's answers, one per rule in runbook order.
    pub samples: Vec<RuleSamples>,
    /// State changes since the last delivered update, in order.
    pub changes: Vec<RuleChange>,
    /// Baselines recorded since the last delivered update.
    pub baselines: Vec<BaselineRecorded>,
    /// Whether a blind rule holds the run (`no_data = "hold"`) after the newest poll.
    pub holds: bool,
    /// Polls merged into this update because the consumer was behind.
    pub merged_polls: u64,
    /// Rule changes dropped because the consumer was far behind.
    pub dropped_changes: u64,
}

impl MetricUpdate {
    fn absorb(mut self, newer: MetricUpdate) -> MetricUpdate {
        self.changes.extend(newer.changes);
        if self.changes.len() > MAX_PENDING_CHANGES {
            let excess = self.changes.len() - MAX_PENDING_CHANGES;
            self.changes.drain(..excess);
            self.dropped_changes += excess as u64;
        }
        self.baselines.extend(newer.baselines);
        MetricUpdate {
            at_ms: newer.at_ms,
            samples: newer.samples,
            changes: self.changes,
            baselines: self.baselines,
            holds: newer.holds,
            merged_polls: self.merged_polls + newer.merged_polls + 1,
            dropped_changes: self.dropped_changes + newer.dropped_changes,
        }
    }
}

/// Starts the poller. It stops when `shutdown` turns true (or its sender is dropped), or when
/// the receiver of `out` is dropped; a poll in flight is abandoned at once.
pub fn spawn_poller(
    config: PollerConfig,
    hosts: watch::Receiver<HostSets>,
    out: mpsc::Sender<MetricUpdate>,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let interval = interval_of(&config.source);
        let mut poller = Poller::new(config);
        let mut ticker = tokio::time::interval(interval.as_std());
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut pending: Option<MetricUpdate> = None;
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stopped(&mut shutdown) => break,
            }
            if out.is_closed() {
                break;
            }
            let sets = hosts.borrow().clone();
            let update = tokio::select! {
                u = poller.poll(&sets, wall_ms()) => u,
                _ = stopped(&mut shutdown) => break,
            };
            let update = match pending.take() {
                Some(older) => older.absorb(update),
                None => update,
            };
            match out.try_send(update) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(u)) => pending = Some(u),
                Err(mpsc::error::TrySendError::Closed(_)) => break,
            }
        }
    })
}

/// Resolves when shutdown is asked for (true) or its sender is gone.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow_and_update() {
            return;
        }
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}

/// The source's poll interval.
pub fn interval_of(source: &MetricSource) -> Span {
    let i = match source {
        MetricSource::Prometheus { interval, .. } | MetricSource::Scrape { interval, .. } => {
            *interval
        }
    };
    if i.is_zero() { Span::from_secs(1) } else { i }
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

enum Live {
    Prom(PromClient),
    Scrape {
        scraper: Scraper,
        parsed: Vec<Option<(String, Result<Expr, SelectorError>)>>,
    },
    Broken(FetchError),
}

/// The poll loop's state: the source connection, the rule book, and the baseline progress.
pub struct Poller {
    live: Live,
    book: RuleBook,
    watches: Vec<Watch>,
    fleet: HostSets,
    /// Rules still waiting for a baseline (`Nx baseline` thresholds not yet recorded).
    baseline_due: Vec<usize>,
    meter: Option<BaselineMeter>,
    interval: Span,
}

impl Poller {
    /// Connects to nothing yet; a source that cannot even be configured reports SourceDown.
    pub fn new(config: PollerConfig) -> Self {
        let interval = interval_of(&config.source);
        let live = match &config.source {
            MetricSource::Prometheus {
                url,
                timeout,
                auth,
                headers,
                ..
            } => match PromClient::new(url, *timeout, auth, headers) {
                Ok(c) => Live::Prom(c),
                Err(e) => Live::Broken(FetchError::SourceDown(e.to_string())),
            },
            MetricSource::Scrape {
                targets, timeout, ..
            } => match Scraper::new(targets.clone(), *timeout) {
                Ok(scraper) => Live::Scrape {
                    scraper,
                    parsed: vec![None; config.watches.len()],
                },
                Err(e) => Live::Broken(e),
            },
        };
        let stale_after = Span::from_millis(interval.as_millis() * 2);
        let mut book = RuleBook::new(&config.watches, &config.alerts, stale_after);
        let mut baseline_due = Vec::new();
        for (i, w) in config.watches.iter().enumerate() {
            if let Some(v) = config.baselines.get(&w.name) {
                book.set_baseline(i, *v);
            } else if w.breach.is_some_and(|t| t.baseline) || w.warn.is_some_and(|t| t.baseline) {
                baseline_due.push(i);
            }
        }
        let fleet = HostSets {
            upgraded: config.fleet.clone(),
            wave: config.fleet.clone(),
            pending: config.fleet,
        };
        Self {
            live,
            book,
            watches: config.watches,
            fleet,
            baseline_due,
            meter: None,
            interval,
        }
    }

    /// The rule book (states, breached hosts, holds).
    pub fn book(&self) -> &RuleBook {
        &self.book
    }

    /// Runs one poll at `now_ms` with the host sets as they are now.
    pub async fn poll(&mut self, sets: &HostSets, now_ms: i64) -> MetricUpdate {
        let queries: Vec<String> = self
            .watches
            .iter()
            .map(|w| placeholders::expand(&w.query, sets))
            .collect();
        let idle: Vec<bool> = self
            .watches
            .iter()
            .map(|w| placeholders::all_named_sets_empty(&w.query, sets))
            .collect();
        let (readings, alerts) = self.read(&queries, &idle, now_ms).await;
        // After the read, so scrape mode averages this poll's scrape; before judging, so a
        // baseline recorded now already applies.
        let baselines = self.baselines(sets, now_ms).await;
        let mut update = MetricUpdate {
            at_ms: now_ms,
            baselines,
            ..MetricUpdate::default()
        };
        for (i, (query, reading)) in queries.into_iter().zip(readings).enumerate() {
            let changes = if idle[i] {
                self.book.observe_idle(i, &query)
            } else {
                self.book
                    .observe(i, &query, &reading, &sets.upgraded, now_ms)
            };
            update.changes.extend(changes);
            update.samples.push(RuleSamples {
                rule: self.watches[i].name.clone(),
                query,
                reading,
            });
        }
        if let Some(alerts) = alerts {
            update.changes.extend(self.book.observe_alerts(&alerts));
        }
        update.holds = self.book.holds();
        update
    }

    async fn read(
        &mut self,
        queries: &[String],
        idle: &[bool],
        now_ms: i64,
    ) -> (
        Vec<Reading>,
        Option<Result<Vec<super::api::Alert>, FetchError>>,
    ) {
        let empty = || Ok(Answer::default());
        match &mut self.live {
            Live::Broken(e) => (
                queries.iter().map(|_| Err(e.clone())).collect(),
                Some(Err(e.clone())),
            ),
            Live::Prom(client) => {
                let mut jobs = JoinSet::new();
                for (i, q) in queries.iter().enumerate().filter(|(i, _)| !idle[*i]) {
                    let (c, q) = (client.clone(), q.clone());
                    jobs.spawn(async move { (i, c.query(&q, Some(now_ms)).await) });
                }
                let alerts = client.clone();
                let gates = self.book.has_gates();
                let alert_job = tokio::spawn(async move {
                    if gates {
                        Some(alerts.alerts().await)
                    } else {
                        None
                    }
                });
                let mut readings: Vec<Reading> = queries.iter().map(|_| empty()).collect();
                while let Some(joined) = jobs.join_next().await {
                    if let Ok((i, r)) = joined {
                        readings[i] = r;
                    }
                }
                let alerts = alert_job.await.ok().flatten();
                (readings, alerts)
            }
            Live::Scrape { scraper, parsed } => {
                let scraped = scraper.scrape(now_ms).await;
                let readings = queries
                    .iter()
                    .enumerate()
                    .map(|(i, q)| {
                        let warnings = match &scraped {
                            Err(e) => return Err(e.clone()),
                            Ok(w) => w.clone(),
                        };
                        if idle[i] {
                            return empty();
                        }
                        let slot = &mut parsed[i];
                        if slot.as_ref().is_none_or(|(text, _)| text != q) {
                            *slot = Some((q.clone(), selector::parse(q)));
                        }
                        match slot.as_ref().map(|(_, p)| p) {
                            Some(Ok(expr)) => {
                                let mut a = scraper.evaluate(expr, now_ms);
                                a.warnings = warnings;
                                Ok(a)
                            }
                            Some(Err(e)) => Err(FetchError::Query(e.to_string())),
                            None => empty(),
                        }
                    })
                    .collect();
                let gates = self.book.has_gates().then(|| {
                    Err(FetchError::Query(
                        "alert gates need a Prometheus source ([prometheus] url)".into(),
                    ))
                });
                (readings, gates)
            }
        }
    }

    /// Records due baselines: from a range query at once (Prometheus), or by averaging polls
    /// until the window has passed or wave 1 has started (scrape mode).
    async fn baselines(&mut self, sets: &HostSets, now_ms: i64) -> Vec<BaselineRecorded> {
        let mut out = Vec::new();
        if self.baseline_due.is_empty() {
            return out;
        }
        let before_wave_one = sets.upgraded.is_empty();
        match &self.live {
            Live::Broken(_) => {}
            Live::Prom(client) if before_wave_one => {
                for &i in &self.baseline_due {
                    let w = &self.watches[i];
                    let query = placeholders::expand(&w.query, &self.fleet);
                    let window = w.baseline_window.as_millis().max(1) as i64;
                    let step =
                        Span::from_millis((window as u64 / 10_000).max(self.interval.as_millis()));
                    if let Ok(series) = client
                        .query_range(&query, now_ms - window, now_ms, step)
                        .await
                        && let Some(value) = mean_of_range(&series)
                    {
                        out.push(BaselineRecorded {
                            rule: w.name.clone(),
                            value,
                            query,
                            window: w.baseline_window,
                        });
                    }
                }
            }
            Live::Prom(_) => {}
            Live::Scrape { scraper, .. } => {
                let meter = self
                    .meter
                    .get_or_insert_with(|| BaselineMeter::new(self.watches.len(), now_ms));
                for &i in &self.baseline_due {
                    let w = &self.watches[i];
                    let query = placeholders::expand(&w.query, &self.fleet);
                    if before_wave_one && let Ok(expr) = selector::parse(&query) {
                        meter.feed(i, &query, &scraper.evaluate(&expr, now_ms));
                    }
                    if (!before_wave_one || meter.window_passed(w.baseline_window, now_ms))
                        && let Some(b) = meter.finish(i, &w.name, now_ms)
                    {
                        out.push(b);
                    }
                }
            }
        }
        for b in &out {
            if let Some(i) = self.watches.iter().position(|w| w.name == b.rule) {
                self.book.set_baseline(i, b.value);
                self.baseline_due.retain(|&d| d != i);
            }
        }
        if !before_wave_one {
            // Too late: wave 1 has started. The rule stays without a baseline (no data, says why).
            self.baseline_due.clear();
        }
        out
    }
}
