//! `decide`: given the state and the time, what ripcord does next, as events to journal.
//!
//! The shell journals each returned event, applies it, performs the effect it names
//! (`host_step_started` spawns a step process), and calls `decide` again until it returns
//! nothing. Every decision is an event, so the journal says what ripcord did and why.

use super::event::{EventKind, Scope};
use super::evidence::RuleState;
use super::reaction::{react_to_breach, react_to_host_failure};
use super::state::{HostState, RunState, State, WaveState};
use super::steps::{Sched, next_rollback_step, next_step};
use crate::journal::Timestamp;
use crate::runbook::{Approval, NoData, Reverify, StepName};

/// Everything ripcord decides to do now. Empty when there is nothing to do until
/// something happens (a step ends, a sample arrives, time passes, an operator acts).
pub fn decide(state: &State, now: Timestamp) -> Vec<EventKind> {
    let Some(plan) = state.plan.as_deref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    timers(state, now, &mut out);
    if !out.is_empty() {
        return out;
    }
    // A drill's planned fault lands as its wave starts, before the wave's first step.
    if let Some(injected) = super::recovery::planned_injection(state) {
        return vec![injected];
    }
    // Reactions first: a failure or breach must stop the next step from starting.
    for h in &state.hosts {
        if let HostState::StepFailed {
            step,
            outcome,
            reason,
        } = &h.state
        {
            return react_to_host_failure(state, &h.name, *step, *outcome, reason);
        }
        // An upgrade cut short by a crash can only be judged by a verify step; without one the
        // host's state is unknown, and it counts as failed rather than being upgraded again.
        if let HostState::Interrupted {
            step: step @ (StepName::Upgrade | StepName::Verify),
        } = h.state
            && !h.rollback_pending
            && !super::steps::has(plan, StepName::Verify)
        {
            let why = format!(
                "interrupted during {}; the runbook has no verify step to check the host",
                step.as_str()
            );
            return react_to_host_failure(state, &h.name, step, crate::exec::Outcome::Killed, &why);
        }
    }
    for (key, rule) in &state.rules {
        if rule_acts(state, key, rule)
            && !rule.reacted
            && let Some(ev) = &rule.evidence
        {
            let out = react_to_breach(state, key, ev);
            if !out.is_empty() {
                return out;
            }
        }
    }
    let mut sched = Sched::new(state);
    rollback_progress(state, &mut sched, &mut out);
    if !out.is_empty() || state.run.is_over() {
        return out;
    }
    if let Some(since) = super::recovery::recovering(state) {
        super::recovery::recovery(state, since, now, &mut out);
        return out;
    }
    // Bookkeeping and safe steps (verify) go on while paused; nothing new is upgraded.
    for h in &state.hosts {
        if h.rollback_pending {
            continue;
        }
        if let HostState::Between { done } = h.state
            && done.is_forward()
            && next_step(plan, done).is_none()
        {
            out.push(EventKind::HostUpgraded {
                host: h.name.clone(),
                wave: h.wave,
            });
        }
    }
    if !out.is_empty() {
        return out;
    }
    let running = matches!(state.run, RunState::Running) && state.halted.is_none();
    sched.dispatch(running && holding(state).is_none(), &mut out);
    if !out.is_empty() || !running {
        return out;
    }
    waves(state, now, &mut out);
    out
}

/// Rules that hold new hosts back because they cannot see (fail-closed `no_data = "hold"`).
pub fn holding(state: &State) -> Option<Vec<String>> {
    let blind: Vec<String> = state
        .rules
        .iter()
        .filter(|(k, r)| r.state.is_blind() && no_data_policy(state, k) == NoData::Hold)
        .map(|(k, r)| format!("{k} ({})", r.state.as_str()))
        .collect();
    (!blind.is_empty()).then_some(blind)
}

/// True when a rule calls for action: in breach, or blind where its plan says blind is a
/// breach (`no_data = "breach"`).
pub fn rule_acts(state: &State, key: &str, rule: &super::state::RuleRec) -> bool {
    rule.state == RuleState::Breach
        || (rule.state.is_blind() && no_data_policy(state, key) == NoData::Breach)
}

/// The no-data policy of the rule behind `key` (`name` or `name@host`).
pub fn no_data_policy(state: &State, key: &str) -> NoData {
    let name = key.split('@').next().unwrap_or(key);
    state
        .plan
        .as_ref()
        .and_then(|p| p.rules.iter().find(|r| r.name == name))
        .map_or(NoData::Hold, |r| r.no_data)
}

fn timers(state: &State, now: Timestamp, out: &mut Vec<EventKind>) {
    let Some(plan) = state.plan.as_deref() else {
        return;
    };
    if let Some(due) = state.status_due_at
        && now >= due
        && !state.status_due_raised
        && !state.run.is_over()
    {
        out.push(EventKind::StatusUpdateDue { due_at: due });
    }
    let Some(fault) = state.first_fault_at() else {
        return;
    };
    let t = plan.targets;
    let start_deadline = fault.plus_millis(t.rollback_start_within_ms as i64);
    let started = state.rollback_started_at.is_some_and(|s| s >= fault);
    if !started && now > start_deadline && !state.sla_missed.contains("rollback_start_within") {
        out.push(EventKind::SlaMissed {
            target: "rollback_start_within".into(),
            deadline: start_deadline,
        });
    }
    let restore_deadline = fault.plus_millis(t.restore_within_ms as i64);
    // Restored means the service was seen to recover, not only that the rollback ended.
    let restored =
        state.recovered_at.is_some_and(|s| s >= fault) || state.run == RunState::Completed;
    if !restored && now > restore_deadline && !state.sla_missed.contains("restore_within") {
        out.push(EventKind::SlaMissed {
            target: "restore_within".into(),
            deadline: restore_deadline,
        });
    }
}

fn rollback_progress<'a>(state: &'a State, sched: &mut Sched<'a>, out: &mut Vec<EventKind>) {
    let Some(plan) = state.plan.as_deref() else {
        return;
    };
    for h in state.hosts.iter().filter(|h| h.rollback_pending) {
        match next_rollback_step(plan, &h.state) {
            Some(Some(step)) => sched.want(h, step),
            Some(None) => out.push(EventKind::HostRolledBack {
                host: h.name.clone(),
            }),
            None => {}
        }
    }
    if !out.is_empty() {
        return;
    }
    sched.dispatch_rollback(out);
    if !out.is_empty() {
        return;
    }
    if let Some((scope, hosts)) = &state.rollback {
        let pending = state.hosts.iter().any(|h| h.rollback_pending);
        if !pending && !state.anything_running() {
            let count = |f: fn(&HostState) -> bool| {
                hosts
                    .iter()
                    .filter(|n| state.host(n).is_some_and(|h| f(&h.state)))
                    .count()
            };
            out.push(EventKind::RollbackCompleted {
                scope: scope.clone(),
                rolled_back: count(|s| *s == HostState::RolledBack),
                failed: count(|s| matches!(s, HostState::RollbackFailed { .. })),
            });
        }
    }
}

fn waves(state: &State, now: Timestamp, out: &mut Vec<EventKind>) {
    let Some(plan) = state.plan.as_deref() else {
        return;
    };
    if let Some(n) = state.active_wave() {
        let wave = &state.waves[n - 1];
        let hosts: Vec<_> = state.wave_hosts(n).collect();
        match wave.state {
            WaveState::Running
                if hosts
                    .iter()
                    .all(|h| h.state.is_settled() && !h.rollback_pending) =>
            {
                let soak = plan.waves[n - 1].soak_ms;
                out.push(EventKind::SoakStarted {
                    wave: n,
                    until: now.plus_millis(soak as i64),
                });
            }
            WaveState::Soaking { until } if now >= until => {
                let upgraded: Vec<String> = hosts
                    .iter()
                    .filter(|h| h.state == HostState::Upgraded)
                    .map(|h| h.name.clone())
                    .collect();
                let has_verify = plan.steps.iter().any(|s| s.name == StepName::Verify);
                let reverify = if has_verify {
                    choose_reverify(plan.policy.reverify.value, &upgraded, state.seed ^ n as u64)
                } else {
                    Vec::new()
                };
                out.push(EventKind::SoakFinished { wave: n, reverify });
            }
            WaveState::Reverifying => {
                let busy = hosts
                    .iter()
                    .any(|h| h.reverify_pending || h.state.is_running());
                if !busy {
                    let count =
                        |f: fn(&HostState) -> bool| hosts.iter().filter(|h| f(&h.state)).count();
                    out.push(EventKind::WaveCompleted {
                        wave: n,
                        upgraded: count(|s| *s == HostState::Upgraded),
                        failed: wave.failed as usize,
                        rolled_back: count(|s| *s == HostState::RolledBack),
                    });
                }
            }
            _ => {}
        }
        return;
    }
    match state.next_wave() {
        Some(n) => {
            let wp = &plan.waves[n - 1];
            let approved =
                wp.approval == Approval::Auto || state.waves[n - 1].approved_by.is_some();
            if approved && holding(state).is_none() {
                out.push(EventKind::WaveStarted {
                    wave: n,
                    hosts: wp.hosts.clone(),
                });
            }
        }
        None => out.push(EventKind::RunCompleted {}),
    }
}

/// Hosts verified again after a soak: all, a seeded sample (at least one), or none.
pub fn choose_reverify(rule: Reverify, upgraded: &[String], seed: u64) -> Vec<String> {
    match rule {
        Reverify::All => upgraded.to_vec(),
        Reverify::None => Vec::new(),
        Reverify::Sample(_) if upgraded.is_empty() => Vec::new(),
        Reverify::Sample(pct) => {
            let want = (upgraded.len() * pct as usize).div_ceil(100).max(1);
            let mut idx: Vec<usize> = (0..upgraded.len()).collect();
            let mut x = seed;
            // A partial Fisher–Yates shuffle driven by splitmix64: deterministic per seed.
            for i in 0..want {
                x = splitmix64(x);
                let j = i + (x % (idx.len() - i) as u64) as usize;
                idx.swap(i, j);
            }
            let mut chosen: Vec<usize> = idx[..want].to_vec();
            chosen.sort_unstable();
            chosen.into_iter().map(|i| upgraded[i].clone()).collect()
        }
    }
}

/// splitmix64: a tiny, well-known mixing function; enough for seeded samples.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Touched hosts of a wave (what a wave rollback covers).
pub fn touched_in_wave(state: &State, wave: usize) -> Vec<String> {
    state
        .wave_hosts(wave)
        .filter(|h| h.state.is_touched() && !h.rollback_pending)
        .map(|h| h.name.clone())
        .collect()
}

/// Touched hosts of the fleet (what a fleet rollback covers).
pub fn touched_in_fleet(state: &State) -> Vec<String> {
    state
        .hosts
        .iter()
        .filter(|h| h.state.is_touched() && !h.rollback_pending)
        .map(|h| h.name.clone())
        .collect()
}

/// Scope words for a wave rollback of the active (or last started) wave.
pub fn affected_wave(state: &State) -> Option<usize> {
    state.active_wave().or_else(|| {
        state
            .waves
            .iter()
            .rposition(|w| w.started_at.is_some())
            .map(|i| i + 1)
    })
}

/// Scope for "the affected wave".
pub fn wave_scope(state: &State) -> Option<(Scope, Vec<String>)> {
    let w = affected_wave(state)?;
    Some((Scope::Wave { wave: w }, touched_in_wave(state, w)))
}
