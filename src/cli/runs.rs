//! `ripcord runs`: past and running runs, with their state and progress.

use std::process::ExitCode;

use super::RunsArgs;
use crate::engine::{EventKind, HostState, State};
use crate::journal::{self, Record};

/// One line of `ripcord runs`.
pub fn summary_line(id: &str, state: &State, open: bool) -> String {
    let plan = state.plan.as_ref().map_or("?", |p| p.name.as_str());
    let total = state.hosts.len();
    let upgraded = state
        .hosts
        .iter()
        .filter(|h| h.state == HostState::Upgraded)
        .count();
    let failed = state.failed_total();
    let rolled = state
        .hosts
        .iter()
        .filter(|h| h.state == HostState::RolledBack)
        .count();
    let started = state
        .started_at
        .map_or_else(|| "-".into(), |t| t.to_string());
    let word = if open && !state.run.is_over() {
        format!("{} (open)", state.run.word())
    } else {
        state.run.word().to_string()
    };
    let unsent = state
        .outbox
        .values()
        .filter(|n| n.sent_at.is_none())
        .count();
    let unsent = if unsent > 0 {
        format!(", {unsent} notifications unsent")
    } else {
        String::new()
    };
    format!(
        "{id}  {word:<14} {started}  {upgraded}/{total} upgraded, {failed} failed, {rolled} rolled back{unsent}  {plan}"
    )
}

/// Runs `runs`.
pub fn run(args: &RunsArgs) -> anyhow::Result<ExitCode> {
    let dir = crate::paths::state_dir(args.state_dir.as_deref());
    let ids = journal::run_ids(&dir)?;
    if ids.is_empty() {
        println!("no runs in {}", crate::paths::runs_dir(&dir).display());
        return Ok(ExitCode::SUCCESS);
    }
    for id in ids {
        let run_dir = crate::paths::run_dir(&dir, &id);
        match journal::read::<EventKind>(&journal::journal_path(&run_dir)) {
            Ok(replay) => {
                let records: &[Record<EventKind>] = &replay.records;
                let state = State::replay(records);
                println!("{}", summary_line(&id, &state, is_open(&run_dir)));
                for w in replay.warnings {
                    println!("    warning: {w}");
                }
            }
            Err(e) => println!("{id}  unreadable: {e}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// True while a controller holds the run's lock (checked with a brief shared lock attempt).
fn is_open(run_dir: &std::path::Path) -> bool {
    let Ok(file) = std::fs::File::open(run_dir.join(journal::LOCK_FILE)) else {
        return false;
    };
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(_) => true,
    }
}
