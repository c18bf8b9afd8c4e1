//! `ripcord plan RUNBOOK [--json]`: show exactly what `run` would do; nothing runs.

use std::process::ExitCode;

use crate::runbook::plan_doc::PlanDoc;
use crate::runbook::{explain, load};

use super::PlanArgs;

/// Runs `plan`: the text view, or the stable JSON of docs/plan-json.md with `--json`. An
/// invalid runbook prints its diagnostics (as `check` does) and exits 1.
pub fn run(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let loaded = match load(&args.runbook) {
        Ok(l) => l,
        Err(diags) => {
            for d in &diags {
                eprintln!("{d}");
            }
            eprintln!(
                "invalid: {} (run `ripcord check` after fixing it)",
                args.runbook.display()
            );
            return Ok(ExitCode::from(super::exit::ERROR));
        }
    };
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    let doc = PlanDoc::new(&loaded);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print!("{}", explain::render(&doc));
    }
    Ok(ExitCode::SUCCESS)
}
