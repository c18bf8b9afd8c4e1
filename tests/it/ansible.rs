//! Ansible steps and inventories against the real `ansible-playbook` / `ansible-inventory`
//! (Debian package ansible-core): 20 hosts with `ansible_connection=local`, one host behind a
//! closed loopback port, and the playbooks in tests/fixtures/ansible/.

mod fleet;
mod run;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ripcord::exec::{HostOutcome, Outcome, StepJob, run_step};
use ripcord::redact::Redactor;
use ripcord::runbook::{Per, Span, StepName, StepRunner, StepSpec};

use crate::common::repo;

/// A folder with the fixture playbooks, an inventory and a marker folder `m/`.
pub struct Lab {
    pub dir: tempfile::TempDir,
}

impl Lab {
    pub fn new() -> Self {
        assert!(
            std::process::Command::new("ansible-playbook")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success()),
            "these tests need ansible-playbook: apt-get install ansible-core"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        for f in ["upgrade.yml", "verify.yml", "rollback.yml"] {
            std::fs::copy(
                repo().join("tests/fixtures/ansible").join(f),
                dir.path().join(f),
            )
            .expect("copy playbook");
        }
        std::fs::create_dir(dir.path().join("m")).expect("marker folder");
        std::fs::write(dir.path().join("inventory.ini"), inventory(closed_port()))
            .expect("inventory");
        Lab { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn marker_dir(&self) -> String {
        self.path().join("m").display().to_string()
    }

    /// The lines `host`'s marker holds: one per upgrade.
    pub fn markers(&self, host: &str) -> Vec<String> {
        std::fs::read_to_string(self.path().join("m").join(host))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    pub fn rollbacks(&self, host: &str) -> usize {
        self.markers(&format!("{host}.rollback")).len()
    }
}

/// A loopback port nothing listens on (bound, then let go).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// `ghost` (ssh to a closed port, listed first), web-01 … web-20 (local; zone a / b),
/// web-01 and web-02 also in `canary`.
fn inventory(port: u16) -> String {
    let mut s = format!(
        "[lost]\nghost ansible_connection=ssh ansible_host=127.0.0.1 ansible_port={port} ansible_user=nobody\n\n[web]\n"
    );
    for i in 1..=20 {
        let zone = if i <= 10 { "a" } else { "b" };
        s.push_str(&format!("web-{i:02} zone={zone}\n"));
    }
    s.push_str("\n[canary]\nweb-01\nweb-02\n\n[web:vars]\nansible_connection=local\nansible_python_interpreter=\"{{ ansible_playbook_python }}\"\n");
    s
}

pub fn web(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|i| format!("web-{i:02}")).collect()
}

fn step(lab: &Lab, vars: &[(&str, &str)], tags: &[&str], forks: u32, timeout: Span) -> StepSpec {
    let mut extra_vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    extra_vars.insert("marker_dir".into(), lab.marker_dir());
    StepSpec {
        name: StepName::Upgrade,
        runner: StepRunner::Ansible {
            playbook: "upgrade.yml".into(),
            inventory: Some("inventory.ini".into()),
            extra_vars,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            forks: Some(forks),
        },
        timeout,
        per: Per::Wave,
        env: BTreeMap::new(),
    }
}

async fn run(lab: &Lab, hosts: &[String], spec: StepSpec) -> Vec<HostOutcome> {
    let job = StepJob {
        run_id: "run-7".into(),
        wave: 2,
        step: StepName::Upgrade,
        hosts: hosts.to_vec(),
        spec,
        cwd: lab.path().to_path_buf(),
        // ripcord's own settings win: no retry file appears.
        extra_env: BTreeMap::from([("ANSIBLE_RETRY_FILES_ENABLED".into(), "True".into())]),
    };
    run_step(job, Arc::new(Redactor::default())).await
}

fn of<'a>(outs: &'a [HostOutcome], host: &str) -> &'a HostOutcome {
    outs.iter()
        .find(|o| o.host == host)
        .unwrap_or_else(|| panic!("no outcome for {host}: {outs:#?}"))
}

const MIN2: Span = Span::from_mins(2);

#[tokio::test]
async fn one_playbook_judges_each_of_twenty_hosts_on_its_own() {
    let lab = Lab::new();
    let mut hosts = web(1..=20);
    hosts.extend(["ghost".to_owned(), "web-99".to_owned()]);
    let spec = step(
        &lab,
        &[
            ("fail_hosts", "web-03,web-07"),
            ("ripcord_wave", "{wave}"),
            ("reach", "all"),
        ],
        &["upgrade"],
        25,
        MIN2,
    );
    let outs = run(&lab, &hosts, spec).await;
    assert_eq!(
        outs.iter().map(|o| o.host.as_str()).collect::<Vec<_>>(),
        hosts.iter().map(String::as_str).collect::<Vec<_>>(),
        "one outcome per host, in job order"
    );
    for h in web(1..=20) {
        let o = of(&outs, &h);
        if h == "web-03" || h == "web-07" {
            assert_eq!(o.outcome, Outcome::Failed, "{o:#?}");
            assert_eq!(
                o.reason,
                format!(
                    "task \"Check the service\" failed: {h}: service did not come back after the upgrade"
                )
            );
            assert!(
                o.output_tail.contains("FAILED   Check the service"),
                "{}",
                o.output_tail
            );
        } else {
            assert_eq!(o.outcome, Outcome::Ok, "{o:#?}");
            assert!(o.reason.starts_with("ok: 2 ok"), "{}", o.reason);
            // Its own transcript, not the whole wave's output; untagged tasks did not run.
            assert!(
                o.output_tail.contains("ok       Install the new version"),
                "{}",
                o.output_tail
            );
            assert!(
                !o.output_tail.contains("web-04: service"),
                "{}",
                o.output_tail
            );
            assert!(
                !o.output_tail.contains("Report the new version"),
                "{}",
                o.output_tail
            );
        }
        assert_eq!(lab.markers(&h), ["wave-2"], "{h} upgraded once, in wave 2");
    }
    let ghost = of(&outs, "ghost");
    assert_eq!(ghost.outcome, Outcome::Unreachable, "{ghost:#?}");
    assert!(
        ghost
            .reason
            .starts_with("unreachable at task \"Reach the host\": ")
            && ghost.reason.contains("Connection refused"),
        "{}",
        ghost.reason
    );
    assert!(lab.markers("ghost").is_empty());
    let missing = of(&outs, "web-99");
    assert_eq!(missing.outcome, Outcome::NotStarted);
    assert!(
        missing
            .reason
            .contains("web-99 is not in the inventory inventory.ini"),
        "{}",
        missing.reason
    );
    let retry = std::fs::read_dir(lab.path())
        .expect("lab")
        .filter_map(Result::ok)
        .any(|e| e.path().extension().is_some_and(|x| x == "retry"));
    assert!(!retry, "retry files are off");
}

#[tokio::test]
async fn hosts_that_max_fail_percentage_gave_up_on_count_as_failed() {
    let lab = Lab::new();
    let hosts = web(1..=10);
    let spec = step(
        &lab,
        &[("fail_hosts", "web-02"), ("max_fail", "0")],
        &[],
        10,
        MIN2,
    );
    let outs = run(&lab, &hosts, spec).await;
    let first = of(&outs, "web-02");
    assert_eq!(first.outcome, Outcome::Failed);
    assert!(
        first
            .reason
            .starts_with("task \"Check the service\" failed"),
        "{}",
        first.reason
    );
    for h in hosts.iter().filter(|h| *h != "web-02") {
        let o = of(&outs, h);
        assert_eq!(
            o.outcome,
            Outcome::Failed,
            "Ansible failed {h} without an event: {o:#?}"
        );
        assert!(
            o.reason.contains("max_fail_percentage") && o.reason.contains("other hosts failed"),
            "{}",
            o.reason
        );
        assert!(
            !o.output_tail.contains("Report the new version"),
            "the play stopped"
        );
    }
}

#[tokio::test]
async fn a_limit_matching_nothing_or_a_group_starts_no_host() {
    let lab = Lab::new();
    let (nobody, canary) = (
        ["nope-1".to_owned(), "nope-2".to_owned()],
        ["canary".to_owned()],
    );
    let nothing = run(&lab, &nobody, step(&lab, &[], &[], 5, MIN2));
    // `canary` is a group of the inventory: --limit canary would upgrade web-01 and web-02.
    let group = run(&lab, &canary, step(&lab, &[], &[], 5, MIN2));
    let (nothing, group) = tokio::join!(nothing, group);
    for o in &nothing {
        assert_eq!(o.outcome, Outcome::NotStarted, "{o:#?}");
        assert!(
            o.reason
                .starts_with("not started: ansible-playbook stopped before running any task")
                && o.reason.contains("ERROR!")
                && o.reason.contains("--limit"),
            "{}",
            o.reason
        );
    }
    assert_eq!(group[0].outcome, Outcome::NotStarted, "{group:#?}");
    assert!(
        group[0].reason.contains("outside the wave"),
        "{}",
        group[0].reason
    );
    assert!(lab.markers("web-01").is_empty() && lab.markers("web-02").is_empty());
}

/// True while some process's command line holds `needle`.
pub fn process_with(needle: &str) -> bool {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .any(|c| {
            String::from_utf8_lossy(&c)
                .replace('\0', " ")
                .contains(needle)
        })
}

#[tokio::test]
async fn a_playbook_past_its_timeout_is_killed_and_finished_hosts_keep_their_results() {
    let lab = Lab::new();
    let mut hosts = vec!["ghost".to_owned()];
    hosts.extend(web(1..=6));
    // One fork: hosts are taken in inventory order; web-03 hangs, so web-04..06 are never
    // reached. ghost is unreachable in the first play, before the hang (web-01 is in that
    // play too: a play where every host fails ends the whole playbook).
    let spec = step(
        &lab,
        &[
            ("slow_hosts", "web-03"),
            ("slow_seconds", "117"),
            ("reach", "ghost:web-01"),
        ],
        &[],
        1,
        Span::from_secs(12),
    );
    let began = Instant::now();
    let outs = run(&lab, &hosts, spec).await;
    assert!(
        began.elapsed() < Duration::from_secs(60),
        "the hang was cut short"
    );
    assert!(
        !process_with("sleep 117"),
        "the whole process group was killed"
    );
    assert_eq!(of(&outs, "ghost").outcome, Outcome::Unreachable);
    for h in ["web-01", "web-02", "web-03"] {
        let o = of(&outs, h);
        assert_eq!(o.outcome, Outcome::TimedOut, "{o:#?}");
        assert!(
            o.reason.starts_with("timed out after 12s (process group killed) while this host was at task \"Install the new version\""),
            "{}",
            o.reason
        );
    }
    for h in ["web-04", "web-05", "web-06"] {
        let o = of(&outs, h);
        assert_eq!(o.outcome, Outcome::NotStarted, "{o:#?}");
        assert!(
            o.reason.starts_with(
                "not started: the playbook stopped before reaching this host (timed out after 12s"
            ),
            "{}",
            o.reason
        );
        assert!(lab.markers(h).is_empty());
    }
    assert_eq!(lab.markers("web-01").len(), 1);
    assert!(lab.markers("web-03").is_empty(), "killed before its marker");
}
