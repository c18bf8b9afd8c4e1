//! Dispatch of a 1,000-host wave (DESIGN §6: "1,000 hosts dispatched at `parallel = 1000` with
//! a no-op command: ≤ 1 s").
//!
//! What it measures: wall time from handing 1,000 per-host `run_step` jobs of `/bin/true` to a
//! multi-threaded tokio runtime, all at once, until every one has reported its outcome. That
//! covers argv expansion, environment building, spawning each process in its own process group
//! with piped output, reading the pipes to EOF, reaping, and building the outcomes.
//!
//! `baseline_bare_spawn` does the same 1,000 spawns with a plain `tokio::process::Command`
//! (no process group, no capture, no executor) so the executor's own cost can be read off as
//! the difference; `baseline_spawn_piped_own_group` adds what any capture needs (a process
//! group, two pipes read to their end) to that.
//!
//! All three pass `/bin/true` one host argument: with exactly one argument GNU `true` loads
//! the locale (to answer `--help`), which costs more than the executor itself, so the
//! baselines must do the same to compare fairly.
//!
//! Run: `cargo bench --bench dispatch -- --sample-size 10`.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use ripcord::exec::{StepJob, run_step};
use ripcord::redact::Redactor;
use ripcord::runbook::{Per, Span, StepName, StepRunner, StepSpec};

const HOSTS: usize = 1000;

fn jobs(cwd: &std::path::Path) -> Vec<StepJob> {
    let spec = StepSpec {
        name: StepName::Upgrade,
        runner: StepRunner::Command {
            argv: vec!["/bin/true".into(), "{host}".into()],
            shell: false,
        },
        timeout: Span::from_mins(1),
        per: Per::Host,
        env: BTreeMap::new(),
    };
    (0..HOSTS)
        .map(|i| StepJob {
            run_id: "bench".into(),
            wave: 1,
            step: StepName::Upgrade,
            hosts: vec![format!("host-{i:04}")],
            spec: spec.clone(),
            cwd: cwd.to_path_buf(),
            extra_env: BTreeMap::new(),
        })
        .collect()
}

fn dispatch(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let jobs = jobs(dir.path());
    let redactor = Arc::new(Redactor::default());

    let mut group = c.benchmark_group("dispatch");
    group.sample_size(10);
    group.bench_function("1000_per_host_jobs_of_bin_true", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for job in jobs.iter().cloned() {
                    set.spawn(run_step(job, Arc::clone(&redactor)));
                }
                let mut ok = 0;
                while let Some(done) = set.join_next().await {
                    let outcomes = done.expect("run_step task");
                    ok += outcomes.iter().filter(|o| o.outcome.is_ok()).count();
                }
                assert_eq!(ok, HOSTS, "every /bin/true should succeed");
            })
        })
    });
    group.bench_function("baseline_bare_spawn", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for _ in 0..HOSTS {
                    set.spawn(async {
                        let status = tokio::process::Command::new("/bin/true")
                            .arg("host-0000")
                            .stdin(Stdio::null())
                            .stdout(Stdio::null())
                            .stderr(Stdio::null())
                            .status()
                            .await;
                        status.map(|s| s.success()).unwrap_or(false)
                    });
                }
                let mut ok = 0;
                while let Some(done) = set.join_next().await {
                    ok += usize::from(done.unwrap_or(false));
                }
                assert_eq!(ok, HOSTS);
            })
        })
    });
    group.bench_function("baseline_spawn_piped_own_group", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for _ in 0..HOSTS {
                    set.spawn(async {
                        let out = tokio::process::Command::new("/bin/true")
                            .arg("host-0000")
                            .stdin(Stdio::null())
                            .process_group(0)
                            .output()
                            .await;
                        out.map(|o| o.status.success()).unwrap_or(false)
                    });
                }
                let mut ok = 0;
                while let Some(done) = set.join_next().await {
                    ok += usize::from(done.unwrap_or(false));
                }
                assert_eq!(ok, HOSTS);
            })
        })
    });
    group.finish();
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
