//! The cockpit screen.

use std::process::ExitCode;

use crate::run::RunConfig;

/// Runs the cockpit on `config`. The screen is being built (issue: the cockpit); until it
/// lands this says so plainly rather than pretending.
pub fn run_cockpit(_config: RunConfig, _theme: Option<&str>) -> anyhow::Result<ExitCode> {
    eprintln!("ripcord run: the cockpit screen is not built yet; use --headless");
    Ok(ExitCode::from(crate::cli::exit::ERROR))
}
