//! The facts a status update states (DESIGN §1): where the upgrade stands, what changed since
//! the last update, the impact, what is being done, and when the next update comes — each for
//! the internal audience (hosts and values) and the external one (neither).

use serde::Serialize;

use crate::engine::state::HostState;
use crate::engine::{RunState, State, WaveState};
use crate::journal::Timestamp;
use crate::runbook::Audience;

/// Host counts of the whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HostCounts {
    /// Hosts in the plan.
    pub total: usize,
    /// Upgraded.
    pub upgraded: usize,
    /// Failed (including a failed rollback).
    pub failed: usize,
    /// Back on the old version.
    pub rolled_back: usize,
    /// Not started.
    pub pending: usize,
    /// Somewhere in their steps.
    pub in_progress: usize,
}

/// What a status update says, in sentences ready for a template.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// "wave 2 of 4 (canary done): 11 of 100 hosts upgraded, 1 failed, 0 rolled back".
    pub stands: String,
    /// One sentence: what changed since the last update.
    pub changed: String,
    /// Timeline lines since the last update (internal only; empty for external).
    pub changes: Vec<String>,
    /// The impact as assessed, or that none was recorded.
    pub impact: String,
    /// What is being done now.
    pub doing: String,
    /// When the next update comes, `HH:MM UTC`.
    pub next_update: String,
    /// Host counts.
    pub hosts: HostCounts,
}

/// Host counts of `state`.
pub fn host_counts(state: &State) -> HostCounts {
    let mut c = HostCounts {
        total: state.hosts.len(),
        ..HostCounts::default()
    };
    for h in &state.hosts {
        match h.state {
            HostState::Upgraded => c.upgraded += 1,
            HostState::Failed { .. } | HostState::RollbackFailed { .. } => c.failed += 1,
            HostState::RolledBack => c.rolled_back += 1,
            HostState::Pending | HostState::Skipped => c.pending += 1,
            _ => c.in_progress += 1,
        }
    }
    c
}

/// `HH:MM UTC`.
pub fn hhmm(t: Timestamp) -> String {
    t.to_datetime()
        .map_or_else(|| "--:--".into(), |d| d.format("%H:%M UTC").to_string())
}

fn wave_name(state: &State, n: usize) -> String {
    state
        .plan
        .as_ref()
        .and_then(|p| p.waves.get(n.wrapping_sub(1)))
        .map_or_else(|| format!("wave {n}"), |w| w.name.clone())
}

/// The status of `state` at `now` for `audience`.
pub fn status(state: &State, now: Timestamp, audience: Audience) -> Status {
    let hosts = host_counts(state);
    let external = audience == Audience::External;
    let every = state
        .plan
        .as_ref()
        .map_or(15 * 60_000, |p| p.targets.status_update_every_ms);
    let next = state
        .status_due_at
        .filter(|due| *due > now)
        .unwrap_or_else(|| now.plus_millis(i64::try_from(every).unwrap_or(i64::MAX)));
    let since = state.status_last_sent.or(state.started_at).unwrap_or(now);
    Status {
        stands: stands(state, &hosts, external),
        changed: changed(state, since),
        changes: if external {
            Vec::new()
        } else {
            recent_lines(state, since)
        },
        impact: impact(state),
        doing: if external {
            doing_external(state)
        } else {
            doing_internal(state)
        },
        next_update: hhmm(next),
        hosts,
    }
}

fn stands(state: &State, c: &HostCounts, external: bool) -> String {
    let waves = state.waves.len();
    let done = state
        .waves
        .iter()
        .filter(|w| w.state == WaveState::Completed)
        .count();
    let stage = match state.active_wave() {
        Some(n) if external => format!("stage {n} of {waves}"),
        Some(n) => match wave_name(state, n) {
            name if name == format!("wave {n}") => format!("wave {n} of {waves}"),
            name => format!("wave {n} of {waves} ({name})"),
        },
        None => format!("{done} of {waves} waves done"),
    };
    format!(
        "{stage}: {} of {} hosts upgraded, {} failed, {} rolled back",
        c.upgraded, c.total, c.failed, c.rolled_back
    )
}

/// When a host last finished a step: when it reached the state it is in.
fn settled_at(h: &crate::engine::state::HostRec) -> Option<Timestamp> {
    h.steps.iter().filter_map(|s| s.finished_at).max()
}

fn changed(state: &State, since: Timestamp) -> String {
    let after = |t: Option<Timestamp>| t.is_some_and(|t| t > since);
    let count = |want: fn(&HostState) -> bool| {
        state
            .hosts
            .iter()
            .filter(|h| want(&h.state) && after(settled_at(h)))
            .count()
    };
    let mut parts = Vec::new();
    let upgraded = count(|s| matches!(s, HostState::Upgraded));
    let failed = count(|s| {
        matches!(
            s,
            HostState::Failed { .. } | HostState::RollbackFailed { .. }
        )
    });
    let rolled_back = count(|s| matches!(s, HostState::RolledBack));
    for (n, what) in [
        (upgraded, "upgraded"),
        (failed, "failed"),
        (rolled_back, "rolled back"),
    ] {
        if n > 0 {
            parts.push(format!("{n} host{} {what}", if n == 1 { "" } else { "s" }));
        }
    }
    for (i, w) in state.waves.iter().enumerate() {
        if after(w.completed_at) {
            parts.push(format!("wave {} completed", i + 1));
        }
    }
    for f in state.faults.iter().filter(|f| f.at > since) {
        parts.push(format!("a {} fault was declared", f.level.as_str()));
    }
    if state.rollback_started_at.is_some_and(|t| t > since) {
        parts.push("a rollback started".into());
    }
    if parts.is_empty() {
        format!("no change since {}", hhmm(since))
    } else {
        format!("since {}: {}", hhmm(since), parts.join(", "))
    }
}

/// Timeline lines since `since`, without the outbox's own chatter; the last ten.
fn recent_lines(state: &State, since: Timestamp) -> Vec<String> {
    let lines: Vec<String> = state
        .timeline
        .iter()
        .filter(|e| e.at > since)
        .filter(|e| !e.text.starts_with("notification") && !e.text.starts_with("status update"))
        .map(|e| format!("{} {}", crate::engine::describe::clock(e.at), e.text))
        .collect();
    let skip = lines.len().saturating_sub(10);
    lines.into_iter().skip(skip).collect()
}

fn impact(state: &State) -> String {
    match &state.impact {
        None => "no user-visible impact recorded".into(),
        Some((traffic, failed_tx, note)) => {
            let mut parts = Vec::new();
            if let Some(t) = traffic {
                parts.push(format!("traffic down {t}%"));
            }
            if let Some(f) = failed_tx {
                parts.push(format!("{f}% of transactions failing"));
            }
            if !note.trim().is_empty() {
                parts.push(note.trim().to_string());
            }
            if parts.is_empty() {
                "no user-visible impact recorded".into()
            } else {
                parts.join("; ")
            }
        }
    }
}

fn doing_internal(state: &State) -> String {
    match &state.run {
        RunState::NotStarted => "preparing the run".into(),
        RunState::Running => match state.active_wave() {
            Some(n) => match state.waves[n - 1].state {
                WaveState::Soaking { until } => format!(
                    "watching {} during its soak (until {})",
                    wave_name(state, n),
                    hhmm(until)
                ),
                WaveState::Reverifying => {
                    format!("verifying {} again after its soak", wave_name(state, n))
                }
                _ => {
                    let hosts: Vec<_> = state.wave_hosts(n).collect();
                    let settled = hosts.iter().filter(|h| h.state.is_settled()).count();
                    format!(
                        "upgrading {} ({settled} of {} hosts done)",
                        wave_name(state, n),
                        hosts.len()
                    )
                }
            },
            None => match crate::run::waiting_approval(state) {
                Some(n) => format!("waiting for the commander to approve wave {n}"),
                None => "moving to the next wave".into(),
            },
        },
        RunState::Paused { reason, by } => {
            let mut text = format!("paused by {by}: {reason}");
            for o in &state.offers {
                text.push_str(&format!(
                    "; rollback of {} offered, the {} confirms",
                    o.scope.describe(),
                    o.confirm_by.as_str()
                ));
            }
            text
        }
        RunState::RollingBack { scope } => {
            let (done, all) = state.rollback.as_ref().map_or((0, 0), |(_, hosts)| {
                let done = hosts
                    .iter()
                    .filter(|h| state.host(h).is_some_and(|r| !r.rollback_pending))
                    .count();
                (done, hosts.len())
            });
            format!(
                "rolling back {}: {done} of {all} hosts back on the old version",
                scope.describe()
            )
        }
        RunState::Completed => "nothing more: every wave is done".into(),
        RunState::Recovering { .. } => {
            let still = crate::engine::recovery::still_breaching(state);
            if still.is_empty() {
                "rolled back; confirming the service has recovered".into()
            } else {
                format!(
                    "rolled back; verifying the system, then dependent services, then the business flow (still in breach: {})",
                    still.join(", ")
                )
            }
        }
        RunState::RolledBack if state.recovered_at.is_some() => {
            "rolled back; the service has recovered, every gate is clear".into()
        }
        RunState::RolledBack => {
            "rolled back; the service was not seen to recover, the team is investigating".into()
        }
    }
}

fn doing_external(state: &State) -> String {
    match &state.run {
        RunState::NotStarted => "we are preparing the maintenance".into(),
        RunState::Running => match state.active_wave() {
            Some(n) if matches!(state.waves[n - 1].state, WaveState::Soaking { .. }) => {
                "we are watching the upgraded part of the service before going further".into()
            }
            _ => "the maintenance is proceeding in stages".into(),
        },
        RunState::Paused { .. } => {
            "we have paused the maintenance while the team investigates".into()
        }
        RunState::RollingBack { .. } => "we are reverting the change".into(),
        RunState::Completed => "the maintenance is complete".into(),
        RunState::RolledBack if state.recovered_at.is_some() => {
            "the change has been reverted and service is back to normal".into()
        }
        RunState::Recovering { .. } | RunState::RolledBack => {
            "the change has been reverted and we are verifying that service is normal".into()
        }
    }
}
