//! The command line of DESIGN §7: a thin clap layer that hands each subcommand to its module.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod check;
pub mod demo;
pub mod drill;
pub mod plan;
pub mod report;
pub mod run;
pub mod runs;
pub mod sim_agent;

/// Staged upgrades of cloud-host fleets, wave by wave, gated on live metrics.
#[derive(Debug, Parser)]
#[command(name = "ripcord", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands (DESIGN §7: a contract for operators' scripts).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the cockpit on a simulated fleet: no setup, no network.
    Demo(DemoArgs),
    /// Run an upgrade plan.
    Run(RunArgs),
    /// Validate runbooks; exit 0 when all are valid, 1 otherwise.
    Check(CheckArgs),
    /// Show exactly what `run` would do; nothing runs.
    Plan(PlanArgs),
    /// Write the postmortem of a run from its journal.
    Report(ReportArgs),
    /// Rehearse a plan with an injected fault and score it.
    Drill(DrillArgs),
    /// List past and running runs.
    Runs(RunsArgs),
    /// Attach a second screen to a running run.
    Attach(AttachArgs),
    /// Step helper for the simulated fleet (used by runbooks/demo.toml).
    #[command(hide = true)]
    SimAgent(SimAgentArgs),
}

/// `ripcord demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Number of simulated hosts.
    #[arg(long, default_value_t = 100)]
    pub hosts: usize,
    /// Fault scenario to inject: 5xx, latency, boot, slow-burn, one-bad-host.
    #[arg(long)]
    pub fault: Option<String>,
    /// The wave whose start injects --fault (default: the demo runbook's [drill] wave).
    #[arg(long, value_name = "N", requires = "fault")]
    pub fault_wave: Option<usize>,
    /// No screen: one line per event.
    #[arg(long)]
    pub headless: bool,
    /// Print a Prometheus scrape config for the simulator and exit.
    #[arg(long)]
    pub print_prometheus_config: bool,
    /// State directory (default: RIPCORD_STATE_DIR or the platform state dir).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// What a headless run does when it halts and needs a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnHalt {
    /// Stop with exit 3; the run stays resumable.
    Hold,
    /// Confirm the rollback the engine offers, then exit 4.
    Rollback,
}

/// `ripcord run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The runbook (TOML).
    pub runbook: PathBuf,
    /// No screen: one line per event.
    #[arg(long)]
    pub headless: bool,
    /// Your role: commander, technician, impact, communicator.
    #[arg(long, default_value = "commander")]
    pub role: String,
    /// Your name, recorded with every action.
    #[arg(long)]
    pub name: Option<String>,
    /// Approve waves that need approval (recorded as an approval by --name).
    #[arg(long)]
    pub yes: bool,
    /// Headless: what to do on a halt that needs a decision.
    #[arg(long, value_enum, default_value = "hold")]
    pub on_halt: OnHalt,
    /// Resume this run instead of starting a new one.
    #[arg(long, value_name = "RUN_ID")]
    pub resume: Option<String>,
    /// State directory (default: RIPCORD_STATE_DIR or the platform state dir).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Colour theme (dark, light, high-contrast, colour-blind).
    #[arg(long)]
    pub theme: Option<String>,
}

/// `ripcord check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Runbooks to validate.
    #[arg(required = true)]
    pub runbooks: Vec<PathBuf>,
    /// Also run every query once against the metric source (preflight).
    #[arg(long)]
    pub online: bool,
}

/// `ripcord plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The runbook.
    pub runbook: PathBuf,
    /// Stable JSON instead of text (see docs/plan-json.md).
    #[arg(long)]
    pub json: bool,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Markdown, with SVG charts beside it.
    Md,
    /// One HTML file with the charts inline.
    Html,
}

/// `ripcord report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A run id, or the path of a journal.jsonl.
    pub run: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "md")]
    pub format: ReportFormat,
    /// Output file (default: standard output; charts go beside it).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// State directory (default: RIPCORD_STATE_DIR or the platform state dir).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// `ripcord drill`.
#[derive(Debug, clap::Args)]
pub struct DrillArgs {
    /// The runbook to rehearse (or --demo).
    #[arg(required_unless_present = "demo")]
    pub runbook: Option<PathBuf>,
    /// Rehearse the demo plan on the simulator.
    #[arg(long)]
    pub demo: bool,
    /// Fault scenario to inject (default: the runbook's [drill] fault).
    #[arg(long)]
    pub fault: Option<String>,
    /// The wave whose start injects the fault (default: the runbook's [drill] wave, else 1).
    #[arg(long, value_name = "N")]
    pub fault_wave: Option<usize>,
    /// No screen.
    #[arg(long)]
    pub headless: bool,
    /// State directory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// `ripcord runs`.
#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    /// State directory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// `ripcord attach`.
#[derive(Debug, clap::Args)]
pub struct AttachArgs {
    /// The run to attach to.
    pub run: String,
    /// Your role.
    #[arg(long, default_value = "communicator")]
    pub role: String,
    /// Your name.
    #[arg(long)]
    pub name: Option<String>,
    /// Watch only; send no intents.
    #[arg(long)]
    pub read_only: bool,
    /// State directory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// `ripcord sim-agent ACTION HOST --sim ADDR`.
#[derive(Debug, clap::Args)]
pub struct SimAgentArgs {
    /// backup, precheck, upgrade, verify, rollback.
    pub action: String,
    /// The simulated host.
    pub host: String,
    /// The simulator's control address (127.0.0.1:PORT).
    #[arg(long, env = "RIPCORD_SIM")]
    pub sim: String,
}

/// Exit codes of `run`, `demo` and `drill` (DESIGN §7).
pub mod exit {
    /// Every wave done.
    pub const DONE: u8 = 0;
    /// Bad input or I/O error.
    pub const ERROR: u8 = 1;
    /// Halted, waiting for a decision; the run is resumable.
    pub const HALTED: u8 = 3;
    /// Rolled back.
    pub const ROLLED_BACK: u8 = 4;
}

/// Says plainly that a subcommand's issue has not landed yet (no fake behaviour).
pub fn not_yet_built(what: &str) -> anyhow::Result<ExitCode> {
    eprintln!("ripcord {what}: not yet built in this version");
    Ok(ExitCode::from(exit::ERROR))
}

impl Cli {
    /// The `--state-dir` the command was given, if it takes one (logs go there too).
    pub fn state_dir(&self) -> Option<&std::path::Path> {
        match &self.command {
            Command::Demo(a) => a.state_dir.as_deref(),
            Command::Run(a) => a.state_dir.as_deref(),
            Command::Report(a) => a.state_dir.as_deref(),
            Command::Drill(a) => a.state_dir.as_deref(),
            Command::Runs(a) => a.state_dir.as_deref(),
            Command::Attach(a) => a.state_dir.as_deref(),
            Command::Check(_) | Command::Plan(_) | Command::SimAgent(_) => None,
        }
    }
}

/// Runs the parsed command line.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Drill(args) => drill::run(&args),
        Command::Runs(args) => runs::run(&args),
        Command::Attach(_) => not_yet_built("attach"),
        Command::SimAgent(args) => sim_agent::run(&args),
    }
}
