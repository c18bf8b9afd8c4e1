//! Notifications end to end on loopback: real HTTP receivers (Slack, webhook, WeCom, DingTalk),
//! a real shell script (command channel), a real SMTP server (aiosmtpd), failure paths with
//! retries, and the real binary killed between queueing and sending.

mod channels;
mod e2e;
mod failures;
mod restart;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ripcord::engine::{EventKind, PlanSnapshot, State, apply};
use ripcord::journal::{Actor, Journal, Record, Timestamp};
use ripcord::notify::{Notifier, RetryPolicy};
use ripcord::redact::Redactor;
use ripcord::sim::http::{HttpServer, Request, Response};
use tokio::sync::mpsc;

/// The fleet of every test runbook.
pub const HOSTS: [&str; 3] = ["web-001", "web-002", "web-003"];

/// A runbook for notification tests: three hosts, upgrade and verify, the given `[[notify]]`
/// tables. (Verify matters: a run killed mid-upgrade verifies the interrupted hosts first.)
pub fn runbook_text(notify: &str) -> String {
    let hosts: Vec<String> = HOSTS.iter().map(|h| format!("\"{h}\"")).collect();
    format!(
        r#"[plan]
name = "notify test"
risk = "low"
environment = "test"
host_kind = "linux"
upgrade_kind = "patch"
downtime_budget = "30m"
rollback_start_within = "30m"
restore_within = "2h"
status_update_every = "15m"
reviewed = {today}

[fleet]
hosts = [{hosts}]

[[wave]]
size = "rest"
soak = "0s"

[steps.upgrade]
run = ["./step.sh", "upgrade", "{{host}}"]
timeout = "10s"
[steps.verify]
run = ["./step.sh", "verify", "{{host}}"]
timeout = "10s"

{notify}
"#,
        today = chrono::Local::now().date_naive(),
        hosts = hosts.join(", "),
    )
}

/// Retries quick enough for tests.
pub fn quick() -> RetryPolicy {
    RetryPolicy {
        attempts: 5,
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        timeout: Duration::from_secs(5),
        max_retry_after: Duration::from_secs(5),
    }
}

/// A notifier driven the way the run loop drives it: every returned event is journaled (here:
/// numbered and applied) and shown to it again; delivery results come back on its channel.
pub struct Rig {
    pub dir: tempfile::TempDir,
    pub state: State,
    pub notifier: Notifier,
    pub log: Vec<Record<EventKind>>,
    results: mpsc::Receiver<EventKind>,
    journal: Journal<EventKind>,
    runbook: ripcord::runbook::Runbook,
    headless: bool,
    retry: RetryPolicy,
}

impl Rig {
    /// Writes `files` (e.g. a URL file) and the runbook, loads it, and starts the run.
    pub fn new(files: &[(&str, &str)], notify: &str, headless: bool, retry: RetryPolicy) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            if name.ends_with(".sh") {
                std::fs::set_permissions(
                    &path,
                    std::os::unix::fs::PermissionsExt::from_mode(0o755),
                )
                .unwrap();
            }
        }
        let path = dir.path().join("plan.toml");
        std::fs::write(&path, runbook_text(notify)).unwrap();
        let loaded = match ripcord::runbook::load(&path) {
            Ok(l) => l,
            Err(d) => panic!("{d:?}"),
        };
        let plan = PlanSnapshot::from_runbook(&loaded.runbook, &loaded.waves);
        let journal = Journal::create(&dir.path().join("run")).unwrap();
        let (notifier, results) = notifier(&loaded.runbook, headless, retry, journal.path());
        let mut rig = Rig {
            dir,
            state: State::default(),
            notifier,
            log: Vec::new(),
            results,
            journal,
            runbook: loaded.runbook,
            headless,
            retry,
        };
        rig.record(
            Actor::new(ripcord::runbook::Role::Commander, "ana"),
            vec![EventKind::RunStarted {
                run_id: "r-test".into(),
                runbook: path.display().to_string(),
                plan: Box::new(plan),
                seed: 1,
                drill: None,
                injection: None,
            }],
        );
        rig
    }

    /// Journals (for real, fsync and all) and applies `events` as one batch, then shows them to
    /// the notifier and journals whatever it asks for — as the run loop does.
    pub fn record(&mut self, actor: Actor, events: Vec<EventKind>) {
        let records = self.journal_only(actor, events);
        let more = self.notifier.on_records(&records, &self.state);
        if !more.is_empty() {
            self.record(Actor::ripcord(), more);
        }
    }

    /// Journals and applies `events` without telling the notifier: a crash right after.
    pub fn journal_only(&mut self, actor: Actor, events: Vec<EventKind>) -> Vec<Record<EventKind>> {
        let at = Timestamp::from(std::time::SystemTime::now());
        let records = self
            .journal
            .append_batch(events.into_iter().map(|e| (at, actor.clone(), e)))
            .unwrap();
        for r in &records {
            apply(&mut self.state, r);
        }
        self.log.extend(records.iter().cloned());
        records
    }

    /// A new process: a fresh notifier (the old one and its deliveries are gone) resuming from
    /// the state and the journal.
    pub fn restart(&mut self) {
        let (mut notifier, results) = notifier(
            &self.runbook,
            self.headless,
            self.retry,
            self.journal.path(),
        );
        notifier.resume(&self.state);
        self.notifier = notifier;
        self.results = results;
    }

    /// Waits for the next delivery result and journals it.
    pub async fn next_result(&mut self, limit: Duration) -> EventKind {
        let event = tokio::time::timeout(limit, self.results.recv())
            .await
            .expect("no delivery result in time")
            .expect("results channel closed");
        self.record(Actor::ripcord(), vec![event.clone()]);
        event
    }

    /// Journals delivery results until nothing is in flight, or `limit` passes.
    pub async fn settle(&mut self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.notifier.pending() > 0 {
            match tokio::time::timeout_at(deadline, self.results.recv()).await {
                Ok(Some(event)) => self.record(Actor::ripcord(), vec![event]),
                _ => panic!(
                    "deliveries still pending after {limit:?}: {:?}",
                    self.state.outbox
                ),
            }
        }
    }

    /// Journaled events of one type.
    pub fn of_type(&self, kind: &str) -> Vec<&EventKind> {
        self.log
            .iter()
            .filter(|r| r.event.type_name() == kind)
            .map(|r| &r.event)
            .collect()
    }

    /// The outbox as the screen and the report see it.
    pub fn outbox(&self) -> &BTreeMap<String, ripcord::engine::state::OutboxItem> {
        &self.state.outbox
    }
}

fn notifier(
    runbook: &ripcord::runbook::Runbook,
    headless: bool,
    retry: RetryPolicy,
    journal: &std::path::Path,
) -> (Notifier, mpsc::Receiver<EventKind>) {
    let (tx, results) = mpsc::channel(256);
    let n = Notifier::new(runbook, Arc::new(Redactor::default()), tx, headless)
        .with_retry(retry)
        .with_journal(journal);
    (n, results)
}

/// Requests a receiver got, with when.
pub type Seen = Arc<Mutex<Vec<(Instant, Request)>>>;

/// A loopback receiver answering each request with `answer(n)` (n from 0).
pub async fn receiver<F>(addr: SocketAddr, answer: F) -> (HttpServer, Seen)
where
    F: Fn(usize) -> Response + Send + Sync + 'static,
{
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let answer = Arc::new(answer);
    let server = HttpServer::bind(addr, move |req| {
        let n = {
            let mut log = log.lock().unwrap();
            log.push((Instant::now(), req));
            log.len() - 1
        };
        let answer = answer.clone();
        async move { answer(n) }
    })
    .await
    .unwrap();
    (server, seen)
}

/// Any free loopback address.
pub fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A loopback port nothing listens on (bound, then released).
pub fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind(any_port()).unwrap();
    l.local_addr().unwrap()
}

/// The bodies a receiver got, as JSON.
pub fn bodies(seen: &Seen) -> Vec<serde_json::Value> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|(_, r)| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

/// HMAC-SHA256 hex of `body`, computed by Python's standard library (an implementation
/// independent of ripcord's).
pub fn python_hmac_hex(secret: &str, body: &[u8]) -> String {
    python_hmac(secret, body, "hexdigest()")
}

/// base64 of HMAC-SHA256, by Python.
pub fn python_hmac_b64(secret: &str, body: &[u8]) -> String {
    python_hmac(secret, body, "digest()")
}

fn python_hmac(secret: &str, body: &[u8], how: &str) -> String {
    let script = format!(
        "import base64,hmac,hashlib,sys\nd=hmac.new(sys.argv[1].encode(), sys.stdin.buffer.read(), hashlib.sha256).{how}\nprint(d if isinstance(d,str) else base64.b64encode(d).decode())"
    );
    let mut child = std::process::Command::new("python3")
        .args(["-c", &script, secret])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is needed to check signatures");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), body).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
