//! Runs the runbook's steps: argv templates, timeouts, process groups, output capture.
//!
//! The engine decides which hosts run which step and enforces `parallel`; this module runs
//! exactly what one [`StepJob`] says and reports one [`HostOutcome`] per host.
//!
//! - Commands are argv arrays: placeholders expand inside one argument and never split it
//!   ([`expand_argv`]); host names are checked before anything runs. `shell = true` runs
//!   `sh -c <argv[0]>` with the line left as written: the values reach the shell only as
//!   `RIPCORD_*` variables (and as `$1…` from any further, expanded, argv entries), so a host
//!   name can never be read as shell.
//! - Each process gets its own process group and `/dev/null` as stdin. At the step's timeout
//!   the whole group gets SIGTERM, then SIGKILL after [`KILL_GRACE`]; the host counts as
//!   [`Outcome::TimedOut`] and its output tail is kept.
//! - Output (stdout and stderr together) is read concurrently and only the last 64 KiB are
//!   kept, redacted, as valid UTF-8.
//!
//! When ripcord itself exits while a step runs, the step is not killed: it keeps running in its
//! own process group (a half-done upgrade killed blindly is worse than one left to finish).
//! Its output pipes close, so it may die of SIGPIPE if it writes afterwards. The journal has
//! the step's start but no end, so on resume the host is marked *interrupted* and verified
//! before anything else happens to it (DESIGN §3 rule 8).

pub mod ansible;
mod outcome;
mod process;
mod tail;
mod template;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use outcome::Outcome;
pub use process::{DRAIN_GRACE, KILL_GRACE};
pub use tail::TAIL_BYTES;
pub use template::{ExpandError, PLACEHOLDERS, Vars, check_hosts, expand_argv, valid_host_name};

use crate::redact::Redactor;
use crate::runbook::{Per, StepName, StepRunner, StepSpec};
use process::{Finished, Launch, run_process};

/// One step to run now, for one host (`per = "host"`) or for a wave's hosts (`per = "wave"`).
#[derive(Debug, Clone)]
pub struct StepJob {
    /// The run's id (`{run}`, `RIPCORD_RUN`).
    pub run_id: String,
    /// 1-based wave number (`{wave}`, `RIPCORD_WAVE`).
    pub wave: usize,
    /// Which step (`{step}`, `RIPCORD_STEP`).
    pub step: StepName,
    /// One host for a per-host step; the wave's hosts for a per-wave step.
    pub hosts: Vec<String>,
    /// What to run and its timeout.
    pub spec: StepSpec,
    /// Working directory: the runbook's folder.
    pub cwd: PathBuf,
    /// Extra environment on top of the step's own `env` (e.g. `RIPCORD_SIM` for the demo).
    pub extra_env: BTreeMap<String, String>,
}

/// How the step went on one host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostOutcome {
    /// The host.
    pub host: String,
    /// The verdict.
    pub outcome: Outcome,
    /// Exit code when the process exited by itself.
    pub exit_code: Option<i32>,
    /// Why, in operator words: `exit 2`, `timed out after 5m (process group killed)`,
    /// `could not start: No such file or directory (./scripts/x.sh, in /srv/runbooks)`.
    pub reason: String,
    /// When the process started (or the step was refused).
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// Last 64 KiB of combined stdout and stderr, secrets redacted.
    pub output_tail: String,
}

/// Runs one step job to its end and returns one outcome per host of the job, in job order.
///
/// A per-host job normally names one host; if it names several they run one after another,
/// so a job never has more than one process in flight. A per-wave job runs one process for
/// all its hosts and every host gets its result (all or nothing). An Ansible step runs one
/// `ansible-playbook --limit` for the job's hosts and judges each host on its own
/// (see [`ansible`]).
pub async fn run_step(job: StepJob, redactor: Arc<Redactor>) -> Vec<HostOutcome> {
    if let Some(bad) = job.hosts.iter().find(|h| !valid_host_name(h)) {
        let why = ExpandError::BadHost { host: bad.clone() };
        return every_host(
            &job.hosts,
            Finished::without_process(Outcome::Failed, why.to_string()),
        );
    }
    let (argv, shell) = match &job.spec.runner {
        StepRunner::Command { argv, shell } => (argv, *shell),
        StepRunner::Ansible { .. } if job.hosts.is_empty() => return Vec::new(),
        StepRunner::Ansible { .. } => return ansible::run(&job, &redactor).await,
    };
    match job.spec.per {
        Per::Host => {
            let mut outcomes = Vec::with_capacity(job.hosts.len());
            for host in &job.hosts {
                let finished = run_one(&job, Some(host), argv, shell, &redactor).await;
                outcomes.push(host_outcome(host, finished));
            }
            outcomes
        }
        Per::Wave => {
            if job.hosts.is_empty() {
                return Vec::new();
            }
            let finished = run_one(&job, None, argv, shell, &redactor).await;
            every_host(&job.hosts, finished)
        }
    }
}

/// Runs one process: for `host` (per-host) or for all the job's hosts (per-wave, `host` None).
async fn run_one(
    job: &StepJob,
    host: Option<&String>,
    argv: &[String],
    shell: bool,
    redactor: &Redactor,
) -> Finished {
    let hosts = match host {
        Some(h) => vec![h.clone()],
        None => job.hosts.clone(),
    };
    let vars = Vars {
        run: job.run_id.clone(),
        wave: job.wave,
        step: job.step,
        host: host.cloned(),
        hosts,
    };
    let expanded = if shell {
        shell_argv(argv, &vars)
    } else {
        expand_argv(argv, &vars)
    };
    let argv = match expanded {
        Ok(argv) => argv,
        Err(e) => {
            return Finished::without_process(Outcome::Failed, format!("bad step command: {e}"));
        }
    };
    let launch = Launch {
        argv,
        cwd: &job.cwd,
        env: step_env(job, &vars),
        env_remove: if host.is_none() {
            vec!["RIPCORD_HOST"]
        } else {
            Vec::new()
        },
        timeout: job.spec.timeout,
    };
    let finished = run_process(launch, redactor).await;
    tracing::debug!(
        run = %job.run_id, wave = job.wave, step = job.step.as_str(), hosts = %vars.hosts.join(","),
        outcome = %finished.outcome, reason = %finished.reason, "step process finished"
    );
    finished
}

/// `sh -c <line> ripcord <args…>`: the line stays as written (never substituted into); the
/// further argv entries are expanded and become `$1…`, each one word.
fn shell_argv(argv: &[String], vars: &Vars) -> Result<Vec<String>, ExpandError> {
    let Some((line, rest)) = argv.split_first() else {
        return Err(ExpandError::Empty);
    };
    check_hosts(vars)?;
    let mut out = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        line.clone(),
        "ripcord".to_owned(),
    ];
    if !rest.is_empty() {
        out.extend(expand_argv(rest, vars)?);
    }
    Ok(out)
}

/// The step's `env`, then the job's extra env, then the `RIPCORD_*` values, which always win
/// so a step can trust them.
fn step_env(job: &StepJob, vars: &Vars) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = job
        .spec
        .env
        .iter()
        .chain(&job.extra_env)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    env.push(("RIPCORD_RUN".into(), vars.run.clone()));
    env.push(("RIPCORD_WAVE".into(), vars.wave.to_string()));
    env.push(("RIPCORD_STEP".into(), vars.step.as_str().into()));
    env.push(("RIPCORD_HOSTS".into(), vars.hosts.join(",")));
    if let Some(host) = &vars.host {
        env.push(("RIPCORD_HOST".into(), host.clone()));
    }
    env
}

fn host_outcome(host: &str, f: Finished) -> HostOutcome {
    HostOutcome {
        host: host.to_owned(),
        outcome: f.outcome,
        exit_code: f.exit_code,
        reason: f.reason,
        started_at: f.started_at,
        finished_at: f.finished_at,
        output_tail: f.output_tail,
    }
}

/// The same result for every host (a per-wave process, or a refusal of the whole job).
fn every_host(hosts: &[String], finished: Finished) -> Vec<HostOutcome> {
    hosts
        .iter()
        .map(|h| host_outcome(h, finished.clone()))
        .collect()
}
