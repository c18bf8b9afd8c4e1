//! `ripcord report`: golden reports of journals written by real runs of the binary (committed in
//! tests/fixtures/journals) and by the real engine on a manual clock (a severe fault), live runs
//! checked against their own journals, determinism, charts, secrets and torn journals.

mod live;
mod severe;

use std::path::{Path, PathBuf};

use ripcord::engine::EventKind;
use ripcord::journal::Record;
use ripcord::redact::Redactor;
use ripcord::report::{Format, Options, Zone, render};

use crate::common::ripcord;

const FIXTURES: &str = "tests/fixtures/journals";
/// What the failed-host fixture's step printed, standing in for a leaked webhook URL.
const LEAKED: &str = "https://hooks.example.test/services/T0/B0/fixture-secret-4242";

fn fixture(name: &str) -> PathBuf {
    crate::common::repo().join(FIXTURES).join(name)
}

fn records(journal: &Path) -> (Vec<Record<EventKind>>, Vec<String>) {
    let r = ripcord::journal::read::<EventKind>(journal).unwrap();
    (r.records, r.warnings)
}

/// Options that depend on nothing but the journal and its committed runbook.
fn pinned(format: Format, runbook: &str) -> Options {
    let mut o = Options::new(format);
    o.zone = Zone::utc();
    o.chart_prefix = Some("report".into());
    o.redactor = Redactor::new([LEAKED]);
    o.reviewed = ripcord::runbook::load(&crate::common::repo().join(runbook))
        .ok()
        .and_then(|l| l.runbook.plan.reviewed);
    o
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../fixtures/journals/snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

/// `ripcord report ARGS...` from the crate root with TZ=UTC: (exit code, stdout, stderr).
fn report(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = ripcord();
    cmd.current_dir(crate::common::repo())
        .env("TZ", "UTC")
        .arg("report")
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn golden_reports_of_journals_from_real_runs() {
    for name in ["clean", "failed-host", "crash-resume"] {
        let (recs, warns) = records(&fixture(name).join("journal.jsonl"));
        let runbook = format!("{FIXTURES}/{name}/plan.toml");
        let md = render(&recs, &warns, &pinned(Format::Markdown, &runbook));
        snapshot(&format!("{name}.md"), &md.main);
        assert!(
            !md.main.contains(LEAKED),
            "{name}: the leaked secret is redacted"
        );
    }
}

#[test]
fn golden_report_of_a_severe_fault_with_fleet_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let journal = severe::write(dir.path(), None);
    let (recs, warns) = records(&journal);
    let md = render(&recs, &warns, &pinned(Format::Markdown, severe::RUNBOOK));
    snapshot("severe.md", &md.main);
    let html = render(&recs, &warns, &pinned(Format::Html, severe::RUNBOOK));
    snapshot("severe.html", &html.main);
    for c in &md.charts {
        snapshot(&c.file_name, &c.svg);
    }
    // The story the engine told, in the report's words.
    assert!(
        md.main
            .contains("**rolled back, service recovered; 0 host(s) failed, 4 rolled back**"),
        "{}",
        md.main
    );
    assert!(
        md.main
            .contains("0 hosts: no host's upgrade started after the fault began")
    );
    assert!(
        md.main
            .contains("| communicator | — | to cy at 07:00:00 (by ana) | cy | cy |")
    );
}

#[test]
fn key_times_are_the_journals_event_times() {
    let dir = tempfile::tempdir().unwrap();
    let journal = severe::write(dir.path(), None);
    let (recs, warns) = records(&journal);
    let md = render(&recs, &warns, &pinned(Format::Markdown, severe::RUNBOOK)).main;
    let at = |pred: &dyn Fn(&EventKind) -> bool| {
        let r = recs.iter().find(|r| pred(&r.event)).unwrap();
        (ripcord::report::clock::utc(r.at), r.seq)
    };
    let row = |moment: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {moment} |")))
            .unwrap_or_else(|| panic!("no row {moment}"))
            .to_string()
    };
    let (t, seq) = at(&|e| {
        matches!(
            e,
            EventKind::RuleBreached {
                state: ripcord::engine::RuleState::Breach,
                ..
            }
        )
    });
    assert!(
        row("detected").contains(&t) && row("detected").contains(&format!("(#{seq})")),
        "{}",
        row("detected")
    );
    let (t, _) = at(&|e| matches!(e, EventKind::RollbackStarted { .. }));
    assert!(row("rollback started").contains(&t));
    let (t, _) = at(&|e| matches!(e, EventKind::RollbackCompleted { .. }));
    assert!(row("rollback done (mitigated)").contains(&t));
    let (t, _) = at(&|e| matches!(e, EventKind::StatusUpdateSent { .. }));
    assert!(
        row("acknowledged").contains(&t),
        "the first person's act after detection"
    );
    // The first breaching sample: 0.072 at 07:12:30 (three samples, 15 s apart, before the breach).
    let breach = recs
        .iter()
        .find(|r| {
            matches!(
                r.event,
                EventKind::RuleBreached {
                    state: ripcord::engine::RuleState::Breach,
                    ..
                }
            )
        })
        .unwrap();
    let began = ripcord::report::clock::utc(breach.at.plus_millis(-45_000));
    assert!(
        row("fault began").contains(&began),
        "{}",
        row("fault began")
    );
    let recovered = recs.iter().rev().find(|r| matches!(&r.event, EventKind::RuleCleared { evidence } if evidence.rule == severe::R5XX)).unwrap();
    assert!(
        row("service recovered (resolved)").contains(&ripcord::report::clock::utc(recovered.at))
    );
}

#[test]
fn the_same_journal_gives_the_same_files_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let journal = severe::write(dir.path(), None);
    let again = tempfile::tempdir().unwrap();
    let journal2 = severe::write(again.path(), None);
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        std::fs::read(&journal2).unwrap(),
        "the generator is deterministic"
    );
    let mut outputs = Vec::new();
    for n in 0..2 {
        let out = dir.path().join(format!("out{n}"));
        std::fs::create_dir(&out).unwrap();
        let file = out.join("postmortem.md");
        let (code, _, stderr) = report(
            &[journal.to_str().unwrap(), "-o", file.to_str().unwrap()],
            &[],
        );
        assert_eq!(code, 0, "{stderr}");
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        outputs.push(files);
    }
    assert_eq!(outputs[0], outputs[1]);
    let names: Vec<&str> = outputs[0].iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "postmortem-1-http-5xx-ratio-upgraded-hosts.svg",
            "postmortem-2-p95-latency.svg",
            "postmortem.md"
        ]
    );
    let md = String::from_utf8(outputs[0][2].1.clone()).unwrap();
    assert!(md.contains("![HTTP 5xx ratio, upgraded hosts — 1 series](postmortem-1-http-5xx-ratio-upgraded-hosts.svg)"));
}

#[test]
fn charts_are_valid_svg_with_one_series_per_rule_and_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    let journal = severe::write(dir.path(), None);
    let (recs, warns) = records(&journal);
    let html = render(&recs, &warns, &pinned(Format::Html, severe::RUNBOOK));
    assert_eq!(html.charts.len(), 2);
    for (chart, rule) in html.charts.iter().zip([severe::R5XX, severe::RLAT]) {
        let doc = roxmltree::Document::parse(&chart.svg)
            .unwrap_or_else(|e| panic!("{}: {e}", chart.file_name));
        let series: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("series"))
            .collect();
        assert_eq!(series.len(), 1, "{rule}");
        assert_eq!(series[0].attribute("data-rule"), Some(rule));
        let thresholds = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("threshold"))
            .count();
        assert_eq!(thresholds, 2, "breach and warn lines for {rule}");
        let marks: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(str::to_string))
            .collect();
        for m in ["fault began", "rollback started", "rollback done"] {
            assert!(marks.iter().any(|t| t == m), "{rule}: mark {m}");
        }
    }
    // The HTML is one self-contained file: charts inline, no scripts, nothing fetched.
    assert_eq!(html.main.matches("<svg ").count(), 2);
    assert!(!html.main.contains("<script"));
    let external = html.main.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !external.contains("http://")
            && !external.contains("https://")
            && !external.contains(" src=")
    );
}

#[test]
fn a_drill_report_opens_with_its_scorecard() {
    let dir = tempfile::tempdir().unwrap();
    let journal = severe::write(dir.path(), Some("5xx"));
    let (recs, warns) = records(&journal);
    let card = ripcord::report::scorecard(&recs).expect("a drill has a scorecard");
    let text = card.to_string();
    snapshot("drill-scorecard.txt", &text);
    assert!(text.starts_with("Drill scorecard — fault 5xx"));
    let md = render(&recs, &warns, &pinned(Format::Markdown, severe::RUNBOOK)).main;
    let card_at = md.find("## Drill scorecard — injected fault: 5xx").unwrap();
    assert!(card_at < md.find("## Summary").unwrap());
    assert!(md.starts_with("# Drill report: web tier kernel 6.1 -> 6.6"));
    for item in [
        "| time to start the rollback |",
        "| downtime budget used |",
        "| blast radius |",
        "| notifications after detection |",
        "| first status update |",
    ] {
        assert!(md.contains(item), "{item}");
    }
    let (plain, _) = records(&severe::write(&dir.path().join("b"), None));
    assert!(ripcord::report::scorecard(&plain).is_none());
}

#[test]
fn a_torn_journal_still_reports_and_says_it_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let torn = dir.path().join("journal.jsonl");
    let text = std::fs::read_to_string(fixture("clean").join("journal.jsonl")).unwrap();
    let cut = text.trim_end().rfind('\n').unwrap() + 30;
    std::fs::write(&torn, &text[..cut]).unwrap();
    let (code, md, stderr) = report(&[torn.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("incomplete last line"), "{stderr}");
    let banner = md.find("**Incomplete journal.**").expect("banner");
    assert!(banner < md.find("## Summary").unwrap(), "said at the top");
    assert!(md.contains("left out an incomplete last line"));
    assert!(md.contains("the run had not ended when the journal stops"));
    assert!(md.contains("| run ended | — |"));
}

#[test]
fn an_unknown_run_is_an_error_that_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = report(
        &[
            "20990101-000000-none",
            "--state-dir",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no run 20990101-000000-none under") && stderr.contains("ripcord runs"),
        "{stderr}"
    );
}

#[test]
fn the_cockpit_can_write_a_runs_report_beside_its_journal() {
    let dir = tempfile::tempdir().unwrap();
    let journal = severe::write(dir.path(), None);
    let run_dir = journal.parent().unwrap();
    let written = ripcord::report::write_run_report(run_dir, Format::Markdown).unwrap();
    let names: Vec<String> = written
        .files
        .iter()
        .map(|p| p.strip_prefix(run_dir).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "postmortem.md",
            "postmortem-1-http-5xx-ratio-upgraded-hosts.svg",
            "postmortem-2-p95-latency.svg"
        ]
    );
    let html = ripcord::report::write_run_report(run_dir, Format::Html).unwrap();
    assert_eq!(
        html.files,
        [run_dir.join("postmortem.html")],
        "charts inline"
    );
}
