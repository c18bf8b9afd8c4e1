//! Operator intents: checked against the actor's role and the risk policy, then turned into
//! events — or into `intent_refused` with the reason, shown on screen.

use super::decide::{touched_in_fleet, touched_in_wave};
use super::event::{EventKind, Intent, Scope};
use super::evidence::RuleState;
use super::reaction::fault_consequences;
use super::state::{HostState, RunState, State, WaveState};
use super::steps::has;
use super::transitions::role_of;
use crate::journal::{Actor, ActorRole};
use crate::runbook::{Approval, Confirmer, Risk, Role, Severity, StepName};

/// Why an intent is not allowed, in words for the screen.
pub type Refusal = String;

/// Checks only the actor's right to an intent (used to dim keys on screen).
pub fn permitted(state: &State, role: Role, intent: &Intent) -> Result<(), Refusal> {
    let risk = state.plan.as_ref().map_or(Risk::High, |p| p.risk);
    let confirm_role = match state.plan.as_ref().map(|p| p.policy.rollback_confirm.value) {
        Some(Confirmer::Technician) => Role::Technician,
        _ => Role::Commander,
    };
    let needs = |roles: &[Role], why: &str| -> Result<(), Refusal> {
        if roles.contains(&role) {
            Ok(())
        } else {
            let mut names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            names.dedup();
            Err(format!(
                "only the {} may {why} ({} risk)",
                names.join(" or "),
                risk.as_str()
            ))
        }
    };
    use Role::*;
    match intent {
        Intent::Pause { .. } => needs(&[Commander, Technician], "pause"),
        Intent::Resume => needs(&[Commander, Technician], "resume"),
        Intent::ApproveWave { .. } => needs(&[Commander], "approve a wave"),
        Intent::RollbackHosts { .. } => needs(&[Commander, Technician], "roll back hosts"),
        Intent::RollbackWave { .. } if confirm_role == Commander => {
            needs(&[Commander], "roll back a wave")
        }
        Intent::RollbackWave { .. } => needs(&[Commander, Technician], "roll back a wave"),
        Intent::RollbackFleet { .. } if risk == Risk::Low => {
            needs(&[Commander, Technician], "roll back the fleet")
        }
        Intent::RollbackFleet { .. } => needs(&[Commander], "roll back the fleet"),
        Intent::ConfirmRollback => needs(&[Commander, confirm_role], "confirm a rollback"),
        Intent::RetryHost { .. } | Intent::SkipHost { .. } => {
            needs(&[Commander, Technician], "retry or skip hosts")
        }
        Intent::DeclareFault {
            level: Severity::Severe,
            ..
        } => needs(&[Commander], "declare a severe fault"),
        Intent::DeclareFault { .. } => needs(&[Commander, Technician, Impact], "declare a fault"),
        Intent::RecordImpact { .. } => needs(&[Commander, Impact], "record impact"),
        Intent::CheckItem { role: owner, .. } if *owner == role => Ok(()),
        Intent::CheckItem { role: owner, .. } => needs(
            &[Commander],
            &format!("check the {}'s items", owner.as_str()),
        ),
        Intent::SendStatusUpdate { .. } => needs(&[Commander, Communicator], "send status updates"),
        Intent::HandOver { role: r, .. } if *r == role => Ok(()),
        Intent::HandOver { .. } => needs(&[Commander], "hand over another role"),
        Intent::InjectFault { .. } => needs(&[Commander, Technician], "inject a drill fault"),
    }
}

/// Turns an operator intent into the events it causes, or a refusal event with the reason.
pub fn handle(state: &State, actor: &Actor, intent: &Intent) -> Vec<EventKind> {
    let refuse = |reason: String| {
        vec![EventKind::IntentRefused {
            intent: intent.describe(),
            reason,
        }]
    };
    let Some(plan) = state.plan.as_deref() else {
        return refuse("the run has not started".into());
    };
    let role = match actor.role {
        ActorRole::Ripcord => Role::Commander,
        r => role_of(r).unwrap_or(Role::Communicator),
    };
    if let Err(why) = permitted(state, role, intent) {
        return refuse(why);
    }
    let over = state.run.is_over();
    let rollback_step = has(plan, StepName::Rollback);
    match intent {
        _ if over
            && !matches!(
                intent,
                Intent::CheckItem { .. }
                    | Intent::SendStatusUpdate { .. }
                    | Intent::RecordImpact { .. }
                    | Intent::HandOver { .. }
            ) =>
        {
            refuse(format!(
                "the run is over ({})",
                state.run.word().to_lowercase()
            ))
        }
        Intent::Pause { reason } => match state.run {
            RunState::Running => vec![EventKind::Paused {
                reason: reason.clone(),
            }],
            _ => refuse(format!(
                "the run is {}, not running",
                state.run.word().to_lowercase()
            )),
        },
        Intent::Resume => {
            if !matches!(state.run, RunState::Paused { .. }) {
                return refuse(format!(
                    "the run is {}, not paused",
                    state.run.word().to_lowercase()
                ));
            }
            let breached: Vec<&str> = state
                .rules
                .iter()
                .filter(|(_, r)| r.state == RuleState::Breach)
                .map(|(k, _)| k.as_str())
                .collect();
            if !breached.is_empty() && role != Role::Commander {
                return refuse(format!(
                    "rules still in breach ({}): only the commander may resume now",
                    breached.join(", ")
                ));
            }
            if let Some(halt) = &state.halted
                && role != Role::Commander
            {
                return refuse(format!(
                    "the run halted ({halt}): only the commander may resume"
                ));
            }
            vec![EventKind::Resumed {}]
        }
        Intent::ApproveWave { wave } => {
            let Some(w) = state.waves.get(wave.wrapping_sub(1)) else {
                return refuse(format!("there is no wave {wave}"));
            };
            if w.state != WaveState::Pending {
                return refuse(format!("wave {wave} has already started"));
            }
            if w.approved_by.is_some() {
                return refuse(format!("wave {wave} is already approved"));
            }
            if state.next_wave() != Some(*wave) {
                return refuse(format!("wave {wave} is not the next wave"));
            }
            if plan.waves[wave - 1].approval == Approval::Auto {
                return refuse(format!(
                    "wave {wave} starts by itself after the soak; no approval needed"
                ));
            }
            vec![EventKind::WaveApproved { wave: *wave }]
        }
        Intent::RollbackHosts { hosts } => {
            if !rollback_step {
                return refuse("the runbook has no rollback step".into());
            }
            for name in hosts {
                match state.host(name) {
                    None => return refuse(format!("no host named {name}")),
                    Some(h) if h.rollback_pending => {
                        return refuse(format!("{name} is already rolling back"));
                    }
                    Some(h) if !h.state.is_touched() => {
                        return refuse(format!(
                            "{name} is {}: nothing to roll back",
                            h.state.word()
                        ));
                    }
                    Some(_) => {}
                }
            }
            start_rollback(
                Scope::Hosts {
                    hosts: hosts.clone(),
                },
                hosts.clone(),
                actor,
            )
        }
        Intent::RollbackWave { wave } => {
            if !rollback_step {
                return refuse("the runbook has no rollback step".into());
            }
            if state.waves.get(wave.wrapping_sub(1)).is_none() {
                return refuse(format!("there is no wave {wave}"));
            }
            let hosts = touched_in_wave(state, *wave);
            if hosts.is_empty() {
                return refuse(format!("wave {wave} has no host to roll back"));
            }
            start_rollback(Scope::Wave { wave: *wave }, hosts, actor)
        }
        Intent::RollbackFleet { typed_count } => {
            if !rollback_step {
                return refuse("the runbook has no rollback step".into());
            }
            let hosts = touched_in_fleet(state);
            if hosts.is_empty() {
                return refuse("no host has been touched: nothing to roll back".into());
            }
            if *typed_count != hosts.len() {
                return refuse(format!(
                    "type the number of hosts to roll back ({}) to confirm; you typed {typed_count}",
                    hosts.len()
                ));
            }
            start_rollback(Scope::Fleet, hosts, actor)
        }
        Intent::ConfirmRollback => {
            // The newest offer that still covers a host (older ones may be moot by now).
            let Some(offer) = state
                .offers
                .iter()
                .rev()
                .find(|o| !state.offer_hosts(o).is_empty())
                .or(state.offers.last())
            else {
                return refuse("no rollback is waiting for confirmation".into());
            };
            if role != Role::Commander && role != offer.confirm_by {
                return refuse(format!(
                    "this rollback is for the {} to confirm",
                    offer.confirm_by.as_str()
                ));
            }
            let hosts: Vec<String> = state.offer_hosts(offer);
            if hosts.is_empty() {
                return refuse("the hosts of that rollback are already rolled back".into());
            }
            vec![EventKind::RollbackStarted {
                scope: offer.scope.clone(),
                hosts,
                reason: format!(
                    "confirmed by {} ({}): {}",
                    actor.name,
                    role.as_str(),
                    offer.reason
                ),
            }]
        }
        Intent::RetryHost { host } => match state.host(host).map(|h| &h.state) {
            None => refuse(format!("no host named {host}")),
            Some(HostState::Failed { .. } | HostState::Interrupted { .. }) => {
                vec![EventKind::HostRetried { host: host.clone() }]
            }
            Some(s) => refuse(format!(
                "{host} is {}; only failed or interrupted hosts can be retried",
                s.word()
            )),
        },
        Intent::SkipHost { host } => match state.host(host).map(|h| &h.state) {
            None => refuse(format!("no host named {host}")),
            Some(HostState::Pending | HostState::Failed { .. }) => {
                vec![EventKind::HostSkipped { host: host.clone() }]
            }
            Some(s) => refuse(format!(
                "{host} is {}; only pending or failed hosts can be skipped",
                s.word()
            )),
        },
        Intent::DeclareFault { level, reason } => {
            let mut out = vec![EventKind::FaultDeclared {
                level: *level,
                reason: reason.clone(),
                rule: None,
            }];
            out.extend(fault_consequences(state, *level, reason));
            out
        }
        Intent::RecordImpact {
            traffic_drop_pct,
            failed_tx_pct,
            note,
        } => {
            for v in [traffic_drop_pct, failed_tx_pct].into_iter().flatten() {
                if !(0.0..=100.0).contains(v) {
                    return refuse(format!("{v} is not a percentage between 0 and 100"));
                }
            }
            vec![EventKind::ImpactRecorded {
                traffic_drop_pct: *traffic_drop_pct,
                failed_tx_pct: *failed_tx_pct,
                note: note.clone(),
            }]
        }
        Intent::CheckItem { role: owner, item } => {
            match state.checklists.get(owner).and_then(|l| l.get(*item)) {
                None => refuse(format!(
                    "the {} checklist has no item {}",
                    owner.as_str(),
                    item + 1
                )),
                Some(i) if i.checked.is_some() => {
                    refuse(format!("\"{}\" is already checked", i.text))
                }
                Some(i) => vec![EventKind::ChecklistChecked {
                    role: *owner,
                    item: *item,
                    text: i.text.clone(),
                }],
            }
        }
        Intent::SendStatusUpdate { audience, text } => {
            if text.trim().is_empty() {
                return refuse("the status update is empty".into());
            }
            vec![EventKind::StatusUpdateSent {
                audience: *audience,
                text: text.clone(),
            }]
        }
        Intent::HandOver { role: r, to } => {
            if to.trim().is_empty() {
                return refuse("name who takes over".into());
            }
            vec![EventKind::Handover {
                role: *r,
                to: to.clone(),
            }]
        }
        Intent::InjectFault { scenario } => inject(state, actor, scenario),
    }
}

/// A person injects a fault into a demo or drill: only into the simulated fleet, and only a
/// scenario it knows.
fn inject(state: &State, actor: &Actor, scenario: &str) -> Vec<EventKind> {
    let refuse = |reason: String| {
        vec![EventKind::IntentRefused {
            intent: format!("inject the {scenario} fault"),
            reason,
        }]
    };
    let Some(injection) = &state.injection else {
        return refuse(
            "this run works on a real fleet; faults are injected only into the simulated one (ripcord demo, ripcord drill --demo)".into(),
        );
    };
    if injection.target != super::event::InjectTarget::Simulator || injection.scenarios.is_empty() {
        return refuse(
            "this drill's fault reaches the hosts through its steps (RIPCORD_DRILL), not by key; set it with --fault or [drill] fault".into(),
        );
    }
    if !injection.scenarios.iter().any(|s| s == scenario) {
        return refuse(format!(
            "unknown scenario `{scenario}`: use one of {}",
            injection.scenarios.join(", ")
        ));
    }
    vec![EventKind::FaultInjected {
        scenario: scenario.to_string(),
        why: format!("injected by {} from the cockpit", actor.name),
    }]
}

fn start_rollback(scope: Scope, hosts: Vec<String>, actor: &Actor) -> Vec<EventKind> {
    let reason = format!("requested by {}", actor.name);
    vec![
        EventKind::RollbackRequested {
            scope: scope.clone(),
            hosts: hosts.clone(),
            reason: reason.clone(),
            confirm_by: None,
        },
        EventKind::RollbackStarted {
            scope,
            hosts,
            reason,
        },
    ]
}
