//! Property tests of the journal: appended equals read back, and block-parallel reading equals
//! one pass over the file whatever damage it has.

use std::path::Path;

use proptest::prelude::*;

use super::tests::{Ev, journal_with, run_dir};
use super::*;

fn ev() -> impl Strategy<Value = Ev> {
    prop_oneof![
        (
            "\\PC{0,12}",
            "[a-z]{1,8}",
            any::<bool>(),
            any::<Option<i32>>()
        )
            .prop_map(|(host, step, ok, exit)| Ev::HostStepFinished {
                host,
                step,
                ok,
                exit
            }),
        (any::<u32>(), prop::collection::vec("[a-z0-9-]{1,10}", 0..5))
            .prop_map(|(wave, hosts)| Ev::WaveStarted { wave, hosts }),
        any::<String>().prop_map(|reason| Ev::Paused { reason }),
    ]
}

fn entry() -> impl Strategy<Value = (Timestamp, Actor, Ev)> {
    let role = prop_oneof![
        Just(ActorRole::Commander),
        Just(ActorRole::Technician),
        Just(ActorRole::Impact),
        Just(ActorRole::Communicator),
        Just(ActorRole::Ripcord),
    ];
    // Years 1970 to 9999: what RFC 3339 can write.
    (0i64..253_402_300_799_999, role, "\\PC{0,10}", ev())
        .prop_map(|(ms, role, name, e)| (Timestamp::from_unix_millis(ms), Actor { role, name }, e))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn what_is_appended_is_what_is_read_back(
        chunks in prop::collection::vec(prop::collection::vec(entry(), 1..6), 0..8),
        reopen_after in 0usize..8,
    ) {
        let (_state, dir) = run_dir();
        let mut j = Journal::<Ev>::create(&dir).unwrap();
        let mut appended = Vec::new();
        for (i, chunk) in chunks.into_iter().enumerate() {
            if i == reopen_after {
                drop(j);
                let (again, replay) = Journal::<Ev>::open(&dir).unwrap();
                prop_assert_eq!(&replay.records, &appended);
                j = again;
            }
            if chunk.len() == 1 {
                let (at, actor, event) = chunk.into_iter().next().unwrap();
                appended.push(j.append(at, actor, event).unwrap());
            } else {
                appended.extend(j.append_batch(chunk).unwrap());
            }
        }
        let replay = read::<Ev>(j.path()).unwrap();
        prop_assert!(replay.warnings.is_empty());
        prop_assert_eq!(&replay.records, &appended);
        for (i, r) in replay.records.iter().enumerate() {
            prop_assert_eq!(r.seq, i as u64 + 1);
        }
    }
}

/// What a scan saw, in a comparable form.
fn scan_summary(file: &std::fs::File, block: usize, threads: usize) -> Result<String, String> {
    let size = file.metadata().unwrap().len();
    match replay::scan_in_blocks::<Ev>(file, Path::new("j"), size, block, threads) {
        Ok(s) => {
            let torn = s.torn.map(|t| (t.offset, t.len, t.head));
            Ok(format!("{:?} {torn:?} {}", s.records, s.len))
        }
        Err(e) => Err(e.to_string()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Tiny blocks on several threads read exactly what one pass over the file reads, whatever
    /// damage the file has: lines cut across blocks, torn tails, corruption in any block.
    #[test]
    fn reading_in_blocks_on_threads_equals_one_pass(
        entries in prop::collection::vec(entry(), 0..24),
        damage in (0u8..4, any::<prop::sample::Index>(), prop_oneof![Just(b'x'), Just(b'\n'), Just(b'}'), Just(b'9')]),
        block in 1usize..600,
        threads in 1usize..5,
    ) {
        let (_state, dir) = run_dir();
        let mut j = Journal::<Ev>::create(&dir).unwrap();
        if !entries.is_empty() {
            j.append_batch(entries).unwrap();
        }
        let path = j.path().to_path_buf();
        drop(j);
        let mut bytes = std::fs::read(&path).unwrap();
        let (kind, at, byte) = damage;
        match kind {
            1 if !bytes.is_empty() => bytes.truncate(at.index(bytes.len())),
            2 if !bytes.is_empty() => {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            3 => bytes.extend_from_slice(b"{\"seq\": garbage\n"),
            _ => {}
        }
        std::fs::write(&path, &bytes).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let whole = scan_summary(&file, bytes.len() * 2 + 1, 1);
        let blocks = scan_summary(&std::fs::File::open(&path).unwrap(), block, threads);
        prop_assert_eq!(whole, blocks);
    }
}

#[test]
fn errors_in_a_later_block_name_the_file_line_and_offset() {
    let (_state, dir) = run_dir();
    journal_with(&dir, 40);
    let path = journal_path(&dir);
    let text = std::fs::read_to_string(&path).unwrap();
    let offset_of_line = |n: usize| text.lines().take(n - 1).map(|l| l.len() + 1).sum::<usize>();
    let damaged = text.replacen("\"seq\":33,", "\"seq\":35,", 1);
    std::fs::write(&path, damaged).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let err = replay::scan_in_blocks::<Ev>(&file, &path, 0, 300, 3)
        .err()
        .unwrap();
    match err {
        JournalError::Corrupt { line, offset, .. } => {
            assert_eq!((line, offset), (33, offset_of_line(33) as u64));
        }
        other => panic!("{other}"),
    }
}
