//! `ripcord drill RUNBOOK|--demo --fault SCENARIO`: rehearse a plan with an injected fault and
//! print a scorecard against the plan's targets. The drill is a normal run in the journal,
//! marked as a drill (`run_started.drill`), so `ripcord report` shows the same scorecard.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Context;

use super::DrillArgs;
use super::demo::FaultChoice;
use crate::engine::event::{InjectTarget, Injection};
use crate::engine::{EventKind, PlanSnapshot};
use crate::journal::{self, Actor, Record};
use crate::run::{Ending, HaltPolicy, RunConfig};
use crate::runbook::Role;

/// Hosts of the simulated fleet a `drill --demo` rehearses on: enough for three waves of a few
/// hosts each, few enough to finish in a couple of minutes.
pub const DRILL_HOSTS: usize = 20;

/// Runs `drill`.
pub fn run(args: &DrillArgs) -> anyhow::Result<ExitCode> {
    let choice = FaultChoice {
        scenario: args.fault.clone(),
        wave: args.fault_wave,
        drill: true,
    };
    let (ending, state_dir, id, sim) = if args.demo || args.runbook.is_none() {
        let setup = super::demo::setup(DRILL_HOSTS, &choice, args.state_dir.as_deref())?;
        let state_dir = setup.config.state_dir.clone();
        if let Some(p) = setup
            .config
            .injection
            .as_ref()
            .and_then(|i| i.planned.as_ref())
        {
            eprintln!(
                "ripcord drill: simulator on {} ({DRILL_HOSTS} hosts), fault {} when wave {} starts",
                setup.sim.addr(),
                p.scenario,
                p.wave
            );
        }
        let (ending, id) = drive(setup.config, args.headless)?;
        (ending, state_dir, id, Some((setup.runtime, setup.sim)))
    } else {
        let path = args
            .runbook
            .as_deref()
            .context("name a runbook or --demo")?;
        let loaded = super::run::load_checked(path)?;
        let planned = super::demo::planned_fault(&choice, &loaded.runbook, loaded.waves.len())?;
        let scenario = planned.as_ref().map(|p| p.scenario.clone());
        let plan = PlanSnapshot::from_runbook(&loaded.runbook, &loaded.waves);
        let state_dir = crate::paths::state_dir(args.state_dir.as_deref());
        // A real fleet cannot be broken on purpose by ripcord: from the planned wave on, the
        // plan's own (staging) steps get RIPCORD_DRILL and inject the scenario themselves.
        let injection = Injection {
            target: InjectTarget::Steps,
            scenarios: Vec::new(),
            planned,
        };
        let config = RunConfig {
            runbook: loaded.runbook,
            plan,
            state_dir: state_dir.clone(),
            actor: Actor::new(
                Role::Commander,
                super::run::operator_name(None, Role::Commander),
            ),
            approve: true,
            on_halt: Some(HaltPolicy::Rollback),
            resume: None,
            step_env: BTreeMap::new(),
            drill: scenario,
            injection: Some(injection),
            injector: None,
        };
        let (ending, id) = drive(config, args.headless)?;
        (ending, state_dir, id, None)
    };
    if let Some((runtime, sim)) = sim {
        runtime.block_on(sim.shutdown());
    }
    let path = journal::journal_path(&crate::paths::run_dir(&state_dir, &id));
    let replay = journal::read::<EventKind>(&path)?;
    let records: &[Record<EventKind>] = &replay.records;
    match crate::report::scorecard(records) {
        Some(card) => println!("\n{card}"),
        None => println!("\nno scorecard: the run holds no drill marker"),
    }
    println!("full report: ripcord report {id}");
    Ok(ExitCode::from(ending.code()))
}

fn drive(config: RunConfig, headless: bool) -> anyhow::Result<(Ending, String)> {
    if headless {
        super::run::drive_headless_run(config)
    } else {
        let mut config = config;
        config.approve = false;
        config.on_halt = None;
        let state_dir = config.state_dir.clone();
        let code = crate::tui::run_cockpit(config, None)?;
        // The cockpit started the newest run of the state dir.
        let id = journal::run_ids(&state_dir)?
            .into_iter()
            .next()
            .context("the drill started no run")?;
        let ending = if code == ExitCode::from(crate::cli::exit::DONE) {
            Ending::Completed
        } else if code == ExitCode::from(crate::cli::exit::ROLLED_BACK) {
            Ending::RolledBack
        } else {
            Ending::Halted
        };
        Ok((ending, id))
    }
}
