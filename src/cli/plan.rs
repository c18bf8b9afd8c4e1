//! `ripcord plan RUNBOOK [--json]`: show exactly what `run` would do.

use std::process::ExitCode;

use super::PlanArgs;

/// Runs `plan`.
pub fn run(_args: &PlanArgs) -> anyhow::Result<ExitCode> {
    super::not_yet_built("plan")
}
