//! The demo's fault picker: which scenario to inject into the simulated fleet, and what it
//! will do, before anything happens. Only runs on ripcord's simulator offer it.

use crossterm::event::KeyCode;

use super::{Reply, move_focus};
use crate::engine::intent::permitted;
use crate::engine::{Intent, State};
use crate::runbook::Role;
use crate::tui::keymap::{Action, Key};

/// Inject a fault: a scenario list, then Cancel / Inject.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectForm {
    /// The scenarios the run's simulator knows.
    pub scenarios: Vec<String>,
    /// Index of the chosen scenario.
    pub chosen: usize,
    /// 0 list, 1 Cancel, 2 Inject.
    pub focus: usize,
    /// The operator's role.
    pub role: Role,
    /// Why the last Inject did nothing.
    pub note: Option<String>,
}

impl InjectForm {
    /// The picker for this run, or why there is none.
    pub fn new(state: &State, role: Role) -> Result<Self, String> {
        let scenarios = state
            .injection
            .as_ref()
            .map(|i| i.scenarios.clone())
            .unwrap_or_default();
        if scenarios.is_empty() {
            return Err(
                "faults are injected by key only into ripcord's simulated fleet (ripcord demo, ripcord drill --demo)"
                    .into(),
            );
        }
        Ok(Self {
            scenarios,
            chosen: 0,
            focus: 0,
            role,
            note: None,
        })
    }

    /// The chosen scenario's name.
    pub fn scenario(&self) -> &str {
        self.scenarios.get(self.chosen).map_or("", String::as_str)
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: Key, action: Option<Action>, state: &State) -> Reply {
        if action == Some(Action::Close) {
            return Reply::Close;
        }
        if move_focus(&mut self.focus, 3, key, action) {
            return Reply::Stay;
        }
        let last = self.scenarios.len().saturating_sub(1);
        match (self.focus, key.code, action) {
            (0, KeyCode::Up | KeyCode::Char('k'), _) => self.chosen = self.chosen.saturating_sub(1),
            (0, KeyCode::Down | KeyCode::Char('j'), _) => self.chosen = (self.chosen + 1).min(last),
            (0, KeyCode::Char(c @ '1'..='9'), _) => {
                self.chosen = (c as usize - '1' as usize).min(last)
            }
            // Enter on the list goes to the Inject button: a second Enter injects.
            (0, _, Some(Action::Submit)) => self.focus = 2,
            (1, _, Some(Action::Submit)) => return Reply::Close,
            (2, _, Some(Action::Submit)) => {
                let intent = Intent::InjectFault {
                    scenario: self.scenario().to_string(),
                };
                match permitted(state, self.role, &intent) {
                    Ok(()) => return Reply::Submit(intent),
                    Err(why) => self.note = Some(why),
                }
            }
            _ => {}
        }
        Reply::Stay
    }
}

/// What injecting `scenario` does, in a sentence.
pub fn what_it_does(scenario: &str) -> String {
    scenario.parse::<crate::sim::Fault>().map_or_else(
        |_| format!("the simulator plays scenario {scenario}"),
        |f| f.describe().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::event::{InjectTarget, Injection};

    fn demo_state() -> State {
        State {
            injection: Some(Injection {
                target: InjectTarget::Simulator,
                scenarios: vec!["5xx".into(), "latency".into(), "boot".into()],
                planned: None,
            }),
            ..State::default()
        }
    }

    fn key(code: KeyCode) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }

    #[test]
    fn a_real_run_has_no_fault_picker() {
        let err = InjectForm::new(&State::default(), Role::Commander).unwrap_err();
        assert!(err.contains("simulated fleet"), "{err}");
    }

    #[test]
    fn enter_twice_injects_the_chosen_scenario_and_esc_injects_nothing() {
        let state = demo_state();
        let mut f = InjectForm::new(&state, Role::Commander).unwrap();
        assert_eq!(f.on_key(key(KeyCode::Down), None, &state), Reply::Stay);
        assert_eq!(f.scenario(), "latency");
        assert_eq!(
            f.on_key(key(KeyCode::Enter), Some(Action::Submit), &state),
            Reply::Stay
        );
        assert_eq!(f.focus, 2, "Enter on the list moves to Inject");
        assert_eq!(
            f.on_key(key(KeyCode::Enter), Some(Action::Submit), &state),
            Reply::Submit(Intent::InjectFault {
                scenario: "latency".into()
            })
        );
        let mut g = InjectForm::new(&state, Role::Commander).unwrap();
        assert_eq!(
            g.on_key(key(KeyCode::Esc), Some(Action::Close), &state),
            Reply::Close
        );
    }

    #[test]
    fn the_communicator_may_not_inject() {
        let state = demo_state();
        let mut f = InjectForm::new(&state, Role::Communicator).unwrap();
        f.focus = 2;
        assert_eq!(
            f.on_key(key(KeyCode::Enter), Some(Action::Submit), &state),
            Reply::Stay
        );
        assert!(f.note.as_deref().unwrap_or("").contains("commander"));
    }
}
