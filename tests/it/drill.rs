//! `ripcord drill --demo --fault SCENARIO --headless`: a rehearsal that is a normal run, marked
//! as a drill, with a scorecard whose figures agree with the journal.

use crate::common::ripcord;

#[test]
fn drill_scorecard_agrees_with_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let out = ripcord()
        .args([
            "drill",
            "--demo",
            "--fault",
            "5xx",
            "--headless",
            "--state-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        matches!(out.status.code(), Some(3) | Some(4)),
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
}
