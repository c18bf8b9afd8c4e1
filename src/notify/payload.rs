//! What a message carries besides its text: the triggering event and the run summary for
//! webhooks, and the plain line sent when a template fails.

use serde_json::{Value, json};

use super::status;
use crate::engine::{EventKind, State};
use crate::journal::Record;
use crate::redact::Redactor;
use crate::runbook::Audience;

/// A message without a template: the timeline line (internal) or a neutral notice (external).
pub fn fallback(r: &Record<EventKind>, state: &State, audience: Audience) -> String {
    let plan = state.plan.as_ref().map_or("", |p| p.name.as_str());
    match audience {
        Audience::Internal => format!(
            "[{plan}] {}",
            crate::engine::describe::line(state, &r.event)
                .unwrap_or_else(|| r.event.type_name().replace('_', " "))
        ),
        Audience::External => format!("Maintenance update: {plan}"),
    }
}

/// The triggering event for a webhook: the whole journal record (redacted) for internal
/// audiences; only its type, seq and time for external ones (events name hosts).
pub fn event_json(
    record: Option<&Record<EventKind>>,
    audience: Audience,
    kind: &str,
    seq: u64,
    redactor: &Redactor,
) -> Value {
    match (record, audience) {
        (Some(r), Audience::Internal) => {
            let text = serde_json::to_string(r).unwrap_or_default();
            serde_json::from_str(&redactor.redact(&text)).unwrap_or(Value::Null)
        }
        (Some(r), Audience::External) => json!({ "type": kind, "seq": seq, "at": r.at }),
        (None, _) => json!({ "type": kind, "seq": seq }),
    }
}

/// The run summary a webhook carries: no host names, for any audience.
pub fn summary(state: &State) -> Value {
    let plan = state.plan.as_deref();
    json!({
        "run_id": state.run_id,
        "plan": plan.map_or("", |p| p.name.as_str()),
        "risk": plan.map_or("", |p| p.risk.as_str()),
        "environment": plan.map_or("", |p| p.environment.as_str()),
        "state": state.run.word().to_lowercase(),
        "wave": state.active_wave(),
        "waves": state.waves.len(),
        "hosts": status::host_counts(state),
        "faults": state.faults.iter().map(|f| f.level.as_str()).collect::<Vec<_>>(),
    })
}
