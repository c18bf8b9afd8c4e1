//! `ripcord report RUN_ID|JOURNAL [--format md|html] [-o FILE]`: the postmortem of a run.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use super::{ReportArgs, ReportFormat, exit};
use crate::report::{Format, journal_for, write_report};

/// Runs `report`: the report to standard output, or to FILE with its charts beside it.
pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let state_dir = crate::paths::state_dir(args.state_dir.as_deref());
    let journal = journal_for(&args.run, &state_dir)?;
    let format = match args.format {
        ReportFormat::Md => Format::Markdown,
        ReportFormat::Html => Format::Html,
    };
    let written = write_report(&journal, format, args.output.as_deref())?;
    for w in &written.warnings {
        eprintln!("ripcord: warning: {w}");
    }
    if let Some(text) = &written.text {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .context("cannot write the report to standard output")?;
    }
    for f in &written.files {
        eprintln!("ripcord: wrote {}", f.display());
    }
    Ok(ExitCode::from(exit::DONE))
}
