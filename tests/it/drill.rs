//! `ripcord drill --demo --headless`: a rehearsal that is a normal run, marked as a drill, with
//! the fault the runbook's `[drill]` names and a scorecard whose figures agree with the journal.

use crate::common::ripcord;

#[test]
fn drill_scorecard_agrees_with_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let out = ripcord()
        // No --fault: the demo runbook's [drill] names the fault (5xx) and its wave (2).
        .args(["drill", "--demo", "--headless", "--state-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code() == Some(4),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Drill scorecard — fault 5xx"), "{stdout}");
    let runs = dir.path().join("runs");
    let id = std::fs::read_dir(&runs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let journal: Vec<serde_json::Value> =
        std::fs::read_to_string(runs.join(&id).join("journal.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    assert_eq!(
        journal[0]["event"]["drill"], "5xx",
        "the run is marked as a drill"
    );
    let detected = journal
        .iter()
        .find(|r| r["event"]["type"] == "fault_declared")
        .expect("the fault was detected");
    let clock = &detected["at"].as_str().unwrap()[11..19];
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("detected"))
        .unwrap();
    assert!(
        line.contains(clock),
        "scorecard {line:?} vs journal {clock}"
    );
    let blast = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("blast radius"))
        .unwrap();
    assert!(blast.contains("pass"), "{blast}");
    assert!(blast.contains("0 after it was detected"), "{blast}");
    // The fault came from the plan: --fault named it, the demo runbook's [drill] its wave.
    let injected = journal
        .iter()
        .find(|r| r["event"]["type"] == "fault_injected")
        .expect("fault_injected journaled");
    assert_eq!(injected["event"]["scenario"], "5xx");
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("fault injected"))
        .unwrap();
    assert!(
        line.contains(&injected["at"].as_str().unwrap()[11..19]),
        "{line}"
    );
    assert!(line.contains("wave 2 started"), "{line}");
    assert!(line.contains("[drill] fault of the runbook"), "{line}");
    // The service recovered, and the scorecard's time to resolve is the journal's.
    let recovered = journal
        .iter()
        .find(|r| r["event"]["type"] == "service_recovered")
        .unwrap_or_else(|| panic!("no service_recovered\n{stdout}"));
    let resolve = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("time to resolve"))
        .unwrap();
    assert!(resolve.trim_end().ends_with("pass"), "{resolve}");
    assert!(!resolve.contains("not reached"), "{resolve}");
    let _ = recovered;
}

const STAGING_STEP: &str = r#"#!/bin/sh
# args: step host. Logs what it saw of the drill; a drilled verify fails, as a staging
# script that breaks its host on purpose would.
echo "$1 $2 ${RIPCORD_DRILL:-none}" >> "$(dirname "$0")/steps.log"
if [ "$1" = verify ] && [ "${RIPCORD_DRILL:-}" = bad-build ]; then
  echo "verify failed on $2: drill bad-build" >&2
  exit 2
fi
"#;

const STAGING_PLAN: &str = r#"[plan]
name = "staging drill"
risk = "medium"
environment = "staging"
host_kind = "linux"
upgrade_kind = "patch"
downtime_budget = "30m"
rollback_start_within = "30m"
restore_within = "2h"
status_update_every = "15m"
reviewed = 2026-11-20

[fleet]
hosts = ["h1", "h2", "h3"]

[[wave]]
size = 1
soak = "1s"
[[wave]]
size = 1
soak = "1s"
[[wave]]
size = "rest"

[steps.backup]
run = ["./step.sh", "backup", "{host}"]
timeout = "10s"
[steps.upgrade]
run = ["./step.sh", "upgrade", "{host}"]
timeout = "10s"
[steps.verify]
run = ["./step.sh", "verify", "{host}"]
timeout = "10s"
[steps.rollback]
run = ["./step.sh", "rollback", "{host}"]
timeout = "10s"

[drill]
fault = "bad-build"
wave = 2
"#;

/// `ripcord drill RUNBOOK` on a real (staging) plan: ripcord cannot break hosts itself, so from
/// the start of the wave `[drill]` names, the steps get `RIPCORD_DRILL=<fault>` and break
/// their host on purpose; before it, they run clean.
#[test]
fn a_runbook_drill_hands_the_fault_to_the_steps_from_its_wave_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.toml"), STAGING_PLAN).unwrap();
    let step = dir.path().join("step.sh");
    std::fs::write(&step, STAGING_STEP).unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&step)
        .status()
        .unwrap();
    let out = ripcord()
        .args(["drill", "plan.toml", "--headless", "--state-dir", "state"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        matches!(out.status.code(), Some(3) | Some(4)),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(dir.path().join("steps.log")).unwrap();
    let seen = |host: &str| -> Vec<&str> {
        log.lines()
            .filter(|l| l.split(' ').nth(1) == Some(host))
            .map(|l| l.rsplit(' ').next().unwrap())
            .collect()
    };
    assert!(
        seen("h1").iter().all(|d| *d == "none"),
        "wave 1 runs clean:\n{log}"
    );
    assert!(
        !seen("h2").is_empty() && seen("h2").iter().all(|d| *d == "bad-build"),
        "wave 2's steps carry the fault:\n{log}"
    );
    assert!(seen("h3").is_empty(), "wave 3 never starts:\n{log}");
    assert!(
        stdout.contains("Drill scorecard — fault bad-build"),
        "{stdout}"
    );
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("fault injected"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains("[drill] fault of the runbook"), "{line}");
    let detected = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("detected"))
        .unwrap();
    assert!(detected.contains("pass"), "{detected}");
}

/// A drill needs a fault: without --fault and without [drill] fault it says how to name one.
#[test]
fn a_drill_without_a_fault_says_how_to_name_one() {
    let dir = tempfile::tempdir().unwrap();
    let plan = STAGING_PLAN.replace("fault = \"bad-build\"\n", "");
    std::fs::write(dir.path().join("plan.toml"), plan).unwrap();
    let out = ripcord()
        .args(["drill", "plan.toml", "--headless", "--state-dir", "state"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--fault SCENARIO") && stderr.contains("[drill] fault"),
        "{stderr}"
    );
    assert!(!dir.path().join("state/runs").exists(), "nothing started");
}
