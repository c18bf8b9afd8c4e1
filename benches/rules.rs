//! Metric rule speed and store memory (DESIGN §6): one poll of 12 per-host rules over 10,000
//! upgraded hosts' series, and the bytes of a full store of 12 panels × 24 h at 15 s.
//!
//! `cargo bench --bench rules -- --sample-size 10`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ripcord::metrics::store::{Rank, SeriesStore};
use ripcord::metrics::{Answer, Labels, Reading, RuleBook, SeriesPoint};
use ripcord::runbook::{NoData, Severity, Span, Threshold, Unit, Watch};

const HOSTS: usize = 10_000;
const RULES: usize = 12;
const INTERVAL_MS: i64 = 15_000;

fn watches() -> Vec<Watch> {
    (0..RULES)
        .map(|i| Watch {
            name: format!("rule {i}"),
            query: format!(r#"metric_{i}{{host=~"{{host}}"}}"#),
            unit: Unit::Ratio,
            warn: Some(Threshold::parse("> 0.5").unwrap()),
            breach: Some(Threshold::parse("> 0.9").unwrap()),
            for_: Span::from_secs(30),
            severity: Severity::Functional,
            no_data: NoData::Hold,
            per_host: true,
            baseline_window: Span::from_mins(10),
        })
        .collect()
}

fn hosts() -> Vec<String> {
    (0..HOSTS).map(|i| format!("web-{i:05}")).collect()
}

/// One reading per rule: a series per host, a few hosts past warn or breach.
fn readings(hosts: &[String], poll: i64) -> Vec<Reading> {
    (0..RULES)
        .map(|r| {
            let series = hosts
                .iter()
                .enumerate()
                .map(|(h, host)| {
                    let mut labels = Labels::new();
                    labels.insert("__name__".into(), format!("metric_{r}"));
                    labels.insert("instance".into(), format!("{host}:9100"));
                    let value = match (h + r + poll as usize) % 1_000 {
                        0 => 0.95,
                        1 => 0.6,
                        n => n as f64 / 10_000.0,
                    };
                    SeriesPoint {
                        labels,
                        at_ms: poll * INTERVAL_MS,
                        value,
                    }
                })
                .collect();
            Ok(Answer {
                series,
                warnings: Vec::new(),
            })
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let hosts = hosts();
    let watches = watches();
    let batches: Vec<Vec<Reading>> = (0..4).map(|p| readings(&hosts, p)).collect();
    let mut book = RuleBook::new(&watches, &[], Span::from_secs(30));
    let mut poll = 0i64;
    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements((RULES * HOSTS) as u64));
    group.bench_function("12 per-host rules x 10k hosts, one poll", |b| {
        b.iter(|| {
            let batch = &batches[(poll % 4) as usize];
            let now = poll * INTERVAL_MS;
            let mut changes = 0;
            for (i, reading) in batch.iter().enumerate() {
                changes += book.observe(i, "q", reading, &hosts, now).len();
            }
            poll += 1;
            black_box(changes)
        })
    });
    group.finish();

    // Memory of the store: 12 panels × 24 h at 15 s, each panel capped at 8 series.
    let mut store = SeriesStore::new(Span::from_mins(24 * 60), Span::from_secs(15), 8);
    for p in 0..50 {
        for (i, reading) in readings(&hosts[..100], p).iter().enumerate() {
            if let Ok(a) = reading {
                store.record(&format!("panel {i}"), &a.series, Rank::High);
            }
        }
    }
    let per_series = store.capacity() * ripcord::metrics::store::POINT_BYTES;
    println!(
        "store: {} points per series ({} bytes), 12 panels x 8 series = {} bytes ({:.1} MiB); \
         ring bytes held now: {}",
        store.capacity(),
        per_series,
        store.bytes_when_full(RULES),
        store.bytes_when_full(RULES) as f64 / (1024.0 * 1024.0),
        store.bytes()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
