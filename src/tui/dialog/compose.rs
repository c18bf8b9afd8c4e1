//! The status-update composer: pre-filled from the run's state (internal updates may name hosts
//! and values; external ones never name hosts and promise no resolution time), editable, and
//! sent with `send_status_update` to the plan's channels.
//!
//! The cockpit pre-fills with the notify module's shipped templates ([`StatusText`], set by
//! the shell); without them (tests, a plan without its runbook) a local pre-fill built from
//! the state stands in.

use std::sync::Arc;

use crossterm::event::KeyCode;

use super::{Reply, move_focus};
use crate::engine::{Intent, RunState, State, WaveState};
use crate::journal::Timestamp;
use crate::runbook::Audience;
use crate::tui::editor::TextArea;
use crate::tui::format::clock_hm;
use crate::tui::keymap::{Action, Key};

/// Writes a status update for an audience at a time: the notify module's templates, with its
/// redaction and, for external readers, its scrubbing of host names.
#[derive(Clone)]
pub struct StatusText(pub Arc<ComposeFn>);

/// The function behind [`StatusText`]: the state, the audience, the time → the text.
pub type ComposeFn = dyn Fn(&State, Audience, Timestamp) -> String + Send + Sync;

impl std::fmt::Debug for StatusText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StatusText(..)")
    }
}

impl PartialEq for StatusText {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The composer.
#[derive(Debug, Clone, PartialEq)]
pub struct Composer {
    /// Internal or external.
    pub audience: Audience,
    /// The text.
    pub text: TextArea,
    /// The operator changed the pre-filled text (switching audience then keeps it).
    pub edited: bool,
    /// 0 audience, 1 text, 2 Cancel, 3 Send.
    pub focus: usize,
    /// Why the last Send did nothing.
    pub note: Option<String>,
    /// When it was opened (the time the pre-fill speaks of).
    pub at: Timestamp,
    /// The templates, when the shell has them.
    pub templates: Option<StatusText>,
}

impl Composer {
    /// A composer pre-filled for internal readers at `now`.
    pub fn new(state: &State, now: Timestamp, templates: Option<StatusText>) -> Self {
        let mut c = Self {
            audience: Audience::Internal,
            text: TextArea::multi(""),
            edited: false,
            focus: 1,
            note: None,
            at: now,
            templates,
        };
        c.fill(state);
        c
    }

    fn fill(&mut self, state: &State) {
        let text = match &self.templates {
            Some(t) => (t.0)(state, self.audience, self.at),
            None => prefill(state, self.audience, self.at),
        };
        self.text = TextArea::multi(&text);
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: Key, action: Option<Action>, state: &State) -> Reply {
        if action == Some(Action::Close) {
            return Reply::Close;
        }
        if move_focus(&mut self.focus, 4, key, action) {
            return Reply::Stay;
        }
        match (self.focus, action) {
            (0, _)
                if matches!(
                    key.code,
                    KeyCode::Left | KeyCode::Right | KeyCode::Char(' ')
                ) =>
            {
                self.audience = match self.audience {
                    Audience::Internal => Audience::External,
                    Audience::External => Audience::Internal,
                };
                if !self.edited {
                    self.fill(state);
                }
            }
            (0, Some(Action::Submit)) => self.focus = 1,
            (1, _) if self.text.edit(key) => {
                self.edited = true;
                self.note = None;
            }
            (2, Some(Action::Submit)) => return Reply::Close,
            (3, Some(Action::Submit)) => {
                let text = self.text.text().trim().to_string();
                if text.is_empty() {
                    self.note = Some("the update is empty".into());
                } else {
                    return Reply::Submit(Intent::SendStatusUpdate {
                        audience: self.audience,
                        text,
                    });
                }
            }
            _ => {}
        }
        Reply::Stay
    }
}

fn progress(state: &State) -> (usize, usize, usize, usize) {
    let mut upgraded = 0;
    let mut failed = 0;
    let mut rolled_back = 0;
    for h in &state.hosts {
        match h.state {
            crate::engine::HostState::Upgraded => upgraded += 1,
            crate::engine::HostState::Failed { .. }
            | crate::engine::HostState::StepFailed { .. }
            | crate::engine::HostState::RollbackFailed { .. } => failed += 1,
            crate::engine::HostState::RolledBack => rolled_back += 1,
            _ => {}
        }
    }
    (upgraded, failed, rolled_back, state.hosts.len())
}

fn doing(state: &State) -> String {
    let wave_name = |n: usize| {
        state
            .plan
            .as_ref()
            .and_then(|p| p.waves.get(n - 1))
            .map_or_else(|| format!("wave {n}"), |w| w.name.clone())
    };
    match &state.run {
        RunState::Paused { reason, .. } => format!("paused ({reason}); deciding the next step"),
        RunState::RollingBack { scope } => format!("rolling back {}", scope.describe()),
        RunState::Completed => "the upgrade is complete".into(),
        RunState::Recovering { .. } => "the change is rolled back; verifying services".into(),
        RunState::RolledBack if state.recovered_at.is_some() => {
            "the change is rolled back and the service has recovered".into()
        }
        RunState::RolledBack => {
            "the change is rolled back; the service has not recovered yet".into()
        }
        RunState::NotStarted => "preparing".into(),
        RunState::Running => match state.active_wave() {
            Some(n) => match state.waves[n - 1].state {
                WaveState::Soaking { until } => format!(
                    "{} is soaking until {} UTC while the gates are watched",
                    wave_name(n),
                    clock_hm(until)
                ),
                _ => format!("upgrading {}", wave_name(n)),
            },
            None => match crate::run::waiting_approval(state) {
                Some(n) => format!("{} waits for the commander's approval", wave_name(n)),
                None => "between waves".into(),
            },
        },
    }
}

/// The pre-filled text of a status update.
pub fn prefill(state: &State, audience: Audience, now: Timestamp) -> String {
    let plan_name = state
        .plan
        .as_ref()
        .map_or("the upgrade", |p| p.name.as_str());
    // Sending this update restarts the cadence: the next is due one period from now.
    let next = state.plan.as_ref().map_or_else(
        || "on the usual cadence".into(),
        |p| {
            format!(
                "by {} UTC",
                clock_hm(now.plus_millis(p.targets.status_update_every_ms as i64))
            )
        },
    );
    let faulty = state.first_fault_at().is_some();
    match audience {
        Audience::Internal => {
            let (up, failed, rb, total) = progress(state);
            let wave = state.active_wave().or_else(|| state.next_wave());
            let waves = state.waves.len();
            let since = state.status_last_sent.or(state.started_at);
            let changes: Vec<&str> = state
                .timeline
                .iter()
                .rev()
                .filter(|e| since.is_none_or(|s| e.at > s))
                // The reminder itself is not news to the reader.
                .filter(|e| e.text != "status update due")
                .take(4)
                .map(|e| e.text.as_str())
                .collect();
            let impact = match &state.impact {
                Some((traffic, failed_tx, note)) => format!(
                    "traffic drop {}, failed transactions {}{}",
                    traffic.map_or_else(|| "—".into(), |v| format!("{v}%")),
                    failed_tx.map_or_else(|| "—".into(), |v| format!("{v}%")),
                    if note.is_empty() {
                        String::new()
                    } else {
                        format!(" ({note})")
                    }
                ),
                None => "none recorded".into(),
            };
            let mut trouble: Vec<String> = state
                .hosts
                .iter()
                .filter_map(|h| match &h.state {
                    crate::engine::HostState::Failed { step, reason, .. } => {
                        Some(format!("{} ({} {reason})", h.name, step.as_str()))
                    }
                    _ => None,
                })
                .take(5)
                .collect();
            if let Some(o) = state.offers.last() {
                trouble.push(format!(
                    "rollback of {} proposed ({}), the {} confirms",
                    o.scope.describe(),
                    crate::engine::describe::host_range(&o.hosts),
                    o.confirm_by.as_str()
                ));
            }
            let trouble = if trouble.is_empty() {
                String::new()
            } else {
                format!("\nAttention: {}.", trouble.join("; "))
            };
            format!(
                "Status of {plan_name} at {} UTC\nWhere it stands: {}{}; {up}/{total} hosts upgraded, {failed} failed, {rb} rolled back.{trouble}\nSince {}: {}.\nImpact: {impact}.\nWhat we are doing: {}.\nNext update {next}.",
                clock_hm(now),
                state.run.word().to_lowercase(),
                wave.map(|w| format!(", wave {w} of {waves}"))
                    .unwrap_or_default(),
                if state.status_last_sent.is_some() {
                    "the last update"
                } else {
                    "the start"
                },
                if changes.is_empty() {
                    "no change".to_string()
                } else {
                    changes.join("; ")
                },
                doing(state),
            )
        }
        Audience::External => {
            let stage = match &state.run {
                RunState::Completed => "has been completed",
                RunState::RolledBack | RunState::Recovering { .. } => "has been rolled back",
                RunState::RollingBack { .. } => "is being rolled back",
                RunState::Paused { .. } => "is paused",
                _ => "is in progress",
            };
            let health = if faulty {
                "We are seeing an issue affecting part of the service and are working on it."
            } else {
                "No impact on the service is expected."
            };
            format!("Planned maintenance ({plan_name}) {stage}.\n{health}\nNext update {next}.")
        }
    }
}
