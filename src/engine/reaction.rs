//! How the risk policy reacts to a failed host or a breached rule (DESIGN §1 table rows).

use super::decide::{touched_in_fleet, wave_scope};
use super::event::{EventKind, Scope};
use super::evidence::Evidence;
use super::state::{RunState, State};
use super::steps::has;
use crate::exec::Outcome;
use crate::runbook::{Confirmer, OnBreach, OnHostFailure, Role, Severity, StepName};

fn confirmer(state: &State) -> Role {
    match state.plan.as_ref().map(|p| p.policy.rollback_confirm.value) {
        Some(Confirmer::Technician) => Role::Technician,
        _ => Role::Commander,
    }
}

fn can_roll_back(state: &State) -> bool {
    state
        .plan
        .as_ref()
        .is_some_and(|p| has(p, StepName::Rollback))
}

/// Events for a host whose step failed: `host_failed` with the policy row, then what it says.
pub fn react_to_host_failure(
    state: &State,
    host: &str,
    step: StepName,
    outcome: Outcome,
    reason: &str,
) -> Vec<EventKind> {
    let Some(plan) = state.plan.as_deref() else {
        return Vec::new();
    };
    let Some(h) = state.host(host) else {
        return Vec::new();
    };
    let wave = h.wave;
    let risk = plan.risk.as_str();
    let mut out = Vec::new();
    let failed = |policy: String| EventKind::HostFailed {
        host: host.to_string(),
        wave,
        step,
        outcome,
        reason: reason.to_string(),
        policy,
    };
    if h.rollback_pending {
        out.push(failed(
            "a rollback of this host is already under way".into(),
        ));
        return out;
    }
    let rule = plan.policy.on_host_failure.value;
    let who = confirmer(state);
    match rule {
        OnHostFailure::PauseRun | OnHostFailure::PauseWave if can_roll_back(state) => {
            let what = if rule == OnHostFailure::PauseRun {
                "pause the run"
            } else {
                "pause the wave"
            };
            out.push(failed(format!(
                "{risk} risk: {what}; rollback of {host} offered ({} confirms)",
                who.as_str()
            )));
            if matches!(state.run, RunState::Running) {
                out.push(EventKind::Paused {
                    reason: format!("{host} failed {}: {reason}", step.as_str()),
                });
            }
            out.push(EventKind::RollbackRequested {
                scope: Scope::Hosts {
                    hosts: vec![host.to_string()],
                },
                hosts: vec![host.to_string()],
                reason: format!("{host} failed {}: {reason}", step.as_str()),
                confirm_by: Some(who),
            });
        }
        OnHostFailure::PauseRun | OnHostFailure::PauseWave => {
            out.push(failed(format!(
                "{risk} risk: pause; no rollback step in the runbook"
            )));
            if matches!(state.run, RunState::Running) {
                out.push(EventKind::Paused {
                    reason: format!("{host} failed {}: {reason}", step.as_str()),
                });
            }
        }
        OnHostFailure::RollbackHost if can_roll_back(state) => {
            out.push(failed(format!(
                "{risk} risk: {host} rolled back automatically"
            )));
            out.push(EventKind::RollbackStarted {
                scope: Scope::Hosts {
                    hosts: vec![host.to_string()],
                },
                hosts: vec![host.to_string()],
                reason: format!(
                    "{host} failed {}: {reason} ({risk}-risk policy)",
                    step.as_str()
                ),
            });
        }
        OnHostFailure::RollbackHost => {
            out.push(failed(format!(
                "{risk} risk: no rollback step in the runbook; host left failed"
            )));
        }
    }
    // Failure budgets: halting is on *more* than allowed.
    let wave_failed = state.waves[wave - 1].failed + 1;
    let allowed = plan.waves[wave - 1].max_failed;
    let wave_size = plan.waves[wave - 1].hosts.len() as u32;
    let total = state.failed_total() + 1;
    let total_allowed = plan.policy.max_failed_total.value;
    let halt = if wave_failed >= wave_size {
        Some(format!("every host of wave {wave} failed"))
    } else if wave_failed > allowed {
        Some(format!(
            "wave {wave}: {wave_failed} failed, {allowed} allowed (max_failed)"
        ))
    } else if total > total_allowed {
        Some(format!(
            "{total} hosts failed in the run, {total_allowed} allowed (max_failed_total)"
        ))
    } else {
        None
    };
    if let Some(reason) = halt {
        out.push(EventKind::RunHalted { reason });
    }
    out
}

/// Events for a rule in breach that has not been acted on yet.
pub fn react_to_breach(state: &State, key: &str, ev: &Evidence) -> Vec<EventKind> {
    let Some(plan) = state.plan.as_deref() else {
        return Vec::new();
    };
    let value = ev
        .values
        .first()
        .map_or_else(|| "no data".into(), |v| format!("{:.4}", v.value));
    let threshold = ev
        .threshold
        .map(|t| t.to_string())
        .unwrap_or_else(|| "no-data policy".into());
    let reason = format!(
        "{}{}: {value} {threshold} for {}",
        ev.rule,
        ev.host
            .as_ref()
            .map(|h| format!(" on {h}"))
            .unwrap_or_default(),
        super::describe::whole_seconds(ev.for_ms)
    );
    let mut out = vec![EventKind::FaultDeclared {
        level: ev.severity,
        reason: reason.clone(),
        rule: Some(key.to_string()),
    }];
    if ev.severity == Severity::Minor {
        return out;
    }
    // A per-host rule judges one host: it fails that host, and the host-failure row applies.
    if let Some(host) = &ev.host
        && ev.severity == Severity::Functional
    {
        if let Some(h) = state.host(host)
            && h.state.is_touched()
            && !h.rollback_pending
        {
            out.extend(react_to_host_failure(
                state,
                host,
                StepName::Verify,
                Outcome::Failed,
                &reason,
            ));
        }
        return out;
    }
    out.extend(fault_consequences(state, ev.severity, &reason));
    let _ = plan;
    out
}

/// What a functional or severe fault does under the policy (shared by rules and operators).
pub fn fault_consequences(state: &State, level: Severity, reason: &str) -> Vec<EventKind> {
    let Some(plan) = state.plan.as_deref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if level == Severity::Minor {
        return out;
    }
    if matches!(state.run, RunState::Running) {
        out.push(EventKind::Paused {
            reason: reason.to_string(),
        });
    }
    if !can_roll_back(state) {
        out.push(EventKind::RunHalted {
            reason: format!("{reason} — the runbook has no rollback step; decide by hand"),
        });
        return out;
    }
    if level == Severity::Severe {
        let hosts = touched_in_fleet(state);
        out.push(EventKind::RollbackRequested {
            scope: Scope::Fleet,
            hosts,
            reason: format!("severe fault: {reason}"),
            confirm_by: Some(Role::Commander),
        });
        out.push(EventKind::RunHalted {
            reason: format!("severe fault: {reason}; fleet rollback proposed"),
        });
        return out;
    }
    let Some((scope, hosts)) = wave_scope(state) else {
        return out;
    };
    if hosts.is_empty() {
        return out;
    }
    match plan.policy.on_breach.value {
        OnBreach::Pause => {
            out.push(EventKind::RollbackRequested {
                scope,
                hosts,
                reason: reason.to_string(),
                confirm_by: Some(confirmer(state)),
            });
            out.push(EventKind::RunHalted {
                reason: format!("{reason}; rollback proposed"),
            });
        }
        OnBreach::RollbackWave => out.push(EventKind::RollbackStarted {
            scope,
            hosts,
            reason: format!("{reason} (policy: roll back the wave)"),
        }),
        OnBreach::RollbackHosts => out.push(EventKind::RollbackStarted {
            scope: Scope::Hosts {
                hosts: hosts.clone(),
            },
            hosts,
            reason: format!("{reason} (policy: roll back the affected hosts)"),
        }),
    }
    out
}
