//! The forms: the fault dialog and its consequences, the impact form, the status composer.

use super::keys::{dialog, press, typed};
use super::*;
use crate::engine::Intent;
use crate::runbook::{Audience, Severity};
use crate::tui::dialog::Dialog;
use crate::tui::fixture;

#[test]
fn fault_dialog_declares_the_chosen_level_with_a_reason() {
    let run = fixture::running(100);
    let mut ui = ui(&run, Role::Technician, Theme::default_theme());
    press(&mut ui, &run, &["d", "down", "tab"]);
    typed(&mut ui, &run, "checkout errors up");
    let out = press(&mut ui, &run, &["tab", "tab", "enter"]);
    assert_eq!(
        out,
        vec![Intent::DeclareFault {
            level: Severity::Functional,
            reason: "checkout errors up".into()
        }]
    );
    // Severe is the commander's: the dialog stays and says so.
    press(&mut ui, &run, &["d", "3", "tab"]);
    typed(&mut ui, &run, "fleet on fire");
    assert!(press(&mut ui, &run, &["tab", "tab", "enter"]).is_empty());
    let Dialog::Fault(f) = dialog(&ui) else {
        panic!()
    };
    assert!(
        f.note
            .as_deref()
            .unwrap()
            .contains("only the commander may declare a severe fault")
    );
}

#[test]
fn fault_dialog_spells_out_the_consequences_under_the_policy() {
    let run = fixture::running(100);
    let functional = crate::tui::dialog::forms::consequences(&run.state, Severity::Functional);
    assert!(
        functional
            .iter()
            .any(|c| c.contains("high risk policy: a rollback of wave 2")
                && c.contains("the commander confirms")),
        "{functional:?}"
    );
    let severe = crate::tui::dialog::forms::consequences(&run.state, Severity::Severe);
    assert!(
        severe
            .iter()
            .any(|c| c.starts_with("Traffic switch: runbooks/scripts/drain.sh")),
        "{severe:?}"
    );
    assert!(
        severe
            .iter()
            .any(|c| c.starts_with("Vendor support: Cloud vendor P1 line")),
        "{severe:?}"
    );
    let minor = crate::tui::dialog::forms::consequences(&run.state, Severity::Minor);
    assert_eq!(
        minor,
        vec!["Recorded in the timeline and the postmortem; the run goes on.".to_string()]
    );
}

#[test]
fn impact_dialog_takes_percentages_and_rejects_others() {
    let run = fixture::running(100);
    let mut ui = ui(&run, Role::Impact, Theme::default_theme());
    press(&mut ui, &run, &["i"]);
    typed(&mut ui, &run, "150");
    press(&mut ui, &run, &["tab", "tab", "tab", "tab"]);
    assert!(press(&mut ui, &run, &["enter"]).is_empty());
    let Dialog::Impact(f) = dialog(&ui) else {
        panic!()
    };
    assert!(
        f.error
            .as_deref()
            .unwrap()
            .contains("\"150\" is not a percentage")
    );
    press(&mut ui, &run, &["tab"]);
    press(&mut ui, &run, &["backspace", "backspace"]);
    press(&mut ui, &run, &["tab"]);
    typed(&mut ui, &run, "0.4");
    press(&mut ui, &run, &["tab"]);
    typed(&mut ui, &run, "checkout only");
    let out = press(&mut ui, &run, &["tab", "tab", "enter"]);
    assert_eq!(
        out,
        vec![Intent::RecordImpact {
            traffic_drop_pct: Some(1.0),
            failed_tx_pct: Some(0.4),
            note: "checkout only".into()
        }]
    );
}

#[test]
fn composer_sends_the_edited_text_and_external_names_no_host() {
    let run = fixture::breach(100);
    let mut ui = ui(&run, Role::Communicator, Theme::default_theme());
    press(&mut ui, &run, &["n"]);
    let Dialog::Compose(c) = dialog(&ui) else {
        panic!()
    };
    assert!(
        c.text.text().contains("web-"),
        "internal names hosts: {}",
        c.text.text()
    );
    // Audience: back to the first field, then → switches to external and re-fills.
    press(&mut ui, &run, &["backtab", "right"]);
    let Dialog::Compose(c) = dialog(&ui) else {
        panic!()
    };
    assert_eq!(c.audience, Audience::External);
    let text = c.text.text();
    assert!(
        !text.contains("web-0"),
        "external must not name hosts: {text}"
    );
    assert!(text.contains("working on it"), "{text}");
    // Edit: a new last line, then Send.
    press(&mut ui, &run, &["tab", "end"]);
    press(&mut ui, &run, &["down", "down", "down", "end", "enter"]);
    typed(&mut ui, &run, "Thanks for your patience.");
    let out = press(&mut ui, &run, &["tab", "tab", "enter"]);
    let [
        Intent::SendStatusUpdate {
            audience: Audience::External,
            text,
        },
    ] = &out[..]
    else {
        panic!("{out:?}")
    };
    assert!(text.ends_with("\nThanks for your patience."), "{text}");
}

#[test]
fn composer_uses_the_notify_templates_when_the_shell_has_them() {
    let run = fixture::running(100);
    let mut ui = ui(&run, Role::Communicator, Theme::default_theme());
    ui.status_text = Some(crate::tui::dialog::StatusText(std::sync::Arc::new(
        |_, audience, _| format!("from the template for {audience:?}"),
    )));
    press(&mut ui, &run, &["n"]);
    let Dialog::Compose(c) = dialog(&ui) else {
        panic!()
    };
    assert_eq!(c.text.text(), "from the template for Internal");
    press(&mut ui, &run, &["backtab", "right"]);
    let Dialog::Compose(c) = dialog(&ui) else {
        panic!()
    };
    assert_eq!(c.text.text(), "from the template for External");
}
