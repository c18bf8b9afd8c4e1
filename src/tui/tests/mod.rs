//! Cockpit tests: view snapshots on a fixed clock, and keys to intents and dialogs.

mod dialogs;
mod keys;
mod snapshots;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{Look, Operator, UiState};
use super::fixture::Run;
use super::keymap::Keymap;
use super::panels::Panels;
use super::theme::Theme;
use crate::runbook::Role;

/// A screen for `role` "alice" at the run's clock.
pub fn ui(run: &Run, role: Role, theme: Theme) -> UiState {
    let look = Look {
        theme,
        marker: Default::default(),
        keymap: Keymap::default(),
    };
    let mut ui = UiState::new(
        Operator {
            role,
            name: "alice".into(),
        },
        look,
        run.now,
    );
    ui.size = (120, 40);
    ui
}

/// The screen as text.
pub fn render(
    run: &Run,
    ui: &UiState,
    panels: &Panels,
    w: u16,
    h: u16,
) -> (String, Terminal<TestBackend>) {
    let mut ui = ui.clone();
    ui.size = (w, h);
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| super::view::draw(f, &run.state, &ui, panels))
        .unwrap();
    (term.backend().to_string(), term)
}

#[test]
fn config_toml_picks_theme_and_chart_markers_and_warns_on_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "theme = \"light\"\nchart = \"dot\"\ncolour = \"red\"\n",
    )
    .unwrap();
    let (set, warnings) = super::settings(Some(dir.path()));
    assert_eq!(set.theme.as_deref(), Some("light"));
    assert_eq!(set.marker, super::ChartMarker::Dot);
    assert!(
        warnings[0].contains("unknown setting `colour`"),
        "{warnings:?}"
    );
    let (set, warnings) = super::settings(None);
    assert_eq!(set, super::Settings::default());
    assert!(warnings.is_empty());
}
