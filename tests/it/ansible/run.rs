//! `ripcord run --headless` with Ansible upgrade, verify and rollback steps per wave: the
//! failure budget counts Ansible's per-host results (unreachable included), a halted wave
//! leaves the next one untouched, and a SIGKILL mid-playbook never upgrades a host twice.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Lab, process_with, web};
use crate::common::ripcord;

fn runbook(lab: &Lab, pattern: &str, waves: &str, vars: &str) -> String {
    let m = lab.marker_dir();
    let text = format!(
        r#"[plan]
name = "ansible waves"
risk = "low"
environment = "test"
reviewed = 2026-11-01

[fleet]
ansible_inventory = "inventory.ini"
pattern = "{pattern}"

{waves}

[steps.upgrade]
kind = "ansible"
playbook = "upgrade.yml"
extra_vars = {{ marker_dir = "{m}", ripcord_wave = "{{wave}}"{vars} }}
forks = 20
timeout = "2m"

[steps.verify]
kind = "ansible"
playbook = "verify.yml"
extra_vars = {{ marker_dir = "{m}" }}
forks = 20
timeout = "2m"

[steps.rollback]
kind = "ansible"
playbook = "rollback.yml"
extra_vars = {{ marker_dir = "{m}" }}
forks = 20
timeout = "2m"
"#
    );
    let path = lab.path().join("plan.toml");
    std::fs::write(&path, text).expect("write runbook");
    path.display().to_string()
}

fn run_cmd(lab: &Lab, book: &str, extra: &[&str]) -> Command {
    let mut cmd = ripcord();
    cmd.args(["run", book, "--headless", "--state-dir"])
        .arg(lab.path().join("state"))
        .args(extra);
    cmd
}

fn journal(lab: &Lab) -> (String, Vec<serde_json::Value>) {
    let runs = lab.path().join("state").join("runs");
    let id = std::fs::read_dir(&runs)
        .expect("runs")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .next()
        .expect("a run");
    let text = std::fs::read_to_string(runs.join(&id).join("journal.jsonl")).unwrap_or_default();
    let records = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (id, records)
}

fn events<'a>(j: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    j.iter()
        .map(|r| &r["event"])
        .filter(|e| e["type"] == kind)
        .collect()
}

#[test]
fn the_failure_budget_counts_each_ansible_host_and_a_halt_spares_the_next_wave() {
    let lab = Lab::new();
    // Listing order: web-01, web-02 (canary), ghost (lost), web-03 … web-20.
    let waves = r#"[[wave]]
name = "canary"
select = { group = "canary" }
soak = "0s"
max_failed = 0
[[wave]]
size = 8
soak = "0s"
max_failed = 1
[[wave]]
size = "rest"
soak = "0s"
"#;
    // reach = all: the first play connects to every host, so ghost's unreachability does not
    // end the playbook for the others.
    let book = runbook(
        &lab,
        "web:lost",
        waves,
        ", fail_hosts = \"web-05\", reach = \"all\"",
    );
    let out = run_cmd(&lab, &book, &[]).output().expect("run ripcord");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "halted, waiting for a decision\n{stdout}\n{stderr}"
    );

    let (_, j) = journal(&lab);
    let finished = events(&j, "host_step_finished");
    let upgrade_of = |host: &str| {
        finished
            .iter()
            .find(|e| e["host"] == host && e["step"] == "upgrade")
            .unwrap_or_else(|| panic!("no upgrade result for {host}\n{stdout}"))
    };
    let ghost = upgrade_of("ghost");
    assert_eq!(ghost["outcome"], "unreachable", "{ghost}");
    let failed = upgrade_of("web-05");
    assert_eq!(failed["outcome"], "failed");
    assert_eq!(
        failed["reason"],
        "task \"Check the service\" failed: web-05: service did not come back after the upgrade"
    );
    for h in ["web-01", "web-02", "web-03", "web-09"] {
        assert_eq!(upgrade_of(h)["outcome"], "ok", "{h}");
    }
    // Two failures (one of them unreachable) against one allowed: wave 2 halts.
    assert!(!events(&j, "run_halted").is_empty(), "{stdout}");
    assert_eq!(lab.markers("web-01"), ["wave-1"]);
    assert_eq!(lab.markers("web-09"), ["wave-2"]);
    for h in web(10..=20) {
        assert!(
            lab.markers(&h).is_empty(),
            "{h} is in wave 3 and was touched\n{stdout}"
        );
    }
    // Low risk: the failed hosts were rolled back by the rollback playbook, each judged alone.
    for h in ["ghost", "web-05"] {
        assert_eq!(lab.rollbacks(h), 1, "{h}\n{stdout}");
        assert!(
            finished
                .iter()
                .any(|e| e["host"] == h && e["step"] == "rollback" && e["outcome"] == "ok"),
            "{h}\n{stdout}"
        );
    }
    assert_eq!(lab.rollbacks("web-04"), 0);
    // The verify playbook ran for the hosts that upgraded.
    assert!(
        finished
            .iter()
            .any(|e| e["host"] == "web-03" && e["step"] == "verify" && e["outcome"] == "ok"),
        "{stdout}"
    );
}

#[test]
fn a_sigkill_mid_playbook_then_resume_upgrades_no_host_twice() {
    let lab = Lab::new();
    let waves = "[[wave]]\nsize = 6\nsoak = \"0s\"\n[[wave]]\nsize = \"rest\"\nsoak = \"0s\"\n";
    let book = runbook(
        &lab,
        "web",
        waves,
        ", slow_hosts = \"web-04\", slow_seconds = \"4\"",
    );
    let mut child = run_cmd(&lab, &book, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ripcord");
    // Kill ripcord once the playbook has upgraded some hosts of wave 1 but not web-04.
    let began = Instant::now();
    while lab.markers("web-01").is_empty() {
        assert!(
            began.elapsed() < Duration::from_secs(45),
            "the playbook never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(lab.markers("web-04").is_empty(), "killed mid-playbook");
    // SAFETY: a plain kill(2) of the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
    // The playbook is in its own process group: it outlives ripcord and finishes the wave.
    let marker_dir = lab.marker_dir();
    while process_with(&marker_dir) {
        assert!(
            began.elapsed() < Duration::from_secs(60),
            "the playbook never ended"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let leftover = format!("ripcord-ansible-{}-", child.id());
    let left = std::fs::read_dir(std::env::temp_dir())
        .expect("temp dir")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with(&leftover));
    assert!(!left, "the orphaned playbook removed its callback folder");
    let (id, before) = journal(&lab);
    assert!(
        events(&before, "host_upgraded").is_empty(),
        "killed before any result came back"
    );

    let out = run_cmd(&lab, &book, &["--resume", &id])
        .output()
        .expect("resume");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, j) = journal(&lab);
    let interrupted: Vec<&str> = events(&j, "host_interrupted")
        .iter()
        .filter_map(|e| e["host"].as_str())
        .collect();
    assert_eq!(
        interrupted,
        ["web-01", "web-02", "web-03", "web-04", "web-05", "web-06"]
    );
    for h in web(1..=20) {
        let want = if h.as_str() <= "web-06" {
            "wave-1"
        } else {
            "wave-2"
        };
        assert_eq!(
            lab.markers(&h),
            [want],
            "{h}: upgraded exactly once\n{stdout}"
        );
    }
    assert_eq!(events(&j, "host_upgraded").len(), 20, "{stdout}");
}
