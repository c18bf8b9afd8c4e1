//! `ripcord run RUNBOOK`: load and check the plan, then drive it headless or in the cockpit.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use tokio::sync::mpsc;

use super::{OnHalt, RunArgs};
use crate::engine::{EventKind, PlanSnapshot, State, describe};
use crate::journal::{Actor, ActorRole, Record};
use crate::run::{Ending, HaltPolicy, Inputs, Observer, RunConfig, Runner};
use crate::runbook::{Role, load};

/// Prints one line per event: `07:12:03 wave 2 started: 10 hosts (web-011 … web-020)`.
pub struct HeadlessPrinter<W: Write> {
    out: W,
}

impl<W: Write> HeadlessPrinter<W> {
    /// A printer to `out`.
    pub fn new(out: W) -> Self {
        Self { out }
    }
}

impl<W: Write> Observer for HeadlessPrinter<W> {
    fn event(&mut self, record: &Record<EventKind>, state: &State) {
        let Some(line) = describe::line(state, &record.event) else {
            return;
        };
        let who = match record.actor.role {
            ActorRole::Ripcord => String::new(),
            role => format!(" [{} {}]", role.as_str(), record.actor.name),
        };
        // A closed stdout (a pipe whose reader left) must not stop the run.
        let _ = writeln!(self.out, "{} {line}{who}", describe::clock(record.at));
        let _ = self.out.flush();
    }
}

/// Parses `--role`.
pub fn parse_role(text: &str) -> anyhow::Result<Role> {
    Role::parse(text).with_context(|| {
        format!("unknown role `{text}`: use commander, technician, impact or communicator")
    })
}

/// The operator's name: `--name`, else `$USER`, else the role.
pub fn operator_name(name: Option<&str>, role: Role) -> String {
    name.map(str::to_string)
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| role.as_str().to_string())
}

/// Loads the runbook, printing every problem; an error when it is invalid (nothing half-starts).
pub fn load_checked(path: &Path) -> anyhow::Result<crate::runbook::load::Loaded> {
    match load(path) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprintln!("{w}");
            }
            Ok(loaded)
        }
        Err(diags) => {
            for d in &diags {
                eprintln!("{d}");
            }
            bail!(
                "{} is not a valid runbook; nothing was started (see `ripcord check`)",
                path.display()
            )
        }
    }
}

/// Runs `run`.
pub fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let role = parse_role(&args.role)?;
    let name = operator_name(args.name.as_deref(), role);
    let loaded = load_checked(&args.runbook)?;
    let plan = PlanSnapshot::from_runbook(&loaded.runbook, &loaded.waves);
    let config = RunConfig {
        runbook: loaded.runbook,
        plan,
        state_dir: crate::paths::state_dir(args.state_dir.as_deref()),
        actor: Actor::new(role, name),
        approve: args.yes,
        on_halt: Some(match args.on_halt {
            OnHalt::Hold => HaltPolicy::Hold,
            OnHalt::Rollback => HaltPolicy::Rollback,
        }),
        resume: args.resume.clone(),
        step_env: BTreeMap::new(),
        drill: None,
        injection: None,
        injector: None,
    };
    if !args.headless {
        return crate::tui::run_cockpit(config, args.theme.as_deref());
    }
    drive_headless(config)
}

/// Drives a run without a screen; the exit code says how it ended (DESIGN §7).
pub fn drive_headless(config: RunConfig) -> anyhow::Result<ExitCode> {
    let (ending, _) = drive_headless_run(config)?;
    Ok(ExitCode::from(ending.code()))
}

/// Drives a run without a screen; returns how it ended and the run id.
pub fn drive_headless_run(config: RunConfig) -> anyhow::Result<(Ending, String)> {
    let state_dir = config.state_dir.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let mut printer = HeadlessPrinter::new(std::io::stdout());
        let runner = Runner::start(config, &mut printer).await?;
        let id = runner.run_id().to_string();
        let _ = writeln!(
            std::io::stderr(),
            "ripcord: run {id} (journal: {})",
            crate::journal::journal_path(&crate::paths::run_dir(&state_dir, &id)).display()
        );
        // Headless runs take no keys; the channels stay open so the loop never sees them close.
        let (_intent_tx, intents) = mpsc::channel(16);
        let (_metric_tx, metrics) = mpsc::channel(256);
        let ending = runner
            .drive(Inputs { intents, metrics }, &mut printer)
            .await?;
        Ok((ending, id))
    })
}
