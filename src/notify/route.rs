//! Which channel hears about which event: subscriptions, fault levels, and notification ids.

use crate::engine::{EventKind, RuleState, State};
use crate::runbook::{NotifyChannel, Severity};

/// The subscription name that stands for status updates (`status_update_sent`, including the
/// automatic update of a headless run).
pub const STATUS_UPDATE: &str = "status_update";

/// The fault level an event carries, if any: a declared fault's level, a breaching rule's
/// severity, and for rollbacks and missed targets the worst fault declared so far (so the
/// rollback of a severe fault reaches a `min_severity = "severe"` phone gateway).
pub fn severity_of(event: &EventKind, state: &State) -> Option<Severity> {
    match event {
        EventKind::FaultDeclared { level, .. } => Some(*level),
        EventKind::RuleBreached {
            state: RuleState::Breach,
            evidence,
        } => Some(evidence.severity),
        EventKind::RollbackRequested { .. }
        | EventKind::RollbackStarted { .. }
        | EventKind::RollbackCompleted { .. }
        | EventKind::SlaMissed { .. } => state.faults.iter().map(|f| f.level).max(),
        _ => None,
    }
}

/// The level a channel's `min_severity` is compared with: events that carry no fault level
/// count as minor, so a `min_severity = "severe"` channel hears only about severe faults.
pub fn effective_severity(event: &EventKind, state: &State) -> Severity {
    severity_of(event, state).unwrap_or(Severity::Minor)
}

/// True when `channel` subscribes to events of type `kind` at this level. Notification events
/// themselves are never sent anywhere: a failing channel would otherwise report on itself
/// forever.
pub fn wants(channel: &NotifyChannel, kind: &str, level: Severity) -> bool {
    if kind.starts_with("notification_") || level < channel.min_severity {
        return false;
    }
    channel
        .on
        .iter()
        .any(|on| on == kind || (on == STATUS_UPDATE && kind == "status_update_sent"))
}

/// The outbox id (and idempotency key) of the notification of event `seq` to `channel`: the
/// same inputs always give the same id, so replay and resume never queue one twice.
pub fn notification_id(run_id: &str, seq: u64, channel: &str) -> String {
    format!("{run_id}-{seq}-{:08x}", fnv1a32(channel.as_bytes()))
}

/// The seq of the triggering event, read back from a [`notification_id`].
pub fn seq_of(id: &str) -> Option<u64> {
    let mut parts = id.rsplitn(3, '-');
    let _hash = parts.next()?;
    parts.next()?.parse().ok()
}

/// FNV-1a, 32 bits: short, stable across versions and platforms (std's hasher is neither).
pub fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::{Audience, ChannelKind};

    fn channel(on: &[&str], min: Severity) -> NotifyChannel {
        NotifyChannel {
            name: "pager".into(),
            kind: ChannelKind::Command,
            url_env: None,
            url_file: None,
            secret_env: None,
            command: vec!["true".into()],
            smtp: None,
            to: Vec::new(),
            from: None,
            on: on.iter().map(|s| s.to_string()).collect(),
            min_severity: min,
            audience: Audience::Internal,
            templates: Default::default(),
        }
    }

    #[test]
    fn ids_are_stable_and_give_back_their_seq() {
        let id = notification_id("20261124-071203-ab12", 42, "ops chat");
        assert_eq!(id, notification_id("20261124-071203-ab12", 42, "ops chat"));
        assert_ne!(id, notification_id("20261124-071203-ab12", 42, "ops-chat"));
        assert_ne!(id, notification_id("20261124-071203-ab12", 43, "ops chat"));
        assert_eq!(seq_of(&id), Some(42));
        assert!(id.is_ascii() && !id.contains(' '));
    }

    #[test]
    fn a_severe_only_channel_hears_severe_faults_and_nothing_routine() {
        let pager = channel(&["fault_declared", "wave_completed"], Severity::Severe);
        assert!(wants(&pager, "fault_declared", Severity::Severe));
        assert!(!wants(&pager, "fault_declared", Severity::Functional));
        assert!(!wants(&pager, "wave_completed", Severity::Minor));
        let chat = channel(&["wave_completed", "status_update"], Severity::Minor);
        assert!(wants(&chat, "wave_completed", Severity::Minor));
        assert!(wants(&chat, "status_update_sent", Severity::Minor));
        assert!(!wants(&chat, "rule_breached", Severity::Severe));
    }

    #[test]
    fn notification_events_are_never_routed() {
        let all = channel(
            &["notification_failed", "notification_sent"],
            Severity::Minor,
        );
        assert!(!wants(&all, "notification_failed", Severity::Minor));
        assert!(!wants(&all, "notification_sent", Severity::Minor));
    }
}
