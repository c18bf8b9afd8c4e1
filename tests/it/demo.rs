//! `ripcord demo --headless` end to end: the simulator, the demo plan, real step processes.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::ripcord;

fn spawn_demo(state: &Path, hosts: usize, fault: Option<&str>) -> Child {
    let mut cmd = ripcord();
    cmd.args([
        "demo",
        "--headless",
        "--hosts",
        &hosts.to_string(),
        "--state-dir",
    ])
    .arg(state);
    if let Some(f) = fault {
        cmd.args(["--fault", f]);
    }
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
    let out = spawn_demo(dir.path(), 10, None).wait_with_output().unwrap();
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
    // The steps really ran against the simulator: every host reports the new version.
    assert!(stdout.contains("run completed"));
}

/// Each fault scenario is caught by the plan's gates and ends as the demo policy says:
/// paused with a rollback (exit 4) or halted for a decision (exit 3), evidence in the journal,
/// and no wave started after the fault was declared.
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
        .map(|(f, d)| spawn_demo(d.path(), 10, Some(f)))
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
        if code == Some(4) {
            assert!(!of_type(&j, "rollback_completed").is_empty(), "{fault}");
        }
    }
}

/// The reference scenario of DESIGN §6: 100 hosts in waves of 10 / 30 / 60, the fault begins
/// during wave 2; ripcord pauses and touches no host of wave 3.
#[test]
fn a_fault_in_wave_two_leaves_wave_three_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_demo(dir.path(), 100, None);
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut stderr = stderr;
    let mut sim = None;
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap_or(0) > 0 {
        if let Some(addr) = line.strip_prefix("ripcord demo: simulator on ") {
            sim = addr.split_whitespace().next().map(str::to_string);
            break;
        }
        line.clear();
    }
    let sim = sim.expect("the demo names its simulator");
    // Keep draining stderr: a closed pipe would fail the demo's next message.
    let drain = std::thread::spawn(move || stderr.lines().map_while(Result::ok).count());
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut lines = Vec::new();
    for line in stdout.lines().map_while(Result::ok) {
        lines.push(line.clone());
        if line.contains("wave 2 started") {
            // The fault begins now: upgraded hosts start answering 8% errors.
            let mut s = std::net::TcpStream::connect(&sim).unwrap();
            write!(s, "POST /fault/5xx HTTP/1.1\r\nHost: sim\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
            let mut answer = String::new();
            let _ = std::io::Read::read_to_string(&mut s, &mut answer);
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        }
        assert!(Instant::now() < deadline, "too slow:\n{}", lines.join("\n"));
    }
    let status = child.wait().unwrap();
    let _ = drain.join();
    assert!(
        matches!(status.code(), Some(3) | Some(4)),
        "{}",
        lines.join("\n")
    );
    let j = journal(dir.path());
    let wave3: Vec<String> = of_type(&j, "run_started")[0]["event"]["plan"]["waves"][2]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect();
    assert_eq!(wave3.len(), 60);
    let touched: Vec<&str> = of_type(&j, "host_step_started")
        .iter()
        .map(|r| r["event"]["host"].as_str().unwrap())
        .filter(|h| wave3.iter().any(|w| w == h))
        .collect();
    assert!(touched.is_empty(), "wave 3 hosts touched: {touched:?}");
    assert!(
        !of_type(&j, "fault_declared").is_empty(),
        "{}",
        lines.join("\n")
    );
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
