//! Journal speed (DESIGN §6): replay of 1,000,000 events (target ≤ 1.5 s) and fsynced appends,
//! one at a time and in 1,000-event batches (a wave start).
//!
//! `cargo bench --bench journal -- --sample-size 10`. Files go under the target folder, on the
//! same disk as real state, so fsync costs what it costs there.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ripcord::journal::{Actor, Journal, Timestamp, read};
use serde::{Deserialize, Serialize};

const REPLAY_EVENTS: u64 = 1_000_000;
const BATCH: u64 = 1_000;

/// Shaped like the engine's events: internally tagged, a nested timestamp, mostly step results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Event {
    HostStepStarted {
        host: String,
        step: String,
        job: u64,
    },
    HostStepFinished {
        host: String,
        step: String,
        job: u64,
        outcome: String,
        ok: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        reason: String,
        started_at: Timestamp,
    },
}

fn start() -> Timestamp {
    Timestamp::from_unix_millis(1_795_504_323_481)
}

fn event(i: u64) -> (Timestamp, Actor, Event) {
    let at = start().plus_millis(i as i64 * 7);
    let host = format!("web-{:04}", i % 10_000);
    let job = i / 2;
    let event = if i.is_multiple_of(2) {
        Event::HostStepStarted {
            host,
            step: "upgrade".into(),
            job,
        }
    } else {
        let ok = !i.is_multiple_of(97);
        Event::HostStepFinished {
            host,
            step: "verify".into(),
            job,
            outcome: if ok { "ok" } else { "failed" }.into(),
            ok,
            exit_code: Some(if ok { 0 } else { 2 }),
            reason: if ok { "exit 0" } else { "exit 2" }.into(),
            started_at: at.plus_millis(-2_369),
        }
    };
    (at, Actor::ripcord(), event)
}

fn write_replay_journal(run_dir: &Path) -> std::path::PathBuf {
    let mut journal = Journal::<Event>::create(run_dir).expect("create bench journal");
    for chunk in 0..REPLAY_EVENTS / 10_000 {
        let events = (chunk * 10_000..(chunk + 1) * 10_000).map(event);
        journal.append_batch(events).expect("append bench events");
    }
    journal.path().to_path_buf()
}

fn replay(c: &mut Criterion) {
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let path = write_replay_journal(&tmp.path().join("replay"));
    let bytes = std::fs::metadata(&path).expect("journal size").len();
    eprintln!(
        "replay journal: {REPLAY_EVENTS} events, {:.1} MB, {:.0} bytes a line on average",
        bytes as f64 / 1e6,
        bytes as f64 / REPLAY_EVENTS as f64
    );
    let mut group = c.benchmark_group("journal_replay");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(REPLAY_EVENTS));
    group.bench_function("read_1m_events", |b| {
        b.iter(|| {
            let replay = read::<Event>(black_box(&path)).expect("replay");
            assert_eq!(replay.records.len() as u64, REPLAY_EVENTS);
            replay
        })
    });
    group.finish();
}

fn append(c: &mut Criterion) {
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let mut journal = Journal::<Event>::create(&tmp.path().join("append")).expect("create");
    let mut group = c.benchmark_group("journal_append_fsync");
    group.sample_size(10);

    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function("single_event", |b| {
        b.iter(|| {
            i += 1;
            let (at, actor, e) = event(i);
            journal.append(at, actor, e).expect("append")
        })
    });

    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("batch_of_1000_events", |b| {
        b.iter_batched(
            || {
                i += BATCH;
                (i..i + BATCH).map(event).collect::<Vec<_>>()
            },
            |events| journal.append_batch(events).expect("append batch"),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, replay, append);
criterion_main!(benches);
