//! Confirmations of destructive actions: each names exactly what happens and to which hosts,
//! focus starts on Cancel, and a fleet rollback needs the host count typed first.

use crossterm::event::KeyCode;

use super::{Reply, is_left_right, move_focus};
use crate::engine::decide::{touched_in_fleet, touched_in_wave};
use crate::engine::describe::host_range;
use crate::engine::{Intent, Scope, State};
use crate::runbook::StepName;
use crate::tui::editor::TextArea;
use crate::tui::format::plural;
use crate::tui::keymap::{Action, Key};

/// What confirming does.
#[derive(Debug, Clone, PartialEq)]
pub enum Then {
    /// Send this intent.
    Intent(Intent),
    /// Leave the cockpit.
    Quit,
}

/// The two buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    /// Do nothing (where focus starts).
    Cancel,
    /// Do it.
    Ok,
}

/// A count that must be typed before the OK button works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    /// The number to type.
    pub expected: usize,
    /// What has been typed.
    pub input: TextArea,
}

/// A confirmation dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    /// Title: "Roll back wave 2".
    pub title: String,
    /// What happens, to whom, why: one paragraph per entry.
    pub body: Vec<String>,
    /// Hosts affected, every one named.
    pub hosts: Vec<String>,
    /// Label of the OK button: "Roll back 7 hosts".
    pub ok_label: String,
    /// What OK does.
    pub then: Then,
    /// A count to type first (fleet rollback).
    pub typed: Option<Typed>,
    /// The focused button.
    pub focus: Button,
    /// A note after a refused OK ("type 41 first").
    pub note: Option<String>,
}

impl Confirm {
    fn new(
        title: String,
        body: Vec<String>,
        hosts: Vec<String>,
        ok_label: String,
        then: Then,
    ) -> Self {
        Self {
            title,
            body,
            hosts,
            ok_label,
            then,
            typed: None,
            focus: Button::Cancel,
            note: None,
        }
    }

    /// True when OK would act now (nothing left to type).
    pub fn ready(&self) -> bool {
        self.typed
            .as_ref()
            .is_none_or(|t| t.input.text().trim().parse::<usize>().ok() == Some(t.expected))
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: Key, action: Option<Action>) -> Reply {
        if action == Some(Action::Close) {
            return Reply::Close;
        }
        let mut two = if self.focus == Button::Cancel { 0 } else { 1 };
        if move_focus(&mut two, 2, key, action) || is_left_right(key) {
            if is_left_right(key) {
                two = usize::from(key.code == KeyCode::Right);
            }
            self.focus = if two == 0 { Button::Cancel } else { Button::Ok };
            return Reply::Stay;
        }
        if action == Some(Action::Submit) {
            if self.focus == Button::Cancel {
                return Reply::Close;
            }
            if !self.ready() {
                let n = self.typed.as_ref().map_or(0, |t| t.expected);
                self.note = Some(format!("type the number of hosts ({n}) to confirm"));
                return Reply::Stay;
            }
            return match &self.then {
                Then::Quit => Reply::Quit,
                Then::Intent(Intent::RollbackFleet { .. }) => {
                    Reply::Submit(Intent::RollbackFleet {
                        typed_count: self.typed.as_ref().map_or(0, |t| t.expected),
                    })
                }
                Then::Intent(i) => Reply::Submit(i.clone()),
            };
        }
        if let Some(t) = &mut self.typed {
            let digit_or_edit = matches!(key.code, KeyCode::Char(c) if c.is_ascii_digit())
                || matches!(key.code, KeyCode::Backspace | KeyCode::Delete);
            if digit_or_edit && t.input.edit(key) {
                self.note = None;
            }
        }
        Reply::Stay
    }
}

fn rollback_steps(state: &State) -> String {
    let names: Vec<&str> = state
        .plan
        .as_ref()
        .map(|p| {
            p.steps
                .iter()
                .filter(|s| !s.name.is_forward())
                .map(|s| s.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        StepName::Rollback.as_str().to_string()
    } else {
        names.join(" → ")
    }
}

fn wave_name(state: &State, wave: usize) -> String {
    state
        .plan
        .as_ref()
        .and_then(|p| p.waves.get(wave.wrapping_sub(1)))
        .map_or_else(|| format!("wave {wave}"), |w| w.name.clone())
}

/// Roll back one host.
pub fn rollback_host(state: &State, host: &str) -> Confirm {
    let (wave, word) = state
        .host(host)
        .map_or((0, "unknown"), |h| (h.wave, h.state.word()));
    Confirm::new(
        format!("Roll back {host}"),
        vec![
            format!(
                "roll back host {host} of {} (now {word}): it runs {}.",
                wave_name(state, wave),
                rollback_steps(state)
            ),
            "Other hosts and the run's state are not changed.".into(),
        ],
        vec![host.to_string()],
        format!("Roll back {host}"),
        Then::Intent(Intent::RollbackHosts {
            hosts: vec![host.to_string()],
        }),
    )
}

/// Roll back every touched host of a wave.
pub fn rollback_wave(state: &State, wave: usize) -> Confirm {
    let hosts = touched_in_wave(state, wave);
    let name = wave_name(state, wave);
    Confirm::new(
        format!("Roll back {name}"),
        vec![
            format!(
                "roll back {} of {name}: {}. Each runs {}.",
                plural(hosts.len(), "host"),
                host_range(&hosts),
                rollback_steps(state)
            ),
            "When they are done the run ends as ROLLED BACK: no later wave starts.".into(),
        ],
        hosts.clone(),
        format!("Roll back {}", plural(hosts.len(), "host")),
        Then::Intent(Intent::RollbackWave { wave }),
    )
}

/// Roll back every touched host of the fleet: the count must be typed.
pub fn rollback_fleet(state: &State) -> Confirm {
    let hosts = touched_in_fleet(state);
    let mut c = Confirm::new(
        "Roll back the fleet".into(),
        vec![
            format!(
                "roll back EVERY touched host: {} ({}). Each runs {}.",
                plural(hosts.len(), "host"),
                host_range(&hosts),
                rollback_steps(state)
            ),
            "When they are done the run ends as ROLLED BACK.".into(),
            format!("Type {} to confirm.", hosts.len()),
        ],
        hosts.clone(),
        format!("Roll back {}", plural(hosts.len(), "host")),
        Then::Intent(Intent::RollbackFleet { typed_count: 0 }),
    );
    c.typed = Some(Typed {
        expected: hosts.len(),
        input: TextArea::line(""),
    });
    c
}

/// Confirm the rollback ripcord proposed (the newest offer).
pub fn confirm_offer(state: &State) -> Option<Confirm> {
    let offer = state.offers.last()?;
    let hosts: Vec<String> = state.offer_hosts(offer);
    let what = match &offer.scope {
        Scope::Wave { wave } => format!(
            "roll back {} of {}: {}",
            plural(hosts.len(), "host"),
            wave_name(state, *wave),
            host_range(&hosts)
        ),
        Scope::Fleet => format!(
            "roll back the fleet: {} ({})",
            plural(hosts.len(), "host"),
            host_range(&hosts)
        ),
        Scope::Hosts { .. } => format!("roll back {}", host_range(&hosts)),
    };
    let mut body = vec![
        format!("{what}. Each runs {}.", rollback_steps(state)),
        format!("Why: {}", offer.reason),
        format!(
            "Proposed by ripcord; the {} confirms.",
            offer.confirm_by.as_str()
        ),
    ];
    if !matches!(offer.scope, Scope::Hosts { .. }) {
        body.push("When they are done the run ends as ROLLED BACK.".into());
    }
    Some(Confirm::new(
        format!("Confirm rollback of {}", offer.scope.describe()),
        body,
        hosts.clone(),
        format!("Roll back {}", plural(hosts.len(), "host")),
        Then::Intent(Intent::ConfirmRollback),
    ))
}

/// Take a host out of the run.
pub fn skip_host(state: &State, host: &str) -> Confirm {
    let word = state.host(host).map_or("unknown", |h| h.state.word());
    Confirm::new(
        format!("Skip {host}"),
        vec![format!(
            "take {host} (now {word}) out of this run: it is not upgraded and not counted as failed."
        )],
        vec![host.to_string()],
        format!("Skip {host}"),
        Then::Intent(Intent::SkipHost {
            host: host.to_string(),
        }),
    )
}

/// Leave the cockpit while the run goes on.
pub fn quit(state: &State) -> Confirm {
    let running = state.hosts.iter().filter(|h| h.state.is_running()).count();
    let mut body = vec![format!(
        "ripcord stops driving run {}: no new step starts until it is resumed with `ripcord run {} --resume {}`.",
        state.run_id, state.runbook, state.run_id
    )];
    if running > 0 {
        body.push(format!(
            "{} in flight: on resume their hosts are marked interrupted and checked before anything else happens to them.",
            plural(running, "step")
        ));
    }
    Confirm::new(
        "Quit the cockpit".into(),
        body,
        Vec::new(),
        "Quit".into(),
        Then::Quit,
    )
}
