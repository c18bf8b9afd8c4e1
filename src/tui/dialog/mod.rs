//! Dialogs: destructive confirmations, the fault and impact forms, the demo's fault picker,
//! the status-update composer and the host filter. Each takes keys and answers with a [`Reply`]; none touches the run —
//! a confirmed dialog hands back the intent for the engine to judge.

pub mod compose;
pub mod confirm;
pub mod forms;
pub mod inject;

use crossterm::event::KeyCode;

use super::editor::TextArea;
use super::keymap::{Action, Key};
use crate::engine::{Intent, State};

pub use compose::{Composer, StatusText};
pub use confirm::{Button, Confirm, Then};
pub use forms::{FaultForm, ImpactForm};
pub use inject::InjectForm;

/// An open dialog.
#[derive(Debug, Clone)]
pub enum Dialog {
    /// "Are you sure", naming exactly what happens.
    Confirm(Confirm),
    /// Declare a fault.
    Fault(FaultForm),
    /// Record business impact.
    Impact(ImpactForm),
    /// Inject a drill fault into the simulated fleet.
    Inject(InjectForm),
    /// Write and send a status update.
    Compose(Composer),
    /// Filter hosts (live).
    Filter(TextArea),
}

/// What a key did to a dialog.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The dialog stays open.
    Stay,
    /// The dialog closes; nothing happens.
    Close,
    /// The dialog closes and the intent goes to the engine.
    Submit(Intent),
    /// The dialog closes and the cockpit quits.
    Quit,
    /// The filter changed (live): the new text; `done` when the dialog closes.
    Filter {
        /// Filter text.
        text: String,
        /// The dialog closed.
        done: bool,
    },
}

impl Dialog {
    /// Handles a key. `action` is the key's meaning in the dialog key table (Esc, Tab, Enter).
    pub fn on_key(&mut self, key: Key, action: Option<Action>, state: &State) -> Reply {
        match self {
            Dialog::Confirm(c) => c.on_key(key, action),
            Dialog::Fault(f) => f.on_key(key, action, state),
            Dialog::Impact(f) => f.on_key(key, action),
            Dialog::Inject(f) => f.on_key(key, action, state),
            Dialog::Compose(c) => c.on_key(key, action, state),
            Dialog::Filter(t) => match action {
                Some(Action::Close) => Reply::Filter {
                    text: String::new(),
                    done: true,
                },
                Some(Action::Submit) => Reply::Filter {
                    text: t.text(),
                    done: true,
                },
                _ => {
                    t.edit(key);
                    Reply::Filter {
                        text: t.text(),
                        done: false,
                    }
                }
            },
        }
    }
}

/// Moves a focus index over `n` places with Tab / Shift-Tab (and the arrow keys where the
/// focused place does not use them); true when the key was a move.
pub(crate) fn move_focus(focus: &mut usize, n: usize, key: Key, action: Option<Action>) -> bool {
    let forward = match (action, key.code) {
        (Some(Action::NextField), _) => true,
        (Some(Action::PrevField), _) => false,
        _ => return false,
    };
    *focus = if forward {
        (*focus + 1) % n
    } else {
        (*focus + n - 1) % n
    };
    true
}

/// Left / Right between two buttons.
pub(crate) fn is_left_right(key: Key) -> bool {
    matches!(key.code, KeyCode::Left | KeyCode::Right) && !key.ctrl && !key.alt
}
