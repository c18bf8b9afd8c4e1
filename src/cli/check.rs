//! `ripcord check RUNBOOK...`: validate runbooks, report every problem at once.

use std::process::ExitCode;

use super::CheckArgs;

/// Runs `check`.
pub fn run(_args: &CheckArgs) -> anyhow::Result<ExitCode> {
    super::not_yet_built("check")
}
