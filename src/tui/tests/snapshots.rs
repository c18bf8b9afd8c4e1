//! View snapshots at 80×24, 120×40 and 200×60, on a fixed clock: every time on screen comes
//! from the run's events and the `now` given to the view.

use ratatui::style::Color;

use super::*;
use crate::tui::app::Overlay;
use crate::tui::dialog::{self, Composer, Dialog};
use crate::tui::fixture;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

fn panels(run: &Run, hot: bool) -> Panels {
    let mut p = fixture::panels();
    fixture::fill(&mut p, run.now, 60, 3, hot);
    p
}

fn snap(name: &str, run: &Run, ui: &UiState, panels: &Panels) {
    for (w, h) in SIZES {
        let (text, _) = render(run, ui, panels, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

#[test]
fn running_wave_two() {
    let run = fixture::running(100);
    let ui = ui(&run, Role::Commander, Theme::default_theme());
    snap("running", &run, &ui, &panels(&run, false));
}

#[test]
fn soaking_with_countdown() {
    let run = fixture::soaking(100);
    let ui = ui(&run, Role::Commander, Theme::default_theme());
    let (text, _) = render(&run, &ui, &panels(&run, false), 120, 40);
    assert!(text.contains("soak 18:00"), "{text}");
    snap("soaking", &run, &ui, &panels(&run, false));
}

#[test]
fn breach_pauses_and_proposes_the_wave_rollback() {
    let run = fixture::breach(100);
    let ui = ui(&run, Role::Commander, Theme::default_theme());
    let (text, _) = render(&run, &ui, &panels(&run, true), 120, 40);
    assert!(text.contains("PAUSED") && text.contains("BREACH"), "{text}");
    assert!(text.contains("rollback of wave 2 proposed"), "{text}");
    snap("breach", &run, &ui, &panels(&run, true));
}

#[test]
fn rollback_confirmation_names_every_host() {
    let run = fixture::breach(100);
    let mut ui = ui(&run, Role::Commander, Theme::default_theme());
    let c = dialog::confirm::confirm_offer(&run.state).unwrap();
    ui.overlay = Some(Overlay::Dialog(Box::new(Dialog::Confirm(c))));
    let (text, _) = render(&run, &ui, &panels(&run, true), 120, 40);
    assert!(
        text.contains("roll back 10 hosts of wave 2: web-002 … web-011"),
        "{text}"
    );
    assert!(
        text.contains("▸[ Cancel ]"),
        "focus starts on Cancel: {text}"
    );
    snap("rollback_confirm", &run, &ui, &panels(&run, true));
}

#[test]
fn status_composer_is_prefilled() {
    let run = fixture::soaking(100);
    let mut ui = ui(&run, Role::Communicator, Theme::default_theme());
    ui.overlay = Some(Overlay::Dialog(Box::new(Dialog::Compose(Composer::new(
        &run.state, run.now, None,
    )))));
    let (text, _) = render(&run, &ui, &panels(&run, false), 120, 40);
    assert!(text.contains("ops-chat, status-page"), "{text}");
    snap("composer", &run, &ui, &panels(&run, false));
}

#[test]
fn host_details_show_steps_exit_codes_and_output() {
    let (run, host) = fixture::host_failed(100);
    let mut ui = ui(&run, Role::Technician, Theme::default_theme());
    ui.overlay = Some(Overlay::HostDetails {
        host: host.clone(),
        scroll: 0,
    });
    let (text, _) = render(&run, &ui, &panels(&run, false), 120, 40);
    assert!(text.contains("smoke test: GET /health -> 503"), "{text}");
    snap("host_details", &run, &ui, &panels(&run, false));
}

#[test]
fn help_is_generated_from_the_key_table() {
    let run = fixture::running(100);
    let mut ui = ui(&run, Role::Impact, Theme::default_theme());
    ui.overlay = Some(Overlay::Help { scroll: 0 });
    let (text, _) = render(&run, &ui, &panels(&run, false), 200, 60);
    for e in crate::tui::keymap::TABLE {
        assert!(text.contains(e.help), "help lacks {}: {text}", e.name);
    }
    // Keys this role may not use say why (the reason wraps in the overlay).
    assert!(
        text.contains("— only the commander or") && text.contains("may pause (high risk)"),
        "{text}"
    );
    snap("help", &run, &ui, &panels(&run, false));
}

#[test]
fn too_small_says_what_size_is_needed() {
    let run = fixture::running(100);
    let ui = ui(&run, Role::Commander, Theme::default_theme());
    for (w, h) in [(60, 20), (100, 23), (79, 40)] {
        let (text, _) = render(&run, &ui, &panels(&run, false), w, h);
        assert!(
            text.contains("need 80×24") && text.contains(&format!("have {w}×{h}")),
            "{text}"
        );
        insta::assert_snapshot!(format!("too_small_{w}x{h}"), text);
    }
}

#[test]
fn no_color_reads_from_words_and_symbols_alone() {
    let run = fixture::breach(100);
    let ui = ui(&run, Role::Commander, Theme::no_color());
    let p = panels(&run, true);
    for (w, h) in SIZES {
        let (text, term) = render(&run, &ui, &p, w, h);
        for cell in term.backend().buffer().content() {
            assert!(
                matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
                "a coloured cell under NO_COLOR: {cell:?}"
            );
        }
        insta::assert_snapshot!(format!("no_color_{w}x{h}"), text);
    }
}

#[test]
fn keys_the_role_may_not_use_are_dimmed_in_the_footer() {
    use ratatui::style::Modifier;
    let run = fixture::running(100);
    let footer_of = |role| {
        let ui = ui(&run, role, Theme::default_theme());
        let (text, term) = render(&run, &ui, &panels(&run, false), 120, 40);
        let line = text.lines().last().unwrap().to_string();
        let buf = term.backend().buffer().clone();
        let x = line.find("p pause").unwrap() as u16 - 1; // the leading quote of the line
        (buf[(x, 39)].modifier.contains(Modifier::DIM), line)
    };
    let (dim, line) = footer_of(Role::Communicator);
    assert!(dim, "p is dimmed for the communicator: {line}");
    let (dim, line) = footer_of(Role::Technician);
    assert!(!dim, "p is live for the technician: {line}");
}

#[test]
fn after_the_rollback_the_header_says_recovering_and_what_is_still_in_breach() {
    let run = fixture::recovering(100);
    assert!(
        matches!(run.state.run, crate::engine::RunState::Recovering { .. }),
        "{:?}",
        run.state.run
    );
    let ui = ui(&run, Role::Commander, Theme::default_theme());
    let (text, _) = render(&run, &ui, &panels(&run, true), 120, 40);
    assert!(text.contains("RECOVERING"), "{text}");
    assert!(
        text.contains("watching until every rule clears — still in breach: HTTP 5xx ratio"),
        "{text}"
    );
    insta::assert_snapshot!("recovering_120x40", text);
}

#[test]
fn the_demo_fault_picker_says_what_each_scenario_does() {
    use crate::engine::event::{InjectTarget, Injection};
    let mut run = fixture::running(100);
    run.state.injection = Some(Injection {
        target: InjectTarget::Simulator,
        scenarios: crate::sim::Fault::ALL
            .iter()
            .map(|f| f.name().to_string())
            .collect(),
        planned: None,
    });
    let mut ui = ui(&run, Role::Commander, Theme::default_theme());
    let form = dialog::InjectForm::new(&run.state, Role::Commander).unwrap();
    ui.overlay = Some(Overlay::Dialog(Box::new(Dialog::Inject(form))));
    let (text, _) = render(&run, &ui, &panels(&run, false), 120, 40);
    assert!(text.contains("Inject a drill fault"), "{text}");
    assert!(
        text.contains("slow-burn") && text.contains("creep up from 0% to 10% over 90 seconds"),
        "{text}"
    );
    assert!(text.contains("[ Inject 5xx ]"), "{text}");
    insta::assert_snapshot!("inject_120x40", text);
}
