//! Journal behaviour: round trips, torn tails, corruption, the run lock, file modes.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::*;
use crate::runbook::Role;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum Ev {
    HostStepFinished {
        host: String,
        step: String,
        ok: bool,
        exit: Option<i32>,
    },
    WaveStarted {
        wave: u32,
        hosts: Vec<String>,
    },
    Paused {
        reason: String,
    },
}

pub(super) fn at(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_795_504_323_481 + ms)
}

pub(super) fn bo() -> Actor {
    Actor::new(Role::Technician, "bo")
}

fn paused(reason: &str) -> Ev {
    Ev::Paused {
        reason: reason.to_owned(),
    }
}

pub(super) fn run_dir() -> (tempfile::TempDir, PathBuf) {
    let state = tempfile::tempdir().unwrap();
    let dir = crate::paths::run_dir(state.path(), "20261124-071203-ab12");
    (state, dir)
}

/// A journal with `n` paused events, closed again.
pub(super) fn journal_with(dir: &Path, n: usize) {
    let mut j = Journal::<Ev>::create(dir).unwrap();
    for i in 0..n {
        j.append(at(i as i64), bo(), paused(&format!("p{i}")))
            .unwrap();
    }
}

fn reasons(replay: &Replay<Ev>) -> Vec<String> {
    replay
        .records
        .iter()
        .map(|r| match &r.event {
            Ev::Paused { reason } => reason.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn appended_events_are_read_back_in_order_with_seq_from_one() {
    let (_state, dir) = run_dir();
    let mut j = Journal::<Ev>::create(&dir).unwrap();
    let first = j.append(at(0), bo(), paused("breach")).unwrap();
    assert_eq!(first.seq, 1);
    let batch = j
        .append_batch((0..3).map(|i| (at(1), Actor::ripcord(), paused(&format!("b{i}")))))
        .unwrap();
    assert_eq!(batch.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(j.next_seq(), 5);
    assert_eq!(j.path(), journal_path(&dir));

    let text = std::fs::read_to_string(j.path()).unwrap();
    let first_line = text.lines().next().unwrap();
    assert_eq!(
        first_line,
        r#"{"seq":1,"at":"2026-11-24T07:12:03.481Z","actor":{"role":"technician","name":"bo"},"event":{"type":"paused","reason":"breach"}}"#
    );
    let replay = read::<Ev>(j.path()).unwrap();
    assert!(replay.warnings.is_empty());
    assert_eq!(replay.records[0], first);
    assert_eq!(replay.records[1..], batch[..]);
}

#[test]
fn reopened_journal_continues_the_sequence() {
    let (_state, dir) = run_dir();
    journal_with(&dir, 3);
    let (mut j, replay) = Journal::<Ev>::open(&dir).unwrap();
    assert_eq!(reasons(&replay), ["p0", "p1", "p2"]);
    assert_eq!(j.append(at(9), bo(), paused("after")).unwrap().seq, 4);
    assert!(j.append_batch(Vec::new()).unwrap().is_empty());
    assert_eq!(j.next_seq(), 5);
}

#[test]
fn torn_last_line_is_cut_on_open_with_a_warning_and_the_next_seq_follows() {
    let (_state, dir) = run_dir();
    journal_with(&dir, 2);
    let path = journal_path(&dir);
    let intact = std::fs::metadata(&path).unwrap().len();
    let torn = r#"{"seq":3,"at":"2026-11-24T07:12:0"#;
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(torn.as_bytes())
        .unwrap();

    // A reader leaves the file alone and says so.
    let seen = read::<Ev>(&path).unwrap();
    assert_eq!(seen.records.len(), 2);
    assert!(
        seen.warnings[0].contains(&format!("at byte {intact}")),
        "{:?}",
        seen.warnings
    );
    assert!(
        seen.warnings[0].contains("not changed"),
        "{:?}",
        seen.warnings
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        intact + torn.len() as u64
    );

    let (mut j, replay) = Journal::<Ev>::open(&dir).unwrap();
    assert_eq!(reasons(&replay), ["p0", "p1"]);
    let warning = &replay.warnings[0];
    assert!(
        warning.contains(&format!(
            "torn last line at byte {intact} ({} bytes",
            torn.len()
        )),
        "{warning}"
    );
    assert!(
        warning.contains(r#"starting "{\"seq\":3,\"at\":\"2026-11-24T07:12:0""#),
        "{warning}"
    );
    assert_eq!(std::fs::metadata(&path).unwrap().len(), intact);
    assert_eq!(j.append(at(5), bo(), paused("resumed")).unwrap().seq, 3);
    drop(j);
    let (_, again) = Journal::<Ev>::open(&dir).unwrap();
    assert_eq!(reasons(&again), ["p0", "p1", "resumed"]);
    assert!(again.warnings.is_empty());
}

#[test]
fn whole_record_without_newline_or_broken_json_with_newline_count_as_torn() {
    for tail in [
        r#"{"seq":2,"at":"2026-11-24T07:12:03.481Z","actor":{"role":"ripcord","name":"ripcord"},"event":{"type":"paused","reason":"x"}}"#,
        "{\"seq\":2,\"at\n",
        "\0\0\0\0\0\0",
    ] {
        let (_state, dir) = run_dir();
        journal_with(&dir, 1);
        let path = journal_path(&dir);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(tail.as_bytes())
            .unwrap();
        let (mut j, replay) = Journal::<Ev>::open(&dir).unwrap();
        assert_eq!(replay.records.len(), 1, "{tail:?}");
        assert_eq!(replay.warnings.len(), 1, "{tail:?}");
        assert_eq!(j.append(at(1), bo(), paused("next")).unwrap().seq, 2);
    }
}

#[test]
fn bad_line_in_the_middle_is_an_error_naming_the_line() {
    let (_state, dir) = run_dir();
    journal_with(&dir, 3);
    let path = journal_path(&dir);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let offset = lines[0].len() + 1;
    let damaged = format!("{}\n{{\"seq\":2,\"at\":garbage\n{}\n", lines[0], lines[2]);
    std::fs::write(&path, &damaged).unwrap();

    let err = Journal::<Ev>::open(&dir).err().unwrap();
    assert!(
        matches!(err, JournalError::Corrupt { line: 2, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("damaged at line 2 (byte {offset})")),
        "{msg}"
    );
    assert!(msg.contains("not valid JSON"), "{msg}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        damaged,
        "an error must not change the file"
    );
    assert!(matches!(
        read::<Ev>(&path),
        Err(JournalError::Corrupt { line: 2, .. })
    ));
}

#[test]
fn unknown_event_on_the_last_line_is_an_error_not_a_torn_tail() {
    let (_state, dir) = run_dir();
    journal_with(&dir, 1);
    let path = journal_path(&dir);
    let newer = "{\"seq\":2,\"at\":\"2026-11-24T07:12:03.481Z\",\"actor\":{\"role\":\"ripcord\",\"name\":\"ripcord\"},\"event\":{\"type\":\"from_the_future\"}}\n";
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(newer.as_bytes())
        .unwrap();
    let msg = Journal::<Ev>::open(&dir).err().unwrap().to_string();
    assert!(
        msg.contains("line 2") && msg.contains("newer ripcord"),
        "{msg}"
    );
    assert!(std::fs::read_to_string(&path).unwrap().ends_with(newer));
}

#[test]
fn seq_gap_or_duplicate_is_an_error_naming_the_line() {
    for (seq, kind) in [(4, "a gap"), (2, "a duplicate")] {
        let (_state, dir) = run_dir();
        journal_with(&dir, 3);
        let path = journal_path(&dir);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replacen("\"seq\":3,", &format!("\"seq\":{seq},"), 1),
        )
        .unwrap();
        let err = read::<Ev>(&path).err().unwrap();
        let msg = err.to_string();
        assert!(msg.contains("at line 3"), "{msg}");
        assert!(
            msg.contains(&format!("seq {seq} where 3 was expected ({kind})")),
            "{msg}"
        );
    }
}

#[test]
fn second_controller_is_refused_until_the_first_closes() {
    let (_state, dir) = run_dir();
    let first = Journal::<Ev>::create(&dir).unwrap();
    let msg = Journal::<Ev>::open(&dir).err().unwrap().to_string();
    let pid = std::process::id();
    assert!(
        msg.starts_with(&format!(
            "run 20261124-071203-ab12 is already open by another ripcord (pid {pid}, on "
        )),
        "{msg}"
    );
    // Readers need no lock.
    assert!(read::<Ev>(first.path()).unwrap().records.is_empty());
    drop(first);
    let (_second, replay) = Journal::<Ev>::open(&dir).unwrap();
    assert!(replay.records.is_empty());
}

#[test]
fn files_are_private_to_the_user() {
    let (state, dir) = run_dir();
    let j = Journal::<Ev>::create(&dir).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(j.path()), 0o600);
    assert_eq!(mode(&dir.join(LOCK_FILE)), 0o600);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(state.path().join("runs").as_path()), 0o700);
}

#[test]
fn creating_an_existing_run_or_opening_a_missing_one_says_what_to_do() {
    let (_state, dir) = run_dir();
    journal_with(&dir, 1);
    let msg = Journal::<Ev>::create(&dir).err().unwrap().to_string();
    assert!(msg.contains("--resume 20261124-071203-ab12"), "{msg}");
    let missing = dir.with_file_name("20200101-000000-0000");
    let msg = Journal::<Ev>::open(&missing).err().unwrap().to_string();
    assert!(
        msg.starts_with("no journal at") && msg.contains("ripcord runs"),
        "{msg}"
    );
    assert!(
        !missing.exists(),
        "opening a missing run must not create it"
    );
}

#[test]
fn event_that_cannot_be_encoded_writes_nothing() {
    let (_state, dir) = run_dir();
    let mut j = Journal::<BTreeMap<Vec<u8>, u8>>::create(&dir).unwrap();
    let bad = BTreeMap::from([(vec![1u8], 1u8)]);
    assert!(matches!(
        j.append(at(0), bo(), bad),
        Err(JournalError::Encode(_))
    ));
    assert_eq!(j.next_seq(), 1);
    assert_eq!(std::fs::metadata(j.path()).unwrap().len(), 0);
    assert_eq!(j.append(at(0), bo(), BTreeMap::new()).unwrap().seq, 1);
}

#[test]
fn create_run_makes_a_fresh_run_under_the_state_dir() {
    let state = tempfile::tempdir().unwrap();
    let (id, j) = Journal::<Ev>::create_run(state.path(), at(0)).unwrap();
    assert!(id.starts_with("20261124-071203-"), "{id}");
    assert_eq!(
        j.path(),
        journal_path(&crate::paths::run_dir(state.path(), &id))
    );
    assert_eq!(run_ids(state.path()).unwrap(), [id]);
}
