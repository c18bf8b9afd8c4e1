//! How each event changes the state (the body of [`super::state::apply`]).

use super::event::{EventKind, Scope};
use super::evidence::RuleState;
use super::state::{
    Fault, HostRec, HostState, InjectedFault, ItemRec, Offer, OutboxItem, RuleRec, RunState, State,
    StepRun, WaveRec, WaveState,
};
use crate::journal::{ActorRole, Record, Timestamp};
use crate::runbook::{Role, Severity, StepName};

/// Applies `record` (already added to the timeline) to `state`.
pub(super) fn apply_event(state: &mut State, record: &Record<EventKind>, at: Timestamp) {
    match &record.event {
        EventKind::RunStarted {
            run_id,
            runbook,
            plan,
            seed,
            drill,
            injection,
        } => {
            state.injection = injection.clone();
            state.run_id = run_id.clone();
            state.runbook = runbook.clone();
            state.seed = *seed;
            state.drill = drill.clone();
            state.started_at = Some(at);
            state.run = RunState::Running;
            state.hosts.clear();
            state.host_index.clear();
            for w in &plan.waves {
                for h in &w.hosts {
                    state.host_index.insert(h.clone(), state.hosts.len());
                    state.hosts.push(HostRec {
                        name: h.clone(),
                        wave: w.number,
                        state: HostState::Pending,
                        steps: Vec::new(),
                        rollback_pending: false,
                        reverify_pending: false,
                        rollback_offered: false,
                        touched_after_fault: false,
                    });
                }
            }
            state.waves = plan
                .waves
                .iter()
                .map(|_| WaveRec {
                    state: WaveState::Pending,
                    approved_by: None,
                    failed: 0,
                    started_at: None,
                    completed_at: None,
                })
                .collect();
            state.checklists = plan
                .checklists
                .iter()
                .map(|(role, items)| {
                    let recs = items
                        .iter()
                        .map(|i| ItemRec {
                            text: i.text.clone(),
                            phase: i.phase,
                            checked: None,
                        })
                        .collect();
                    (*role, recs)
                })
                .collect();
            // Per-host rules get an entry per host as their judgements arrive.
            for r in plan.rules.iter().filter(|r| !r.per_host) {
                state.rules.insert(
                    r.name.clone(),
                    RuleRec {
                        state: RuleState::NoData,
                        evidence: None,
                        reacted: false,
                        baseline: None,
                    },
                );
            }
            if let Some(role) = role_of(record.actor.role) {
                state.holders.insert(role, record.actor.name.clone());
            }
            state.status_due_at = Some(at.plus_millis(plan.targets.status_update_every_ms as i64));
            state.plan = Some(plan.clone());
        }
        EventKind::RunResumed { .. } => {}
        EventKind::WaveStarted { wave, .. } => {
            if let Some(w) = state.waves.get_mut(wave - 1) {
                w.state = WaveState::Running;
                w.started_at = Some(at);
            }
        }
        EventKind::WaveApproved { wave } => {
            if let Some(w) = state.waves.get_mut(wave - 1) {
                w.approved_by = Some(record.actor.name.clone());
            }
        }
        EventKind::HostStepStarted {
            host, step, job, ..
        } => {
            state.next_job = state.next_job.max(job + 1);
            let fault_at = state.first_fault_at();
            if let Some(h) = state.host_mut(host) {
                h.state = HostState::Running {
                    step: *step,
                    job: *job,
                };
                if *step == StepName::Upgrade && fault_at.is_some_and(|f| f <= at) {
                    h.touched_after_fault = true;
                }
                h.steps.push(StepRun {
                    step: *step,
                    started_at: at,
                    finished_at: None,
                    outcome: None,
                    exit_code: None,
                    reason: String::new(),
                    output_tail: String::new(),
                });
            }
        }
        EventKind::HostStepFinished {
            host,
            step,
            outcome,
            ok,
            exit_code,
            reason,
            output_tail,
            ..
        } => {
            let Some(h) = state.host_mut(host) else {
                return;
            };
            if let Some(run) = h
                .steps
                .iter_mut()
                .rev()
                .find(|s| s.step == *step && s.finished_at.is_none())
            {
                run.finished_at = Some(at);
                run.outcome = Some(*outcome);
                run.exit_code = *exit_code;
                run.reason = reason.clone();
                run.output_tail = output_tail.clone();
            }
            h.state = match (step, ok) {
                (StepName::Rollback, true) => HostState::Between {
                    done: StepName::Rollback,
                },
                (StepName::VerifyRollback, true) => HostState::Between {
                    done: StepName::VerifyRollback,
                },
                (StepName::Rollback | StepName::VerifyRollback, false) => {
                    h.rollback_pending = false;
                    HostState::RollbackFailed {
                        reason: reason.clone(),
                    }
                }
                (StepName::Verify, true) if h.reverify_pending => {
                    h.reverify_pending = false;
                    HostState::Upgraded
                }
                (_, true) => HostState::Between { done: *step },
                (_, false) => {
                    h.reverify_pending = false;
                    HostState::StepFailed {
                        step: *step,
                        outcome: *outcome,
                        reason: reason.clone(),
                    }
                }
            };
        }
        EventKind::HostUpgraded { host, .. } => {
            if let Some(h) = state.host_mut(host) {
                h.state = HostState::Upgraded;
            }
        }
        EventKind::HostFailed {
            host,
            wave,
            step,
            outcome,
            reason,
            ..
        } => {
            if let Some(h) = state.host_mut(host) {
                h.state = HostState::Failed {
                    step: *step,
                    outcome: *outcome,
                    reason: reason.clone(),
                };
            }
            if let Some(w) = state.waves.get_mut(wave - 1) {
                w.failed += 1;
            }
        }
        EventKind::HostInterrupted { host, step } => {
            if let Some(h) = state.host_mut(host) {
                h.state = HostState::Interrupted { step: *step };
                if let Some(run) = h.steps.iter_mut().rev().find(|s| s.finished_at.is_none()) {
                    run.finished_at = Some(at);
                    run.reason = "interrupted: ripcord stopped while it ran".into();
                }
            }
        }
        EventKind::HostSkipped { host } => {
            if let Some(h) = state.host_mut(host) {
                h.state = HostState::Skipped;
                h.rollback_offered = false;
            }
        }
        EventKind::HostRetried { host } => {
            let Some(h) = state.host_mut(host) else {
                return;
            };
            let was_failed = matches!(h.state, HostState::Failed { .. });
            h.state = HostState::Pending;
            h.rollback_offered = false;
            let wave = h.wave;
            if was_failed && let Some(w) = state.waves.get_mut(wave - 1) {
                w.failed = w.failed.saturating_sub(1);
            }
            state
                .offers
                .retain(|o| !(o.hosts.len() == 1 && &o.hosts[0] == host));
        }
        EventKind::SoakStarted { wave, until } => {
            if let Some(w) = state.waves.get_mut(wave - 1) {
                w.state = WaveState::Soaking { until: *until };
            }
        }
        EventKind::SoakFinished { wave, reverify } => {
            if let Some(w) = state.waves.get_mut(wave - 1) {
                w.state = WaveState::Reverifying;
            }
            for h in reverify {
                if let Some(h) = state.host_mut(h) {
                    h.reverify_pending = true;
                }
            }
        }
        EventKind::WaveCompleted { wave, .. } => {
            if let Some(w) = state.waves.get_mut(wave - 1) {
                w.state = WaveState::Completed;
                w.completed_at = Some(at);
            }
            state.halted = None;
        }
        EventKind::BaselineRecorded { rule, value, .. } => {
            let r = state.rules.entry(rule.clone()).or_insert_with(new_rule);
            r.baseline = Some(*value);
        }
        EventKind::RuleBreached {
            state: rs,
            evidence,
        } => {
            let key = rule_key(&evidence.rule, evidence.host.as_deref());
            let r = state.rules.entry(key).or_insert_with(new_rule);
            if !(r.state == RuleState::Breach && *rs == RuleState::Breach) {
                r.reacted = false;
            }
            r.state = *rs;
            r.evidence = Some(evidence.clone());
        }
        EventKind::RuleCleared { evidence } => {
            let key = rule_key(&evidence.rule, evidence.host.as_deref());
            let r = state.rules.entry(key).or_insert_with(new_rule);
            r.state = RuleState::Ok;
            r.evidence = Some(evidence.clone());
            r.reacted = false;
        }
        EventKind::NoData {
            state: rs,
            evidence,
        } => {
            let key = rule_key(&evidence.rule, evidence.host.as_deref());
            let r = state.rules.entry(key).or_insert_with(new_rule);
            r.state = *rs;
            r.evidence = Some(evidence.clone());
            r.reacted = false;
        }
        EventKind::FaultDeclared {
            level,
            reason,
            rule,
        } => {
            state.faults.push(Fault {
                level: *level,
                at,
                reason: reason.clone(),
                by: record.actor.clone(),
                rule: rule.clone(),
            });
            if let Some(rule) = rule
                && let Some(r) = state.rules.get_mut(rule)
            {
                r.reacted = true;
            }
            if *level > Severity::Minor {
                let soon = at.plus_millis(5 * 60 * 1000_i64);
                if state.status_due_at.is_none_or(|d| d > soon) {
                    state.status_due_at = Some(soon);
                    state.status_due_raised = false;
                }
            }
        }
        EventKind::Paused { reason } => {
            if !state.run.is_over() && !matches!(state.run, RunState::RollingBack { .. }) {
                state.run = RunState::Paused {
                    reason: reason.clone(),
                    by: record.actor.clone(),
                };
            }
        }
        EventKind::Resumed {} => {
            if matches!(state.run, RunState::Paused { .. }) {
                state.run = RunState::Running;
            }
            state.halted = None;
        }
        EventKind::RollbackRequested {
            scope,
            hosts,
            reason,
            confirm_by,
        } => {
            if let Some(role) = confirm_by {
                for h in hosts {
                    if let Some(h) = state.host_mut(h) {
                        h.rollback_offered = true;
                    }
                }
                state.offers.push(Offer {
                    scope: scope.clone(),
                    hosts: hosts.clone(),
                    reason: reason.clone(),
                    confirm_by: *role,
                });
            }
        }
        EventKind::RollbackStarted { scope, hosts, .. } => {
            for h in hosts {
                if let Some(h) = state.host_mut(h) {
                    h.rollback_pending = true;
                    h.rollback_offered = false;
                    h.reverify_pending = false;
                }
            }
            state
                .offers
                .retain(|o| o.hosts.iter().any(|h| !hosts.contains(h)));
            if !matches!(scope, Scope::Hosts { .. }) {
                state.run = RunState::RollingBack {
                    scope: scope.clone(),
                };
            }
            state.rollback_started_at.get_or_insert(at);
            match &mut state.rollback {
                Some((current, all)) => {
                    if !matches!(scope, Scope::Hosts { .. }) {
                        *current = scope.clone();
                    }
                    all.extend(
                        hosts
                            .iter()
                            .filter(|h| !all.contains(h))
                            .cloned()
                            .collect::<Vec<_>>(),
                    );
                }
                None => state.rollback = Some((scope.clone(), hosts.clone())),
            }
        }
        EventKind::HostRolledBack { host } => {
            if let Some(h) = state.host_mut(host) {
                h.state = HostState::RolledBack;
                h.rollback_pending = false;
            }
            // Per-host rules judge upgraded hosts only: a rolled-back host leaves them, as it
            // leaves the poller's `{host}` set, so its last verdict no longer counts.
            let suffix = format!("@{host}");
            state.rules.retain(|key, _| !key.ends_with(&suffix));
        }
        EventKind::RollbackCompleted { scope, .. } => {
            state.rollback_completed_at = Some(at);
            state.rollback = None;
            if !matches!(scope, Scope::Hosts { .. }) {
                let watched = state.plan.as_ref().is_some_and(|p| !p.rules.is_empty());
                // The halt's decision was taken: the rollback is done.
                state.halted = None;
                if watched {
                    state.run = RunState::Recovering { since: at };
                } else {
                    state.run = RunState::RolledBack;
                    state.ended_at = Some(at);
                }
            }
        }
        EventKind::FaultInjected { scenario, why } => {
            state.injected.push(InjectedFault {
                scenario: scenario.clone(),
                at,
                by: record.actor.clone(),
                why: why.clone(),
                planned: record.actor.role == ActorRole::Ripcord,
            });
            // A run with a fault injected is a rehearsal, whatever started it.
            if state.drill.is_none() {
                state.drill = Some(scenario.clone());
            }
        }
        EventKind::ServiceRecovered { .. } => {
            state.recovered_at = Some(at);
            state.run = RunState::RolledBack;
            state.ended_at = Some(at);
        }
        EventKind::RecoveryUnconfirmed { .. } => {
            state.run = RunState::RolledBack;
            state.ended_at = Some(at);
        }
        EventKind::IntentRefused { .. } => {}
        EventKind::ChecklistChecked { role, item, .. } => {
            if let Some(i) = state
                .checklists
                .get_mut(role)
                .and_then(|l| l.get_mut(*item))
            {
                i.checked = Some((record.actor.name.clone(), at));
            }
        }
        EventKind::ImpactRecorded {
            traffic_drop_pct,
            failed_tx_pct,
            note,
        } => {
            state.impact = Some((*traffic_drop_pct, *failed_tx_pct, note.clone()));
        }
        EventKind::NotificationQueued {
            id,
            channel,
            kind,
            text,
        } => {
            state.outbox.insert(
                id.clone(),
                OutboxItem {
                    channel: channel.clone(),
                    kind: kind.clone(),
                    text: text.clone(),
                    queued_at: at,
                    attempts: 0,
                    sent_at: None,
                    error: None,
                    gave_up: false,
                },
            );
        }
        EventKind::NotificationSent { id, attempt } => {
            if let Some(n) = state.outbox.get_mut(id) {
                n.attempts = *attempt;
                n.sent_at = Some(at);
                n.error = None;
            }
        }
        EventKind::NotificationFailed {
            id,
            attempt,
            error,
            last,
        } => {
            if let Some(n) = state.outbox.get_mut(id) {
                n.attempts = *attempt;
                n.error = Some(error.clone());
                n.gave_up = *last;
            }
        }
        EventKind::StatusUpdateDue { .. } => state.status_due_raised = true,
        EventKind::StatusUpdateSent { .. } => {
            state.status_last_sent = Some(at);
            let every = state
                .plan
                .as_ref()
                .map_or(15 * 60 * 1000, |p| p.targets.status_update_every_ms);
            state.status_due_at = Some(at.plus_millis(every as i64));
            state.status_due_raised = false;
        }
        EventKind::Handover { role, to } => {
            state.holders.insert(*role, to.clone());
        }
        EventKind::SlaMissed { target, .. } => {
            state.sla_missed.insert(target.clone());
        }
        EventKind::RunCompleted {} => {
            state.run = RunState::Completed;
            state.ended_at = Some(at);
        }
        EventKind::RunHalted { reason } => {
            state.halted = Some(reason.clone());
            if matches!(state.run, RunState::Running) {
                state.run = RunState::Paused {
                    reason: reason.clone(),
                    by: record.actor.clone(),
                };
            }
        }
    }
}

/// The rules map key: `name`, or `name@host` for a per-host judgement.
pub fn rule_key(rule: &str, host: Option<&str>) -> String {
    match host {
        Some(h) => format!("{rule}@{h}"),
        None => rule.to_string(),
    }
}

fn new_rule() -> RuleRec {
    RuleRec {
        state: RuleState::NoData,
        evidence: None,
        reacted: false,
        baseline: None,
    }
}

/// The plan role an actor acts as (None for ripcord itself).
pub fn role_of(role: ActorRole) -> Option<Role> {
    match role {
        ActorRole::Commander => Some(Role::Commander),
        ActorRole::Technician => Some(Role::Technician),
        ActorRole::Impact => Some(Role::Impact),
        ActorRole::Communicator => Some(Role::Communicator),
        ActorRole::Ripcord => None,
    }
}
