//! The link between the metric poller and the run loop: host sets out, engine events in.

use std::collections::BTreeMap;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::engine::evidence::RuleState;
use crate::engine::{EventKind, HostState, State};
use crate::metrics::{HostSets, MetricUpdate, PollerConfig, spawn_poller};
use crate::runbook::{Runbook, StepName};

/// Updates the poller's host sets and stops it when dropped.
pub struct MetricsLink {
    hosts: watch::Sender<HostSets>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
    /// Updates from the poller (bounded; the poller merges when the loop is behind).
    pub updates: mpsc::Receiver<MetricUpdate>,
}

impl MetricsLink {
    /// Starts the poller for `runbook`'s metric source, if it has one.
    pub fn start(runbook: &Runbook, state: &State) -> Option<Self> {
        let source = runbook.metrics.clone()?;
        if runbook.watches.is_empty() && runbook.alerts.is_empty() {
            return None;
        }
        let baselines: BTreeMap<String, f64> = state
            .rules
            .iter()
            .filter_map(|(k, r)| r.baseline.map(|b| (k.clone(), b)))
            .collect();
        let config = PollerConfig {
            source,
            watches: runbook.watches.clone(),
            alerts: runbook.alerts.clone(),
            fleet: runbook.fleet.iter().map(|h| h.name.clone()).collect(),
            baselines,
        };
        let (hosts, hosts_rx) = watch::channel(host_sets(state));
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (tx, updates) = mpsc::channel(8);
        let task = spawn_poller(config, hosts_rx, tx, shutdown_rx);
        Some(Self {
            hosts,
            shutdown,
            task,
            updates,
        })
    }

    /// Publishes the host sets of `state` when they changed.
    pub fn publish(&self, state: &State) {
        let sets = host_sets(state);
        self.hosts.send_if_modified(|current| {
            let changed = *current != sets;
            if changed {
                *current = sets;
            }
            changed
        });
    }
}

impl Drop for MetricsLink {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.task.abort();
    }
}

/// `{upgraded}`: hosts whose upgrade step succeeded and that are not rolled back;
/// `{wave}`: hosts of the wave in progress; `{pending}`: hosts not started.
pub fn host_sets(state: &State) -> HostSets {
    let active = state.active_wave();
    let mut sets = HostSets::default();
    for h in &state.hosts {
        let upgraded_ok = h
            .steps
            .iter()
            .any(|s| s.step == StepName::Upgrade && s.outcome.is_some_and(|o| o.is_ok()));
        let rolled_back = matches!(h.state, HostState::RolledBack);
        if upgraded_ok && !rolled_back {
            sets.upgraded.push(h.name.clone());
        }
        if Some(h.wave) == active {
            sets.wave.push(h.name.clone());
        }
        if h.state == HostState::Pending {
            sets.pending.push(h.name.clone());
        }
    }
    sets
}

/// The engine events of a poller update: baselines first, then rule changes in order.
pub fn events_of(update: &MetricUpdate) -> Vec<EventKind> {
    let mut events: Vec<EventKind> = update
        .baselines
        .iter()
        .map(|b| EventKind::BaselineRecorded {
            rule: b.rule.clone(),
            value: b.value,
            query: b.query.clone(),
            window_ms: b.window.as_millis(),
        })
        .collect();
    for c in &update.changes {
        let evidence = c.evidence.clone();
        events.push(match c.to {
            RuleState::Breach | RuleState::Warn => EventKind::RuleBreached {
                state: c.to,
                evidence,
            },
            RuleState::Ok => EventKind::RuleCleared { evidence },
            blind => EventKind::NoData {
                state: blind,
                evidence,
            },
        });
    }
    events
}

/// The preflight of a new run: every query once with wave 1's hosts.
pub async fn preflight(config: &super::RunConfig) -> Vec<crate::metrics::PreflightProblem> {
    let runbook = &config.runbook;
    let Some(source) = &runbook.metrics else {
        return Vec::new();
    };
    let fleet: Vec<String> = runbook.fleet.iter().map(|h| h.name.clone()).collect();
    let wave_one = config
        .plan
        .waves
        .first()
        .map(|w| w.hosts.clone())
        .unwrap_or_default();
    let sets = crate::metrics::preflight::wave_one_sets(&wave_one, &fleet);
    crate::metrics::preflight(source, &runbook.watches, &runbook.alerts, &sets).await
}
