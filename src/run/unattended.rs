//! What a person would decide, done for a headless run (`--yes`, `--on-halt`), and the ending
//! when nothing more will happen without one.

use super::{Ending, HaltPolicy, Observer, RunError, Runner};
use crate::engine::{self, Intent, RunState, State};

impl Runner {
    /// What a person would decide, done for a headless run (`--yes`, `--on-halt`), or the
    /// ending when nothing more will happen without a person.
    pub(super) fn unattended(
        &mut self,
        observer: &mut dyn Observer,
    ) -> Result<Option<Ending>, RunError> {
        if self.state.anything_running() {
            return Ok(None);
        }
        match &self.state.run {
            RunState::Completed => return Ok(Some(Ending::Completed)),
            RunState::RolledBack => return Ok(Some(Ending::RolledBack)),
            _ => {}
        }
        let Some(on_halt) = self.on_halt else {
            return Ok(None);
        };
        let actor = self.actor.clone();
        if let Some(wave) = waiting_approval(&self.state) {
            if self.approve {
                self.submit(actor, &Intent::ApproveWave { wave }, observer)?;
                // Start what the approval allows now, not at the next tick.
                self.settle(observer)?;
                return Ok(None);
            }
            eprintln!(
                "ripcord: wave {wave} waits for the commander's approval: run again with --resume {} --yes, or approve it in the cockpit",
                self.state.run_id
            );
            return Ok(Some(Ending::Halted));
        }
        if let RunState::Recovering { .. } = self.state.run {
            // The recovery watch waits on its own; only a further rollback it offers needs
            // a decision.
            let Some(offer) = self.state.live_offers().last() else {
                return Ok(None);
            };
            if on_halt == HaltPolicy::Rollback {
                self.submit(actor, &Intent::ConfirmRollback, observer)?;
                self.settle(observer)?;
                return Ok(None);
            }
            eprintln!(
                "ripcord: run {} rolled back but has not recovered: {}; decide, then resume with `ripcord run RUNBOOK --resume {}`",
                self.state.run_id, offer.reason, self.state.run_id
            );
            return Ok(Some(Ending::Halted));
        }
        if matches!(self.state.run, RunState::Paused { .. }) {
            if on_halt == HaltPolicy::Rollback && !self.state.offers.is_empty() {
                self.submit(actor, &Intent::ConfirmRollback, observer)?;
                // The rollback's first steps start now, not at the next tick.
                self.settle(observer)?;
                return Ok(None);
            }
            let why = self.state.halted.clone().or_else(|| match &self.state.run {
                RunState::Paused { reason, .. } => Some(reason.clone()),
                _ => None,
            });
            eprintln!(
                "ripcord: run {} halted: {}; decide, then resume with `ripcord run RUNBOOK --resume {}`",
                self.state.run_id,
                why.unwrap_or_default(),
                self.state.run_id
            );
            return Ok(Some(Ending::Halted));
        }
        // Running, nothing in flight, no soak or metric hold to wait for, and decide had
        // nothing to do: no timer or producer will change that, only a person can.
        let soaking = self
            .state
            .waves
            .iter()
            .any(|w| matches!(w.state, crate::engine::WaveState::Soaking { .. }));
        if self.state.run == RunState::Running && !soaking && engine::holding(&self.state).is_none()
        {
            eprintln!(
                "ripcord: run {} cannot go further on its own ({}); decide in the cockpit, then resume with --resume {}",
                self.state.run_id,
                stuck_summary(&self.state),
                self.state.run_id
            );
            return Ok(Some(Ending::Halted));
        }
        Ok(None)
    }
}

/// Hosts that are neither settled nor pending, for the "cannot go further" message.
fn stuck_summary(state: &State) -> String {
    let open: Vec<String> = state
        .hosts
        .iter()
        .filter(|h| !h.state.is_settled() && h.state != crate::engine::HostState::Pending)
        .take(5)
        .map(|h| format!("{} {}", h.name, h.state.word()))
        .collect();
    if open.is_empty() {
        "no host is in progress".into()
    } else {
        open.join(", ")
    }
}

/// The wave waiting for approval, when the run can go no further without it.
pub fn waiting_approval(state: &State) -> Option<usize> {
    if state.run != RunState::Running || state.active_wave().is_some() {
        return None;
    }
    let n = state.next_wave()?;
    let plan = state.plan.as_ref()?;
    let needs = plan.waves[n - 1].approval == crate::runbook::Approval::Commander;
    (needs && state.waves[n - 1].approved_by.is_none()).then_some(n)
}
