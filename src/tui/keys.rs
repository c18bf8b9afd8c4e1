//! Keys to intents and dialogs: a pure function of the key, the screen's state and the run's
//! state. Keys the operator's role may not use explain why instead of acting.

use super::app::{ChartMarker, FlashKind, Focus, Overlay, UiState, ZOOMS};
use super::dialog::{self, Composer, Dialog, FaultForm, ImpactForm, InjectForm, Reply};
use super::editor::TextArea;
use super::keymap::{Action, Key};
use super::view::{grid, layout};
use crate::engine::intent::permitted;
use crate::engine::{Intent, RunState, State};

/// The intent an action stands for, to ask the engine whether this role may use it (None:
/// not an intent, always allowed).
pub fn probe(action: Action, state: &State, ui: &UiState) -> Option<Intent> {
    Some(match action {
        Action::PauseResume if matches!(state.run, RunState::Paused { .. }) => Intent::Resume,
        Action::PauseResume => Intent::Pause {
            reason: String::new(),
        },
        Action::Approve => Intent::ApproveWave {
            wave: state.next_wave().unwrap_or(1),
        },
        Action::ConfirmRollback => Intent::ConfirmRollback,
        Action::RollbackHost => Intent::RollbackHosts { hosts: Vec::new() },
        Action::RollbackWave => Intent::RollbackWave { wave: 1 },
        Action::RollbackFleet => Intent::RollbackFleet { typed_count: 0 },
        Action::Retry => Intent::RetryHost {
            host: String::new(),
        },
        Action::Skip => Intent::SkipHost {
            host: String::new(),
        },
        Action::DeclareFault => Intent::DeclareFault {
            level: crate::runbook::Severity::Minor,
            reason: String::new(),
        },
        Action::RecordImpact => Intent::RecordImpact {
            traffic_drop_pct: None,
            failed_tx_pct: None,
            note: String::new(),
        },
        Action::CheckItem => Intent::CheckItem {
            role: ui.sel.tab,
            item: 0,
        },
        Action::InjectFault => Intent::InjectFault {
            scenario: String::new(),
        },
        Action::Compose => Intent::SendStatusUpdate {
            audience: crate::runbook::Audience::Internal,
            text: String::new(),
        },
        _ => return None,
    })
}

/// Why this operator may not use `action` now (None: allowed).
pub fn refusal(action: Action, state: &State, ui: &UiState) -> Option<String> {
    let intent = probe(action, state, ui)?;
    permitted(state, ui.who.role, &intent).err()
}

/// The selected host's name, if the selection points at one that passes the filter.
pub fn selected_host<'a>(state: &'a State, ui: &UiState) -> Option<&'a str> {
    let h = state.hosts.get(ui.sel.host)?;
    grid::matches(h, &ui.filter).then_some(h.name.as_str())
}

/// The selected wave (1-based): the Waves block's selection when it has focus, else the
/// selected host's wave, else the wave in progress.
pub fn selected_wave(state: &State, ui: &UiState) -> Option<usize> {
    if state.waves.is_empty() {
        return None;
    }
    if ui.focus == Focus::Waves {
        return Some(ui.sel.wave.min(state.waves.len() - 1) + 1);
    }
    state
        .hosts
        .get(ui.sel.host)
        .map(|h| h.wave)
        .or_else(|| state.active_wave())
}

/// Handles one key; returns the intents to send (judged by the engine, journaled with who).
pub fn handle_key(ui: &mut UiState, state: &State, key: Key) -> Vec<Intent> {
    match ui.overlay.take() {
        Some(Overlay::Dialog(mut d)) => {
            let action = ui.look.keymap.dialog_action(&key);
            match d.on_key(key, action, state) {
                Reply::Stay => ui.overlay = Some(Overlay::Dialog(d)),
                Reply::Close => {}
                Reply::Submit(intent) => return vec![intent],
                Reply::Quit => ui.quit = true,
                Reply::Filter { text, done } => {
                    ui.filter = text;
                    snap_to_filter(ui, state);
                    if !done {
                        ui.overlay = Some(Overlay::Dialog(d));
                    }
                }
            }
            Vec::new()
        }
        Some(overlay) => {
            let keys = &ui.look.keymap;
            let action = keys.dialog_action(&key).filter(|a| *a == Action::Close);
            ui.overlay = scroll_overlay(overlay, action.or_else(|| keys.screen_action(&key)));
            Vec::new()
        }
        None => {
            ui.flash = None;
            let keys = &ui.look.keymap;
            // Esc is the dialogs' key; on the main screen it clears the filter.
            let close = keys.dialog_action(&key).filter(|a| *a == Action::Close);
            match keys.screen_action(&key).or(close) {
                Some(action) => on_action(ui, state, action, &key),
                None => Vec::new(),
            }
        }
    }
}

fn scroll_overlay(overlay: Overlay, action: Option<Action>) -> Option<Overlay> {
    let step = |s: u16, a: Option<Action>| match a {
        Some(Action::Down) => s.saturating_add(1),
        Some(Action::Up) => s.saturating_sub(1),
        _ => s,
    };
    match (overlay, action) {
        (_, Some(Action::Close | Action::Quit)) => None,
        (Overlay::Help { .. }, Some(Action::Help)) => None,
        (Overlay::HostDetails { .. } | Overlay::PanelDetails { .. }, Some(Action::Details)) => None,
        (Overlay::Help { scroll }, a) => Some(Overlay::Help {
            scroll: step(scroll, a),
        }),
        (Overlay::HostDetails { host, scroll }, a) => Some(Overlay::HostDetails {
            host,
            scroll: step(scroll, a),
        }),
        (Overlay::PanelDetails { panel, scroll }, a) => Some(Overlay::PanelDetails {
            panel,
            scroll: step(scroll, a),
        }),
        (d @ Overlay::Dialog(_), _) => Some(d),
    }
}

fn open(ui: &mut UiState, d: Dialog) {
    ui.overlay = Some(Overlay::Dialog(Box::new(d)));
}

fn on_action(ui: &mut UiState, state: &State, action: Action, key: &Key) -> Vec<Intent> {
    if let Some(why) = refusal(action, state, ui) {
        let label = key.label();
        ui.flash(FlashKind::Refused, format!("{label}: {why}"));
        return Vec::new();
    }
    let host = selected_host(state, ui).map(str::to_string);
    let need_host = |ui: &mut UiState| {
        ui.flash(
            FlashKind::Info,
            "select a host first (Tab to Hosts, arrows to move, / to filter)",
        );
    };
    match action {
        Action::PauseResume => {
            return vec![if matches!(state.run, RunState::Paused { .. }) {
                Intent::Resume
            } else {
                Intent::Pause {
                    reason: format!("key {} in the cockpit", key.label()),
                }
            }];
        }
        Action::Approve => {
            match crate::run::waiting_approval(state).or_else(|| state.next_wave()) {
                Some(wave) => return vec![Intent::ApproveWave { wave }],
                None => ui.flash(FlashKind::Info, "no wave is left to approve"),
            }
        }
        Action::ConfirmRollback => match dialog::confirm::confirm_offer(state) {
            Some(c) => open(ui, Dialog::Confirm(c)),
            None => ui.flash(FlashKind::Info, "no rollback is waiting for confirmation"),
        },
        Action::RollbackHost => match host {
            Some(h) => open(
                ui,
                Dialog::Confirm(dialog::confirm::rollback_host(state, &h)),
            ),
            None => need_host(ui),
        },
        Action::RollbackWave => match selected_wave(state, ui) {
            Some(w) => open(
                ui,
                Dialog::Confirm(dialog::confirm::rollback_wave(state, w)),
            ),
            None => ui.flash(FlashKind::Info, "no wave to roll back"),
        },
        Action::RollbackFleet => open(ui, Dialog::Confirm(dialog::confirm::rollback_fleet(state))),
        Action::Retry => match host {
            Some(h) => return vec![Intent::RetryHost { host: h }],
            None => need_host(ui),
        },
        Action::Skip => match host {
            Some(h) => open(ui, Dialog::Confirm(dialog::confirm::skip_host(state, &h))),
            None => need_host(ui),
        },
        Action::DeclareFault => open(ui, Dialog::Fault(FaultForm::new(ui.who.role))),
        Action::RecordImpact => open(ui, Dialog::Impact(ImpactForm::default())),
        Action::InjectFault => match InjectForm::new(state, ui.who.role) {
            Ok(f) if !state.run.is_over() => open(ui, Dialog::Inject(f)),
            Ok(_) => ui.flash(FlashKind::Info, "the run is over: nothing to inject into"),
            Err(why) => ui.flash(FlashKind::Info, why),
        },
        Action::Compose => open(
            ui,
            Dialog::Compose(Composer::new(state, ui.now, ui.status_text.clone())),
        ),
        Action::CheckItem => {
            let item = ui.sel.item;
            let n = state.checklists.get(&ui.sel.tab).map_or(0, Vec::len);
            if item < n {
                return vec![Intent::CheckItem {
                    role: ui.sel.tab,
                    item,
                }];
            }
            ui.flash(
                FlashKind::Info,
                format!(
                    "the {} checklist has no item to check here",
                    ui.sel.tab.as_str()
                ),
            );
        }
        Action::Details => match ui.focus {
            Focus::Panels => {
                ui.overlay = Some(Overlay::PanelDetails {
                    panel: ui.sel.panel,
                    scroll: 0,
                })
            }
            _ => match host {
                Some(h) => ui.overlay = Some(Overlay::HostDetails { host: h, scroll: 0 }),
                None => need_host(ui),
            },
        },
        Action::Filter => open(ui, Dialog::Filter(TextArea::line(&ui.filter))),
        Action::FocusNext => ui.focus = ui.focus.cycle(true),
        Action::FocusPrev => ui.focus = ui.focus.cycle(false),
        Action::Up | Action::Down | Action::Left | Action::Right => {
            move_selection(ui, state, action)
        }
        Action::ZoomIn => ui.zoom = ui.zoom.saturating_sub(1),
        Action::ZoomOut => ui.zoom = (ui.zoom + 1).min(ZOOMS.len() - 1),
        Action::ChartMarker => {
            ui.look.marker = match ui.look.marker {
                ChartMarker::Braille => ChartMarker::Dot,
                ChartMarker::Dot => ChartMarker::Braille,
            }
        }
        Action::Help => ui.overlay = Some(Overlay::Help { scroll: 0 }),
        Action::Quit if state.run.is_over() => ui.quit = true,
        Action::Quit => open(ui, Dialog::Confirm(dialog::confirm::quit(state))),
        Action::Close => ui.filter.clear(),
        Action::NextField | Action::PrevField | Action::Submit => {}
    }
    Vec::new()
}

fn move_selection(ui: &mut UiState, state: &State, action: Action) {
    let down = matches!(action, Action::Down | Action::Right);
    let step = |v: usize, n: usize| {
        if n == 0 {
            0
        } else if down {
            (v + 1).min(n - 1)
        } else {
            v.saturating_sub(1)
        }
    };
    match (ui.focus, action) {
        (Focus::Waves, Action::Up | Action::Down) => {
            ui.sel.wave = step(ui.sel.wave, state.waves.len())
        }
        (Focus::Panels, Action::Up | Action::Down | Action::Left | Action::Right) => {
            let n = state.plan.as_ref().map_or(0, |p| p.rules.len()).max(1);
            ui.sel.panel = step(ui.sel.panel, n);
        }
        (Focus::Checklist, Action::Left | Action::Right) => {
            let roles = crate::runbook::Role::ALL;
            let i = roles.iter().position(|r| *r == ui.sel.tab).unwrap_or(0);
            ui.sel.tab = roles[step(i, roles.len())];
            ui.sel.item = 0;
        }
        (Focus::Checklist, _) => {
            let n = state.checklists.get(&ui.sel.tab).map_or(0, Vec::len);
            ui.sel.item = step(ui.sel.item, n);
        }
        (Focus::Timeline, Action::Up | Action::Down) => {
            ui.sel.timeline = step(ui.sel.timeline, state.timeline.len());
        }
        (Focus::Hosts | Focus::Waves, _) => move_host(ui, state, action),
        _ => {}
    }
}

fn move_host(ui: &mut UiState, state: &State, action: Action) {
    let order = grid::display_order(state);
    let visible: Vec<usize> = order
        .into_iter()
        .filter(|&i| grid::matches(&state.hosts[i], &ui.filter))
        .collect();
    if visible.is_empty() {
        return;
    }
    let pos = visible.iter().position(|&i| i == ui.sel.host).unwrap_or(0);
    let row = if ui.filter.is_empty() {
        let g = layout::host_grid(state, ui);
        g.cols * g.per_cell
    } else {
        // A filtered grid is scattered: Up / Down move ten matches at a time.
        10
    };
    let last = visible.len() - 1;
    let next = match action {
        Action::Right => (pos + 1).min(last),
        Action::Left => pos.saturating_sub(1),
        Action::Down => (pos + row).min(last),
        _ => pos.saturating_sub(row),
    };
    ui.sel.host = visible[next];
}

/// After the filter changed: keep the selection on a matching host.
fn snap_to_filter(ui: &mut UiState, state: &State) {
    if selected_host(state, ui).is_some() {
        return;
    }
    if let Some(i) = grid::display_order(state)
        .into_iter()
        .find(|&i| grid::matches(&state.hosts[i], &ui.filter))
    {
        ui.sel.host = i;
    }
}
