//! The step executor against real child processes: small scripts written into a tempdir.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ripcord::exec::{HostOutcome, Outcome, StepJob, TAIL_BYTES, run_step};
use ripcord::redact::Redactor;
use ripcord::runbook::{Per, Span, StepName, StepRunner, StepSpec};

/// Writes an executable `sh` script into `dir`.
fn script(dir: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn spec(argv: &[&str], shell: bool, per: Per, timeout: Span) -> StepSpec {
    StepSpec {
        name: StepName::Upgrade,
        runner: StepRunner::Command {
            argv: argv.iter().map(|a| (*a).to_owned()).collect(),
            shell,
        },
        timeout,
        per,
        env: BTreeMap::new(),
    }
}

fn job(dir: &Path, hosts: &[&str], spec: StepSpec) -> StepJob {
    StepJob {
        run_id: "run-42".into(),
        wave: 2,
        step: StepName::Upgrade,
        hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
        spec,
        cwd: dir.to_path_buf(),
        extra_env: BTreeMap::new(),
    }
}

async fn run(job: StepJob) -> Vec<HostOutcome> {
    run_step(job, Arc::new(Redactor::default())).await
}

async fn run_one(job: StepJob) -> HostOutcome {
    let mut outs = run(job).await;
    assert_eq!(outs.len(), 1, "one outcome per host: {outs:?}");
    outs.remove(0)
}

const MIN: Span = Span::from_mins(1);

#[tokio::test]
async fn successful_step_is_ok_with_its_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    script(
        dir.path(),
        "ok.sh",
        "echo upgraded \"$1\"; echo to-stderr >&2",
    );
    let out = run_one(job(
        dir.path(),
        &["web-001"],
        spec(&["./ok.sh", "{host}"], false, Per::Host, MIN),
    ))
    .await;
    assert_eq!(out.host, "web-001");
    assert_eq!(out.outcome, Outcome::Ok);
    assert_eq!(out.exit_code, Some(0));
    assert_eq!(out.reason, "exit 0");
    assert!(
        out.output_tail.contains("upgraded web-001\n"),
        "{}",
        out.output_tail
    );
    assert!(
        out.output_tail.contains("to-stderr\n"),
        "{}",
        out.output_tail
    );
    assert!(out.finished_at >= out.started_at);
}

#[tokio::test]
async fn non_zero_exit_fails_with_code_and_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    script(
        dir.path(),
        "bad.sh",
        "echo 'kernel module zfs incompatible' >&2; exit 2",
    );
    let out = run_one(job(
        dir.path(),
        &["db-1"],
        spec(&["./bad.sh"], false, Per::Host, MIN),
    ))
    .await;
    assert_eq!(out.outcome, Outcome::Failed);
    assert_eq!(out.exit_code, Some(2));
    assert_eq!(out.reason, "exit 2");
    assert_eq!(out.output_tail, "kernel module zfs incompatible\n");
}

/// True once `pid` is gone or a zombie (dead, waiting for its new parent to reap it).
fn dead(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the ")" closing the command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
    }
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group_and_keeps_the_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The grandchild records its pid, then would leave a marker after 3 s; the step's own shell
    // just waits for it. Killing only the shell would leave the grandchild to write the marker.
    script(
        dir.path(),
        "hang.sh",
        "echo starting upgrade\nsh -c 'echo $$ > grandchild.pid; sleep 3; touch survived' &\nwait",
    );
    let started = Instant::now();
    let timeout = Span::from_millis(700);
    let out = run_one(job(
        dir.path(),
        &["h1"],
        spec(&["./hang.sh"], false, Per::Host, timeout),
    ))
    .await;
    assert_eq!(out.outcome, Outcome::TimedOut);
    assert_eq!(out.exit_code, None);
    assert_eq!(out.reason, "timed out after 700ms (process group killed)");
    assert!(
        out.output_tail.contains("starting upgrade"),
        "{}",
        out.output_tail
    );

    let pid: i32 = std::fs::read_to_string(dir.path().join("grandchild.pid"))
        .expect("grandchild wrote its pid")
        .trim()
        .parse()
        .expect("pid");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !dead(pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(dead(pid), "grandchild {pid} outlived the timeout");
    // Past the moment the grandchild would have written its marker had it lived.
    let wake = Duration::from_millis(4000).saturating_sub(started.elapsed());
    tokio::time::sleep(wake).await;
    assert!(
        !dir.path().join("survived").exists(),
        "grandchild kept running after the kill"
    );
}

#[tokio::test]
async fn grandchild_ignoring_sigterm_is_killed_after_the_grace() {
    let dir = tempfile::tempdir().expect("tempdir");
    script(
        dir.path(),
        "stubborn.sh",
        "sh -c 'trap \"\" TERM; echo $$ > stubborn.pid; sleep 30' &\nwait",
    );
    let out = run_one(job(
        dir.path(),
        &["h1"],
        spec(&["./stubborn.sh"], false, Per::Host, Span::from_millis(500)),
    ))
    .await;
    assert_eq!(out.outcome, Outcome::TimedOut);
    let pid: i32 = std::fs::read_to_string(dir.path().join("stubborn.pid"))
        .expect("pid file")
        .trim()
        .parse()
        .expect("pid");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !dead(pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        dead(pid),
        "a SIGTERM-ignoring grandchild {pid} survived SIGKILL"
    );
}

#[tokio::test]
async fn placeholders_never_split_arguments() {
    let dir = tempfile::tempdir().expect("tempdir");
    script(
        dir.path(),
        "args.sh",
        "echo \"argc=$#\"; for a in \"$@\"; do echo \"arg=<$a>\"; done",
    );
    let mut j = job(
        dir.path(),
        &["web-001"],
        spec(
            &[
                "./args.sh",
                "{host}",
                "--run={run} x",
                "{{literal}}",
                "--limit={hosts}",
            ],
            false,
            Per::Host,
            MIN,
        ),
    );
    j.run_id = "run with  spaces; $(touch pwned)".into();
    let out = run_one(j).await;
    assert_eq!(out.outcome, Outcome::Ok, "{}", out.reason);
    assert_eq!(
        out.output_tail,
        "argc=4\narg=<web-001>\narg=<--run=run with  spaces; $(touch pwned) x>\narg=<{literal}>\narg=<--limit=web-001>\n"
    );
    assert!(!dir.path().join("pwned").exists());
}

#[tokio::test]
async fn a_bad_host_name_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_one(job(
        dir.path(),
        &["web 1;touch pwned"],
        spec(&["touch", "ran"], false, Per::Host, MIN),
    ))
    .await;
    assert_eq!(out.outcome, Outcome::Failed);
    assert!(out.reason.contains("refused"), "{}", out.reason);
    assert!(!dir.path().join("ran").exists() && !dir.path().join("pwned").exists());
}

#[tokio::test]
async fn shell_steps_get_values_only_through_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = "echo \"host=$RIPCORD_HOST one={host} first=$1\"";
    let out = run_one(job(
        dir.path(),
        &["web-7"],
        spec(&[line, "{host}"], true, Per::Host, MIN),
    ))
    .await;
    assert_eq!(out.outcome, Outcome::Ok, "{}", out.reason);
    assert_eq!(out.output_tail, "host=web-7 one={host} first=web-7\n");
}

#[tokio::test]
async fn only_the_last_64_kib_of_a_large_output_are_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 1 MiB on stderr, then 1 MiB on stdout, lines numbered. Reading stdout alone to its end
    // would deadlock once stderr's pipe is full; the end of the output is stdout's.
    script(
        dir.path(),
        "loud.sh",
        "i=0; while [ $i -lt 16384 ]; do printf 'err %058d\\n' $i >&2; i=$((i+1)); done\n\
         i=0; while [ $i -lt 16384 ]; do printf 'out %058d\\n' $i; i=$((i+1)); done; echo THE-END",
    );
    let out = run_one(job(
        dir.path(),
        &["h1"],
        spec(&["./loud.sh"], false, Per::Host, MIN),
    ))
    .await;
    assert_eq!(out.outcome, Outcome::Ok, "{}", out.reason);
    let tail = &out.output_tail;
    assert!(tail.len() <= TAIL_BYTES, "{}", tail.len());
    assert!(tail.len() > TAIL_BYTES - 1024, "{}", tail.len());
    assert!(tail.starts_with("[ripcord: "), "{}", &tail[..80]);
    assert!(tail.ends_with(&format!("out {:058}\nTHE-END\n", 16383)));
    assert!(
        !tail.contains("err "),
        "stderr's early output should be long gone"
    );
    // Whole lines only after the note.
    assert!(
        tail.lines()
            .skip(1)
            .all(|l| l == "THE-END" || (l.starts_with("out ") && l.len() == 62))
    );
}

#[tokio::test]
async fn secrets_are_redacted_from_the_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    script(
        dir.path(),
        "leaky.sh",
        "echo \"token is $API_TOKEN\"; echo 'Authorization: Bearer abc.def-123'; echo 'https://bot:hunter2@hooks.example.com/x'",
    );
    let mut s = spec(&["./leaky.sh"], false, Per::Host, MIN);
    s.env.insert("API_TOKEN".into(), "tok-9f8e7d6c".into());
    let redactor = Arc::new(Redactor::new(["tok-9f8e7d6c"]));
    let out = run_step(job(dir.path(), &["h1"], s), redactor)
        .await
        .remove(0);
    assert_eq!(
        out.output_tail,
        "token is [REDACTED]\nAuthorization: Bearer [REDACTED]\nhttps://bot:[REDACTED]@hooks.example.com/x\n"
    );
}

#[tokio::test]
async fn a_missing_program_says_which_and_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_one(job(
        dir.path(),
        &["h1"],
        spec(&["./scripts/nope.sh", "{host}"], false, Per::Host, MIN),
    ))
    .await;
    assert_eq!(out.outcome, Outcome::Failed);
    assert_eq!(out.exit_code, None);
    assert!(
        out.reason
            .starts_with("could not start: No such file or directory"),
        "{}",
        out.reason
    );
    assert!(out.reason.contains("./scripts/nope.sh"), "{}", out.reason);
    assert!(
        out.reason.contains(&dir.path().display().to_string()),
        "{}",
        out.reason
    );

    script(dir.path(), "not-exec.sh", "true");
    let path = dir.path().join("not-exec.sh");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .expect("chmod");
    let out = run_one(job(
        dir.path(),
        &["h1"],
        spec(&["./not-exec.sh"], false, Per::Host, MIN),
    ))
    .await;
    assert_eq!(out.outcome, Outcome::Failed);
    assert!(out.reason.contains("chmod +x"), "{}", out.reason);
}

#[tokio::test]
async fn per_wave_step_runs_once_and_every_host_gets_its_outcome() {
    let dir = tempfile::tempdir().expect("tempdir");
    script(
        dir.path(),
        "wave.sh",
        "echo run >> runs.log; echo \"limit=$2 env=$RIPCORD_HOSTS host=${RIPCORD_HOST-unset}\"; exit 3",
    );
    let hosts = ["a-1", "b-2", "c-3"];
    let outs = run(job(
        dir.path(),
        &hosts,
        spec(&["./wave.sh", "--limit", "{hosts}"], false, Per::Wave, MIN),
    ))
    .await;
    assert_eq!(
        outs.iter().map(|o| o.host.as_str()).collect::<Vec<_>>(),
        hosts
    );
    for o in &outs {
        assert_eq!(o.outcome, Outcome::Failed);
        assert_eq!(o.exit_code, Some(3));
        assert_eq!(
            o.output_tail,
            "limit=a-1,b-2,c-3 env=a-1,b-2,c-3 host=unset\n"
        );
    }
    let runs = std::fs::read_to_string(dir.path().join("runs.log")).expect("runs.log");
    assert_eq!(runs, "run\n", "one process for the whole wave");
}

#[tokio::test]
async fn host_placeholder_in_a_wave_step_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outs = run(job(
        dir.path(),
        &["a", "b"],
        spec(&["echo", "{host}"], false, Per::Wave, MIN),
    ))
    .await;
    assert_eq!(outs.len(), 2);
    for o in outs {
        assert_eq!(o.outcome, Outcome::Failed);
        assert!(
            o.reason.contains("{hosts}") && o.reason.contains("per = \"wave\""),
            "{}",
            o.reason
        );
    }
}

#[tokio::test]
async fn ansible_steps_are_not_started_rather_than_faked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = spec(&["unused"], false, Per::Wave, MIN);
    s.runner = StepRunner::Ansible {
        playbook: "upgrade.yml".into(),
        inventory: None,
        extra_vars: BTreeMap::new(),
        tags: Vec::new(),
        forks: None,
    };
    let outs = run(job(dir.path(), &["a", "b"], s)).await;
    assert_eq!(outs.len(), 2);
    assert!(
        outs.iter().all(|o| o.outcome == Outcome::NotStarted
            && o.reason
                .contains("ERROR! the playbook: upgrade.yml could not be found")),
        "{outs:?}"
    );
}

#[tokio::test]
async fn steps_see_the_ripcord_variables_and_their_env() {
    let dir = tempfile::tempdir().expect("tempdir");
    script(
        dir.path(),
        "env.sh",
        "echo \"$RIPCORD_RUN|$RIPCORD_WAVE|$RIPCORD_HOST|$RIPCORD_HOSTS|$RIPCORD_STEP|$STEP_VAR|$RIPCORD_SIM|$PWD\"; \
         read line && echo \"stdin had: $line\" || echo stdin-empty",
    );
    let mut s = spec(&["./env.sh"], false, Per::Host, MIN);
    s.env.insert("STEP_VAR".into(), "from-step".into());
    // A step cannot override the values ripcord sets.
    s.env.insert("RIPCORD_HOST".into(), "spoofed".into());
    let mut j = job(dir.path(), &["web-003"], s);
    j.step = StepName::Verify;
    j.extra_env
        .insert("RIPCORD_SIM".into(), "127.0.0.1:9100".into());
    let out = run_one(j).await;
    let cwd = dir.path().canonicalize().expect("canonical tempdir");
    assert_eq!(
        out.output_tail,
        format!(
            "run-42|2|web-003|web-003|verify|from-step|127.0.0.1:9100|{}\nstdin-empty\n",
            cwd.display()
        )
    );
}

#[tokio::test]
async fn a_step_that_exits_while_a_background_child_holds_its_output_still_finishes() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The daemon-like child keeps stdout open for 30 s; the step itself is done at once.
    script(
        dir.path(),
        "bg.sh",
        "sleep 30 &\necho $! > bg.pid\necho started",
    );
    let out = run_one(job(
        dir.path(),
        &["h1"],
        spec(&["./bg.sh"], false, Per::Host, MIN),
    ))
    .await;
    assert_eq!(out.outcome, Outcome::Ok, "{}", out.reason);
    assert_eq!(out.output_tail, "started\n");
    let elapsed = out.finished_at - out.started_at;
    assert!(
        elapsed < chrono::TimeDelta::seconds(25),
        "waited for the background child: {elapsed}"
    );
    // Clean up the sleep this test started.
    if let Ok(pid) = std::fs::read_to_string(dir.path().join("bg.pid")) {
        let _ = std::process::Command::new("kill").arg(pid.trim()).status();
    }
}
