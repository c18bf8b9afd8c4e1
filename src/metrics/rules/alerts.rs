//! Alert gates: firing Prometheus alerts that carry all of a gate's matchers put it in breach.

use super::{EVIDENCE_VALUES, RuleBook, RuleChange, failure};
use crate::engine::{Evidence, RuleState, SeriesValue};
use crate::metrics::FetchError;
use crate::metrics::api::Alert;
use crate::runbook::AlertGate;

impl RuleBook {
    /// Judges every alert gate on one read of `/api/v1/alerts`: a firing alert carrying all of a
    /// gate's matchers puts the gate in breach.
    pub fn observe_alerts(&mut self, reading: &Result<Vec<Alert>, FetchError>) -> Vec<RuleChange> {
        let mut changes = Vec::new();
        for (gate, track) in &mut self.gates {
            let from = track.state;
            let query = alert_query(gate);
            let (to, values, error) = match reading {
                Err(e) => {
                    let (state, text) = failure(e);
                    (state, Vec::new(), Some(text))
                }
                Ok(alerts) => {
                    let firing: Vec<SeriesValue> = alerts
                        .iter()
                        .filter(|a| a.state == "firing")
                        .filter(|a| {
                            gate.matchers
                                .iter()
                                .all(|(k, v)| a.labels.get(k) == Some(v))
                        })
                        .take(EVIDENCE_VALUES)
                        .map(|a| SeriesValue {
                            series: crate::metrics::render_series(&a.labels),
                            value: a
                                .value
                                .as_deref()
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(1.0),
                        })
                        .collect();
                    let to = if firing.is_empty() {
                        RuleState::Ok
                    } else {
                        RuleState::Breach
                    };
                    (to, firing, None)
                }
            };
            track.state = to;
            if from != to {
                let evidence = Evidence {
                    rule: gate.name.clone(),
                    query,
                    values,
                    threshold: None,
                    baseline: None,
                    for_ms: 0,
                    host: None,
                    severity: gate.severity,
                    error,
                    recent: Vec::new(),
                };
                changes.push(RuleChange {
                    rule: gate.name.clone(),
                    host: None,
                    from,
                    to,
                    evidence,
                });
            }
        }
        changes
    }
}

/// The alert selector a gate stands for, shown as its evidence query.
fn alert_query(gate: &AlertGate) -> String {
    let mut parts = vec!["alertstate=\"firing\"".to_string()];
    parts.extend(gate.matchers.iter().map(|(k, v)| format!("{k}=\"{v}\"")));
    format!("ALERTS{{{}}}", parts.join(","))
}
