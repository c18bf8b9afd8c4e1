//! One step process: started in its own process group with stdin closed, its output captured,
//! and at its timeout the whole group is killed (SIGTERM, then SIGKILL after a grace).

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::process::{Child, Command};
use tokio::time::Instant;

use super::outcome::Outcome;
use super::tail::{Tail, read_both};
use crate::redact::Redactor;
use crate::runbook::Span;

/// Time a timed-out group gets between SIGTERM and SIGKILL to clean up.
pub const KILL_GRACE: Duration = Duration::from_secs(2);

/// After the step's own process exits, how long to keep reading output that background
/// children still write to the inherited pipes before giving up on them.
pub const DRAIN_GRACE: Duration = Duration::from_secs(1);

/// Spawn attempts after the first when the program file is momentarily busy.
const SPAWN_RETRIES: u32 = 5;

/// How often a killed group is checked for survivors during the grace.
const GROUP_POLL: Duration = Duration::from_millis(50);

/// What to start.
#[derive(Debug)]
pub struct Launch<'a> {
    /// Program and arguments, already expanded.
    pub argv: Vec<String>,
    /// Working directory (the runbook's folder).
    pub cwd: &'a Path,
    /// Variables set on top of ripcord's own environment, later entries winning.
    pub env: Vec<(String, String)>,
    /// Variables removed from the inherited environment.
    pub env_remove: Vec<&'static str>,
    /// Killed (whole group) after this long.
    pub timeout: Span,
}

/// How the process ended, in the executor's terms.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The verdict.
    pub outcome: Outcome,
    /// Exit code when it exited normally.
    pub exit_code: Option<i32>,
    /// Operator words: `exit 2`, `timed out after 5m (process group killed)`.
    pub reason: String,
    /// When it was started.
    pub started_at: DateTime<Utc>,
    /// When it was over.
    pub finished_at: DateTime<Utc>,
    /// Last output, redacted.
    pub output_tail: String,
}

impl Finished {
    /// A step that never ran: `outcome` with `reason`, no output.
    pub fn without_process(outcome: Outcome, reason: String) -> Self {
        let now = Utc::now();
        Self {
            outcome,
            exit_code: None,
            reason,
            started_at: now,
            finished_at: now,
            output_tail: String::new(),
        }
    }
}

enum Ending {
    Exited(ExitStatus),
    TimedOut,
    WaitFailed(io::Error),
}

/// Runs one process to its end or its timeout.
pub async fn run_process(launch: Launch<'_>, redactor: &Redactor) -> Finished {
    let Some((program, args)) = launch.argv.split_first() else {
        return Finished::without_process(Outcome::Failed, "bad step command: empty argv".into());
    };
    let mut cmd = Command::new(resolve(program, launch.cwd));
    cmd.args(args)
        .current_dir(launch.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group: a terminal's Ctrl-C does not reach it, and a timeout can kill every
        // process it started, not only the first.
        .process_group(0)
        // Dropping the future (ripcord exiting) must not kill an upgrade half-way; the journal
        // marks the host interrupted on resume instead (DESIGN §3 rule 8).
        .kill_on_drop(false);
    for name in &launch.env_remove {
        cmd.env_remove(name);
    }
    cmd.envs(launch.env.iter().map(|(k, v)| (k, v)));

    let started_at = Utc::now();
    let mut child = match spawn(&mut cmd).await {
        Ok(child) => child,
        Err(e) => {
            let mut f =
                Finished::without_process(Outcome::Failed, start_failure(program, launch.cwd, &e));
            f.started_at = started_at;
            return f;
        }
    };
    // A pgid of 0 or 1 would signal ourselves or everything; a fresh child never has those.
    let pgid = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .filter(|id| *id > 1);
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());

    let mut tail = Tail::for_redactor(redactor);
    let ending = {
        let reader = read_both(stdout, stderr, &mut tail);
        tokio::pin!(reader);
        let waiter = wait_or_kill(&mut child, pgid, launch.timeout.as_std());
        tokio::pin!(waiter);
        let mut reader_done = false;
        let ending = loop {
            tokio::select! {
                ending = &mut waiter => break ending,
                () = &mut reader, if !reader_done => reader_done = true,
            }
        };
        if !reader_done {
            // Background children may hold the pipes open for good; stop reading after a while.
            let _ = tokio::time::timeout(DRAIN_GRACE, &mut reader).await;
        }
        ending
    };
    let finished_at = Utc::now();
    let (outcome, exit_code, reason) = match ending {
        Ending::Exited(status) => judge_exit(status),
        Ending::TimedOut => (
            Outcome::TimedOut,
            None,
            format!("timed out after {} (process group killed)", launch.timeout),
        ),
        Ending::WaitFailed(e) => (
            Outcome::Failed,
            None,
            format!("lost track of the step process ({e}); its process group was killed"),
        ),
    };
    Finished {
        outcome,
        exit_code,
        reason,
        started_at,
        finished_at,
        output_tail: tail.into_text(redactor),
    }
}

/// Spawns, retrying briefly on ETXTBSY ("text file busy"): a script that was just written is
/// still open for writing in any process forked meanwhile (by ripcord's other spawns, or by the
/// tool that deployed it) until that process execs, which takes a moment.
async fn spawn(cmd: &mut Command) -> io::Result<Child> {
    let mut attempt = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && attempt < SPAWN_RETRIES => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(20 * u64::from(attempt))).await;
            }
            result => return result,
        }
    }
}

/// A relative path with a slash (`./scripts/x.sh`) is taken from the step's folder, not from
/// ripcord's own working directory; a bare name (`ansible-playbook`) is looked up on PATH.
fn resolve(program: &str, cwd: &Path) -> PathBuf {
    let p = Path::new(program);
    if p.is_relative() && program.contains('/') {
        cwd.join(p)
    } else {
        p.to_path_buf()
    }
}

async fn wait_or_kill(child: &mut Child, pgid: Option<i32>, limit: Duration) -> Ending {
    match tokio::time::timeout(limit, child.wait()).await {
        Ok(Ok(status)) => Ending::Exited(status),
        Ok(Err(e)) => {
            kill_group(child, pgid).await;
            Ending::WaitFailed(e)
        }
        Err(_) => {
            kill_group(child, pgid).await;
            Ending::TimedOut
        }
    }
}

/// SIGTERM to the whole group, a grace to exit, then SIGKILL to whatever is left.
pub(super) async fn kill_group(child: &mut Child, pgid: Option<i32>) {
    let Some(pgid) = pgid else {
        let _ = child.start_kill();
        let _ = tokio::time::timeout(KILL_GRACE, child.wait()).await;
        return;
    };
    signal_group(pgid, libc::SIGTERM);
    let deadline = Instant::now() + KILL_GRACE;
    let _ = tokio::time::timeout_at(deadline, child.wait()).await;
    while group_alive(pgid) && Instant::now() < deadline {
        tokio::time::sleep(GROUP_POLL).await;
    }
    if group_alive(pgid) {
        signal_group(pgid, libc::SIGKILL);
    }
    // SIGKILL cannot be ignored, but a process stuck in the kernel (D state) can outlive it.
    let _ = tokio::time::timeout(KILL_GRACE, child.wait()).await;
}

fn signal_group(pgid: i32, signal: i32) {
    // SAFETY: killpg only sends a signal; pgid > 1 is the group made for this step
    // (`process_group(0)` makes the child's pid its pgid), so nothing else is addressed.
    unsafe {
        libc::killpg(pgid, signal);
    }
}

/// True while any process (zombies included) is still in the group.
fn group_alive(pgid: i32) -> bool {
    // SAFETY: signal 0 sends nothing; it only asks whether the group exists.
    let rc = unsafe { libc::killpg(pgid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn judge_exit(status: ExitStatus) -> (Outcome, Option<i32>, String) {
    match (status.code(), status.signal()) {
        (Some(0), _) => (Outcome::Ok, Some(0), "exit 0".into()),
        (Some(code), _) => (Outcome::Failed, Some(code), format!("exit {code}")),
        (None, Some(sig)) => (
            Outcome::Killed,
            None,
            format!(
                "killed by signal {sig}{} (not sent by ripcord)",
                signal_name(sig)
            ),
        ),
        (None, None) => (
            Outcome::Failed,
            None,
            format!("ended abnormally ({status})"),
        ),
    }
}

pub(super) fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGHUP => " (SIGHUP)",
        libc::SIGINT => " (SIGINT)",
        libc::SIGQUIT => " (SIGQUIT)",
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGBUS => " (SIGBUS)",
        libc::SIGKILL => " (SIGKILL, e.g. the OOM killer)",
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGPIPE => " (SIGPIPE)",
        libc::SIGTERM => " (SIGTERM)",
        _ => "",
    }
}

/// Why a program could not be started, naming it, the folder, and what to check.
pub(super) fn start_failure(program: &str, cwd: &Path, e: &io::Error) -> String {
    if !cwd.is_dir() {
        return format!(
            "could not start {program}: the step folder {} does not exist",
            cwd.display()
        );
    }
    let text = e.to_string();
    // "No such file or directory (os error 2)" → the part an operator reads.
    let why = text.split(" (os error").next().unwrap_or(&text);
    let hint = match e.kind() {
        io::ErrorKind::NotFound => {
            "; check the path (relative to the runbook's folder), that it is on PATH, and its #! line"
        }
        io::ErrorKind::PermissionDenied => "; make it executable (chmod +x)",
        _ => "",
    };
    format!(
        "could not start: {why} ({program}, in {}){hint}",
        cwd.display()
    )
}
