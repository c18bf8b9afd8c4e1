//! `ripcord demo --headless` end to end: the simulator, the demo plan, real step processes.

use std::path::Path;
use std::process::{Child, Stdio};

use crate::common::ripcord;

fn spawn_demo(state: &Path, hosts: usize, extra: &[&str]) -> Child {
    let mut cmd = ripcord();
    cmd.args([
        "demo",
        "--headless",
        "--hosts",
        &hosts.to_string(),
        "--state-dir",
    ])
    .arg(state)
    .args(extra);
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn journal(state: &Path) -> Vec<serde_json::Value> {
    let runs = state.join("runs");
    let id = std::fs::read_dir(&runs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    std::fs::read_to_string(runs.join(id).join("journal.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn of_type<'a>(j: &'a [serde_json::Value], t: &str) -> Vec<&'a serde_json::Value> {
    j.iter().filter(|r| r["event"]["type"] == t).collect()
}

#[test]
fn demo_headless_upgrades_every_host_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = spawn_demo(dir.path(), 10, &[]).wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = journal(dir.path());
    assert_eq!(of_type(&j, "host_upgraded").len(), 10);
    assert_eq!(of_type(&j, "wave_started").len(), 3);
    // Every rule judged against a baseline has one, recorded before wave 1 starts.
    let plan_rules = j[0]["event"]["plan"]["rules"].as_array().unwrap();
    let with_baseline = plan_rules
        .iter()
        .filter(|r| r["breach"]["baseline"] == true || r["warn"]["baseline"] == true)
        .count();
    assert!(with_baseline >= 2);
    assert_eq!(of_type(&j, "baseline_recorded").len(), with_baseline);
    let first_wave = j
        .iter()
        .position(|r| r["event"]["type"] == "wave_started")
        .unwrap();
    let last_baseline = j
        .iter()
        .rposition(|r| r["event"]["type"] == "baseline_recorded")
        .unwrap();
    assert!(
        last_baseline < first_wave,
        "baselines are measured before wave 1"
    );
    assert!(
        of_type(&j, "fault_declared").is_empty(),
        "a clean run raises no fault:\n{stdout}"
    );
    assert!(
        of_type(&j, "fault_injected").is_empty() && j[0]["event"].get("drill").is_none(),
        "a demo without --fault injects nothing and is no drill"
    );
    // The steps really ran against the simulator: every host reports the new version.
    assert!(stdout.contains("run completed"));
}

/// Each fault scenario, injected as the canary wave starts (`--fault-wave 1`), is caught by the
/// plan's gates and ends as the demo policy says: rolled back and recovered (exit 4) or halted
/// for a decision (exit 3), evidence in the journal, and no wave started after the fault.
#[test]
fn every_fault_scenario_auto_pauses_and_leaves_the_evidence() {
    let scenarios = ["5xx", "latency", "boot", "slow-burn", "one-bad-host"];
    let dirs: Vec<_> = scenarios
        .iter()
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let children: Vec<Child> = scenarios
        .iter()
        .zip(&dirs)
        .map(|(f, d)| spawn_demo(d.path(), 10, &["--fault", f, "--fault-wave", "1"]))
        .collect();
    for ((fault, dir), child) in scenarios.iter().zip(&dirs).zip(children) {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let code = out.status.code();
        assert!(
            matches!(code, Some(3) | Some(4)),
            "{fault}: exit {code:?}\n{stdout}"
        );
        let j = journal(dir.path());
        let first_fault = j
            .iter()
            .position(|r| {
                r["event"]["type"] == "fault_declared" || r["event"]["type"] == "host_failed"
            })
            .unwrap_or_else(|| panic!("{fault}: no fault recorded\n{stdout}"));
        assert!(
            !j[first_fault..]
                .iter()
                .any(|r| r["event"]["type"] == "wave_started"),
            "{fault}: a wave started after the fault"
        );
        let evidence_ok = match *fault {
            "boot" => of_type(&j, "host_failed")
                .iter()
                .any(|r| r["event"]["step"] == "upgrade"),
            "one-bad-host" => of_type(&j, "rule_breached").iter().any(|r| {
                r["event"]["evidence"]["host"].is_string()
                    && r["event"]["evidence"]["query"].as_str().is_some()
            }),
            _ => of_type(&j, "rule_breached").iter().any(|r| {
                r["event"]["state"] == "breach"
                    && r["event"]["evidence"]["threshold"].is_object()
                    && !r["event"]["evidence"]["values"]
                        .as_array()
                        .unwrap()
                        .is_empty()
            }),
        };
        assert!(evidence_ok, "{fault}: evidence missing\n{stdout}");
        let injected = j
            .iter()
            .position(|r| r["event"]["type"] == "fault_injected")
            .unwrap_or_else(|| panic!("{fault}: no fault_injected\n{stdout}"));
        assert_eq!(j[injected]["event"]["scenario"], *fault);
        assert_eq!(
            j[injected - 1]["event"]["type"],
            "wave_started",
            "{fault}: injected as wave 1 starts"
        );
        assert!(
            injected < first_fault,
            "{fault}: injected before it was seen"
        );
        if code == Some(4) {
            assert!(!of_type(&j, "rollback_completed").is_empty(), "{fault}");
            assert_eq!(
                of_type(&j, "service_recovered").len(),
                1,
                "{fault}: a rollback of the only upgraded wave restores the service\n{stdout}"
            );
        }
    }
}

/// The reference scenario of DESIGN §6: 100 hosts in waves of 10 / 30 / 60, and the fault
/// begins as wave 2 starts — injected by the demo runbook's `[drill] wave = 2`. ripcord pauses
/// and touches no host of wave 3; the wave-2 rollback leaves the canaries' errors, so after the
/// recovery grace the rest of the fleet's rollback is offered (confirmed by `--on-halt
/// rollback` in a headless demo), and then the service recovers.
#[test]
fn a_fault_in_wave_two_leaves_wave_three_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = spawn_demo(dir.path(), 100, &["--fault", "5xx"])
        .wait_with_output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{stdout}");
    let j = journal(dir.path());
    let plan_waves = &of_type(&j, "run_started")[0]["event"]["plan"]["waves"];
    let hosts_of = |w: usize| -> Vec<String> {
        plan_waves[w]["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().to_string())
            .collect()
    };
    let (wave2, wave3) = (hosts_of(1), hosts_of(2));
    assert_eq!((wave2.len(), wave3.len()), (30, 60));
    // The fault lands as wave 2 starts, before its first step.
    let injected = j
        .iter()
        .position(|r| r["event"]["type"] == "fault_injected")
        .expect("the runbook's [drill] injected the fault");
    assert_eq!(j[injected - 1]["event"]["type"], "wave_started");
    assert_eq!(j[injected - 1]["event"]["wave"], 2);
    assert!(
        j[injected]["event"]["why"]
            .as_str()
            .unwrap()
            .contains("wave 2 started"),
        "{}",
        j[injected]
    );
    let first_wave2_step = j
        .iter()
        .position(|r| {
            r["event"]["type"] == "host_step_started"
                && wave2.iter().any(|h| r["event"]["host"] == h.as_str())
        })
        .unwrap();
    assert!(injected < first_wave2_step);
    let touched: Vec<&str> = of_type(&j, "host_step_started")
        .iter()
        .map(|r| r["event"]["host"].as_str().unwrap())
        .filter(|h| wave3.iter().any(|w| w == h))
        .collect();
    assert!(touched.is_empty(), "wave 3 hosts touched: {touched:?}");
    assert!(!of_type(&j, "fault_declared").is_empty(), "{stdout}");
    // Rolling back wave 2 leaves the canaries failing: the rest of the fleet is offered.
    let fleet_offer = of_type(&j, "rollback_requested")
        .into_iter()
        .find(|r| r["event"]["scope"]["kind"] == "fleet")
        .unwrap_or_else(|| panic!("no fleet rollback offered after the wave rollback\n{stdout}"));
    assert!(
        fleet_offer["event"]["reason"]
            .as_str()
            .unwrap()
            .contains("still in breach"),
        "{fleet_offer}"
    );
    let recovered = j
        .iter()
        .position(|r| r["event"]["type"] == "service_recovered")
        .unwrap_or_else(|| panic!("the service never recovered\n{stdout}"));
    assert_eq!(
        recovered,
        j.len() - 1 - trailing_notifications(&j[recovered + 1..])
    );
    assert!(stdout.contains("service recovered"), "{stdout}");
}

/// Journal lines after `service_recovered` may only be the outbox finishing its deliveries.
fn trailing_notifications(rest: &[serde_json::Value]) -> usize {
    rest.iter()
        .filter(|r| {
            r["event"]["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("notification_") || t.starts_with("status_update"))
        })
        .count()
}

#[test]
fn print_prometheus_config_names_the_simulator() {
    let out = ripcord()
        .args(["demo", "--print-prometheus-config"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("127.0.0.1:9464"), "{text}");
    assert!(text.contains("scrape_configs"), "{text}");
}
