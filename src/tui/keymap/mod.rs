//! The key table: every action, its default keys, its footer hint and its help line, in one
//! place. The help overlay, the footer and docs/keys.md are generated from it; a user's
//! `<config dir>/keys.toml` rebinds actions by name.

use std::collections::HashMap;
use std::path::Path;

mod key;

pub use key::Key;

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Pause the run, or resume it when paused.
    PauseResume,
    /// Approve the wave waiting for approval.
    Approve,
    /// Confirm the rollback ripcord proposed.
    ConfirmRollback,
    /// Roll back the selected host.
    RollbackHost,
    /// Roll back the selected wave.
    RollbackWave,
    /// Roll back the whole fleet.
    RollbackFleet,
    /// Send a failed or interrupted host through its steps again.
    Retry,
    /// Take the selected host out of the run.
    Skip,
    /// Declare a fault (choose the level).
    DeclareFault,
    /// Record business impact.
    RecordImpact,
    /// Inject a drill fault into the simulated fleet (demo and drill).
    InjectFault,
    /// Check the selected checklist item.
    CheckItem,
    /// Write a status update.
    Compose,
    /// Details of the selected host or panel.
    Details,
    /// Filter hosts.
    Filter,
    /// Next block.
    FocusNext,
    /// Previous block.
    FocusPrev,
    /// Move up.
    Up,
    /// Move down.
    Down,
    /// Move left / previous checklist tab.
    Left,
    /// Move right / next checklist tab.
    Right,
    /// Charts: shorter time range.
    ZoomIn,
    /// Charts: longer time range.
    ZoomOut,
    /// Charts: braille or plain dots.
    ChartMarker,
    /// The help overlay.
    Help,
    /// Quit (asks while the run goes on).
    Quit,
    /// Close the dialog or overlay; cancel.
    Close,
    /// In a dialog: the next field or button.
    NextField,
    /// In a dialog: the previous field or button.
    PrevField,
    /// In a dialog: activate the focused button, or go to the next field.
    Submit,
}

/// Groups of the help overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Run control.
    Run,
    /// Rollbacks (destructive: Shift).
    Rollback,
    /// Hosts.
    Hosts,
    /// Roles' work: faults, impact, checklist, updates.
    People,
    /// Moving around and the screen itself.
    Screen,
    /// Inside dialogs.
    Dialog,
}

impl Group {
    /// Heading in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Group::Run => "Run",
            Group::Rollback => "Rollback (destructive: asks first)",
            Group::Hosts => "Hosts",
            Group::People => "Faults, impact, checklist, updates",
            Group::Screen => "Screen",
            Group::Dialog => "Dialogs",
        }
    }
}

/// One row of the key table.
pub struct Entry {
    /// The action.
    pub action: Action,
    /// Its name in keys.toml.
    pub name: &'static str,
    /// Default keys.
    pub keys: &'static [&'static str],
    /// Short word for the footer (None: help only).
    pub hint: Option<&'static str>,
    /// The help line.
    pub help: &'static str,
    /// Help group.
    pub group: Group,
}

/// THE key table. Kept one row per action (hence no rustfmt): it reads as the table it is.
#[rustfmt::skip]
pub const TABLE: &[Entry] = &[
    e(Action::PauseResume, "pause", &["p"], Some("pause/resume"), "pause the run (no new host step starts; running steps finish) or resume it", Group::Run),
    e(Action::Approve, "approve", &["a"], Some("approve"), "approve the wave waiting for approval", Group::Run),
    e(Action::ConfirmRollback, "confirm_rollback", &["C"], Some("confirm rollback"), "confirm the rollback ripcord proposed (names every host first)", Group::Rollback),
    e(Action::RollbackHost, "rollback_host", &["R"], Some("roll back"), "roll back the selected host", Group::Rollback),
    e(Action::RollbackWave, "rollback_wave", &["W"], None, "roll back every touched host of the selected wave", Group::Rollback),
    e(Action::RollbackFleet, "rollback_fleet", &["F"], None, "roll back every touched host of the fleet (type the host count)", Group::Rollback),
    e(Action::Retry, "retry", &["r"], None, "send the selected failed or interrupted host through its steps again", Group::Hosts),
    e(Action::Skip, "skip", &["S"], None, "take the selected pending or failed host out of the run", Group::Hosts),
    e(Action::Details, "details", &["enter"], Some("details"), "the selected host's steps, times, exit codes, output; a panel's evidence", Group::Hosts),
    e(Action::Filter, "filter", &["/"], Some("filter"), "filter hosts by name or state (Enter keeps, Esc clears)", Group::Hosts),
    e(Action::DeclareFault, "declare_fault", &["d"], Some("fault"), "declare a fault: minor, functional or severe, with its consequences shown", Group::People),
    e(Action::RecordImpact, "record_impact", &["i"], Some("impact"), "record business impact: traffic drop and failed transactions in %", Group::People),
    e(Action::InjectFault, "inject_fault", &["I"], None, "inject a fault into the simulated fleet (demo, drill): pick, then confirm", Group::People),
    e(Action::CheckItem, "check_item", &["space", "x"], Some("check"), "check the selected checklist item", Group::People),
    e(Action::Compose, "compose", &["n"], Some("notify"), "write a status update (internal or external), pre-filled, then send it", Group::People),
    e(Action::FocusNext, "focus_next", &["tab"], None, "next block", Group::Screen),
    e(Action::FocusPrev, "focus_prev", &["backtab"], None, "previous block", Group::Screen),
    e(Action::Up, "up", &["k", "up"], None, "move up", Group::Screen),
    e(Action::Down, "down", &["j", "down"], None, "move down", Group::Screen),
    e(Action::Left, "left", &["h", "left"], None, "move left; previous checklist tab", Group::Screen),
    e(Action::Right, "right", &["l", "right"], None, "move right; next checklist tab", Group::Screen),
    e(Action::ZoomIn, "zoom_in", &["+", "="], None, "charts: shorter time range", Group::Screen),
    e(Action::ZoomOut, "zoom_out", &["-"], None, "charts: longer time range", Group::Screen),
    e(Action::ChartMarker, "chart_marker", &["m"], None, "charts: braille or plain dots", Group::Screen),
    e(Action::Help, "help", &["?"], Some("help"), "this help", Group::Screen),
    e(Action::Quit, "quit", &["q", "ctrl-c"], Some("quit"), "quit the cockpit (asks while the run goes on)", Group::Screen),
    e(Action::Close, "close", &["esc"], Some("cancel"), "close the dialog or overlay; cancel", Group::Dialog),
    e(Action::NextField, "next_field", &["tab"], Some("next"), "next field or button", Group::Dialog),
    e(Action::PrevField, "prev_field", &["backtab"], Some("previous"), "previous field or button", Group::Dialog),
    e(Action::Submit, "submit", &["enter"], Some("press"), "press the focused button; in a one-line field, go to the next", Group::Dialog),
];

const fn e(
    action: Action,
    name: &'static str,
    keys: &'static [&'static str],
    hint: Option<&'static str>,
    help: &'static str,
    group: Group,
) -> Entry {
    Entry {
        action,
        name,
        keys,
        hint,
        help,
        group,
    }
}

/// The live key bindings: the table with the user's overrides applied.
#[derive(Debug, Clone)]
pub struct Keymap {
    keys: HashMap<Action, Vec<Key>>,
    screen: HashMap<Key, Action>,
    dialog: HashMap<Key, Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self::with_overrides(&toml::Table::new()).0
    }
}

impl Keymap {
    /// The table with `[keys]` overrides (`pause = "P"`, `approve = ["a", "A"]`); returns the
    /// map and a warning per entry it could not use.
    pub fn with_overrides(overrides: &toml::Table) -> (Keymap, Vec<String>) {
        let mut warnings = Vec::new();
        let mut keys: HashMap<Action, Vec<Key>> = TABLE
            .iter()
            .map(|e| {
                (
                    e.action,
                    e.keys.iter().filter_map(|k| Key::parse(k).ok()).collect(),
                )
            })
            .collect();
        for (name, value) in overrides {
            let Some(entry) = TABLE.iter().find(|e| e.name == name) else {
                warnings.push(format!(
                    "keys.toml: unknown action `{name}` ({})",
                    closest(name)
                ));
                continue;
            };
            let texts: Vec<&str> = match value {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
                _ => {
                    warnings.push(format!(
                        "keys.toml: `{name}` must be a key or a list of keys"
                    ));
                    continue;
                }
            };
            let parsed: Result<Vec<Key>, String> = texts.iter().map(|t| Key::parse(t)).collect();
            match parsed {
                Ok(list) if !list.is_empty() => {
                    keys.insert(entry.action, list);
                }
                Ok(_) => warnings.push(format!("keys.toml: `{name}` has no key; kept the default")),
                Err(e) => warnings.push(format!("keys.toml: `{name}`: {e}; kept the default")),
            }
        }
        let mut screen = HashMap::new();
        let mut dialog = HashMap::new();
        for e in TABLE {
            let target = if e.group == Group::Dialog {
                &mut dialog
            } else {
                &mut screen
            };
            for k in keys.get(&e.action).into_iter().flatten() {
                if let Some(prev) = target.insert(*k, e.action) {
                    let prev_name = TABLE
                        .iter()
                        .find(|x| x.action == prev)
                        .map_or("?", |x| x.name);
                    warnings.push(format!(
                        "keys.toml: {} is bound to both `{prev_name}` and `{}`; `{}` wins",
                        k.label(),
                        e.name,
                        e.name
                    ));
                }
            }
        }
        (
            Keymap {
                keys,
                screen,
                dialog,
            },
            warnings,
        )
    }

    /// Reads `<config dir>/keys.toml` (`[keys]` table); a missing file is the default table.
    pub fn load(config_dir: Option<&Path>) -> (Keymap, Vec<String>) {
        let Some(path) = config_dir.map(|d| d.join("keys.toml")) else {
            return (Keymap::default(), Vec::new());
        };
        let Ok(text) = std::fs::read_to_string(&path) else {
            return (Keymap::default(), Vec::new());
        };
        match text.parse::<toml::Table>() {
            Ok(mut doc) => {
                let table = match doc.remove("keys") {
                    Some(toml::Value::Table(t)) => t,
                    _ => doc,
                };
                Keymap::with_overrides(&table)
            }
            Err(e) => (
                Keymap::default(),
                vec![format!("{}: {e}; using the default keys", path.display())],
            ),
        }
    }

    /// The action of a key on the main screen.
    pub fn screen_action(&self, key: &Key) -> Option<Action> {
        self.screen.get(key).copied()
    }

    /// The action of a key inside a dialog.
    pub fn dialog_action(&self, key: &Key) -> Option<Action> {
        self.dialog.get(key).copied()
    }

    /// The keys of an action.
    pub fn keys(&self, action: Action) -> &[Key] {
        self.keys.get(&action).map_or(&[], Vec::as_slice)
    }

    /// The first key of an action as written on screen (`p`), or `—` when unbound.
    pub fn label(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map_or_else(|| "—".to_string(), Key::label)
    }

    /// Every key of an action, `k/↑`.
    pub fn labels(&self, action: Action) -> String {
        let all: Vec<String> = self.keys(action).iter().map(Key::label).collect();
        if all.is_empty() {
            "—".into()
        } else {
            all.join("/")
        }
    }
}

fn closest(name: &str) -> String {
    let best = TABLE
        .iter()
        .map(|e| (strsim(name, e.name), e.name))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((d, n)) if d <= 3 => format!("did you mean `{n}`?"),
        _ => "see docs/keys.md for the names".into(),
    }
}

/// Edit distance, for "did you mean".
fn strsim(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The key table as Markdown, for docs/keys.md (a test keeps the doc in step).
pub fn markdown_table() -> String {
    let mut out =
        String::from("| action (keys.toml name) | default keys | what it does |\n|---|---|---|\n");
    for e in TABLE {
        let keys: Vec<String> = e.keys.iter().map(|k| format!("`{k}`")).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            e.name,
            keys.join(", "),
            e.help
        ));
    }
    out
}

#[cfg(test)]
mod tests;
