//! Rule evaluation: a pure state machine (time passed in, no I/O) that turns each poll's
//! readings into edge-triggered [`RuleChange`]s with their evidence (DESIGN §3 rules 4 and 5).
//!
//! Per-host rules run their query once per poll with `{host}` expanded to every upgraded host,
//! and each returned series is judged as the host it names (see [`host_of`]); an upgraded host
//! without a series has no data.

mod alerts;
mod baseline;
mod track;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::store::{Rank, worse_first};
use super::{FetchError, Reading, SeriesPoint};
use crate::engine::{Evidence, RuleState, SeriesValue};
use crate::runbook::{AlertGate, Cmp, NoData, Span, Watch};
pub use baseline::{BaselineMeter, BaselineRecorded, mean_of_range};
use track::{Track, Verdict};

/// At most this many values go into one piece of evidence (worst first).
pub const EVIDENCE_VALUES: usize = 20;

/// A rule (or a host under a per-host rule, or an alert gate) changed state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleChange {
    /// The `[[watch]]` or `[[alerts]]` name.
    pub rule: String,
    /// The host, for per-host judgements.
    pub host: Option<String>,
    /// The state before.
    pub from: RuleState,
    /// The state now.
    pub to: RuleState,
    /// Why.
    pub evidence: Evidence,
}

/// What a rule's state means for starting new hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Go on.
    Open,
    /// Start no new hosts while blind (`no_data = "hold"`).
    Hold,
    /// Act as on a breach (a real breach, or blind with `no_data = "breach"`).
    Breach,
}

/// The gate a state opens under a `no_data` policy.
pub fn gate(state: RuleState, no_data: NoData) -> Gate {
    match state {
        RuleState::Breach => Gate::Breach,
        RuleState::Ok | RuleState::Warn => Gate::Open,
        _ => match no_data {
            NoData::Breach => Gate::Breach,
            NoData::Hold => Gate::Hold,
            NoData::Ignore => Gate::Open,
        },
    }
}

struct Rule {
    watch: Watch,
    baseline: Option<f64>,
    /// The query as a whole; for plain rules also the value judgement.
    whole: Track<16>,
    /// Per-host judgements (per-host rules only).
    hosts: HashMap<String, Track<4>>,
}

/// Every rule's and alert gate's state.
pub struct RuleBook {
    rules: Vec<Rule>,
    pub(super) gates: Vec<(AlertGate, Track<4>)>,
    stale_after_ms: i64,
}

impl RuleBook {
    /// Rules for `watches` and `alerts`; a series whose newest sample is older than `stale_after`
    /// (use twice the poll interval) is stale.
    pub fn new(watches: &[Watch], alerts: &[AlertGate], stale_after: Span) -> Self {
        let rules = watches
            .iter()
            .map(|w| Rule {
                watch: w.clone(),
                baseline: None,
                whole: Track::new(),
                hosts: HashMap::new(),
            })
            .collect();
        let gates = alerts.iter().map(|g| (g.clone(), Track::new())).collect();
        Self {
            rules,
            gates,
            stale_after_ms: stale_after.as_millis() as i64,
        }
    }

    /// True when the runbook has alert gates (the alert list must be read each poll).
    pub fn has_gates(&self) -> bool {
        !self.gates.is_empty()
    }

    /// The watches, in runbook order (indexes used by [`RuleBook::observe`]).
    pub fn watches(&self) -> impl Iterator<Item = &Watch> {
        self.rules.iter().map(|r| &r.watch)
    }

    /// Sets a rule's baseline (recorded now, or read back from the journal on resume).
    pub fn set_baseline(&mut self, index: usize, value: f64) {
        if let Some(r) = self.rules.get_mut(index) {
            r.baseline = Some(value);
        }
    }

    /// A rule's baseline.
    pub fn baseline(&self, index: usize) -> Option<f64> {
        self.rules.get(index).and_then(|r| r.baseline)
    }

    /// Judges rule `index` on one reading of `query` (as sent) at `now_ms`; `upgraded` are the
    /// hosts a per-host rule judges.
    pub fn observe(
        &mut self,
        index: usize,
        query: &str,
        reading: &Reading,
        upgraded: &[String],
        now_ms: i64,
    ) -> Vec<RuleChange> {
        let stale_after = self.stale_after_ms;
        let Some(rule) = self.rules.get_mut(index) else {
            return Vec::new();
        };
        let mut changes = Vec::new();
        let answer = match reading {
            Err(e) => {
                let (state, text) = failure(e);
                let from = rule.whole.state;
                let v = rule.whole.go_blind(state, &rule.watch, Some(text));
                push_change(
                    &mut changes,
                    rule,
                    None,
                    from,
                    v,
                    &[],
                    query,
                    rule.whole.recent.points(),
                );
                return changes;
            }
            Ok(a) => a,
        };
        if !rule.watch.per_host {
            let from = rule.whole.state;
            let v = if answer.series.is_empty() {
                rule.whole.go_blind(
                    RuleState::NoData,
                    &rule.watch,
                    Some("the query returned no series".into()),
                )
            } else {
                let refs: Vec<&SeriesPoint> = answer.series.iter().collect();
                rule.whole
                    .judge(&rule.watch, rule.baseline, &refs, now_ms, stale_after)
            };
            push_change(
                &mut changes,
                rule,
                None,
                from,
                v,
                &answer.series,
                query,
                rule.whole.recent.points(),
            );
            return changes;
        }
        // Per-host: the whole track says whether the query works; hosts carry the values.
        let from = rule.whole.state;
        let whole = if upgraded.is_empty() {
            rule.hosts.clear();
            idle_verdict(&mut rule.whole, &rule.watch)
        } else if answer.series.is_empty() {
            rule.whole.go_blind(
                RuleState::NoData,
                &rule.watch,
                Some("the query returned no series for any upgraded host".into()),
            )
        } else {
            idle_verdict(&mut rule.whole, &rule.watch)
        };
        push_change(
            &mut changes,
            rule,
            None,
            from,
            whole,
            &answer.series,
            query,
            Vec::new(),
        );
        if upgraded.is_empty() || answer.series.is_empty() {
            return changes;
        }
        let wanted: HashSet<&str> = upgraded.iter().map(String::as_str).collect();
        // Sorted (host, series) pairs: one allocation per poll, not one per host.
        let mut owned_by: Vec<(&str, &SeriesPoint)> = answer
            .series
            .iter()
            .filter_map(|p| host_of(&p.labels, &wanted).map(|h| (h, p)))
            .collect();
        owned_by.sort_unstable_by(|a, b| a.0.cmp(b.0));
        if rule.hosts.len() > upgraded.len()
            || rule.hosts.keys().any(|h| !wanted.contains(h.as_str()))
        {
            rule.hosts.retain(|h, _| wanted.contains(h.as_str()));
        }
        let mut points: Vec<&SeriesPoint> = Vec::new();
        for host in upgraded {
            let start = owned_by.partition_point(|(h, _)| *h < host.as_str());
            let end = start + owned_by[start..].partition_point(|(h, _)| *h == host.as_str());
            points.clear();
            points.extend(owned_by[start..end].iter().map(|(_, p)| *p));
            if !rule.hosts.contains_key(host) {
                rule.hosts.insert(host.clone(), Track::new());
            }
            let Some(track) = rule.hosts.get_mut(host) else {
                continue;
            };
            let from = track.state;
            let v = if points.is_empty() {
                if from == RuleState::NoData {
                    continue;
                }
                track.go_blind(
                    RuleState::NoData,
                    &rule.watch,
                    Some(format!("no series for {host}")),
                )
            } else {
                track.judge(&rule.watch, rule.baseline, &points, now_ms, stale_after)
            };
            if from != v.state {
                let recent = track.recent.points();
                let owned: Vec<SeriesPoint> = points.iter().map(|p| (*p).clone()).collect();
                push_change(
                    &mut changes,
                    rule,
                    Some(host),
                    from,
                    v,
                    &owned,
                    query,
                    recent,
                );
            }
        }
        changes
    }

    /// A rule whose host placeholders are all empty (e.g. `{upgraded}` before wave 1) has
    /// nothing to judge: it is ok without a query, and does not hold the run.
    pub fn observe_idle(&mut self, index: usize, query: &str) -> Vec<RuleChange> {
        let Some(rule) = self.rules.get_mut(index) else {
            return Vec::new();
        };
        let from = rule.whole.state;
        rule.hosts.clear();
        let v = idle_verdict(&mut rule.whole, &rule.watch);
        let mut changes = Vec::new();
        push_change(&mut changes, rule, None, from, v, &[], query, Vec::new());
        changes
    }

    /// The state a rule's panel shows: the worst of the query's and its hosts' states.
    pub fn state(&self, index: usize) -> Option<RuleState> {
        let r = self.rules.get(index)?;
        Some(
            r.hosts
                .values()
                .map(|t| t.state)
                .fold(
                    r.whole.state,
                    |a, b| if b.badness() > a.badness() { b } else { a },
                ),
        )
    }

    /// Hosts of a per-host rule in breach.
    pub fn breached_hosts(&self, index: usize) -> Vec<&str> {
        let Some(r) = self.rules.get(index) else {
            return Vec::new();
        };
        let mut hosts: Vec<&str> = r
            .hosts
            .iter()
            .filter(|(_, t)| t.state == RuleState::Breach)
            .map(|(h, _)| h.as_str())
            .collect();
        hosts.sort_unstable();
        hosts
    }

    /// True when some rule is blind under `no_data = "hold"` (or an alert gate cannot read the
    /// alert list): no new host may start.
    pub fn holds(&self) -> bool {
        let rule_holds = self.rules.iter().any(|r| {
            gate(r.whole.state, r.watch.no_data) == Gate::Hold
                || r.hosts
                    .values()
                    .any(|t| gate(t.state, r.watch.no_data) == Gate::Hold)
        });
        rule_holds || self.gates.iter().any(|(_, t)| t.state.is_blind())
    }
}

fn idle_verdict<const N: usize>(track: &mut Track<N>, watch: &Watch) -> Verdict {
    track.state = RuleState::Ok;
    Verdict {
        state: RuleState::Ok,
        held_ms: watch.for_.as_millis(),
        threshold: watch.breach.or(watch.warn),
        error: None,
    }
}

pub(super) fn failure(e: &FetchError) -> (RuleState, String) {
    match e {
        FetchError::SourceDown(t) => (RuleState::SourceDown, t.clone()),
        FetchError::Query(t) => (RuleState::QueryError, t.clone()),
    }
}

/// The host a series belongs to: its `host` label, else `instance` (a `:port` suffix removed),
/// else `hostname`, `node` or `nodename`, else any label whose value is an upgraded host.
pub fn host_of<'a>(labels: &super::Labels, wanted: &HashSet<&'a str>) -> Option<&'a str> {
    let hit = |v: &str| wanted.get(v).copied();
    for key in ["host", "instance", "hostname", "node", "nodename"] {
        if let Some(v) = labels.get(key) {
            if let Some(h) = hit(v) {
                return Some(h);
            }
            if let Some((h, port)) = v.rsplit_once(':')
                && port.bytes().all(|b| b.is_ascii_digit())
                && let Some(h) = hit(h)
            {
                return Some(h);
            }
        }
    }
    labels.values().find_map(|v| hit(v))
}

#[allow(clippy::too_many_arguments)] // every argument is one evidence field; a struct adds nothing
fn push_change(
    changes: &mut Vec<RuleChange>,
    rule: &Rule,
    host: Option<&String>,
    from: RuleState,
    v: Verdict,
    series: &[SeriesPoint],
    query: &str,
    recent: Vec<(i64, f64)>,
) {
    if from == v.state {
        return;
    }
    let rank = match v.threshold.map(|t| t.cmp) {
        Some(Cmp::Lt | Cmp::Le) => Rank::Low,
        _ => Rank::High,
    };
    let mut sorted: Vec<&SeriesPoint> = series.iter().collect();
    sorted.sort_by(|a, b| worse_first(a.value, b.value, rank));
    let values = sorted
        .into_iter()
        .take(EVIDENCE_VALUES)
        .map(|p| SeriesValue {
            series: p.series_name(),
            value: p.value,
        })
        .collect();
    let baseline = if v.threshold.is_some_and(|t| t.baseline) {
        rule.baseline
    } else {
        None
    };
    let evidence = Evidence {
        rule: rule.watch.name.clone(),
        query: query.to_string(),
        values,
        threshold: v.threshold,
        baseline,
        for_ms: v.held_ms,
        host: host.cloned(),
        severity: rule.watch.severity,
        error: v.error,
        recent,
    };
    changes.push(RuleChange {
        rule: rule.watch.name.clone(),
        host: host.cloned(),
        from,
        to: v.state,
        evidence,
    });
}

#[cfg(test)]
mod tests;
