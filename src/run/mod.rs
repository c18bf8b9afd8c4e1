//! The async shell around the engine: one `select!` loop — step results, operator intents,
//! metric updates and timer ticks in; journal, engine, and effects (step processes) out.
//!
//! The headless printer and the cockpit both drive this same loop through [`Observer`].

mod effects;
pub mod metrics;
mod resume;
mod unattended;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::engine::{self, EventKind, Intent, PlanSnapshot, RunState, State};
use crate::exec::HostOutcome;
use crate::journal::{Actor, Journal, JournalError, Record, Timestamp};
use crate::redact::Redactor;
use crate::runbook::Runbook;

pub use effects::StepLauncher;
pub use unattended::waiting_approval;

/// How a run ended, as the process exit code of DESIGN §7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every wave done (exit 0).
    Completed,
    /// Halted, waiting for a decision; resumable (exit 3).
    Halted,
    /// Rolled back (exit 4).
    RolledBack,
}

impl Ending {
    /// The exit code.
    pub fn code(self) -> u8 {
        match self {
            Ending::Completed => crate::cli::exit::DONE,
            Ending::Halted => crate::cli::exit::HALTED,
            Ending::RolledBack => crate::cli::exit::ROLLED_BACK,
        }
    }
}

/// What a headless run does when it halts and needs a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HaltPolicy {
    /// Stop (exit 3), resumable.
    Hold,
    /// Confirm the rollback the engine offers.
    Rollback,
}

/// Everything a run needs from the command line.
pub struct RunConfig {
    /// The checked runbook.
    pub runbook: Runbook,
    /// The plan snapshot (waves decided).
    pub plan: PlanSnapshot,
    /// `<state-dir>`.
    pub state_dir: PathBuf,
    /// Who runs ripcord (role and name from `--role`, `--name`).
    pub actor: Actor,
    /// `--yes`: approve waves that need approval, as `actor`.
    pub approve: bool,
    /// `--on-halt`; None when a person decides (the cockpit).
    pub on_halt: Option<HaltPolicy>,
    /// `--resume RUN_ID`.
    pub resume: Option<String>,
    /// Extra env for every step (e.g. `RIPCORD_SIM`).
    pub step_env: BTreeMap<String, String>,
    /// The drill's fault scenario, when this run is a drill.
    pub drill: Option<String>,
    /// How faults are injected into this run (demos and drills); None for a real run.
    pub injection: Option<crate::engine::event::Injection>,
    /// Injects a scenario into the simulated fleet, when the run has one.
    pub injector: Option<Injector>,
}

/// What injects a fault scenario into the simulated fleet; its error is said to the operator.
pub type Injector = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// Sees every journaled event and the state after it; the headless printer and the cockpit.
pub trait Observer {
    /// One event was journaled and applied.
    fn event(&mut self, record: &Record<EventKind>, state: &State);
    /// A metric poll arrived (samples for panels); its rule changes are journaled separately.
    fn metrics(&mut self, _update: &crate::metrics::MetricUpdate) {}
    /// The loop is idle: a chance to redraw. Returning intents submits them.
    fn tick(&mut self, _state: &State) -> Vec<Intent> {
        Vec::new()
    }
    /// The observer wants the run loop to stop now (e.g. the operator quit the cockpit).
    fn wants_exit(&self) -> bool {
        false
    }
}

/// Inputs a run loop receives from producers other than its own steps.
pub struct Inputs {
    /// Operator intents (keys, a second screen, signals).
    pub intents: mpsc::Receiver<(Actor, Intent)>,
    /// Engine events from the metric poller (rule changes, baselines).
    pub metrics: mpsc::Receiver<EventKind>,
}

/// A run's journal, state and step launcher: the part of the shell every front end shares.
pub struct Runner {
    journal: Journal<EventKind>,
    /// The state, as replayed and then kept live.
    pub state: State,
    launcher: StepLauncher,
    results: mpsc::Receiver<(u64, Vec<HostOutcome>)>,
    actor: Actor,
    approve: bool,
    on_halt: Option<HaltPolicy>,
    notifier: crate::notify::Notifier,
    notifications: mpsc::Receiver<EventKind>,
    metrics: Option<metrics::MetricsLink>,
    injector: Option<Injector>,
}

/// The wall clock, in the one place the shell reads it.
pub fn now() -> Timestamp {
    Timestamp::from(std::time::SystemTime::now())
}

impl Runner {
    /// Starts or resumes a run: a new run first passes the metric preflight (every query run
    /// once for wave 1; an empty result or an error blocks the start), then [`Runner::open`].
    pub async fn start(config: RunConfig, observer: &mut dyn Observer) -> Result<Self, RunError> {
        if config.resume.is_none() {
            let problems = metrics::preflight(&config).await;
            if !problems.is_empty() {
                return Err(RunError::Preflight(problems));
            }
        }
        Self::open(config, observer)
    }

    /// Opens (or creates) the run's journal and rebuilds the state; on resume, marks hosts
    /// whose step was in flight as interrupted before anything else happens to them.
    pub fn open(config: RunConfig, observer: &mut dyn Observer) -> Result<Self, RunError> {
        let (tx, results) = mpsc::channel(1024);
        let redactor = Arc::new(Redactor::from_env(secret_envs(&config.runbook)));
        let (journal, state, run_id, fresh) = match &config.resume {
            Some(id) => {
                let dir = crate::paths::run_dir(&config.state_dir, id);
                let (journal, replay) = Journal::<EventKind>::open(&dir)?;
                for w in &replay.warnings {
                    tracing::warn!("{w}");
                    eprintln!("ripcord: warning: {w}");
                }
                (journal, State::replay(&replay.records), id.clone(), false)
            }
            None => {
                let (id, journal) = Journal::create_run(&config.state_dir, now())?;
                (journal, State::default(), id, true)
            }
        };
        let (notify_tx, notifications) = mpsc::channel(256);
        let notifier = crate::notify::Notifier::new(
            &config.runbook,
            redactor.clone(),
            notify_tx,
            config.on_halt.is_some(),
        )
        .with_journal(journal.path());
        let launcher = StepLauncher::new(
            &config.runbook,
            run_id.clone(),
            config.step_env.clone(),
            redactor,
            tx,
        );
        let mut runner = Runner {
            journal,
            state,
            launcher,
            results,
            actor: config.actor.clone(),
            approve: config.approve,
            on_halt: config.on_halt,
            notifier,
            notifications,
            metrics: None,
            injector: config.injector.clone(),
        };
        // A resumed drill's fault is in force again before any step starts.
        if let Some(last) = runner.state.injected.last() {
            let scenario = last.scenario.clone();
            runner.apply_injection(&scenario);
        }
        // A run killed before its first event was written has an empty journal: start it now.
        if fresh || runner.state.plan.is_none() {
            let seed = seed_from(&run_id);
            let start = EventKind::RunStarted {
                run_id,
                runbook: config.runbook.source.display().to_string(),
                plan: Box::new(config.plan),
                seed,
                drill: config.drill,
                injection: config.injection,
            };
            runner.record_all(config.actor.clone(), vec![start], observer)?;
        } else {
            let events = resume::resume_events(&runner.state);
            runner.record_all(Actor::ripcord(), events, observer)?;
            runner.notifier.resume(&runner.state);
        }
        runner.metrics = metrics::MetricsLink::start(&config.runbook, &runner.state);
        Ok(runner)
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        &self.state.run_id
    }

    /// Journals events (one fsync), applies them, and starts the effects they name.
    pub fn record_all(
        &mut self,
        actor: Actor,
        events: Vec<EventKind>,
        observer: &mut dyn Observer,
    ) -> Result<(), RunError> {
        if events.is_empty() {
            return Ok(());
        }
        let at = now();
        // fsync blocks: let the runtime move other tasks off this worker meanwhile.
        let batch = events.into_iter().map(|e| (at, actor.clone(), e));
        let journal = &mut self.journal;
        let records = match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| journal.append_batch(batch))?
            }
            _ => journal.append_batch(batch)?,
        };
        for r in &records {
            engine::apply(&mut self.state, r);
            observer.event(r, &self.state);
        }
        for r in &records {
            if let EventKind::FaultInjected { scenario, .. } = &r.event {
                self.apply_injection(scenario);
            }
        }
        self.launcher.launch(&records);
        if let Some(m) = &self.metrics {
            m.publish(&self.state);
        }
        let queued = self.notifier.on_records(&records, &self.state);
        if !queued.is_empty() {
            self.record_all(Actor::ripcord(), queued, observer)?;
        }
        Ok(())
    }

    /// The effect of `fault_injected` (already journaled): the simulated fleet starts the
    /// scenario, or the steps started from now on carry `RIPCORD_DRILL=<scenario>`.
    fn apply_injection(&mut self, scenario: &str) {
        use crate::engine::event::InjectTarget;
        match self.state.injection.as_ref().map(|i| i.target) {
            Some(InjectTarget::Steps) => self.launcher.set_env("RIPCORD_DRILL", scenario),
            Some(InjectTarget::Simulator) => {
                let result = match &self.injector {
                    Some(inject) => inject(scenario),
                    None => Err("this process has no simulated fleet to inject it into (a demo or drill --demo resumed with `ripcord run` runs without its simulator)".into()),
                };
                if let Err(why) = result {
                    tracing::warn!("fault {scenario} not injected: {why}");
                    eprintln!(
                        "ripcord: warning: fault {scenario} journaled but not injected: {why}"
                    );
                }
            }
            None => {}
        }
    }

    /// Runs `decide` until it has nothing more to say.
    pub fn settle(&mut self, observer: &mut dyn Observer) -> Result<(), RunError> {
        for _ in 0..100_000 {
            let events = engine::decide(&self.state, now());
            if events.is_empty() {
                return Ok(());
            }
            self.record_all(Actor::ripcord(), events, observer)?;
        }
        tracing::error!("decide did not settle after 100000 rounds");
        Ok(())
    }

    /// An operator intent: checked by the engine, journaled with who asked.
    pub fn submit(
        &mut self,
        actor: Actor,
        intent: &Intent,
        observer: &mut dyn Observer,
    ) -> Result<(), RunError> {
        let events = engine::intent::handle(&self.state, &actor, intent);
        self.record_all(actor, events, observer)
    }

    /// Step results from the executor.
    fn finished(
        &mut self,
        job: u64,
        outcomes: Vec<HostOutcome>,
        observer: &mut dyn Observer,
    ) -> Result<(), RunError> {
        let events = effects::finished_events(&self.state, job, outcomes);
        self.record_all(Actor::ripcord(), events, observer)
    }

    /// The loop: until the run ends, or needs a person and none is attached, or is stopped.
    pub async fn drive(
        self,
        inputs: Inputs,
        observer: &mut dyn Observer,
    ) -> Result<Ending, RunError> {
        self.drive_woken(inputs, None, observer).await
    }

    /// [`drive`](Self::drive) for a screen: whenever `wake` receives, the observer's `tick`
    /// runs at once (a key press, a frame due) instead of on the next timer tick.
    pub async fn drive_woken(
        mut self,
        mut inputs: Inputs,
        mut wake: Option<mpsc::Receiver<()>>,
        observer: &mut dyn Observer,
    ) -> Result<Ending, RunError> {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut stop = resume::Signals::new();
        loop {
            self.settle(observer)?;
            if let Some(ending) = self.unattended(observer)? {
                self.flush_notifications(observer).await?;
                return Ok(ending);
            }
            if observer.wants_exit() {
                self.flush_notifications(observer).await?;
                return Ok(self.ending_now());
            }
            tokio::select! {
                Some((job, outcomes)) = self.results.recv() => self.finished(job, outcomes, observer)?,
                Some((actor, intent)) = inputs.intents.recv() => self.submit(actor, &intent, observer)?,
                Some(event) = inputs.metrics.recv() => self.record_all(Actor::ripcord(), vec![event], observer)?,
                Some(update) = next_metric(&mut self.metrics) => {
                    observer.metrics(&update);
                    self.record_all(Actor::ripcord(), metrics::events_of(&update), observer)?;
                }
                Some(event) = self.notifications.recv() => self.record_all(Actor::ripcord(), vec![event], observer)?,
                _ = tick.tick() => self.ticked(observer)?,
                Some(()) = next_wake(&mut wake) => self.ticked(observer)?,
                signal = stop.recv() => {
                    self.stop(signal, observer).await?;
                    self.flush_notifications(observer).await?;
                    return Ok(Ending::Halted);
                }
            }
        }
    }

    /// The observer's turn: it may redraw, and the intents it returns are submitted.
    fn ticked(&mut self, observer: &mut dyn Observer) -> Result<(), RunError> {
        for intent in observer.tick(&self.state) {
            let actor = self.actor.clone();
            self.submit(actor, &intent, observer)?;
        }
        Ok(())
    }

    /// Before the process ends: waits a bounded grace for deliveries in flight; what is still
    /// unsent stays queued in the journal and goes out on the next resume.
    async fn flush_notifications(&mut self, observer: &mut dyn Observer) -> Result<(), RunError> {
        let deadline = tokio::time::Instant::now() + FLUSH_GRACE;
        while self.notifier.pending() > 0 {
            match tokio::time::timeout_at(deadline, self.notifications.recv()).await {
                Ok(Some(event)) => self.record_all(Actor::ripcord(), vec![event], observer)?,
                _ => break,
            }
        }
        let unsent = self.notifier.pending();
        if unsent > 0 {
            eprintln!(
                "ripcord: {unsent} notification(s) still unsent; they are sent again on resume"
            );
        }
        Ok(())
    }

    /// How the run stands if the process ends now.
    fn ending_now(&self) -> Ending {
        match self.state.run {
            RunState::Completed => Ending::Completed,
            RunState::RolledBack => Ending::RolledBack,
            _ => Ending::Halted,
        }
    }

    /// SIGINT / SIGTERM: pause (journaled), let running steps end for a short grace, exit.
    async fn stop(&mut self, signal: &str, observer: &mut dyn Observer) -> Result<(), RunError> {
        if !self.state.run.is_over() {
            let reason = format!("{} ({signal})", resume::STOPPED);
            self.record_all(
                Actor::ripcord(),
                vec![EventKind::Paused { reason }],
                observer,
            )?;
        }
        let deadline = tokio::time::Instant::now() + resume::STOP_GRACE;
        while self.state.anything_running() {
            match tokio::time::timeout_at(deadline, self.results.recv()).await {
                Ok(Some((job, outcomes))) => self.finished(job, outcomes, observer)?,
                _ => break,
            }
        }
        Ok(())
    }
}

/// The next poller update, or never when the run has no metric source.
async fn next_metric(
    link: &mut Option<metrics::MetricsLink>,
) -> Option<crate::metrics::MetricUpdate> {
    match link {
        Some(link) => link.updates.recv().await,
        None => std::future::pending().await,
    }
}

/// The next wake-up of a screen, or never without one.
async fn next_wake(wake: &mut Option<mpsc::Receiver<()>>) -> Option<()> {
    match wake {
        Some(w) => w.recv().await,
        None => std::future::pending().await,
    }
}

/// Errors of the run loop, for the operator.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The journal could not be written or read.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The metric preflight found problems; nothing was started.
    #[error("{}", preflight_text(.0))]
    Preflight(Vec<crate::metrics::PreflightProblem>),
}

fn preflight_text(problems: &[crate::metrics::PreflightProblem]) -> String {
    let mut text = format!(
        "the metric preflight found {} problem(s); nothing was started (fix the queries or the source, or run `ripcord check --online`):",
        problems.len()
    );
    for p in problems {
        text.push_str(&format!("\n  {p}"));
    }
    text
}

fn seed_from(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Env var names of the runbook's secrets, for redaction.
pub fn secret_envs(runbook: &Runbook) -> Vec<String> {
    let mut names = Vec::new();
    for n in &runbook.notify {
        names.extend(n.url_env.clone());
        names.extend(n.secret_env.clone());
    }
    if let Some(crate::runbook::MetricSource::Prometheus { auth, .. }) = &runbook.metrics {
        names.extend(auth.bearer_token_env.clone());
        names.extend(auth.basic_password_env.clone());
    }
    names
}

/// How long a run that ends waits for notifications in flight.
pub const FLUSH_GRACE: Duration = Duration::from_secs(30);

/// How often the loop wakes with nothing else to do (timers: soak, status cadence, SLA).
pub const TICK: Duration = Duration::from_millis(200);
