//! What a panel shows, from the run's state and the series store: the rule's state (the
//! worst host's for a per-host rule), threshold levels on the chart's scale, and the points in
//! the zoomed time range.

use crate::engine::{RuleState, State};
use crate::runbook::Threshold;
use crate::tui::panels::{PanelSpec, Panels};
use crate::tui::theme::Meaning;

/// The word, symbol and meaning of a rule state.
pub fn state_look(s: Option<RuleState>) -> (&'static str, Meaning) {
    match s {
        Some(RuleState::Ok) => ("● ok", Meaning::Ok),
        Some(RuleState::Warn) => ("▲ warn", Meaning::Warn),
        Some(RuleState::Breach) => ("✖ BREACH", Meaning::Breach),
        Some(RuleState::NoData) | None => ("○ no data", Meaning::Blind),
        Some(RuleState::Stale) => ("◌ stale", Meaning::Blind),
        Some(RuleState::QueryError) => ("? query error", Meaning::Error),
        Some(RuleState::SourceDown) => ("× source down", Meaning::Error),
    }
}

/// The panel's rule state: its own, or for a per-host rule the worst host's (and which host).
pub fn rule_state<'a>(state: &'a State, name: &str) -> (Option<RuleState>, Option<&'a str>) {
    if let Some(r) = state.rules.get(name) {
        return (Some(r.state), None);
    }
    let prefix = format!("{name}@");
    state
        .rules
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .max_by_key(|(_, r)| r.state.badness())
        .map_or((None, None), |(k, r)| {
            (Some(r.state), Some(&k[prefix.len()..]))
        })
}

/// A threshold's value on the chart's scale (None for a baseline not yet measured).
pub fn level(state: &State, name: &str, t: Option<Threshold>) -> Option<f64> {
    let t = t?;
    if !t.baseline {
        return Some(t.value);
    }
    state
        .rules
        .get(name)
        .and_then(|r| r.baseline)
        .map(|b| b * t.value)
}

/// One panel's plotted series: (name, points as (seconds before now, value)).
pub fn series(
    state: &State,
    panels: &Panels,
    name: &str,
    now_ms: i64,
    range_ms: i64,
) -> Vec<(String, Vec<(f64, f64)>)> {
    let from = now_ms - range_ms;
    let point = |(at, v): (i64, f64)| ((at - now_ms) as f64 / 1000.0, v);
    if let Some(p) = panels.store.panel(name) {
        let out: Vec<_> = p
            .series()
            .map(|(n, ring)| {
                let pts: Vec<(f64, f64)> = ring
                    .iter()
                    .filter(|(at, v)| *at >= from && *at <= now_ms && v.is_finite())
                    .map(point)
                    .collect();
                (n.to_string(), pts)
            })
            .collect();
        if out.iter().any(|(_, p)| !p.is_empty()) {
            return out;
        }
    }
    // Until the poller's series reach the screen, the rule's own evidence is the history.
    let Some(ev) = state.rules.get(name).and_then(|r| r.evidence.as_ref()) else {
        return Vec::new();
    };
    let pts: Vec<(f64, f64)> = ev
        .recent
        .iter()
        .copied()
        .filter(|(at, v)| *at >= from && *at <= now_ms && v.is_finite())
        .map(point)
        .collect();
    let label = ev
        .values
        .first()
        .map_or_else(|| "value".to_string(), |v| v.series.clone());
    vec![(label, pts)]
}

/// The panels to draw: the runbook's, else the plan's rules as plain-number panels.
pub fn specs(state: &State, panels: &Panels) -> Vec<PanelSpec> {
    if !panels.specs.is_empty() {
        return panels.specs.clone();
    }
    state
        .plan
        .as_ref()
        .map(|p| {
            crate::tui::panels::Panels::from_plan(
                p,
                crate::runbook::Span::from_mins(1),
                crate::runbook::Span::from_mins(1),
            )
            .specs
        })
        .unwrap_or_default()
}
