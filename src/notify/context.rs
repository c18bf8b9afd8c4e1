//! What a template can use: the event, who or what caused it and why, the run, and the status —
//! the full picture for internal audiences, a safe subset for external ones.

use serde_json::{Value, json};

use super::status::{self, host_counts};
use crate::engine::{EventKind, State};
use crate::journal::{ActorRole, Record, Timestamp};
use crate::runbook::{Audience, Severity};

/// Names an external context never carries, at any depth: a resolution time is promised only
/// when the commander sets one (DESIGN §1), and the plan's targets are not such a promise.
pub const ETA_FIELDS: &[&str] = &[
    "eta",
    "resolution",
    "resolution_time",
    "resolve_by",
    "restore_by",
    "restore_within",
    "deadline",
    "targets",
    "until",
];

/// The template context of `record` for `audience`, at the record's time.
pub fn context(
    record: &Record<EventKind>,
    state: &State,
    audience: Audience,
    severity: Option<Severity>,
) -> Value {
    let event = &record.event;
    let external = audience == Audience::External;
    let status = status::status(state, record.at, audience);
    let plan = state.plan.as_deref();
    let mut ctx = json!({
        "kind": event.type_name(),
        "audience": audience_str(audience),
        "seq": record.seq,
        "at": clock(record.at),
        "by": by(record),
        "actor": { "role": record.actor.role.as_str(), "name": record.actor.name },
        "severity": severity.map(Severity::as_str),
        "run": {
            "id": state.run_id,
            "plan": plan.map_or("", |p| p.name.as_str()),
            "risk": plan.map_or("", |p| p.risk.as_str()),
            "environment": plan.map_or("", |p| p.environment.as_str()),
            "upgrade_kind": plan.map_or("", |p| p.upgrade_kind.as_str()),
            "state": state.run.word().to_lowercase(),
            "wave": state.active_wave(),
            "waves": state.waves.len(),
            "hosts": host_counts(state),
        },
        "status": status,
    });
    if let Some(n) = wave_of(event) {
        ctx["wave"] = json!(n);
        ctx["wave_name"] = json!(
            plan.and_then(|p| p.waves.get(n.wrapping_sub(1)))
                .map_or_else(|| format!("wave {n}"), |w| w.name.clone())
        );
    }
    if let EventKind::StatusUpdateSent { audience: a, text } = event {
        ctx["update"] = json!({ "audience": audience_str(*a), "text": text });
    }
    if let Some(rule) = rule(event, external) {
        ctx["rule"] = rule;
    }
    if !external {
        ctx["line"] = json!(crate::engine::describe::line(state, event).unwrap_or_default());
        ctx["event"] = serde_json::to_value(event).unwrap_or(Value::Null);
        ctx["reason"] = json!(reason(event));
        ctx["failed_hosts"] = json!(
            state
                .hosts
                .iter()
                .filter(|h| h.state.word() == "failed")
                .map(|h| h.name.as_str())
                .collect::<Vec<_>>()
        );
        if let Some(p) = plan {
            ctx["contacts"] = serde_json::to_value(&p.contacts).unwrap_or(Value::Null);
            ctx["targets"] = serde_json::to_value(p.targets).unwrap_or(Value::Null);
        }
    }
    if external {
        strip_eta(&mut ctx);
    }
    ctx
}

/// Removes every [`ETA_FIELDS`] key, at any depth.
pub fn strip_eta(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !ETA_FIELDS.contains(&k.as_str()));
            map.values_mut().for_each(strip_eta);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_eta),
        _ => {}
    }
}

/// `internal` / `external`.
pub fn audience_str(a: Audience) -> &'static str {
    match a {
        Audience::Internal => "internal",
        Audience::External => "external",
    }
}

/// `HH:MM:SS UTC`.
fn clock(t: Timestamp) -> String {
    format!("{} UTC", crate::engine::describe::clock(t))
}

/// "alice (commander)" for a person, "ripcord (automatic)" for the engine's own decisions.
fn by(record: &Record<EventKind>) -> String {
    if record.actor.role == ActorRole::Ripcord {
        "ripcord (automatic)".into()
    } else {
        record.actor.to_string()
    }
}

fn wave_of(event: &EventKind) -> Option<usize> {
    match event {
        EventKind::WaveStarted { wave, .. }
        | EventKind::WaveApproved { wave }
        | EventKind::WaveCompleted { wave, .. }
        | EventKind::SoakStarted { wave, .. }
        | EventKind::SoakFinished { wave, .. }
        | EventKind::HostUpgraded { wave, .. }
        | EventKind::HostFailed { wave, .. } => Some(*wave),
        _ => None,
    }
}

/// The rule behind a rule event: name and state for everyone; value, threshold, query and
/// host for internal audiences only.
fn rule(event: &EventKind, external: bool) -> Option<Value> {
    let (state, ev) = match event {
        EventKind::RuleBreached { state, evidence } | EventKind::NoData { state, evidence } => {
            (state.as_str(), evidence)
        }
        EventKind::RuleCleared { evidence } => ("ok", evidence),
        _ => return None,
    };
    if external {
        return Some(json!({ "name": ev.rule, "state": state }));
    }
    Some(json!({
        "name": ev.rule,
        "state": state,
        "value": ev.values.first().map(|v| format!("{:.4}", v.value)),
        "series": ev.values.first().map(|v| v.series.clone()),
        "threshold": ev.threshold.map(|t| t.to_string()),
        "baseline": ev.baseline.map(|b| format!("{b:.4}")),
        "for": crate::runbook::Span::from_millis(ev.for_ms).to_string(),
        "query": ev.query,
        "host": ev.host,
        "severity": ev.severity.as_str(),
        "error": ev.error,
    }))
}

/// The reason an event carries, in words (empty when its line already says it all).
fn reason(event: &EventKind) -> String {
    match event {
        EventKind::FaultDeclared { reason, .. }
        | EventKind::Paused { reason }
        | EventKind::RollbackRequested { reason, .. }
        | EventKind::RollbackStarted { reason, .. }
        | EventKind::HostFailed { reason, .. }
        | EventKind::IntentRefused { reason, .. }
        | EventKind::RunHalted { reason } => reason.clone(),
        _ => String::new(),
    }
}
