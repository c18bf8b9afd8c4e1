//! The journal against real processes: a writer killed mid-line, `flock(1)`, a killed lock holder.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use ripcord::journal::{Actor, Journal, JournalError, LOCK_FILE, Timestamp, journal_path, read};
use serde_json::{Value, json};

type J = Journal<Value>;

/// Set for the child copy of this test binary that holds a run's lock.
const HOLDER_ENV: &str = "RIPCORD_IT_HOLD_RUN_DIR";

fn at(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_795_504_323_481 + ms)
}

fn new_run(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let state = tempfile::tempdir().unwrap();
    let dir = ripcord::paths::run_dir(state.path(), "20261124-071203-0a0b");
    let mut j = J::create(&dir).unwrap();
    for i in 0..n {
        j.append(
            at(i as i64),
            Actor::ripcord(),
            json!({"type": "paused", "n": i}),
        )
        .unwrap();
    }
    (state, dir)
}

/// True when `flock(1)` finds the run locked: `flock -n` fails at once on a held lock.
fn flock_finds_locked(run_dir: &Path) -> bool {
    !flock(run_dir, &["-n"])
}

/// True when `flock(1)` gets the lock. It may wait: a process another test forks keeps a copy of
/// a just-closed descriptor, and with it the flock, until it execs.
fn flock_finds_free(run_dir: &Path) -> bool {
    flock(run_dir, &["-w", "30"])
}

fn flock(run_dir: &Path, how: &[&str]) -> bool {
    Command::new("flock")
        .args(how)
        .arg(run_dir.join(LOCK_FILE))
        .arg("true")
        .status()
        .expect("flock(1) from util-linux is needed for this test")
        .success()
}

#[test]
fn writer_killed_mid_line_leaves_a_torn_tail_that_open_repairs() {
    let (_state, dir) = new_run(2);
    let path = journal_path(&dir);
    let intact = std::fs::metadata(&path).unwrap().len();
    // A real process writes half a record and dies by SIGKILL before the newline.
    let status = Command::new("sh")
        .arg("-c")
        .arg(r#"printf '%s' '{"seq":3,"at":"2026-11-24T07:1' >> "$1"; kill -9 $$; echo never >> "$1""#)
        .arg("sh")
        .arg(&path)
        .status()
        .unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );

    let (mut j, replay) = J::open(&dir).unwrap();
    assert_eq!(replay.records.len(), 2);
    assert_eq!(replay.warnings.len(), 1);
    assert!(
        replay.warnings[0].contains(&format!("at byte {intact}")),
        "{}",
        replay.warnings[0]
    );
    assert_eq!(std::fs::metadata(&path).unwrap().len(), intact);
    assert_eq!(
        j.append(at(3), Actor::ripcord(), json!({"type": "resumed"}))
            .unwrap()
            .seq,
        3
    );
    drop(j);

    let again = read::<Value>(&path).unwrap();
    assert!(again.warnings.is_empty());
    assert_eq!(
        again.records.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(again.records[2].event, json!({"type": "resumed"}));
}

#[test]
fn the_run_lock_is_an_flock_that_other_programs_see() {
    let (_state, dir) = new_run(1);
    let (j, _) = J::open(&dir).unwrap();
    assert!(
        flock_finds_locked(&dir),
        "flock -n must find the run locked while a journal is open"
    );
    drop(j);
    assert!(
        flock_finds_free(&dir),
        "flock must get the lock once the journal is closed"
    );
}

/// Run as a child by `a_killed_controller_releases_the_lock`: holds the run open until killed.
#[test]
#[ignore = "helper process, started by a_killed_controller_releases_the_lock"]
fn hold_run_lock_until_killed() {
    let Some(dir) = std::env::var_os(HOLDER_ENV) else {
        return;
    };
    let (_journal, _) = J::open(Path::new(&dir)).unwrap();
    println!("holding");
    // Block until the parent kills us; stdin is a pipe the parent never writes to.
    let mut sink = String::new();
    let _ = std::io::stdin().read_line(&mut sink);
}

#[test]
fn a_killed_controller_releases_the_lock_and_the_message_names_its_pid() {
    let (_state, dir) = new_run(1);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "journal::hold_run_lock_until_killed",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HOLDER_ENV, &dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("holding") {
        line.clear();
        assert_ne!(
            out.read_line(&mut line).unwrap(),
            0,
            "the lock holder exited early"
        );
    }

    let err = J::open(&dir).err().unwrap();
    assert!(matches!(err, JournalError::Locked { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "run 20261124-071203-0a0b is already open by another ripcord (pid {}, on ",
            child.id()
        )),
        "{msg}"
    );
    assert!(flock_finds_locked(&dir));

    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        flock_finds_free(&dir),
        "the kernel drops the lock of a dead process"
    );
    let (_j, replay) = J::open(&dir).unwrap();
    assert_eq!(replay.records.len(), 1);
}
