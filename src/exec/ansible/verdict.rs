//! Per-host verdicts of one `ansible-playbook` run, from the JSON lines of ripcord's callback
//! (`runbooks/ansible/callback_plugins/ripcord.py`): pure, fed line by line while the playbook
//! runs, judged once it has ended (or was killed), so hosts that finished keep their results.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::super::outcome::Outcome;

/// Lines of a host's transcript kept for its output tail.
const HOST_LINES: usize = 200;

/// One event line of the callback. Fields absent from an event are `None`.
#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "_event")]
    event: String,
    host: Option<String>,
    task: Option<String>,
    msg: Option<String>,
    #[serde(default)]
    ignore_errors: bool,
    #[serde(default)]
    changed: bool,
    hosts: Option<Vec<String>>,
    unknown: Option<Vec<String>>,
    /// `v2_playbook_on_start`: how many plays the playbook has.
    plays: Option<usize>,
    /// `v2_playbook_on_play_start`: which play (0-based) starts.
    play: Option<usize>,
    stats: Option<BTreeMap<String, Stats>>,
    stdout: Option<String>,
    stderr: Option<String>,
}

/// `stats.summarize(host)` of Ansible's play recap.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
struct Stats {
    ok: u32,
    changed: u32,
    failures: u32,
    unreachable: u32,
    skipped: u32,
    rescued: u32,
    ignored: u32,
}

/// What the callback told about one host.
#[derive(Debug, Default)]
struct HostTrack {
    /// Any task started or reported for it.
    reached: bool,
    /// Last task that failed without `ignore_errors`: (task, message).
    failed: Option<(String, String)>,
    /// Last unreachable result: (task, message).
    unreachable: Option<(String, String)>,
    /// Task it was last seen at.
    task: Option<String>,
    /// In a play that Ansible stopped (`max_fail_percentage`, `any_errors_fatal`).
    forced: bool,
    finished_at: Option<DateTime<Utc>>,
    lines: VecDeque<String>,
}

impl HostTrack {
    fn note(&mut self, line: String) {
        if self.lines.len() == HOST_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }
}

/// How the `ansible-playbook` process ended.
#[derive(Debug, Clone)]
pub enum Ending {
    /// It exited with this code.
    Exited(i32),
    /// ripcord killed its process group at the step's timeout; the text says after how long.
    TimedOut(String),
    /// A signal ripcord did not send ended it; the text names it.
    Killed(String),
    /// Something else went wrong (waiting failed); the text says what.
    Lost(String),
}

/// One host's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The host.
    pub host: String,
    /// The outcome.
    pub outcome: Outcome,
    /// Operator words: which task failed and why, or why nothing ran.
    pub reason: String,
    /// When its last result came (None: judged at the process's end).
    pub finished_at: Option<DateTime<Utc>>,
    /// Its transcript: one line per task result.
    pub transcript: String,
}

/// Collects the callback's events for the hosts of one job.
#[derive(Debug)]
pub struct Tracker {
    order: Vec<String>,
    hosts: HashMap<String, HostTrack>,
    /// Hosts some play targeted.
    targeted: HashSet<String>,
    /// Hosts of the play now running (for a play Ansible stops).
    play_hosts: Vec<String>,
    /// Wave hosts the inventory does not have.
    unknown: HashSet<String>,
    stats: Option<BTreeMap<String, Stats>>,
    refused: Option<String>,
    plays: usize,
    /// Plays the playbook has, and those that started (a play runs once per `serial` batch).
    plays_total: Option<usize>,
    plays_started: HashSet<usize>,
    events: usize,
}

impl Tracker {
    /// A tracker for the job's hosts, in job order.
    pub fn new(hosts: &[String]) -> Self {
        Self {
            order: hosts.to_vec(),
            hosts: hosts
                .iter()
                .map(|h| (h.clone(), HostTrack::default()))
                .collect(),
            targeted: HashSet::new(),
            play_hosts: Vec::new(),
            unknown: HashSet::new(),
            stats: None,
            refused: None,
            plays: 0,
            plays_total: None,
            plays_started: HashSet::new(),
            events: 0,
        }
    }

    /// Takes one stdout line; false when it is not one of the callback's events (a warning,
    /// another callback's output), which the caller keeps as plain output.
    pub fn line(&mut self, line: &str, at: DateTime<Utc>) -> bool {
        let line = line.trim();
        if !line.starts_with('{') {
            return false;
        }
        let Ok(e) = serde_json::from_str::<Event>(line) else {
            return false;
        };
        self.events += 1;
        self.apply(e, at);
        true
    }

    fn apply(&mut self, e: Event, at: DateTime<Utc>) {
        let task = e.task.clone().unwrap_or_default();
        match e.event.as_str() {
            "v2_playbook_on_start" => self.plays_total = e.plays,
            "v2_playbook_on_play_start" => {
                self.plays += 1;
                self.plays_started.extend(e.play);
                self.play_hosts = e.hosts.unwrap_or_default();
                self.targeted.extend(self.play_hosts.iter().cloned());
                self.unknown.extend(e.unknown.unwrap_or_default());
            }
            "v2_playbook_on_no_hosts_remaining" => {
                // Ansible failed the play's other hosts without a failed event for them.
                for h in &self.play_hosts {
                    if let Some(t) = self.hosts.get_mut(h)
                        && t.failed.is_none()
                        && t.unreachable.is_none()
                    {
                        t.forced = true;
                    }
                }
            }
            "v2_playbook_on_stats" => self.stats = e.stats,
            "ripcord_refused" => self.refused = e.msg,
            "v2_runner_on_start"
            | "v2_runner_on_ok"
            | "v2_runner_on_skipped"
            | "v2_runner_on_failed"
            | "v2_runner_on_unreachable" => {
                let Some(t) = e.host.as_ref().and_then(|h| self.hosts.get_mut(h)) else {
                    return;
                };
                t.reached = true;
                t.task = Some(task.clone());
                let clock = at.format("%H:%M:%S");
                match e.event.as_str() {
                    "v2_runner_on_ok" => {
                        let changed = if e.changed { " (changed)" } else { "" };
                        t.note(format!("{clock} ok       {task}{changed}"));
                    }
                    "v2_runner_on_skipped" => t.note(format!("{clock} skipped  {task}")),
                    "v2_runner_on_failed" => {
                        let msg = e.msg.unwrap_or_default();
                        let word = if e.ignore_errors {
                            "ignored"
                        } else {
                            "FAILED "
                        };
                        t.note(format!("{clock} {word}  {task}: {msg}"));
                        for (name, text) in [("stdout", e.stdout), ("stderr", e.stderr)] {
                            if let Some(text) = text.filter(|s| !s.is_empty()) {
                                t.note(format!("  {name}: {}", text.replace('\n', "\n    ")));
                            }
                        }
                        if !e.ignore_errors {
                            t.failed = Some((task, msg));
                        }
                    }
                    "v2_runner_on_unreachable" => {
                        let msg = e.msg.unwrap_or_default();
                        t.note(format!("{clock} UNREACHABLE  {task}: {msg}"));
                        t.unreachable = Some((task, msg));
                    }
                    _ => return,
                }
                t.finished_at = Some(at);
            }
            _ => {}
        }
    }

    /// True once Ansible printed its recap (the playbook ran to its end).
    pub fn has_recap(&self) -> bool {
        self.stats.is_some()
    }

    /// Judges every host of the job, in job order. `error` is the last `ERROR!` line
    /// ansible-playbook printed, if any; `inventory` names the inventory for messages.
    pub fn judge(self, ending: &Ending, error: Option<&str>, inventory: &str) -> Vec<Verdict> {
        let cause = match &self.refused {
            Some(refused) => format!("ripcord stopped the playbook: {refused}"),
            None => cause(ending, error),
        };
        let nothing_ran = self.hosts.values().all(|t| !t.reached);
        let mut out = Vec::with_capacity(self.order.len());
        for host in &self.order {
            let Some(t) = self.hosts.get(host) else {
                continue;
            };
            let (outcome, reason) = if self.refused.is_some() {
                cut_short(t, ending, &cause)
            } else if let Some(stats) = &self.stats {
                self.after_recap(host, t, stats.get(host), inventory)
            } else if nothing_ran && self.plays == 0 {
                (
                    Outcome::NotStarted,
                    format!(
                        "not started: ansible-playbook stopped before running any task ({cause})"
                    ),
                )
            } else {
                cut_short(t, ending, &cause)
            };
            let transcript = t.lines.iter().fold(String::new(), |mut s, l| {
                s.push_str(l);
                s.push('\n');
                s
            });
            out.push(Verdict {
                host: host.clone(),
                outcome,
                reason,
                finished_at: t.finished_at,
                transcript,
            });
        }
        out
    }

    /// The playbook ran to its recap: Ansible's own per-host counts decide.
    fn after_recap(
        &self,
        host: &str,
        t: &HostTrack,
        stats: Option<&Stats>,
        inventory: &str,
    ) -> (Outcome, String) {
        let Some(s) = stats else {
            let why = if self.unknown.contains(host) {
                format!(
                    "not started: {host} is not in the inventory {inventory}, so --limit could not select it"
                )
            } else if self.ended_early() {
                "not started: the playbook ended before reaching this host (Ansible ends a playbook when every host of a play has failed or is unreachable)".to_owned()
            } else if !self.targeted.contains(host) {
                "not started: no play of the playbook targets this host (check the plays' hosts: patterns against the inventory's groups)".to_owned()
            } else {
                "not started: the playbook stopped before reaching this host".to_owned()
            };
            return (Outcome::NotStarted, why);
        };
        if s.unreachable > 0 {
            let (task, msg) = t.unreachable.clone().unwrap_or_default();
            return (
                Outcome::Unreachable,
                format!("unreachable at task \"{task}\": {msg}"),
            );
        }
        if s.failures > 0 {
            let (task, msg) = t.failed.clone().unwrap_or_default();
            return (Outcome::Failed, format!("task \"{task}\" failed: {msg}"));
        }
        if t.forced {
            let at = t
                .task
                .as_deref()
                .map_or(String::new(), |task| format!(" after task \"{task}\""));
            return (
                Outcome::Failed,
                format!(
                    "failed by Ansible without a failed task of its own: the play stopped{at} because other hosts failed (max_fail_percentage or any_errors_fatal), so this host's remaining tasks never ran"
                ),
            );
        }
        let mut reason = format!("ok: {} ok, {} changed", s.ok, s.changed);
        for (n, word) in [
            (s.skipped, "skipped"),
            (s.rescued, "rescued"),
            (s.ignored, "failed but ignored"),
        ] {
            if n > 0 {
                reason.push_str(&format!(", {n} {word}"));
            }
        }
        (Outcome::Ok, reason)
    }
}

impl Tracker {
    /// True when some play of the playbook never started although the recap came.
    fn ended_early(&self) -> bool {
        self.plays_total
            .is_some_and(|total| (0..total).any(|i| !self.plays_started.contains(&i)))
    }
}

/// The playbook ended without a recap (error, timeout, signal): hosts Ansible had already
/// given up on keep that result; hosts under way get the ending; the rest never started.
fn cut_short(t: &HostTrack, ending: &Ending, cause: &str) -> (Outcome, String) {
    if let Some((task, msg)) = &t.unreachable {
        return (
            Outcome::Unreachable,
            format!("unreachable at task \"{task}\": {msg}"),
        );
    }
    if let Some((task, msg)) = &t.failed {
        return (Outcome::Failed, format!("task \"{task}\" failed: {msg}"));
    }
    if !t.reached {
        return (
            Outcome::NotStarted,
            format!("not started: the playbook stopped before reaching this host ({cause})"),
        );
    }
    let at = t.task.as_deref().unwrap_or("?");
    let outcome = match ending {
        Ending::TimedOut(_) => Outcome::TimedOut,
        Ending::Killed(_) => Outcome::Killed,
        Ending::Exited(_) | Ending::Lost(_) => Outcome::Failed,
    };
    (
        outcome,
        format!("{cause} while this host was at task \"{at}\"; it did not finish the playbook"),
    )
}

fn cause(ending: &Ending, error: Option<&str>) -> String {
    let error = error.map_or(String::new(), |e| format!(": {e}"));
    match ending {
        Ending::Exited(code) => format!("ansible-playbook exited {code}{error}"),
        Ending::TimedOut(after) => format!("timed out after {after} (process group killed)"),
        Ending::Killed(how) => format!("ansible-playbook was {how}{error}"),
        Ending::Lost(why) => why.clone(),
    }
}

#[cfg(test)]
#[path = "verdict_tests.rs"]
mod tests;
