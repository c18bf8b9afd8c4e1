//! Ansible steps (`kind = "ansible"`): one `ansible-playbook --limit <the job's hosts>` per job,
//! each host judged on its own from ripcord's JSON-lines callback, read while the playbook runs.
//!
//! - The callback (`runbooks/ansible/callback_plugins/ripcord.py`) is built into the binary and
//!   written to a private temporary folder for each run, so it works with only `ansible-core`
//!   installed (Debian's `ansible-core` does not bring `ansible.posix.jsonl`).
//! - Events are read line by line as they come: when the playbook is killed at the step's
//!   timeout, hosts Ansible had already finished with keep their results, hosts under way get
//!   [`Outcome::TimedOut`] and hosts never reached [`Outcome::NotStarted`].
//! - Retry files are off. Host key checking is left as Ansible's configuration says: turning it
//!   off is the runbook's explicit choice (`env = { ANSIBLE_HOST_KEY_CHECKING = "False" }`).
//! - Extra vars go as one JSON argument, so a value with spaces or `=` stays one value.

mod verdict;

use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

use super::outcome::Outcome;
use super::process::{DRAIN_GRACE, kill_group, signal_name, start_failure};
use super::tail::{TAIL_BYTES, Tail};
use super::template::{ExpandError, Vars, expand_argv};
use super::{HostOutcome, StepJob};
use crate::redact::Redactor;
use crate::runbook::{Per, StepRunner};
pub use verdict::{Ending, Tracker, Verdict};

/// The program run for an Ansible step (looked up on PATH).
pub const PLAYBOOK_PROGRAM: &str = "ansible-playbook";

/// Name of ripcord's stdout callback (`ANSIBLE_STDOUT_CALLBACK`).
pub const CALLBACK_NAME: &str = "ripcord";

/// Source of the callback plugin, written next to each run.
pub const CALLBACK_SOURCE: &str =
    include_str!("../../runbooks/ansible/callback_plugins/ripcord.py");

/// Output of ansible-playbook that is not a host event (warnings, errors), kept for hosts
/// that did not end ok.
const OTHER_OUTPUT: usize = 16 * 1024;

/// The `ansible-playbook` argv for `runner` acting on `vars.hosts`: `[-i INVENTORY] PLAYBOOK
/// --limit h1,h2, [--forks N] [--tags a,b] [--extra-vars JSON]`. The limit ends with a comma so
/// a single name holding `:` is never read as two patterns.
pub fn playbook_argv(runner: &StepRunner, vars: &Vars) -> Result<Vec<String>, ExpandError> {
    let StepRunner::Ansible {
        playbook,
        inventory,
        extra_vars,
        tags,
        forks,
    } = runner
    else {
        return Err(ExpandError::Empty);
    };
    let mut argv = vec![PLAYBOOK_PROGRAM.to_owned()];
    if let Some(inventory) = inventory {
        argv.extend(["-i".to_owned(), inventory.clone()]);
    }
    argv.extend(expand_argv(std::slice::from_ref(playbook), vars)?);
    argv.extend(["--limit".to_owned(), format!("{},", vars.hosts.join(","))]);
    if let Some(forks) = forks {
        argv.extend(["--forks".to_owned(), forks.to_string()]);
    }
    if !tags.is_empty() {
        argv.extend(["--tags".to_owned(), tags.join(",")]);
    }
    if !extra_vars.is_empty() {
        let values: Vec<String> = extra_vars.values().cloned().collect();
        let expanded = expand_argv(&values, vars)?;
        let json: serde_json::Map<String, serde_json::Value> = extra_vars
            .keys()
            .cloned()
            .zip(expanded.into_iter().map(serde_json::Value::String))
            .collect();
        argv.extend([
            "--extra-vars".to_owned(),
            serde_json::Value::Object(json).to_string(),
        ]);
    }
    Ok(argv)
}

/// Runs one Ansible job to its end and judges each of its hosts (job order).
pub(super) async fn run(job: &StepJob, redactor: &Redactor) -> Vec<HostOutcome> {
    let started_at = Utc::now();
    let one = job.spec.per == Per::Host && job.hosts.len() == 1;
    let vars = Vars {
        run: job.run_id.clone(),
        wave: job.wave,
        step: job.step,
        host: one.then(|| job.hosts[0].clone()),
        hosts: job.hosts.clone(),
    };
    let inventory = match &job.spec.runner {
        StepRunner::Ansible { inventory, .. } => inventory
            .clone()
            .unwrap_or_else(|| "(Ansible's configured inventory)".into()),
        StepRunner::Command { .. } => String::new(),
    };
    let argv = match playbook_argv(&job.spec.runner, &vars) {
        Ok(argv) => argv,
        Err(e) => return refuse(job, Outcome::Failed, format!("bad ansible step: {e}")),
    };
    let plugins = match PluginDir::create() {
        Ok(dir) => dir,
        Err(e) => {
            let why = format!(
                "not started: could not write ripcord's Ansible callback into {}: {e}",
                std::env::temp_dir().display()
            );
            return refuse(job, Outcome::NotStarted, why);
        }
    };
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .current_dir(&job.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group: a timeout kills the workers and connections it forked too.
        .process_group(0)
        // ripcord exiting must not kill a playbook half-way (see the module docs of exec).
        .kill_on_drop(false)
        .env_remove("ANSIBLE_FORCE_COLOR");
    if !one {
        cmd.env_remove("RIPCORD_HOST");
    }
    cmd.envs(super::step_env(job, &vars));
    cmd.envs(ansible_env(plugins.path()));
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == io::ErrorKind::NotFound && job.cwd.is_dir() => {
            let why = format!(
                "could not start {PLAYBOOK_PROGRAM}: it is not installed (not found on PATH); install the Debian package ansible-core (apt-get install ansible-core)"
            );
            return refuse(job, Outcome::Failed, why);
        }
        Err(e) => return refuse(job, Outcome::Failed, start_failure(&argv[0], &job.cwd, &e)),
    };
    let pgid = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .filter(|id| *id > 1);
    let mut tracker = Tracker::new(&job.hosts);
    let mut other = Tail::with_capacity(OTHER_OUTPUT);
    let ending = watch(
        &mut child,
        pgid,
        job.spec.timeout.as_std(),
        &job.spec.timeout.to_string(),
        &mut tracker,
        &mut other,
    )
    .await;
    drop(plugins);
    let finished_at = Utc::now();
    let other = other.into_text(redactor);
    let error = last_error(&other);
    let exit_code = match ending {
        Ending::Exited(code) => Some(code),
        _ => None,
    };
    let header = format!("$ {}\n", argv.join(" "));
    let verdicts = tracker.judge(&ending, error.as_deref(), &inventory);
    tracing::debug!(
        run = %job.run_id, wave = job.wave, step = job.step.as_str(), hosts = job.hosts.len(),
        ending = ?ending, "ansible-playbook finished"
    );
    verdicts
        .into_iter()
        .map(|v| {
            let mut tail = Tail::with_capacity(TAIL_BYTES + 4096);
            tail.push(header.as_bytes());
            tail.push(v.transcript.as_bytes());
            if !v.outcome.is_ok() && !other.trim().is_empty() {
                tail.push(b"--- ansible-playbook's other output (all hosts) ---\n");
                tail.push(other.as_bytes());
            }
            HostOutcome {
                host: v.host,
                outcome: v.outcome,
                exit_code,
                reason: redactor.redact(&v.reason).into_owned(),
                started_at,
                finished_at: v.finished_at.unwrap_or(finished_at),
                output_tail: tail.into_text(redactor),
            }
        })
        .collect()
}

/// Reads the callback's events and the other output until the playbook ends, killing its
/// process group at `limit`.
async fn watch(
    child: &mut Child,
    pgid: Option<i32>,
    limit: Duration,
    limit_text: &str,
    tracker: &mut Tracker,
    other: &mut Tail,
) -> Ending {
    let mut out = child.stdout.take().map(BufReader::new);
    let mut err = child.stderr.take();
    let mut line = Vec::new();
    let mut buf = vec![0u8; 8192];
    let ending = {
        let waiter = wait_or_kill(child, pgid, limit, limit_text);
        tokio::pin!(waiter);
        loop {
            tokio::select! {
                ending = &mut waiter => break ending,
                more = read_line(&mut out, &mut line), if out.is_some() => {
                    take_line(&mut line, more, tracker, other, &mut out);
                }
                n = read_some(&mut err, &mut buf), if err.is_some() => match n {
                    Some(n) => other.push(&buf[..n]),
                    None => err = None,
                },
            }
        }
    };
    // Whatever it wrote just before it ended is still in the pipes.
    let drain = async {
        while out.is_some() || err.is_some() {
            tokio::select! {
                more = read_line(&mut out, &mut line), if out.is_some() => {
                    take_line(&mut line, more, tracker, other, &mut out);
                }
                n = read_some(&mut err, &mut buf), if err.is_some() => match n {
                    Some(n) => other.push(&buf[..n]),
                    None => err = None,
                },
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_GRACE, drain).await;
    ending
}

type Out = Option<BufReader<tokio::process::ChildStdout>>;

/// One line into `line` (kept across cancelled reads, so nothing is lost); false at the end.
async fn read_line(out: &mut Out, line: &mut Vec<u8>) -> bool {
    match out.as_mut() {
        Some(r) => matches!(r.read_until(b'\n', line).await, Ok(n) if n > 0),
        None => false,
    }
}

fn take_line(
    line: &mut Vec<u8>,
    more: bool,
    tracker: &mut Tracker,
    other: &mut Tail,
    out: &mut Out,
) {
    if !line.is_empty() {
        let text = String::from_utf8_lossy(line);
        if !tracker.line(&text, Utc::now()) {
            other.push(line);
        }
        line.clear();
    }
    if !more {
        *out = None;
    }
}

async fn read_some<R: tokio::io::AsyncRead + Unpin>(
    pipe: &mut Option<R>,
    buf: &mut [u8],
) -> Option<usize> {
    match pipe.as_mut()?.read(buf).await {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(n),
    }
}

async fn wait_or_kill(
    child: &mut Child,
    pgid: Option<i32>,
    limit: Duration,
    limit_text: &str,
) -> Ending {
    match tokio::time::timeout(limit, child.wait()).await {
        Ok(Ok(status)) => match status.code() {
            Some(code) => Ending::Exited(code),
            None => {
                use std::os::unix::process::ExitStatusExt;
                let sig = status.signal().unwrap_or(0);
                Ending::Killed(format!(
                    "killed by signal {sig}{} (not sent by ripcord)",
                    signal_name(sig)
                ))
            }
        },
        Ok(Err(e)) => {
            kill_group(child, pgid).await;
            Ending::Lost(format!(
                "lost track of ansible-playbook ({e}); its process group was killed"
            ))
        }
        Err(_) => {
            kill_group(child, pgid).await;
            Ending::TimedOut(limit_text.to_owned())
        }
    }
}

/// The first line of the last `ERROR!` Ansible printed.
fn last_error(output: &str) -> Option<String> {
    output
        .lines()
        .rev()
        .find(|l| l.starts_with("ERROR!"))
        .map(|l| l.trim().to_owned())
}

/// Variables ripcord needs set for every playbook; they win over the step's `env`.
fn ansible_env(plugins: &Path) -> Vec<(String, String)> {
    let mut path = plugins.display().to_string();
    // Keep callbacks the operator enabled through the environment or the default folders.
    match std::env::var("ANSIBLE_CALLBACK_PLUGINS") {
        Ok(theirs) if !theirs.is_empty() => path = format!("{path}:{theirs}"),
        _ => path.push_str(":~/.ansible/plugins/callback:/usr/share/ansible/plugins/callback"),
    }
    [
        ("ANSIBLE_STDOUT_CALLBACK", CALLBACK_NAME.to_owned()),
        ("ANSIBLE_CALLBACK_PLUGINS", path),
        ("ANSIBLE_RETRY_FILES_ENABLED", "False".to_owned()),
        ("ANSIBLE_NOCOLOR", "True".to_owned()),
        // An inventory Ansible cannot parse is an error, not an empty fleet.
        ("ANSIBLE_INVENTORY_UNPARSED_FAILED", "True".to_owned()),
        // Lets the callback remove its folder itself when ripcord was killed meanwhile.
        ("RIPCORD_ANSIBLE_PLUGIN_DIR", plugins.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Every host of the job gets the same verdict: nothing was run.
fn refuse(job: &StepJob, outcome: Outcome, reason: String) -> Vec<HostOutcome> {
    let now = Utc::now();
    job.hosts
        .iter()
        .map(|h| HostOutcome {
            host: h.clone(),
            outcome,
            exit_code: None,
            reason: reason.clone(),
            started_at: now,
            finished_at: now,
            output_tail: String::new(),
        })
        .collect()
}

/// A private folder (0700) holding the callback plugin, removed when dropped.
struct PluginDir(PathBuf);

impl PluginDir {
    fn create() -> io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = Utc::now().timestamp_subsec_nanos();
        let dir = std::env::temp_dir().join(format!(
            "ripcord-ansible-{}-{n}-{nanos}",
            std::process::id()
        ));
        // `create`, not `create_all`: an existing folder (someone else's) is refused.
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let me = Self(dir);
        std::fs::write(me.0.join(format!("{CALLBACK_NAME}.py")), CALLBACK_SOURCE)?;
        Ok(me)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for PluginDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
