//! `ripcord run --headless` end to end: real step processes, real journals, real crashes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::ripcord;

/// A runbook folder with a step script that logs `step host start/end` with times.
struct Plan {
    dir: tempfile::TempDir,
}

const STEP: &str = r#"#!/bin/sh
# args: step host; env FAIL_ON="verify:h3 upgrade:h5" SLEEP=seconds
log="$(dirname "$0")/markers.log"
echo "$1 $2 start $(date +%s%N)" >> "$log"
sleep "${SLEEP:-0.05}"
for f in $FAIL_ON; do
  if [ "$f" = "$1:$2" ]; then echo "step $1 failed on $2: simulated" >&2; echo "$1 $2 end $(date +%s%N)" >> "$log"; exit 2; fi
done
echo "$1 $2 end $(date +%s%N)" >> "$log"
"#;

impl Plan {
    fn new(risk: &str, hosts: usize, waves: &str, extra_steps: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let step = dir.path().join("step.sh");
        std::fs::write(&step, STEP).unwrap();
        std::os::unix::fs::PermissionsExt::set_mode(
            &mut std::fs::metadata(&step).unwrap().permissions(),
            0o755,
        );
        Command::new("chmod").arg("+x").arg(&step).status().unwrap();
        let hosts: Vec<String> = (1..=hosts).map(|i| format!("\"h{i}\"")).collect();
        let text = format!(
            r#"[plan]
name = "run test"
risk = "{risk}"
environment = "test"
host_kind = "linux"
upgrade_kind = "patch"
downtime_budget = "30m"
rollback_start_within = "30m"
restore_within = "2h"
status_update_every = "15m"
reviewed = 2026-11-01

[fleet]
hosts = [{hosts}]

{waves}

[steps.backup]
run = ["./step.sh", "backup", "{{host}}"]
timeout = "10s"
[steps.verify_backup]
run = ["./step.sh", "verify_backup", "{{host}}"]
timeout = "10s"
[steps.upgrade]
run = ["./step.sh", "upgrade", "{{host}}"]
timeout = "10s"
[steps.verify]
run = ["./step.sh", "verify", "{{host}}"]
timeout = "10s"
[steps.rollback]
run = ["./step.sh", "rollback", "{{host}}"]
timeout = "10s"
{extra_steps}
"#,
            hosts = hosts.join(", ")
        );
        std::fs::write(dir.path().join("plan.toml"), text).unwrap();
        Plan { dir }
    }

    fn runbook(&self) -> PathBuf {
        self.dir.path().join("plan.toml")
    }
    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let mut cmd = ripcord();
        cmd.arg("run")
            .arg(self.runbook())
            .arg("--headless")
            .arg("--state-dir")
            .arg(self.state());
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
    fn markers(&self) -> Vec<(String, String, String, u128)> {
        let text = std::fs::read_to_string(self.dir.path().join("markers.log")).unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                let p: Vec<&str> = l.split_whitespace().collect();
                Some((
                    p.first()?.to_string(),
                    p.get(1)?.to_string(),
                    p.get(2)?.to_string(),
                    p.get(3)?.parse().ok()?,
                ))
            })
            .collect()
    }
    fn run_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = std::fs::read_dir(self.state().join("runs"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }
    fn journal(&self, id: &str) -> Vec<serde_json::Value> {
        journal_lines(&self.state().join("runs").join(id).join("journal.jsonl"))
    }
}

fn journal_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn types(journal: &[serde_json::Value]) -> Vec<String> {
    journal
        .iter()
        .map(|r| r["event"]["type"].as_str().unwrap().to_string())
        .collect()
}

const TWO_WAVES: &str =
    "[[wave]]\nsize = 2\nsoak = \"0s\"\n[[wave]]\nsize = \"rest\"\nsoak = \"0s\"\nparallel = 3\n";

#[test]
fn a_clean_run_upgrades_every_host_and_exits_0() {
    let plan = Plan::new("low", 6, TWO_WAVES, "");
    let (code, stdout, stderr) = plan.run(&[], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("wave 2 started: 4 hosts (h3 … h6)"),
        "{stdout}"
    );
    assert!(stdout.contains("run completed"), "{stdout}");
    let ids = plan.run_ids();
    let journal = plan.journal(&ids[0]);
    for (i, r) in journal.iter().enumerate() {
        assert_eq!(r["seq"].as_u64(), Some(i as u64 + 1), "seq without gaps");
        assert!(r["at"].as_str().unwrap().ends_with('Z'));
    }
    let t = types(&journal);
    assert_eq!(t.iter().filter(|t| *t == "host_upgraded").count(), 6);
    assert_eq!(t.last().map(String::as_str), Some("run_completed"));
    // Every host ran backup → verify_backup → upgrade → verify in that order.
    let m = plan.markers();
    for h in 1..=6 {
        let order: Vec<&str> = m
            .iter()
            .filter(|(_, host, ev, _)| *host == format!("h{h}") && ev == "start")
            .map(|(s, ..)| s.as_str())
            .collect();
        assert_eq!(
            order,
            ["backup", "verify_backup", "upgrade", "verify"],
            "h{h}"
        );
    }
    // Logs go to the run's state dir, never onto the screen.
    assert!(plan.state().join("ripcord.log").is_file());
    // The journal is private.
    let meta = std::fs::metadata(
        plan.state()
            .join("runs")
            .join(&ids[0])
            .join("journal.jsonl"),
    )
    .unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
        0o600
    );
}

#[test]
fn high_risk_failed_verify_halts_with_exit_3_and_offers_the_host_rollback() {
    let plan = Plan::new("high", 4, TWO_WAVES, "");
    let (code, stdout, stderr) = plan.run(&["--yes", "--name", "ana"], &[("FAIL_ON", "verify:h2")]);
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert!(stdout.contains("h2 failed at verify"), "{stdout}");
    assert!(stdout.contains("rollback of host h2 proposed"), "{stdout}");
    assert!(
        stdout.contains("wave 1 approved [commander ana]"),
        "{stdout}"
    );
    assert!(stderr.contains("--resume"), "tells how to go on: {stderr}");
    // Nothing of wave 2 was touched.
    assert!(
        !plan
            .markers()
            .iter()
            .any(|(_, h, ..)| h == "h3" || h == "h4")
    );
}

#[test]
fn medium_risk_failed_verify_with_on_halt_rollback_rolls_back_and_exits_4() {
    let plan = Plan::new("medium", 4, TWO_WAVES, "");
    let (code, stdout, stderr) = plan.run(&["--on-halt", "rollback"], &[("FAIL_ON", "verify:h1")]);
    assert_eq!(
        code, 3,
        "a host rollback alone does not end the run: {stdout}\n{stderr}"
    );
    assert!(stdout.contains("rollback of host h1 started"), "{stdout}");
    assert!(stdout.contains("h1 rolled back"), "{stdout}");
}

#[test]
fn low_risk_failed_upgrade_is_rolled_back_and_the_run_goes_on() {
    let waves = "[[wave]]\nsize = 2\nsoak = \"0s\"\nmax_failed = 1\n[[wave]]\nsize = \"rest\"\nsoak = \"0s\"\n";
    let plan = Plan::new("low", 5, waves, "");
    let (code, stdout, stderr) = plan.run(&[], &[("FAIL_ON", "upgrade:h1")]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("h1 rolled back"), "{stdout}");
    assert!(
        stdout.contains("wave 1 completed: 1 upgraded, 1 failed"),
        "{stdout}"
    );
}

#[test]
fn a_step_past_its_timeout_is_killed_and_counts_as_failed() {
    let plan = Plan::new(
        "medium",
        2,
        "[[wave]]\nsize = \"rest\"\nsoak = \"0s\"\n",
        "",
    );
    let text = std::fs::read_to_string(plan.runbook()).unwrap().replace(
        "[steps.upgrade]\nrun = [\"./step.sh\", \"upgrade\", \"{host}\"]\ntimeout = \"10s\"",
        "[steps.upgrade]\nrun = [\"./step.sh\", \"upgrade\", \"{host}\"]\ntimeout = \"1s\"\nenv = { SLEEP = \"30\" }",
    );
    std::fs::write(plan.runbook(), text).unwrap();
    let (code, stdout, stderr) = plan.run(&[], &[]);
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    let journal = plan.journal(&plan.run_ids()[0]);
    let timed_out = journal
        .iter()
        .find(|r| {
            r["event"]["type"] == "host_step_finished" && r["event"]["outcome"] == "timed_out"
        })
        .unwrap_or_else(|| panic!("no timed_out step: {stdout}"));
    assert_eq!(timed_out["event"]["step"], "upgrade");
    assert!(
        timed_out["event"]["reason"]
            .as_str()
            .unwrap()
            .contains("timed out")
    );
}

#[test]
fn parallel_is_never_exceeded() {
    let waves = "[[wave]]\nsize = \"rest\"\nsoak = \"0s\"\nparallel = 3\n";
    let plan = Plan::new("low", 12, waves, "");
    let (code, stdout, _) = plan.run(&[], &[("SLEEP", "0.2")]);
    assert_eq!(code, 0, "{stdout}");
    let mut edges: Vec<(u128, i32)> = plan
        .markers()
        .iter()
        .map(|(_, _, ev, t)| (*t, if ev == "start" { 1 } else { -1 }))
        .collect();
    edges.sort();
    let (mut now, mut most) = (0, 0);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    assert!(most <= 3, "observed {most} steps at once");
    assert!(most >= 2, "steps ran concurrently at all ({most})");
}

#[test]
fn an_invalid_runbook_starts_nothing_and_exits_1() {
    let plan = Plan::new("low", 2, "[[wave]]\nsize = 5\n", "");
    let (code, _, stderr) = plan.run(&[], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("nothing was started"), "{stderr}");
    assert!(plan.run_ids().is_empty());
}

#[test]
fn a_second_controller_cannot_open_the_same_run() {
    let plan = Plan::new(
        "low",
        3,
        "[[wave]]\nsize = \"rest\"\nsoak = \"0s\"\nparallel = 1\n",
        "",
    );
    let mut first = ripcord()
        .args([
            "run",
            plan.runbook().to_str().unwrap(),
            "--headless",
            "--state-dir",
            plan.state().to_str().unwrap(),
        ])
        .env("SLEEP", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let id = wait_for_run(&plan);
    let (code, _, stderr) = plan.run(&["--resume", &id], &[]);
    let _ = first.kill();
    let _ = first.wait();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("already open"), "{stderr}");
}

fn wait_for_run(plan: &Plan) -> String {
    for _ in 0..200 {
        if let Some(id) = plan.run_ids().first() {
            let j = plan.state().join("runs").join(id).join("journal.jsonl");
            if std::fs::read_to_string(j).is_ok_and(|t| t.contains("host_step_started")) {
                return id.clone();
            }
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the run did not start");
}

#[test]
fn sigterm_pauses_cleanly_and_the_run_resumes_to_completion() {
    let plan = Plan::new(
        "low",
        4,
        "[[wave]]\nsize = \"rest\"\nsoak = \"0s\"\nparallel = 1\n",
        "",
    );
    let child = ripcord()
        .args([
            "run",
            plan.runbook().to_str().unwrap(),
            "--headless",
            "--state-dir",
            plan.state().to_str().unwrap(),
        ])
        .env("SLEEP", "0.3")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let id = wait_for_run(&plan);
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = types(&plan.journal(&id));
    assert!(t.contains(&"paused".to_string()), "{t:?}");
    let (code, stdout, stderr) = plan.run(&["--resume", &id], &[("SLEEP", "0.01")]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("run resumed"), "{stdout}");
}

/// Kills `ripcord run --headless` with SIGKILL at 20 moments of a 30-host run and resumes
/// each time. No host's upgrade runs twice without a verify between; no journal line is lost
/// or duplicated; the end state matches a run without crashes.
#[test]
fn crash_at_twenty_moments_and_resume_loses_nothing_and_never_upgrades_twice_blindly() {
    let waves = "[[wave]]\nsize = 3\nsoak = \"0s\"\nparallel = 3\n[[wave]]\nsize = \"rest\"\nsoak = \"0s\"\nparallel = 4\n";
    let plan = Plan::new("low", 30, waves, "");
    let mut rng: u64 = 0x5eed;
    let mut id: Option<String> = None;
    let mut kills = 0;
    let mut finished = false;
    let mut attempts = 0;
    while kills < 20 {
        let mut cmd = ripcord();
        cmd.args([
            "run",
            plan.runbook().to_str().unwrap(),
            "--headless",
            "--state-dir",
            plan.state().to_str().unwrap(),
        ]);
        if let Some(id) = &id {
            cmd.args(["--resume", id]);
        }
        let mut child = cmd
            .env("SLEEP", "0.03")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let delay = 20 + rng % 400;
        std::thread::sleep(Duration::from_millis(delay));
        if let Some(status) = child.try_wait().unwrap() {
            if status.success() {
                finished = true;
                break;
            }
            // The previous controller's lock can outlive it for a moment (a step forked while
            // it was let go): that resume fails with "already open"; try again.
            attempts += 1;
            assert!(attempts < 50, "resume keeps failing: {status}");
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        if id.is_none() {
            id = plan.run_ids().first().cloned();
        }
    }
    let id = id
        .or_else(|| plan.run_ids().first().cloned())
        .expect("a run exists");
    if !finished {
        let (code, stdout, stderr) = plan.run(&["--resume", &id], &[("SLEEP", "0.01")]);
        assert_eq!(code, 0, "{stdout}\n{stderr}");
    }
    assert!(kills >= 5, "the run was killed several times ({kills})");
    // Journal: seq 1..n without gaps or duplicates, every line parses.
    let journal = plan.journal(&id);
    for (i, r) in journal.iter().enumerate() {
        assert_eq!(r["seq"].as_u64(), Some(i as u64 + 1));
    }
    let t = types(&journal);
    assert_eq!(t.iter().filter(|t| *t == "run_started").count(), 1);
    assert_eq!(t.last().map(String::as_str), Some("run_completed"), "{t:?}");
    // Give orphaned step processes of killed controllers time to write their end markers.
    std::thread::sleep(Duration::from_millis(300));
    let mut by_host: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (step, host, ev, _) in plan.markers() {
        if ev == "start" {
            by_host.entry(host).or_default().push(step);
        }
    }
    assert_eq!(by_host.len(), 30);
    for (host, steps) in &by_host {
        let mut upgraded_unverified = false;
        for s in steps {
            match s.as_str() {
                "upgrade" => {
                    assert!(
                        !upgraded_unverified,
                        "{host} upgraded twice without a verify between: {steps:?}"
                    );
                    upgraded_unverified = true;
                }
                "verify" => upgraded_unverified = false,
                _ => {}
            }
        }
    }
    // Same end state as a run without crashes: every host upgraded exactly once.
    let upgraded: std::collections::BTreeSet<&str> = journal
        .iter()
        .filter(|r| r["event"]["type"] == "host_upgraded")
        .map(|r| r["event"]["host"].as_str().unwrap())
        .collect();
    assert_eq!(upgraded.len(), 30);
    assert_eq!(t.iter().filter(|t| *t == "host_upgraded").count(), 30);
}

#[test]
fn runs_lists_each_run_with_its_state_and_progress() {
    let plan = Plan::new("low", 3, "[[wave]]\nsize = \"rest\"\nsoak = \"0s\"\n", "");
    let (code, ..) = plan.run(&[], &[]);
    assert_eq!(code, 0);
    let out = ripcord()
        .args(["runs", "--state-dir"])
        .arg(plan.state())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let id = &plan.run_ids()[0];
    let line = text
        .lines()
        .find(|l| l.starts_with(id.as_str()))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("COMPLETED"), "{line}");
    assert!(line.contains("3/3 upgraded, 0 failed"), "{line}");
    assert!(line.contains("run test"), "{line}");
}
