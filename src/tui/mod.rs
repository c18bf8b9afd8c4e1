//! The cockpit screen: the run loop that headless mode uses, seen and steered from a terminal.
//!
//! - [`view::draw`] is the view: a pure function of the run's [`State`](crate::engine::State),
//!   the screen's [`UiState`] and the [`Panels`]' series.
//! - [`keys::handle_key`] turns a key into intents or dialogs; [`keymap`] is the one key table.
//! - [`cockpit::Cockpit`] is the run-loop observer that owns the terminal.

pub mod app;
pub mod cockpit;
pub mod dialog;
pub mod editor;
pub mod fixture;
pub mod format;
pub mod input;
pub mod keymap;
pub mod keys;
pub mod panels;
pub mod terminal;
pub mod theme;
pub mod view;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use tokio::sync::mpsc;

pub use app::{ChartMarker, Focus, Look, Operator, UiState};
pub use panels::{PanelSpec, Panels};
pub use view::draw;

use crate::journal::ActorRole;
use crate::run::{Ending, Inputs, RunConfig, Runner};
use crate::runbook::{Role, Span};

/// What `<config dir>/config.toml` may say about the screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `theme = "light"`.
    pub theme: Option<String>,
    /// `chart = "braille" | "dot"`.
    pub marker: ChartMarker,
}

/// Reads `<config dir>/config.toml`; problems become warnings, never errors.
pub fn settings(config_dir: Option<&Path>) -> (Settings, Vec<String>) {
    let mut out = Settings::default();
    let mut warnings = Vec::new();
    let Some(path) = config_dir.map(|d| d.join("config.toml")) else {
        return (out, warnings);
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return (out, warnings);
    };
    let table = match text.parse::<toml::Table>() {
        Ok(t) => t,
        Err(e) => return (out, vec![format!("{}: {e}", path.display())]),
    };
    for (k, v) in &table {
        match (k.as_str(), v.as_str()) {
            ("theme", Some(name)) => out.theme = Some(name.to_string()),
            ("chart", Some("braille")) => out.marker = ChartMarker::Braille,
            ("chart", Some("dot" | "dots")) => out.marker = ChartMarker::Dot,
            ("chart", _) => warnings.push(format!(
                "{}: chart must be \"braille\" or \"dot\"",
                path.display()
            )),
            _ => warnings.push(format!(
                "{}: unknown setting `{k}` (theme, chart)",
                path.display()
            )),
        }
    }
    (out, warnings)
}

/// Runs the cockpit on `config` until the operator quits (exit 3 while the run goes on) or
/// the run ends and they leave (exit 0 / 4); a signal stops it like headless mode.
pub fn run_cockpit(config: RunConfig, theme: Option<&str>) -> anyhow::Result<ExitCode> {
    let (ending, _) = run_cockpit_run(config, theme)?;
    Ok(ExitCode::from(ending.code()))
}

/// [`run_cockpit`], answering how the run ended and its id (for `drill`, which scores it).
pub fn run_cockpit_run(
    mut config: RunConfig,
    theme: Option<&str>,
) -> anyhow::Result<(Ending, String)> {
    // A person decides at this screen: nothing is approved or rolled back for them.
    config.on_halt = None;
    config.approve = false;
    let config_dir = crate::paths::config_dir();
    let (set, mut warnings) = settings(config_dir.as_deref());
    let (theme, w) = theme::load(
        theme.or(set.theme.as_deref()),
        config_dir.as_deref(),
        theme::no_color_env(),
    );
    warnings.extend(w);
    let (keymap, w) = keymap::Keymap::load(config_dir.as_deref());
    warnings.extend(w);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let role = match config.actor.role {
        ActorRole::Ripcord => Role::Commander,
        r => r.plan_role().unwrap_or(Role::Commander),
    };
    let who = Operator {
        role,
        name: config.actor.name.clone(),
    };
    let look = Look {
        theme,
        marker: set.marker,
        keymap,
    };
    // Status updates are pre-filled with the notify module's shipped templates; this
    // notifier only composes (the run loop's own one delivers).
    let status_text = {
        let redactor = std::sync::Arc::new(crate::redact::Redactor::from_env(
            crate::run::secret_envs(&config.runbook),
        ));
        let (unused, _) = mpsc::channel(1);
        let notifier = crate::notify::Notifier::new(&config.runbook, redactor, unused, false);
        dialog::StatusText(std::sync::Arc::new(move |state, audience, now| {
            notifier.compose_status_update(state, audience, now)
        }))
    };
    let panels = Panels::from_runbook(&config.runbook, Span::from_mins(24 * 60));
    let actor = config.actor.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let runbook_path = config.runbook.source.display().to_string();
    let (ending, run_id) = runtime.block_on(async move {
        let (key_tx, key_rx) = mpsc::channel(input::INPUT_QUEUE);
        let (wake_tx, wake_rx) = mpsc::channel(1);
        let mut ui = UiState::new(who, look, crate::run::now());
        ui.status_text = Some(status_text);
        let mut cockpit = cockpit::Cockpit::new(ui, panels, actor, key_rx, wake_tx.clone());
        // The journal opens before the screen is taken, so its warnings stay readable.
        let runner = Runner::open(config, &mut cockpit)?;
        let run_id = runner.run_id().to_string();
        let screen = terminal::TerminalGuard::enter()
            .context("cannot take the terminal for the cockpit (use --headless)")?;
        let size = screen
            .terminal
            .size()
            .map(|s| (s.width, s.height))
            .unwrap_or((80, 24));
        cockpit.ui.size = size;
        cockpit.screen = Some(screen);
        cockpit.frame(&runner.state);
        if let Some(w) = warnings.first() {
            let more = if warnings.len() > 1 {
                format!(" (+{} more in the log)", warnings.len() - 1)
            } else {
                String::new()
            };
            cockpit
                .ui
                .flash(app::FlashKind::Warning, format!("{w}{more}"));
        }
        let _input =
            input::InputThread::start(key_tx, wake_tx).context("cannot read the terminal")?;
        let (_intent_tx, intents) = mpsc::channel(16);
        let (_metric_tx, metrics) = mpsc::channel(256);
        let ending = runner
            .drive_woken(Inputs { intents, metrics }, Some(wake_rx), &mut cockpit)
            .await?;
        if !cockpit.ui.quit && !cockpit.broken {
            after_the_run(&mut cockpit).await;
        }
        drop(cockpit);
        anyhow::Ok((ending, run_id))
    })?;
    // The screen is gone: this is the operator's last word on where the run stands.
    match ending {
        Ending::Completed => {
            eprintln!("ripcord: run {run_id} completed; the postmortem: ripcord report {run_id}")
        }
        Ending::RolledBack => {
            eprintln!("ripcord: run {run_id} rolled back; the postmortem: ripcord report {run_id}")
        }
        Ending::Halted => eprintln!(
            "ripcord: run {run_id} stopped; resume it with: ripcord run {runbook_path} --resume {run_id}"
        ),
    }
    Ok((ending, run_id))
}

/// The run loop has ended (every wave done, or rolled back): the last screen stays up until
/// the operator leaves, so the outcome can be read; keys that would act are refused.
async fn after_the_run(cockpit: &mut cockpit::Cockpit) {
    let Some(state) = cockpit.last_state.clone() else {
        return;
    };
    cockpit.ui.now = crate::run::now();
    cockpit.ui.flash(
        app::FlashKind::Info,
        format!(
            "the run is over ({}); press {} to leave",
            state.run.word().to_lowercase(),
            cockpit.ui.look.keymap.label(keymap::Action::Quit)
        ),
    );
    cockpit.touch();
    cockpit.frame(&state);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    let mut second = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            input = cockpit.next_input() => {
                let Some(input) = input else { return };
                let intents = match input {
                    input::Input::Key(k) => keys::handle_key(&mut cockpit.ui, &state, keymap::Key::from_event(k)),
                    input::Input::Resize(w, h) => { cockpit.ui.size = (w, h); Vec::new() }
                };
                if !intents.is_empty() {
                    cockpit.ui.flash(app::FlashKind::Refused, "the run is over; nothing more can be done from here");
                }
                cockpit.touch();
            }
            _ = second.tick() => {}
            _ = wait(&mut term) => return,
            _ = wait(&mut hup) => return,
            _ = wait(&mut int) => return,
        }
        if cockpit.ui.quit || cockpit.broken {
            return;
        }
        cockpit.frame(&state);
    }
}

async fn wait(s: &mut Option<tokio::signal::unix::Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
