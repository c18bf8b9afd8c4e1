//! Keys to intents and dialogs: each key yields the right intent or dialog, Esc cancels,
//! confirming works only after the required typing, refused keys say why.

use super::*;
use crate::engine::{Intent, RunState};
use crate::tui::app::{FlashKind, Focus, Overlay};
use crate::tui::dialog::{Button, Dialog};
use crate::tui::fixture;
use crate::tui::keymap::Key;
use crate::tui::keys::handle_key;

pub fn press(ui: &mut UiState, run: &Run, keys: &[&str]) -> Vec<Intent> {
    let mut out = Vec::new();
    for k in keys {
        out.extend(handle_key(ui, &run.state, Key::parse(k).unwrap()));
    }
    out
}

pub fn typed(ui: &mut UiState, run: &Run, text: &str) {
    for c in text.chars() {
        handle_key(
            ui,
            &run.state,
            Key::plain(crossterm::event::KeyCode::Char(c)),
        );
    }
}

pub fn dialog(ui: &UiState) -> &Dialog {
    match &ui.overlay {
        Some(Overlay::Dialog(d)) => d,
        other => panic!("no dialog open: {other:?}"),
    }
}

fn select_host(ui: &mut UiState, run: &Run, name: &str) {
    ui.sel.host = run.state.host_index[name];
}

#[test]
fn p_pauses_a_running_run_and_resumes_a_paused_one() {
    let mut run = fixture::running(100);
    let mut ui = ui(&run, Role::Technician, Theme::default_theme());
    let out = press(&mut ui, &run, &["p"]);
    assert!(
        matches!(&out[..], [Intent::Pause { reason }] if reason.contains("key p")),
        "{out:?}"
    );
    run.record(
        crate::journal::Actor::new(Role::Technician, "alice"),
        crate::engine::EventKind::Paused { reason: "x".into() },
    );
    assert!(matches!(run.state.run, RunState::Paused { .. }));
    assert_eq!(press(&mut ui, &run, &["p"]), vec![Intent::Resume]);
}

#[test]
fn a_approves_the_next_wave() {
    let run = fixture::soaking(100);
    let mut ui = ui(&run, Role::Commander, Theme::default_theme());
    assert_eq!(
        press(&mut ui, &run, &["a"]),
        vec![Intent::ApproveWave { wave: 3 }]
    );
}

#[test]
fn refused_keys_say_why_and_send_nothing() {
    let run = fixture::running(100);
    let mut ui = ui(&run, Role::Communicator, Theme::default_theme());
    for (key, why) in [
        (
            "p",
            "only the commander or technician may pause (high risk)",
        ),
        ("a", "only the commander may approve a wave"),
        ("F", "only the commander may roll back the fleet"),
        ("i", "only the commander or impact may record impact"),
    ] {
        assert!(press(&mut ui, &run, &[key]).is_empty());
        assert!(ui.overlay.is_none(), "{key} opened a dialog");
        let flash = ui.flash.clone().unwrap();
        assert_eq!(flash.kind, FlashKind::Refused);
        assert!(
            flash.text.starts_with(&format!("{key}: ")) && flash.text.contains(why),
            "{flash:?}"
        );
    }
    // The communicator's own keys work.
    press(&mut ui, &run, &["n"]);
    assert!(matches!(dialog(&ui), Dialog::Compose(_)));
}

#[test]
fn rollback_host_confirms_with_focus_on_cancel() {
    let run = fixture::running(100);
    let mut ui = ui(&run, Role::Technician, Theme::default_theme());
    select_host(&mut ui, &run, "web-002");
    press(&mut ui, &run, &["R"]);
    let Dialog::Confirm(c) = dialog(&ui) else {
        panic!()
    };
    assert_eq!(c.focus, Button::Cancel);
    assert!(
        c.body[0].starts_with("roll back host web-002 of wave 2"),
        "{:?}",
        c.body
    );
    // Enter on Cancel does nothing.
    assert!(press(&mut ui, &run, &["enter"]).is_empty());
    assert!(ui.overlay.is_none());
    press(&mut ui, &run, &["R"]);
    let out = press(&mut ui, &run, &["tab", "enter"]);
    assert_eq!(
        out,
        vec![Intent::RollbackHosts {
            hosts: vec!["web-002".into()]
        }]
    );
}

#[test]
fn fleet_rollback_needs_the_host_count_typed() {
    let run = fixture::running(100);
    let mut ui = ui(&run, Role::Commander, Theme::default_theme());
    press(&mut ui, &run, &["F"]);
    let Dialog::Confirm(c) = dialog(&ui) else {
        panic!()
    };
    let n = c.hosts.len();
    assert_eq!(n, 11);
    // OK before typing: nothing, and a note says what to type.
    assert!(press(&mut ui, &run, &["right", "enter"]).is_empty());
    let Dialog::Confirm(c) = dialog(&ui) else {
        panic!()
    };
    assert_eq!(
        c.note.as_deref(),
        Some("type the number of hosts (11) to confirm")
    );
    typed(&mut ui, &run, "12");
    assert!(
        press(&mut ui, &run, &["enter"]).is_empty(),
        "a wrong count must not confirm"
    );
    press(&mut ui, &run, &["backspace"]);
    typed(&mut ui, &run, "1");
    assert_eq!(
        press(&mut ui, &run, &["enter"]),
        vec![Intent::RollbackFleet { typed_count: 11 }]
    );
}

#[test]
fn wave_rollback_names_the_wave_selected_in_the_waves_block() {
    let run = fixture::running(100);
    let mut ui = ui(&run, Role::Commander, Theme::default_theme());
    ui.focus = Focus::Waves;
    press(&mut ui, &run, &["j"]);
    press(&mut ui, &run, &["W"]);
    let Dialog::Confirm(c) = dialog(&ui) else {
        panic!()
    };
    assert!(
        c.body[0].starts_with("roll back 10 hosts of wave 2: web-002 … web-011"),
        "{:?}",
        c.body
    );
    assert_eq!(
        press(&mut ui, &run, &["tab", "enter"]),
        vec![Intent::RollbackWave { wave: 2 }]
    );
}

#[test]
fn confirm_rollback_takes_up_the_proposal() {
    let run = fixture::breach(100);
    let mut ui = ui(&run, Role::Commander, Theme::default_theme());
    press(&mut ui, &run, &["C"]);
    let Dialog::Confirm(c) = dialog(&ui) else {
        panic!()
    };
    assert!(
        c.body.iter().any(|l| l.starts_with("Why: HTTP 5xx ratio")),
        "{:?}",
        c.body
    );
    assert_eq!(
        press(&mut ui, &run, &["tab", "enter"]),
        vec![Intent::ConfirmRollback]
    );
    // With nothing proposed, C says so.
    let calm = fixture::running(100);
    let mut ui = self::ui(&calm, Role::Commander, Theme::default_theme());
    assert!(press(&mut ui, &calm, &["C"]).is_empty());
    assert!(ui.flash.unwrap().text.contains("no rollback is waiting"));
}

#[test]
fn esc_cancels_every_dialog_and_overlay() {
    let run = fixture::running(100);
    let mut ui = ui(&run, Role::Commander, Theme::default_theme());
    for key in ["R", "W", "F", "S", "d", "i", "n", "/", "q", "?", "enter"] {
        press(&mut ui, &run, &[key]);
        assert!(ui.overlay.is_some(), "{key} opened nothing");
        assert!(press(&mut ui, &run, &["esc"]).is_empty());
        assert!(ui.overlay.is_none(), "Esc left {key} open");
    }
    assert!(!ui.quit);
}

#[test]
fn space_checks_the_selected_item_of_the_tab() {
    let run = fixture::running(100);
    let mut ui = ui(&run, Role::Technician, Theme::default_theme());
    ui.focus = Focus::Checklist;
    assert_eq!(
        press(&mut ui, &run, &["space"]),
        vec![Intent::CheckItem {
            role: Role::Technician,
            item: 0
        }]
    );
    assert_eq!(
        press(&mut ui, &run, &["j", "x"]),
        vec![Intent::CheckItem {
            role: Role::Technician,
            item: 1
        }]
    );
    // Another role's item is the commander's to check.
    press(&mut ui, &run, &["h"]);
    assert_eq!(ui.sel.tab, Role::Commander);
    assert!(press(&mut ui, &run, &["space"]).is_empty());
    assert!(
        ui.flash
            .clone()
            .unwrap()
            .text
            .contains("only the commander may check the commander's items")
    );
}

#[test]
fn filter_narrows_the_grid_and_esc_clears_it() {
    let (run, victim) = fixture::host_failed(100);
    let mut ui = ui(&run, Role::Technician, Theme::default_theme());
    press(&mut ui, &run, &["/"]);
    typed(&mut ui, &run, "fail");
    assert_eq!(ui.filter, "fail");
    assert_eq!(
        crate::tui::keys::selected_host(&run.state, &ui),
        Some(victim.as_str())
    );
    press(&mut ui, &run, &["enter"]);
    assert!(ui.overlay.is_none());
    assert_eq!(ui.filter, "fail");
    press(&mut ui, &run, &["/", "esc"]);
    assert_eq!(ui.filter, "");
}

#[test]
fn arrows_move_through_the_grid_wave_by_wave() {
    let run = fixture::running(100);
    let mut ui = ui(&run, Role::Technician, Theme::default_theme());
    assert_eq!(
        crate::tui::keys::selected_host(&run.state, &ui),
        Some("web-001")
    );
    press(&mut ui, &run, &["l"]);
    assert_eq!(
        crate::tui::keys::selected_host(&run.state, &ui),
        Some("web-002")
    );
    press(&mut ui, &run, &["enter"]);
    assert!(matches!(&ui.overlay, Some(Overlay::HostDetails { host, .. }) if host == "web-002"));
}

#[test]
fn quit_asks_while_the_run_goes_on() {
    let run = fixture::running(100);
    let mut ui = ui(&run, Role::Commander, Theme::default_theme());
    press(&mut ui, &run, &["q", "enter"]);
    assert!(!ui.quit, "Enter on Cancel must not quit");
    press(&mut ui, &run, &["q", "tab", "enter"]);
    assert!(ui.quit);
}
