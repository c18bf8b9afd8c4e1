//! Effects of journaled events: `host_step_started` spawns the step; results come back as events.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::engine::{EventKind, HostState, State};
use crate::exec::{self, HostOutcome, StepJob};
use crate::journal::{Record, Timestamp};
use crate::redact::Redactor;
use crate::runbook::{Runbook, StepName, StepSpec};

/// Starts step processes for `host_step_started` events and reports results by job number.
pub struct StepLauncher {
    run_id: String,
    cwd: PathBuf,
    steps: BTreeMap<StepName, StepSpec>,
    env: BTreeMap<String, String>,
    redactor: Arc<Redactor>,
    results: mpsc::Sender<(u64, Vec<HostOutcome>)>,
}

impl StepLauncher {
    /// A launcher for `runbook`'s steps.
    pub fn new(
        runbook: &Runbook,
        run_id: String,
        env: BTreeMap<String, String>,
        redactor: Arc<Redactor>,
        results: mpsc::Sender<(u64, Vec<HostOutcome>)>,
    ) -> Self {
        Self {
            run_id,
            cwd: runbook.dir.clone(),
            steps: runbook.steps.clone(),
            env,
            redactor,
            results,
        }
    }

    /// Sets a variable in the environment of every step started from now on.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.insert(key.to_string(), value.to_string());
    }

    /// Spawns one process per job named by the `host_step_started` records (already on disk).
    pub fn launch(&self, records: &[Record<EventKind>]) {
        let mut jobs: Vec<(u64, usize, StepName, Vec<String>)> = Vec::new();
        let mut by_job: HashMap<u64, usize> = HashMap::new();
        for r in records {
            if let EventKind::HostStepStarted {
                host,
                step,
                wave,
                job,
                ..
            } = &r.event
            {
                match by_job.get(job) {
                    Some(&i) => jobs[i].3.push(host.clone()),
                    None => {
                        by_job.insert(*job, jobs.len());
                        jobs.push((*job, *wave, *step, vec![host.clone()]));
                    }
                }
            }
        }
        for (job, wave, step, hosts) in jobs {
            let tx = self.results.clone();
            let Some(spec) = self.steps.get(&step).cloned() else {
                // The plan names a step the runbook no longer has (resumed with another file).
                let why = format!("the runbook has no [steps.{}] any more", step.as_str());
                let outcomes = hosts.iter().map(|h| not_run(h, &why)).collect();
                tokio::spawn(async move { tx.send((job, outcomes)).await });
                continue;
            };
            let job_spec = StepJob {
                run_id: self.run_id.clone(),
                wave,
                step,
                hosts,
                spec,
                cwd: self.cwd.clone(),
                extra_env: self.env.clone(),
            };
            let redactor = self.redactor.clone();
            tokio::spawn(async move {
                let outcomes = exec::run_step(job_spec, redactor).await;
                let _ = tx.send((job, outcomes)).await;
            });
        }
    }
}

fn not_run(host: &str, why: &str) -> HostOutcome {
    let now = chrono::Utc::now();
    HostOutcome {
        host: host.to_string(),
        outcome: exec::Outcome::NotStarted,
        exit_code: None,
        reason: why.to_string(),
        started_at: now,
        finished_at: now,
        output_tail: String::new(),
    }
}

/// `host_step_finished` events for a job's results (hosts no longer in that job are ignored:
/// the job was marked interrupted after a restart).
pub fn finished_events(state: &State, job: u64, outcomes: Vec<HostOutcome>) -> Vec<EventKind> {
    outcomes
        .into_iter()
        .filter_map(|o| {
            let host = state.host(&o.host)?;
            let HostState::Running { step, job: running } = host.state else {
                return None;
            };
            (running == job).then(|| EventKind::HostStepFinished {
                host: o.host,
                step,
                job,
                ok: o.outcome.is_ok(),
                outcome: o.outcome,
                exit_code: o.exit_code,
                reason: o.reason,
                started_at: Timestamp::from(o.started_at),
                output_tail: o.output_tail,
            })
        })
        .collect()
}
