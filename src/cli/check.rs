//! `ripcord check RUNBOOK...`: validate runbooks, report every problem at once.

use std::process::ExitCode;

use crate::runbook::load;

use super::CheckArgs;

/// Runs `check`: every diagnostic of every file, then a verdict line per file; exit 0 when
/// all are valid (warnings allowed), 1 otherwise.
pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let mut all_ok = true;
    for path in &args.runbooks {
        match load(path) {
            Ok(loaded) => {
                for w in &loaded.warnings {
                    println!("{w}");
                }
                if args.online {
                    // Every query runs once against the live source, as before wave 1 (preflight).
                    let wave_one = loaded.waves.first().map_or(&[][..], |w| w.hosts.as_slice());
                    let problems =
                        crate::metrics::preflight::for_runbook(&loaded.runbook, wave_one);
                    for p in &problems {
                        println!("error: {}: preflight: {p}", path.display());
                    }
                    if !problems.is_empty() {
                        all_ok = false;
                        let plural = if problems.len() == 1 { "" } else { "s" };
                        println!(
                            "invalid: {} ({} preflight problem{plural})",
                            path.display(),
                            problems.len()
                        );
                        continue;
                    }
                }
                let warnings = match loaded.warnings.len() {
                    0 => String::new(),
                    1 => ", 1 warning".to_string(),
                    n => format!(", {n} warnings"),
                };
                println!(
                    "ok: {} ({} hosts, {} waves{warnings})",
                    path.display(),
                    loaded.runbook.fleet.len(),
                    loaded.waves.len()
                );
            }
            Err(diags) => {
                all_ok = false;
                for d in &diags {
                    println!("{d}");
                }
                let errors = diags.iter().filter(|d| d.is_error()).count();
                let plural = if errors == 1 { "" } else { "s" };
                println!("invalid: {} ({errors} error{plural})", path.display());
            }
        }
    }
    Ok(ExitCode::from(if all_ok { 0 } else { super::exit::ERROR }))
}
