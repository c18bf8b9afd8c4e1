//! The state of a run, rebuilt from its events by [`apply`]: the only way state changes.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::event::{EventKind, Injection, PlanSnapshot, Scope};
use super::evidence::{Evidence, RuleState};
use crate::exec::Outcome;
use crate::journal::{Actor, Record, Timestamp};
use crate::runbook::{Role, Severity, StepName};

/// Where one host stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostState {
    /// Not started.
    Pending,
    /// A step is running.
    Running {
        /// The step.
        step: StepName,
        /// Its job number.
        job: u64,
    },
    /// Finished `done` successfully; the next step has not started yet.
    Between {
        /// Last step done.
        done: StepName,
    },
    /// A step failed; the policy has not reacted yet.
    StepFailed {
        /// The step.
        step: StepName,
        /// How.
        outcome: Outcome,
        /// Why.
        reason: String,
    },
    /// Every forward step passed.
    Upgraded,
    /// Failed, and the policy has reacted.
    Failed {
        /// The step.
        step: StepName,
        /// How.
        outcome: Outcome,
        /// Why.
        reason: String,
    },
    /// The step was in flight when the controller stopped; verify (or redo) it first.
    Interrupted {
        /// The step that was running.
        step: StepName,
    },
    /// Back on the old version.
    RolledBack,
    /// The rollback did not work.
    RollbackFailed {
        /// Why.
        reason: String,
    },
    /// Taken out of the run by an operator.
    Skipped,
}

impl HostState {
    /// One word for grids and lines.
    pub fn word(&self) -> &'static str {
        match self {
            HostState::Pending => "pending",
            HostState::Running { step, .. } => match step {
                StepName::Backup | StepName::VerifyBackup => "backing up",
                StepName::Precheck => "prechecking",
                StepName::Upgrade => "upgrading",
                StepName::Verify => "verifying",
                StepName::Rollback | StepName::VerifyRollback => "rolling back",
            },
            HostState::Between { .. } => "in progress",
            HostState::StepFailed { .. } | HostState::Failed { .. } => "failed",
            HostState::Upgraded => "upgraded",
            HostState::Interrupted { .. } => "interrupted",
            HostState::RolledBack => "rolled back",
            HostState::RollbackFailed { .. } => "rollback failed",
            HostState::Skipped => "skipped",
        }
    }
    /// True while a process runs for this host.
    pub fn is_running(&self) -> bool {
        matches!(self, HostState::Running { .. })
    }
    /// True when nothing more will happen to the host in its wave.
    pub fn is_settled(&self) -> bool {
        matches!(
            self,
            HostState::Upgraded
                | HostState::Failed { .. }
                | HostState::RolledBack
                | HostState::RollbackFailed { .. }
                | HostState::Skipped
        )
    }
    /// True when ripcord has done something to the host.
    pub fn is_touched(&self) -> bool {
        !matches!(
            self,
            HostState::Pending | HostState::Skipped | HostState::RolledBack
        )
    }
}

/// A step run on a host, for the details view and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRun {
    /// Step.
    pub step: StepName,
    /// Started.
    pub started_at: Timestamp,
    /// Finished (None while running).
    pub finished_at: Option<Timestamp>,
    /// Outcome once finished.
    pub outcome: Option<Outcome>,
    /// Exit code.
    pub exit_code: Option<i32>,
    /// Reason in words.
    pub reason: String,
    /// Output tail.
    pub output_tail: String,
}

/// One host of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct HostRec {
    /// Name.
    pub name: String,
    /// 1-based wave.
    pub wave: usize,
    /// Where it stands.
    pub state: HostState,
    /// Steps run, oldest first.
    pub steps: Vec<StepRun>,
    /// In the current rollback, not yet rolled back.
    pub rollback_pending: bool,
    /// Due for post-soak verification.
    pub reverify_pending: bool,
    /// A rollback of this host was offered and not yet taken up.
    pub rollback_offered: bool,
    /// Its upgrade step started after the first fault began (blast radius).
    pub touched_after_fault: bool,
}

/// Where a wave stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveState {
    /// Not started.
    Pending,
    /// Hosts are being upgraded.
    Running,
    /// Waiting for the soak to end.
    Soaking {
        /// Soak end.
        until: Timestamp,
    },
    /// Post-soak verification running.
    Reverifying,
    /// Done.
    Completed,
}

/// One wave of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveRec {
    /// Where it stands.
    pub state: WaveState,
    /// Approved by (name), when it needed approval.
    pub approved_by: Option<String>,
    /// Hosts that failed in this wave.
    pub failed: u32,
    /// When it started.
    pub started_at: Option<Timestamp>,
    /// When it completed.
    pub completed_at: Option<Timestamp>,
}

/// The run as a whole.
#[derive(Debug, Clone, PartialEq)]
pub enum RunState {
    /// Not started yet (no `run_started`).
    NotStarted,
    /// Waves progress.
    Running,
    /// No new host step starts.
    Paused {
        /// Why.
        reason: String,
        /// Who.
        by: Actor,
    },
    /// A wave or fleet rollback is under way.
    RollingBack {
        /// What it covers.
        scope: Scope,
    },
    /// Every wave done.
    Completed,
    /// A wave or fleet rollback finished; the rules are watched until the service is seen to
    /// recover (verify system, then dependent services, then the business flow).
    Recovering {
        /// When the rollback completed.
        since: Timestamp,
    },
    /// A wave or fleet rollback finished and the recovery watch is over.
    RolledBack,
}

impl RunState {
    /// One upper-case word for the header.
    pub fn word(&self) -> &'static str {
        match self {
            RunState::NotStarted => "NOT STARTED",
            RunState::Running => "RUNNING",
            RunState::Paused { .. } => "PAUSED",
            RunState::RollingBack { .. } => "ROLLING BACK",
            RunState::Recovering { .. } => "RECOVERING",
            RunState::Completed => "COMPLETED",
            RunState::RolledBack => "ROLLED BACK",
        }
    }
    /// True once nothing more will happen.
    pub fn is_over(&self) -> bool {
        matches!(self, RunState::Completed | RunState::RolledBack)
    }
}

/// A rule's latest state and evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleRec {
    /// Current state.
    pub state: RuleState,
    /// What it last saw.
    pub evidence: Option<Evidence>,
    /// The breach has been acted on (fault declared).
    pub reacted: bool,
    /// Baseline, when recorded.
    pub baseline: Option<f64>,
}

/// A declared fault.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Level.
    pub level: Severity,
    /// When.
    pub at: Timestamp,
    /// Why.
    pub reason: String,
    /// Who.
    pub by: Actor,
    /// The rule (`name` or `name@host`) whose breach declared it, if any.
    pub rule: Option<String>,
}

/// A fault injected into a demo or drill.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectedFault {
    /// The scenario.
    pub scenario: String,
    /// When.
    pub at: Timestamp,
    /// Who (ripcord for a planned injection).
    pub by: Actor,
    /// What injected it.
    pub why: String,
    /// Injected by ripcord as the drill planned (not by a person's key).
    pub planned: bool,
}

/// A rollback offered and awaiting confirmation.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// What it covers.
    pub scope: Scope,
    /// Hosts.
    pub hosts: Vec<String>,
    /// Why.
    pub reason: String,
    /// Who must confirm.
    pub confirm_by: Role,
}

/// A checklist item and who checked it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRec {
    /// Text.
    pub text: String,
    /// When due.
    pub phase: crate::runbook::Phase,
    /// Who checked it and when.
    pub checked: Option<(String, Timestamp)>,
}

/// A notification in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    /// Channel.
    pub channel: String,
    /// Event kind reported.
    pub kind: String,
    /// Text.
    pub text: String,
    /// Queued at.
    pub queued_at: Timestamp,
    /// Attempts so far.
    pub attempts: u32,
    /// Delivered at.
    pub sent_at: Option<Timestamp>,
    /// Last error.
    pub error: Option<String>,
    /// Given up.
    pub gave_up: bool,
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: Actor,
    /// What, with the reason.
    pub text: String,
}

/// How many timeline lines the state keeps (the journal keeps everything).
pub const TIMELINE_KEEP: usize = 500;

/// Everything known about a run, derived from its events.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Run id.
    pub run_id: String,
    /// Runbook path.
    pub runbook: String,
    /// The plan (None before `run_started`).
    pub plan: Option<Box<PlanSnapshot>>,
    /// Random seed.
    pub seed: u64,
    /// Drill scenario.
    pub drill: Option<String>,
    /// Last seq applied.
    pub seq: u64,
    /// Start time.
    pub started_at: Option<Timestamp>,
    /// Time of the last event.
    pub last_at: Option<Timestamp>,
    /// End time.
    pub ended_at: Option<Timestamp>,
    /// Run state.
    pub run: RunState,
    /// Hosts in plan order.
    pub hosts: Vec<HostRec>,
    /// Index by name.
    pub host_index: HashMap<String, usize>,
    /// Waves in order.
    pub waves: Vec<WaveRec>,
    /// Rules by name (and `name@host` for per-host rules).
    pub rules: BTreeMap<String, RuleRec>,
    /// Faults declared.
    pub faults: Vec<Fault>,
    /// Rollbacks awaiting confirmation.
    pub offers: Vec<Offer>,
    /// Checklists.
    pub checklists: BTreeMap<Role, Vec<ItemRec>>,
    /// Who holds each role.
    pub holders: BTreeMap<Role, String>,
    /// Next job number.
    pub next_job: u64,
    /// Next status update due.
    pub status_due_at: Option<Timestamp>,
    /// `status_update_due` raised for the current due time.
    pub status_due_raised: bool,
    /// Last status update sent.
    pub status_last_sent: Option<Timestamp>,
    /// Plan targets already reported missed.
    pub sla_missed: BTreeSet<String>,
    /// When the first rollback started.
    pub rollback_started_at: Option<Timestamp>,
    /// The rollback under way: its scope and hosts.
    pub rollback: Option<(Scope, Vec<String>)>,
    /// When the last rollback completed.
    pub rollback_completed_at: Option<Timestamp>,
    /// The run was halted and needs a decision.
    pub halted: Option<String>,
    /// Outbox by id.
    pub outbox: BTreeMap<String, OutboxItem>,
    /// Latest impact figures.
    pub impact: Option<(Option<f64>, Option<f64>, String)>,
    /// Recent timeline, newest last.
    pub timeline: VecDeque<TimelineEntry>,
    /// How faults can be injected (demos and drills).
    pub injection: Option<Injection>,
    /// Faults injected so far, in order.
    pub injected: Vec<InjectedFault>,
    /// When the service was seen to recover after a rollback.
    pub recovered_at: Option<Timestamp>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            run_id: String::new(),
            runbook: String::new(),
            plan: None,
            seed: 0,
            drill: None,
            seq: 0,
            started_at: None,
            last_at: None,
            ended_at: None,
            run: RunState::NotStarted,
            hosts: Vec::new(),
            host_index: HashMap::new(),
            waves: Vec::new(),
            rules: BTreeMap::new(),
            faults: Vec::new(),
            offers: Vec::new(),
            checklists: BTreeMap::new(),
            holders: BTreeMap::new(),
            next_job: 1,
            status_due_at: None,
            status_due_raised: false,
            status_last_sent: None,
            sla_missed: BTreeSet::new(),
            rollback_started_at: None,
            rollback: None,
            rollback_completed_at: None,
            halted: None,
            outbox: BTreeMap::new(),
            impact: None,
            timeline: VecDeque::new(),
            injection: None,
            injected: Vec::new(),
            recovered_at: None,
        }
    }
}

impl State {
    /// Rebuilds a state from records, in order.
    pub fn replay<'a>(records: impl IntoIterator<Item = &'a Record<EventKind>>) -> Self {
        let mut state = State::default();
        for r in records {
            apply(&mut state, r);
        }
        state
    }

    /// The host record by name.
    pub fn host(&self, name: &str) -> Option<&HostRec> {
        self.host_index.get(name).map(|&i| &self.hosts[i])
    }

    /// The host record by name, mutable.
    pub(crate) fn host_mut(&mut self, name: &str) -> Option<&mut HostRec> {
        self.host_index.get(name).map(|&i| &mut self.hosts[i])
    }

    /// Hosts of a 1-based wave.
    pub fn wave_hosts(&self, wave: usize) -> impl Iterator<Item = &HostRec> {
        self.hosts.iter().filter(move |h| h.wave == wave)
    }

    /// The first fault's time: when "the fault began" for SLA clocks and blast radius.
    pub fn first_fault_at(&self) -> Option<Timestamp> {
        self.faults
            .iter()
            .filter(|f| f.level > Severity::Minor)
            .map(|f| f.at)
            .min()
    }

    /// Failures in the whole run.
    pub fn failed_total(&self) -> u32 {
        self.waves.iter().map(|w| w.failed).sum()
    }

    /// Hosts upgraded after the first fault began (the blast radius).
    pub fn blast_radius(&self) -> Vec<&str> {
        self.hosts
            .iter()
            .filter(|h| h.touched_after_fault)
            .map(|h| h.name.as_str())
            .collect()
    }

    /// The 1-based number of the wave in progress (running, soaking or reverifying).
    pub fn active_wave(&self) -> Option<usize> {
        self.waves
            .iter()
            .position(|w| {
                matches!(
                    w.state,
                    WaveState::Running | WaveState::Soaking { .. } | WaveState::Reverifying
                )
            })
            .map(|i| i + 1)
    }

    /// The 1-based number of the next wave not started yet.
    pub fn next_wave(&self) -> Option<usize> {
        self.waves
            .iter()
            .position(|w| w.state == WaveState::Pending)
            .map(|i| i + 1)
    }

    /// Hosts of an offered rollback that still need it (touched, not already rolling back).
    pub fn offer_hosts(&self, offer: &Offer) -> Vec<String> {
        offer
            .hosts
            .iter()
            .filter(|h| {
                self.host(h)
                    .is_some_and(|h| h.state.is_touched() && !h.rollback_pending)
            })
            .cloned()
            .collect()
    }

    /// Offers that still cover a host, newest last.
    pub fn live_offers(&self) -> impl Iterator<Item = &Offer> {
        self.offers
            .iter()
            .filter(|o| !self.offer_hosts(o).is_empty())
    }

    /// True when a process is running for any host.
    pub fn anything_running(&self) -> bool {
        self.hosts.iter().any(|h| h.state.is_running())
    }
}

/// Applies one journaled event to the state. Pure; total: unknown hosts are ignored.
pub fn apply(state: &mut State, record: &Record<EventKind>) {
    let at = record.at;
    state.seq = record.seq;
    state.last_at = Some(at);
    if let Some(text) = super::describe::line(state, &record.event) {
        state.timeline.push_back(TimelineEntry {
            at,
            actor: record.actor.clone(),
            text,
        });
        if state.timeline.len() > TIMELINE_KEEP {
            state.timeline.pop_front();
        }
    }
    super::transitions::apply_event(state, record, at);
}
