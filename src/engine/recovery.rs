//! After a wave or fleet rollback: watch the rules until the service is seen to recover, offer
//! the rest of the fleet's rollback when a breach outlives the rollback, and give up on the
//! plan's restore deadline. Also the drill's planned fault injection, which a wave's start
//! triggers.

use super::decide::touched_in_fleet;
use super::event::{EventKind, Scope};
use super::state::{RunState, State};
use super::steps::has;
use crate::journal::Timestamp;
use crate::runbook::{Role, StepName};

/// How long after a rollback a breach may linger before ripcord offers to roll back the hosts
/// that still run the new version: this many times the longest `for` of the plan's rules.
///
/// Rate windows keep the rolled-back hosts' errors for a while after they are healthy again,
/// and a window is usually no longer than twice the rule's `for`; three times leaves room for
/// the window to empty and the rule to clear before anything more is rolled back.
pub const RECOVERY_GRACE_FORS: u64 = 3;

/// The shortest grace, for plans whose rules have short or no `for`.
pub const RECOVERY_GRACE_MIN_MS: u64 = 60_000;

/// The grace of [`RECOVERY_GRACE_FORS`] for this state's plan.
pub fn recovery_grace_ms(state: &State) -> u64 {
    let longest_for = state
        .plan
        .as_ref()
        .map_or(0, |p| p.rules.iter().map(|r| r.for_ms).max().unwrap_or(0));
    (longest_for * RECOVERY_GRACE_FORS).max(RECOVERY_GRACE_MIN_MS)
}

/// Rules that stand in the way of recovery: in breach, or blind where the plan says blind is
/// a breach. Sorted by key.
pub fn still_breaching(state: &State) -> Vec<String> {
    state
        .rules
        .iter()
        .filter(|(key, r)| super::decide::rule_acts(state, key, r))
        .map(|(key, _)| key.clone())
        .collect()
}

/// The recovery watch's decision while the run is [`RunState::Recovering`].
pub fn recovery(state: &State, since: Timestamp, now: Timestamp, out: &mut Vec<EventKind>) {
    if state.anything_running() {
        return;
    }
    let breaching = still_breaching(state);
    if breaching.is_empty() {
        out.push(EventKind::ServiceRecovered {
            cleared: breached_since_fault(state),
        });
        return;
    }
    let Some(plan) = state.plan.as_deref() else {
        return;
    };
    let grace = recovery_grace_ms(state);
    let remaining = touched_in_fleet(state);
    let waited = now.millis_since(since) >= grace as i64;
    if waited
        && !remaining.is_empty()
        && state.live_offers().next().is_none()
        && has(plan, StepName::Rollback)
    {
        out.push(EventKind::RollbackRequested {
            scope: Scope::Fleet,
            hosts: remaining.clone(),
            reason: format!(
                "{} still in breach {} after the rollback; {} host(s) still run the new version",
                breaching.join(", "),
                super::describe::whole_seconds(grace),
                remaining.len()
            ),
            confirm_by: Some(Role::Commander),
        });
        return;
    }
    let restore = state
        .first_fault_at()
        .map(|f| f.plus_millis(plan.targets.restore_within_ms as i64));
    let deadline = restore
        .unwrap_or(since)
        .max(since.plus_millis(grace as i64));
    // Strictly after: the restore target is reported missed (timers run first) before the
    // watch gives up.
    if now > deadline {
        out.push(EventKind::RecoveryUnconfirmed {
            still_breaching: breaching,
            still_upgraded: remaining,
        });
    }
}

/// Rules whose breach declared a fault (functional or worse), in the order they did.
fn breached_since_fault(state: &State) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for f in &state.faults {
        if f.level > crate::runbook::Severity::Minor
            && let Some(k) = &f.rule
            && !keys.contains(k)
        {
            keys.push(k.clone());
        }
    }
    keys
}

/// The planned fault of a drill, once the wave it waits for has started.
pub fn planned_injection(state: &State) -> Option<EventKind> {
    let planned = state.injection.as_ref()?.planned.as_ref()?;
    if state.run.is_over() || state.injected.iter().any(|i| i.planned) {
        return None;
    }
    let wave = state.waves.get(planned.wave.checked_sub(1)?)?;
    wave.started_at?;
    Some(EventKind::FaultInjected {
        scenario: planned.scenario.clone(),
        why: format!("wave {} started ({})", planned.wave, planned.source),
    })
}

/// When the rollback completed, while the run watches for recovery after it.
pub fn recovering(state: &State) -> Option<Timestamp> {
    match state.run {
        RunState::Recovering { since } => Some(since),
        _ => None,
    }
}
