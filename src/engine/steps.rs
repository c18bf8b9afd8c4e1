//! Which step each host runs next, and starting them within `parallel` and per-wave barriers.

use std::collections::BTreeMap;

use super::event::{EventKind, PlanSnapshot};
use super::state::{HostRec, HostState, State};
use crate::runbook::{Per, StepName};

/// The forward step after `done`, among those the plan defines.
pub fn next_step(plan: &PlanSnapshot, done: StepName) -> Option<StepName> {
    let pos = StepName::FORWARD.iter().position(|s| *s == done)?;
    StepName::FORWARD[pos + 1..]
        .iter()
        .copied()
        .find(|s| has(plan, *s))
}

/// The first forward step the plan defines.
pub fn first_step(plan: &PlanSnapshot) -> Option<StepName> {
    StepName::FORWARD.iter().copied().find(|s| has(plan, *s))
}

/// True when the plan defines `step`.
pub fn has(plan: &PlanSnapshot, step: StepName) -> bool {
    plan.steps.iter().any(|s| s.name == step)
}

/// How `step` runs (per host unless the plan says per wave).
pub fn per_of(plan: &PlanSnapshot, step: StepName) -> Per {
    plan.steps
        .iter()
        .find(|s| s.name == step)
        .map_or(Per::Host, |s| s.per)
}

/// The forward step a host needs next, or None when it needs none now.
/// `new_hosts` says whether a pending host may start at all.
fn forward_need(plan: &PlanSnapshot, h: &HostRec, new_hosts: bool) -> Option<StepName> {
    match &h.state {
        HostState::Pending if new_hosts => first_step(plan),
        HostState::Between { done } if done.is_forward() => {
            let next = next_step(plan, *done)?;
            // Steps up to the upgrade start only while the run may start new work.
            (new_hosts || next == StepName::Verify).then_some(next)
        }
        HostState::Interrupted { step } => match step {
            StepName::Upgrade | StepName::Verify if has(plan, StepName::Verify) => {
                Some(StepName::Verify)
            }
            StepName::Backup | StepName::VerifyBackup | StepName::Precheck if new_hosts => {
                Some(*step)
            }
            _ => None,
        },
        HostState::Upgraded if h.reverify_pending => Some(StepName::Verify),
        _ => None,
    }
}

/// The rollback step a host needs: `Some(Some(step))` to run, `Some(None)` when it is rolled
/// back, `None` while it must wait (a forward step still running).
pub fn next_rollback_step(plan: &PlanSnapshot, state: &HostState) -> Option<Option<StepName>> {
    let verify = has(plan, StepName::VerifyRollback);
    match state {
        HostState::Running { .. } | HostState::StepFailed { .. } => None,
        HostState::Between {
            done: StepName::Rollback,
        } => Some(verify.then_some(StepName::VerifyRollback)),
        HostState::Between {
            done: StepName::VerifyRollback,
        } => Some(None),
        HostState::Interrupted {
            step: StepName::Rollback | StepName::VerifyRollback,
        } => Some(Some(if verify {
            StepName::VerifyRollback
        } else {
            StepName::Rollback
        })),
        HostState::RolledBack | HostState::RollbackFailed { .. } => None,
        _ => Some(Some(StepName::Rollback)),
    }
}

/// Collects which hosts want which step, then starts what `parallel` and barriers allow.
pub struct Sched<'a> {
    state: &'a State,
    rollback_wants: Vec<(&'a HostRec, StepName)>,
    next_job: u64,
}

impl<'a> Sched<'a> {
    /// A scheduler over `state`.
    pub fn new(state: &'a State) -> Self {
        Self {
            state,
            rollback_wants: Vec::new(),
            next_job: state.next_job,
        }
    }

    /// Records that `host` wants rollback step `step`.
    pub fn want(&mut self, host: &'a HostRec, step: StepName) {
        self.rollback_wants.push((host, step));
    }

    fn running_in_wave(&self, wave: usize) -> u32 {
        self.state
            .wave_hosts(wave)
            .filter(|h| h.state.is_running())
            .count() as u32
    }

    fn parallel(&self, wave: usize) -> u32 {
        self.state
            .plan
            .as_ref()
            .and_then(|p| p.waves.get(wave - 1))
            .map_or(1, |w| w.parallel.max(1))
    }

    /// Starts the rollback steps wanted, per wave, within `parallel`.
    pub fn dispatch_rollback(&mut self, out: &mut Vec<EventKind>) {
        let wants = std::mem::take(&mut self.rollback_wants);
        self.start(wants, out);
    }

    /// Starts forward steps of the active wave (and reverifies), within `parallel`.
    /// `new_work`: pending hosts may start and pre-upgrade steps may run.
    pub fn dispatch(&mut self, new_work: bool, out: &mut Vec<EventKind>) {
        let Some(plan) = self.state.plan.as_deref() else {
            return;
        };
        let wants: Vec<(&HostRec, StepName)> = self
            .state
            .hosts
            .iter()
            .filter(|h| !h.rollback_pending && !h.rollback_offered)
            .filter(|h| {
                let w = &self.state.waves[h.wave - 1];
                w.started_at.is_some() && w.completed_at.is_none()
            })
            .filter_map(|h| forward_need(plan, h, new_work).map(|s| (h, s)))
            .collect();
        let mut wants = wants;
        // Hosts already under way finish before new ones start (stable: plan order otherwise).
        wants.sort_by_key(|(h, _)| h.state == HostState::Pending);
        self.start(wants, out);
    }

    fn start(&mut self, wants: Vec<(&HostRec, StepName)>, out: &mut Vec<EventKind>) {
        let Some(plan) = self.state.plan.as_deref() else {
            return;
        };
        let mut by_wave: BTreeMap<usize, Vec<(&HostRec, StepName)>> = BTreeMap::new();
        for (h, s) in wants {
            by_wave.entry(h.wave).or_default().push((h, s));
        }
        for (wave, wants) in by_wave {
            let mut running = self.running_in_wave(wave);
            let limit = self.parallel(wave);
            // Per-wave steps: one process for every host waiting at that step, once no host of
            // the wave is still running or behind it (a barrier).
            let mut per_wave: BTreeMap<StepName, Vec<String>> = BTreeMap::new();
            for (h, step) in &wants {
                if per_of(plan, *step) == Per::Wave {
                    per_wave.entry(*step).or_default().push(h.name.clone());
                }
            }
            for (step, hosts) in per_wave {
                let behind = self.state.wave_hosts(wave).any(|h| {
                    h.state.is_running() || wants.iter().any(|(w, s)| w.name == h.name && *s < step)
                });
                if !behind {
                    let job = self.take_job();
                    out.extend(hosts.into_iter().map(|host| EventKind::HostStepStarted {
                        host,
                        step,
                        wave,
                        job,
                        per: Per::Wave,
                    }));
                    running = limit; // the wave's process owns the wave until it ends
                }
            }
            // Per-host steps: hosts already under way first (they are earlier in the list).
            for (h, step) in wants.iter().filter(|(_, s)| per_of(plan, *s) == Per::Host) {
                if running >= limit {
                    break;
                }
                let job = self.take_job();
                out.push(EventKind::HostStepStarted {
                    host: h.name.clone(),
                    step: *step,
                    wave,
                    job,
                    per: Per::Host,
                });
                running += 1;
            }
        }
    }

    fn take_job(&mut self) -> u64 {
        let j = self.next_job;
        self.next_job += 1;
        j
    }
}
