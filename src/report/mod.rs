//! The postmortem, written from a journal alone (DESIGN §1 "Recovery and review"): key times and
//! named durations against the plan's targets, blast radius, waves, failed hosts, every automatic
//! decision with its evidence, every operator action, notifications, checklists, charts, and the
//! blameless sections to fill in. The same journal gives the same report, byte for byte.
//!
//! [`render`] is pure (records in, text and SVG out); [`write_report`] reads a journal and writes
//! the files for the command line and the cockpit.

pub mod chart;
pub mod clock;
pub mod doc;
mod fleet;
pub mod html;
mod log;
pub mod outbox;
mod people;
mod review;
pub mod scorecard;
mod summary;
mod svg;
pub mod targets;
#[cfg(test)]
mod tests;
pub mod times;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub use clock::Zone;
use doc::{Block, Doc, Figure};
pub use scorecard::{Scorecard, scorecard};

use crate::engine::State;
use crate::engine::event::{EventKind, PlanSnapshot};
use crate::journal::{JournalError, Record};
use crate::redact::Redactor;

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown; charts are SVG files beside it.
    Markdown,
    /// One self-contained HTML file with the charts inline.
    Html,
}

/// How to render a report.
#[derive(Debug, Clone)]
pub struct Options {
    /// Markdown or HTML.
    pub format: Format,
    /// Local time shown beside UTC.
    pub zone: Zone,
    /// Markdown only: charts are linked as `<prefix>-<n>-<rule>.svg` files (written beside the
    /// report by [`write_report`]); `None` when they are not written (standard output).
    pub chart_prefix: Option<String>,
    /// Masks secrets in output excerpts, reasons and queries.
    pub redactor: Redactor,
    /// The runbook's `reviewed` date, when the runbook could be read.
    pub reviewed: Option<NaiveDate>,
}

impl Options {
    /// Defaults: system time zone, no chart files, credential-shaped text masked.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            zone: Zone::System,
            chart_prefix: None,
            redactor: Redactor::default(),
            reviewed: None,
        }
    }

    /// Adds what the run's runbook tells, when it can still be read where the run found it: its
    /// `reviewed` date, and the values of its secret env vars for redaction. Values of this
    /// process's secret-looking env vars (`*TOKEN*`, `*PASSWORD*`, `*_URL` ...) are masked too.
    pub fn with_runbook_of(mut self, records: &[Record<EventKind>]) -> Self {
        let mut names: Vec<String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, v)| secret_looking(k) && v.trim().len() >= 8)
            .map(|(k, _)| k)
            .collect();
        let path = records.iter().find_map(|r| match &r.event {
            EventKind::RunStarted { runbook, .. } => Some(PathBuf::from(runbook)),
            _ => None,
        });
        if let Some(loaded) = path
            .filter(|p| p.is_file())
            .and_then(|p| crate::runbook::load(&p).ok())
        {
            self.reviewed = loaded.runbook.plan.reviewed;
            names.extend(crate::run::secret_envs(&loaded.runbook));
        }
        names.sort();
        names.dedup();
        self.redactor = Redactor::from_env(names);
        self
    }
}

fn secret_looking(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
        "WEBHOOK",
        "_URL",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// One chart, as an SVG document and the file name it goes to beside a Markdown report.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// `<prefix>-<n>-<rule>.svg`.
    pub file_name: String,
    /// The SVG document.
    pub svg: String,
}

/// A rendered report.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The Markdown or HTML text.
    pub main: String,
    /// Charts (already inline in HTML; files to write beside Markdown).
    pub charts: Vec<Chart>,
}

/// What the section writers share.
pub(crate) struct Ctx<'a> {
    records: &'a [Record<EventKind>],
    state: &'a State,
    plan: &'a PlanSnapshot,
    k: times::KeyTimes,
    zone: Zone,
    redactor: &'a Redactor,
    reviewed: Option<NaiveDate>,
}

impl Ctx<'_> {
    fn redact(&self, s: &str) -> String {
        self.redactor.redact(s).into_owned()
    }
}

/// The report of the run in `records`; `warnings` are the journal reader's (a torn last line).
pub fn render(records: &[Record<EventKind>], warnings: &[String], options: &Options) -> Rendered {
    let state = State::replay(records);
    let (doc, charts) = build(records, warnings, &state, options);
    let main = match options.format {
        Format::Markdown => doc::to_markdown(&doc),
        Format::Html => html::to_html(&doc),
    };
    Rendered { main, charts }
}

fn build(
    records: &[Record<EventKind>],
    warnings: &[String],
    state: &State,
    o: &Options,
) -> (Doc, Vec<Chart>) {
    let Some(plan) = state.plan.as_deref() else {
        let mut doc = Doc {
            title: "Postmortem: unknown run".into(),
            ..Doc::default()
        };
        let mut reasons = warnings.to_vec();
        reasons.push(if records.is_empty() {
            "the journal is empty: no event was recorded".into()
        } else {
            format!(
                "the journal's {} event(s) include no run_started: the plan is unknown",
                records.len()
            )
        });
        summary::banner(&mut doc, &reasons);
        return (doc, Vec::new());
    };
    let c = Ctx {
        records,
        state,
        plan,
        k: times::key_times(records, state),
        zone: o.zone,
        redactor: &o.redactor,
        reviewed: o.reviewed,
    };
    let title = match &state.drill {
        Some(_) => format!("Drill report: {}", plan.name),
        None => format!("Postmortem: {}", plan.name),
    };
    let mut doc = Doc {
        title,
        ..Doc::default()
    };
    summary::banner(&mut doc, &summary::incomplete_reasons(&c, warnings));
    if let Some(card) = scorecard::score(records, state, &c.k) {
        summary::scorecard(&mut doc, &card);
    }
    summary::summary(&mut doc, &c);
    summary::roles(&mut doc, &c);
    summary::key_times(&mut doc, &c);
    fleet::blast(&mut doc, &c);
    fleet::waves(&mut doc, &c);
    log::failed_hosts(&mut doc, &c);
    log::decisions(&mut doc, &c);
    people::operator_actions(&mut doc, &c);
    people::notifications(&mut doc, &c);
    people::checklists(&mut doc, &c);
    people::restarts(&mut doc, &c);
    let charts = charts(&mut doc, &c, o);
    review::review(&mut doc, &c);
    people::timeline(&mut doc, &c);
    let (first, last) = (records.first(), records.last());
    if let (Some(a), Some(b)) = (first, last) {
        doc.push(Block::Para(doc::text(format!(
            "Written by ripcord from the journal of run {} alone: {} event(s), #{} at {} to #{} at {}. The same journal gives the same report.",
            state.run_id,
            records.len(),
            a.seq,
            clock::utc(a.at),
            b.seq,
            clock::utc(b.at)
        ))));
    }
    (doc, charts)
}

fn charts(doc: &mut Doc, c: &Ctx<'_>, o: &Options) -> Vec<Chart> {
    doc.h(2, "Charts");
    doc.p("Each watched metric over the run, with its thresholds (dashed) and the fault and rollback marked. ripcord journals samples only as evidence when a rule changes state (the samples just before the change and the value at it), not every poll, so these charts show the metric around those moments and join them with straight lines.");
    let data = chart::collect(c.records, c.plan, &c.k);
    let prefix = o.chart_prefix.clone().unwrap_or_else(|| "chart".into());
    let mut out = Vec::new();
    for (i, d) in data.iter().enumerate() {
        let file_name = format!("{prefix}-{}-{}.svg", i + 1, chart::slug(&d.rule));
        let svg = chart::svg(d);
        doc.push(Block::Chart(Figure {
            title: format!("{} — {} series", d.rule, d.series.len()),
            file: o.chart_prefix.as_ref().map(|_| file_name.clone()),
            svg: svg.clone(),
        }));
        out.push(Chart { file_name, svg });
    }
    let without: Vec<&str> = c
        .plan
        .rules
        .iter()
        .map(|r| r.name.as_str())
        .filter(|n| !data.iter().any(|d| d.rule == *n))
        .collect();
    if c.plan.rules.is_empty() {
        doc.p("The runbook watches no metric.");
    } else if !without.is_empty() {
        doc.p(format!("No sample recorded for: {}.", without.join(", ")));
    }
    out
}

/// Errors of `ripcord report`, for the operator.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The journal could not be read.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Neither a journal file nor a run of that id.
    #[error(
        "no journal file {arg} and no run {arg} under {runs}; list runs with `ripcord runs`, or give the path of a journal.jsonl"
    )]
    NotFound {
        /// What was given.
        arg: String,
        /// The runs folder searched.
        runs: PathBuf,
    },
    /// An output file could not be written.
    #[error("cannot write {path}: {source}; check the folder exists and is writable")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The journal a `RUN_ID|JOURNAL` argument names: an existing file (or run folder) as given,
/// else the run of that id under `state_dir`.
pub fn journal_for(arg: &str, state_dir: &Path) -> Result<PathBuf, ReportError> {
    let given = PathBuf::from(arg);
    if given.is_file() {
        return Ok(given);
    }
    if given.is_dir() && crate::journal::journal_path(&given).is_file() {
        return Ok(crate::journal::journal_path(&given));
    }
    let is_id = !arg.is_empty() && !arg.contains('/') && arg != "." && arg != "..";
    let path = crate::journal::journal_path(&crate::paths::run_dir(state_dir, arg));
    if is_id && path.is_file() {
        return Ok(path);
    }
    Err(ReportError::NotFound {
        arg: arg.into(),
        runs: crate::paths::runs_dir(state_dir),
    })
}

/// What [`write_report`] produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The report text, when no output file was given (for standard output).
    pub text: Option<String>,
    /// Files written: the report, then its charts.
    pub files: Vec<PathBuf>,
    /// The journal reader's warnings (also stated at the top of the report).
    pub warnings: Vec<String>,
}

/// Reads the journal at `journal` and writes its report to `out` (charts as SVG files beside a
/// Markdown report, named after it), or returns the text when `out` is `None`.
pub fn write_report(
    journal: &Path,
    format: Format,
    out: Option<&Path>,
) -> Result<Written, ReportError> {
    let replay = crate::journal::read::<EventKind>(journal)?;
    let mut options = Options::new(format).with_runbook_of(&replay.records);
    if let (Some(out), Format::Markdown) = (out, format) {
        let stem = out
            .file_stem()
            .map_or_else(|| "report".into(), |s| s.to_string_lossy().into_owned());
        options.chart_prefix = Some(stem);
    }
    let rendered = render(&replay.records, &replay.warnings, &options);
    let Some(out) = out else {
        return Ok(Written {
            text: Some(rendered.main),
            files: Vec::new(),
            warnings: replay.warnings,
        });
    };
    let put = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|source| ReportError::Write {
            path: path.into(),
            source,
        })
    };
    put(out, &rendered.main)?;
    let mut files = vec![out.to_path_buf()];
    if format == Format::Markdown {
        let dir = out.parent().unwrap_or(Path::new(""));
        for c in &rendered.charts {
            let path = dir.join(&c.file_name);
            put(&path, &c.svg)?;
            files.push(path);
        }
    }
    Ok(Written {
        text: None,
        files,
        warnings: replay.warnings,
    })
}

/// The report file of a run kept beside its journal: `<run_dir>/postmortem.md` (or `.html`).
pub fn default_output(run_dir: &Path, format: Format) -> PathBuf {
    run_dir.join(match format {
        Format::Markdown => "postmortem.md",
        Format::Html => "postmortem.html",
    })
}

/// Writes the report of the run in `run_dir` beside its journal (what the cockpit offers when a
/// run ends or is rolled back); returns the files written.
pub fn write_run_report(run_dir: &Path, format: Format) -> Result<Written, ReportError> {
    let journal = crate::journal::journal_path(run_dir);
    write_report(&journal, format, Some(&default_output(run_dir, format)))
}
