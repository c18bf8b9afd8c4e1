//! Reports of live runs of the binary, checked against the journals those runs wrote.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use ripcord::engine::EventKind;

use super::{FIXTURES, LEAKED, records, report};
use crate::common::ripcord;

#[test]
fn a_live_failed_host_run_reports_its_own_journal_times_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = ripcord()
        .current_dir(crate::common::repo())
        .args([
            "run",
            &format!("{FIXTURES}/failed-host/plan.toml"),
            "--headless",
            "--on-halt",
            "rollback",
            "--name",
            "ana",
            "--state-dir",
        ])
        .arg(&state)
        .env("FAIL_ON", "verify:mw-02")
        .env("LEAK", LEAKED)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = std::fs::read_dir(state.join("runs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let id = id.to_str().unwrap();
    let journal = ripcord::journal::journal_path(&ripcord::paths::run_dir(&state, id));
    let raw = std::fs::read_to_string(&journal).unwrap();
    assert!(
        raw.contains("fixture-secret-4242"),
        "the executor did not know this secret"
    );
    let (code, md, stderr) = report(
        &[id, "--state-dir", state.to_str().unwrap()],
        &[("REPORT_FIXTURE_HOOK", LEAKED)],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !md.contains("fixture-secret-4242"),
        "redacted with the runbook's secret env"
    );
    assert!(md.contains("posting to [REDACTED]"), "{md}");
    let (recs, _) = records(&journal);
    let failed = recs
        .iter()
        .find(|r| matches!(r.event, EventKind::HostFailed { .. }))
        .unwrap();
    let t = ripcord::report::clock::utc(failed.at);
    assert!(md.contains(&format!("| detected | {t} |")), "{md}");
    assert!(md.contains("### mw-02 — verify failed"));
    assert!(md.contains("| Exit code | 2 |"));
    let html = report(
        &[journal.to_str().unwrap(), "--format", "html"],
        &[("REPORT_FIXTURE_HOOK", LEAKED)],
    )
    .1;
    assert!(!html.contains("fixture-secret-4242"));
}

#[test]
fn a_crashed_run_reports_incomplete_then_complete_after_resume() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let plan = format!("{FIXTURES}/crash-resume/plan.toml");
    let mut child = ripcord()
        .current_dir(crate::common::repo())
        .args(["run", &plan, "--headless", "--state-dir"])
        .arg(&state)
        .env("SLEEP", "0.3")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let id = wait_for_upgrade(&state);
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
    let (code, md, _) = report(&[&id, "--state-dir", state.to_str().unwrap()], &[]);
    assert_eq!(code, 0);
    assert!(
        md.contains("**Incomplete journal.**") && md.contains("it was running"),
        "{md}"
    );
    let status = Command::new(env!("CARGO_BIN_EXE_ripcord"))
        .current_dir(crate::common::repo())
        .args(["run", &plan, "--headless", "--resume", &id, "--state-dir"])
        .arg(&state)
        .env("SLEEP", "0.01")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let (_, md, _) = report(&[&id, "--state-dir", state.to_str().unwrap()], &[]);
    assert!(!md.contains("Incomplete journal"), "{md}");
    assert!(
        md.contains("## Controller restarts")
            && md.contains("run resumed; the journal was silent for")
    );
    assert!(md.contains("**completed: every wave done; 0 host(s) failed, 0 rolled back**"));
}

fn wait_for_upgrade(state: &Path) -> String {
    for _ in 0..400 {
        if let Some(Ok(e)) = std::fs::read_dir(state.join("runs"))
            .ok()
            .and_then(|mut d| d.next())
        {
            let j = e.path().join("journal.jsonl");
            if std::fs::read_to_string(j).is_ok_and(|t| t.contains("\"step\":\"upgrade\"")) {
                return e.file_name().to_string_lossy().into_owned();
            }
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the run did not reach an upgrade step");
}
