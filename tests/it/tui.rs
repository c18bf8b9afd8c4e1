//! The cockpit end to end: the real binary in a real terminal (tmux), real step processes.
//! Keys go in with `tmux send-keys`, the screen comes back with `tmux capture-pane`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const STEP: &str = "#!/bin/sh\necho \"$1 on $2\"\nsleep 1\n";

const PLAN: &str = r#"[plan]
name = "cockpit e2e"
risk = "medium"
environment = "test"
host_kind = "linux"
upgrade_kind = "patch"
downtime_budget = "30m"
rollback_start_within = "30m"
restore_within = "2h"
status_update_every = "15m"
reviewed = 2026-11-01

[fleet]
hosts = ["h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10"]

[[wave]]
size = 2
soak = "1s"
[[wave]]
size = "rest"
parallel = 1

[steps.backup]
run = ["./step.sh", "backup", "{host}"]
timeout = "20s"
[steps.upgrade]
run = ["./step.sh", "upgrade", "{host}"]
timeout = "20s"
[steps.verify]
run = ["./step.sh", "verify", "{host}"]
timeout = "20s"
[steps.rollback]
run = ["./step.sh", "rollback", "{host}"]
timeout = "20s"
"#;

/// One tmux server of its own (its own socket), killed on drop.
struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    /// A 120×40 terminal running the cockpit on a fresh plan folder with `plan`.
    fn start(name: &str, plan: &str) -> Tmux {
        Tmux::launch(name, plan, "run plan.toml --name tester")
    }

    /// A 120×40 terminal running `ripcord demo` on a simulated fleet of 10 hosts.
    fn demo(name: &str) -> Tmux {
        Tmux::launch(name, PLAN, "demo --hosts 10")
    }

    fn launch(name: &str, plan: &str, args: &str) -> Tmux {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("plan.toml"), plan).unwrap();
        let step = dir.path().join("step.sh");
        std::fs::write(&step, STEP).unwrap();
        Command::new("chmod").arg("+x").arg(&step).status().unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        let socket = format!("ripcord-it-{name}-{}", std::process::id());
        let t = Tmux { socket, dir };
        let cmd = format!(
            "cd {dir} && USER=tester RIPCORD_STATE_DIR={dir}/state RIPCORD_CONFIG_DIR={dir}/config {bin} {args}; echo RIPCORD_EXIT=$?; sleep 600",
            dir = t.dir.path().display(),
            bin = env!("CARGO_BIN_EXE_ripcord"),
        );
        let out = t.tmux(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "120",
            "-y",
            "40",
            "sh",
            "-c",
            &cmd,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux is needed for the cockpit tests (apt-get install -y tmux; .ci/run installs it)")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status.success());
    }

    /// Waits (up to 30 s) until the screen satisfies `what`; the screen then.
    fn wait_for(&self, label: &str, what: impl Fn(&str) -> bool) -> String {
        self.wait_up_to(30, label, what)
    }

    /// Waits up to `secs` until the screen satisfies `what`; the screen then.
    fn wait_up_to(&self, secs: u64, label: &str, what: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if what(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("the screen never showed {label}; it shows:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn alternate_on(&self) -> String {
        let out = self.tmux(&["display", "-p", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn journal(&self) -> String {
        let runs = self.dir.path().join("state/runs");
        let run = std::fs::read_dir(&runs)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        std::fs::read_to_string(run.join("journal.jsonl")).unwrap()
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or("")
}

#[test]
fn pause_resume_and_quit_with_confirmation_then_the_terminal_is_back() {
    let t = Tmux::start("keys", PLAN);
    t.wait_for("the cockpit running", |s| {
        header(s).contains("RUNNING") && s.contains("Waves")
    });
    assert_eq!(
        t.alternate_on(),
        "1",
        "the cockpit draws on the alternate screen"
    );

    t.keys(&["p"]);
    let s = t.wait_for("PAUSED", |s| header(s).contains("PAUSED"));
    assert!(
        s.contains("paused by tester (commander): key p in the cockpit"),
        "{s}"
    );
    t.keys(&["p"]);
    t.wait_for("RUNNING again", |s| header(s).contains("RUNNING"));
    // A real fleet is never broken on purpose: the fault key explains itself and does nothing.
    t.keys(&["I"]);
    t.wait_for("the fault key refused", |s| {
        s.contains("faults are injected by key only into ripcord's simulated fleet")
    });

    t.keys(&["q"]);
    // Wait for the whole dialog: a capture can land between two halves of one frame.
    let s = t.wait_for("the quit confirmation with focus on Cancel", |s| {
        s.contains("Quit the cockpit") && s.contains("▸[ Cancel ]")
    });
    assert!(s.contains("▸[ Cancel ]"), "focus starts on Cancel:\n{s}");
    t.keys(&["Tab", "Enter"]);
    let s = t.wait_for("the shell again", |s| s.contains("RIPCORD_EXIT="));
    assert!(
        s.contains("RIPCORD_EXIT=3"),
        "quitting mid-run leaves it resumable (exit 3):\n{s}"
    );
    assert!(s.contains("ripcord: run ") && s.contains("--resume"), "{s}");
    assert!(
        !s.contains("Waves"),
        "the cockpit is gone from the screen:\n{s}"
    );
    assert_eq!(t.alternate_on(), "0", "the alternate screen was left");

    let journal = t.journal();
    let by_tester = |kind: &str| {
        journal.lines().any(|l| {
            l.contains(&format!("\"type\":\"{kind}\"")) && l.contains("\"name\":\"tester\"")
        })
    };
    assert!(by_tester("paused") && by_tester("resumed"), "{journal}");
}

#[test]
fn sigterm_stops_the_run_and_gives_the_terminal_back() {
    let t = Tmux::start("term", PLAN);
    t.wait_for("the cockpit running", |s| header(s).contains("RUNNING"));
    let pid = ripcord_pid(t.path()).expect("the ripcord process");
    assert!(
        Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .unwrap()
            .success()
    );
    let s = t.wait_for("the shell again", |s| s.contains("RIPCORD_EXIT="));
    assert!(s.contains("RIPCORD_EXIT=3"), "{s}");
    assert_eq!(t.alternate_on(), "0");
    assert!(t.journal().contains("ripcord stopped (SIGTERM)"));
}

#[test]
fn a_finished_run_stays_on_screen_until_q_then_exits_0() {
    // Two hosts in one wave: done in a few seconds.
    let small = PLAN
        .replace(
            r#"hosts = ["h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10"]"#,
            r#"hosts = ["h1", "h2"]"#,
        )
        .replace("[[wave]]\nsize = 2\nsoak = \"1s\"\n", "")
        .replace("size = \"rest\"\n", "size = \"rest\"\nsoak = \"1s\"\n");
    let t = Tmux::start("done", &small);
    let s = t.wait_for("the run completed", |s| header(s).contains("COMPLETED"));
    assert!(
        s.contains("the run is over (completed); press q to leave"),
        "{s}"
    );
    assert!(s.contains("■ 2 up"), "{s}");
    assert_eq!(t.alternate_on(), "1", "the last screen stays up");
    t.keys(&["q"]);
    let s = t.wait_for("the shell again", |s| s.contains("RIPCORD_EXIT="));
    assert!(s.contains("RIPCORD_EXIT=0"), "{s}");
    assert!(
        s.contains("completed; the postmortem: ripcord report"),
        "{s}"
    );
    assert_eq!(t.alternate_on(), "0");
}

/// The demo's fault key: I opens the picker (what each scenario does), Enter Enter injects the
/// chosen one into the simulator, the timeline says so, and the plan's gates catch it.
#[test]
fn the_demo_fault_key_injects_a_scenario_that_the_gates_then_catch() {
    let t = Tmux::demo("inject");
    t.wait_up_to(60, "the demo running", |s| header(s).contains("RUNNING"));
    t.keys(&["I"]);
    let s = t.wait_for("the fault picker", |s| {
        s.contains("Inject a drill fault") && s.contains("slow-burn")
    });
    assert!(s.contains("8% of requests with HTTP 500"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("focus on Inject", |s| s.contains("▸[ Inject 5xx ]"));
    t.keys(&["Enter"]);
    t.wait_for("the injection in the timeline", |s| {
        s.contains("DRILL: fault 5xx injected")
    });
    // In the cockpit a person approves each wave: the canary starts on `a`.
    t.wait_for("wave 1 waiting for approval", |s| {
        s.contains("wave 1 waits for the commander's approval")
    });
    t.keys(&["a"]);
    // The canary answers 8% errors: a gate breaches after its `for` and the run pauses.
    let s = t.wait_up_to(120, "the run paused by a gate", |s| {
        header(s).contains("PAUSED")
    });
    assert!(s.contains("5xx"), "{s}");
    let journal = t.journal();
    let injected = journal
        .lines()
        .find(|l| l.contains("\"type\":\"fault_injected\""))
        .expect("fault_injected journaled");
    assert!(
        injected.contains("\"role\":\"commander\"") && injected.contains("\"scenario\":\"5xx\""),
        "{injected}"
    );
    assert!(journal.contains("\"type\":\"fault_declared\""), "{journal}");
    t.keys(&["q"]);
    t.wait_for("the quit confirmation", |s| {
        s.contains("Quit the cockpit") && s.contains("▸[ Cancel ]")
    });
    t.keys(&["Tab", "Enter"]);
    let s = t.wait_for("the shell again", |s| s.contains("RIPCORD_EXIT="));
    assert!(s.contains("RIPCORD_EXIT=3"), "{s}");
}

/// The pid of the ripcord process whose working directory is `dir`.
fn ripcord_pid(dir: &Path) -> Option<u32> {
    let want = std::fs::canonicalize(dir).ok()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let proc_dir = PathBuf::from("/proc").join(pid.to_string());
            let exe = std::fs::read_link(proc_dir.join("exe")).unwrap_or_default();
            let cwd = std::fs::read_link(proc_dir.join("cwd")).unwrap_or_default();
            if exe.file_name().is_some_and(|n| n == "ripcord") && cwd == want {
                return Some(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}
