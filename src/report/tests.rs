//! How the report derives its key times, on small hand-built journals.

use super::times::{Verdict, began_from_evidence, key_times, measures};
use super::{Format, Options, Zone, render};
use crate::engine::event::{EventKind, PlanSnapshot};
use crate::engine::{Evidence, SeriesValue, State};
use crate::journal::{Actor, Record, Timestamp};
use crate::runbook::{Role, Severity, Threshold};

const T0: i64 = 1_795_000_000_000;

fn ev(threshold: &str, baseline: Option<f64>, recent: &[(i64, f64)]) -> Evidence {
    Evidence {
        rule: "5xx".into(),
        query: "q".into(),
        values: vec![SeriesValue {
            series: String::new(),
            value: recent.last().map_or(0.2, |r| r.1),
        }],
        threshold: Threshold::parse(threshold).ok(),
        baseline,
        for_ms: 120_000,
        host: None,
        severity: Severity::Functional,
        error: None,
        recent: recent.to_vec(),
    }
}

#[test]
fn the_fault_began_at_the_first_sample_of_the_breaching_run() {
    let at = Timestamp::from_unix_millis(T0 + 60_000);
    let samples = [
        (T0, 0.09),
        (T0 + 15_000, 0.01),
        (T0 + 30_000, 0.07),
        (T0 + 45_000, 0.08),
    ];
    let (began, how) = began_from_evidence(&ev("> 0.05", None, &samples), at);
    assert_eq!(began.unix_millis(), T0 + 30_000, "{how}");
    assert!(how.contains("first breaching sample"));
}

#[test]
fn without_samples_the_fault_began_for_before_the_breach() {
    let at = Timestamp::from_unix_millis(T0);
    let (began, how) = began_from_evidence(&ev("> 0.05", None, &[]), at);
    assert_eq!(began.unix_millis(), T0 - 120_000);
    assert!(how.contains("minus its `for` (2m)"), "{how}");
}

#[test]
fn a_baseline_threshold_is_scaled_by_the_recorded_baseline() {
    let at = Timestamp::from_unix_millis(T0 + 30_000);
    let samples = [(T0, 0.3), (T0 + 15_000, 0.5), (T0 + 30_000, 0.6)];
    // 2x a baseline of 0.2 is 0.4: 0.3 is fine, 0.5 breaches.
    let (began, _) = began_from_evidence(&ev("> 2x baseline", Some(0.2), &samples), at);
    assert_eq!(began.unix_millis(), T0 + 15_000);
}

fn plan() -> PlanSnapshot {
    serde_json::from_value(serde_json::json!({
        "name": "p", "risk": "high", "environment": "test", "upgrade_kind": "patch",
        "host_kinds": ["linux"],
        "targets": {"downtime_budget_ms": 60000, "rollback_start_within_ms": 60000,
                    "restore_within_ms": 600000, "status_update_every_ms": 900000},
        "policy": serde_json::to_value(crate::runbook::Policy::for_risk(crate::runbook::Risk::High)).unwrap(),
        "waves": [], "steps": [], "rules": [], "checklists": {}, "contacts": {}, "channels": []
    }))
    .unwrap()
}

fn journal(events: Vec<(i64, Actor, EventKind)>) -> Vec<Record<EventKind>> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, (ms, actor, event))| Record {
            seq: i as u64 + 1,
            at: Timestamp::from_unix_millis(T0 + ms),
            actor,
            event,
        })
        .collect()
}

fn fault_by_a_person() -> Vec<Record<EventKind>> {
    let ana = Actor::new(Role::Commander, "ana");
    journal(vec![
        (
            0,
            ana.clone(),
            EventKind::RunStarted {
                run_id: "r".into(),
                runbook: "nowhere.toml".into(),
                plan: Box::new(plan()),
                seed: 1,
                drill: None,
                injection: None,
            },
        ),
        (
            10_000,
            Actor::new(Role::Impact, "dee"),
            EventKind::FaultDeclared {
                level: Severity::Functional,
                reason: "checkout failing".into(),
                rule: None,
            },
        ),
        (
            10_000,
            Actor::ripcord(),
            EventKind::Paused {
                reason: "checkout failing".into(),
            },
        ),
        (70_000, ana, EventKind::Resumed {}),
    ])
}

#[test]
fn a_fault_declared_by_a_person_is_detected_when_declared_and_acknowledged_by_the_next_person() {
    let recs = fault_by_a_person();
    let state = State::replay(&recs);
    let k = key_times(&recs, &state);
    assert_eq!(k.detected.as_ref().map(|m| m.seq), Some(2));
    assert_eq!(
        k.fault_began.as_ref().map(|m| m.at),
        k.detected.as_ref().map(|m| m.at)
    );
    assert_eq!(k.paused.as_ref().map(|m| m.seq), Some(3));
    assert_eq!(
        k.acknowledged.as_ref().map(|m| m.seq),
        Some(4),
        "ripcord's own pause is not an acknowledgement"
    );
    assert!(k.rollback_started.is_none() && k.recovered.is_none());
    let m = measures(&k, &state.plan.as_ref().unwrap().targets);
    let start = m
        .iter()
        .find(|m| m.name == "time to start the rollback")
        .unwrap();
    // 60 s of journal after detection with a 60 s target: not reached, not yet failed.
    assert_eq!(start.verdict, Verdict::NotReached);
    let ack = m.iter().find(|m| m.name == "time to acknowledge").unwrap();
    assert_eq!(ack.ms, Some(60_000));
}

#[test]
fn a_report_of_a_run_that_is_still_going_says_so_first() {
    let recs = fault_by_a_person();
    let mut o = Options::new(Format::Markdown);
    o.zone = Zone::utc();
    let md = render(&recs, &[], &o).main;
    let banner = md.find("**Incomplete journal.**").unwrap();
    assert!(banner < md.find("## Summary").unwrap());
    assert!(md.contains("it was running"), "{md}");
    assert!(md.contains("functional fault declared by dee (impact): checkout failing"));
}

#[test]
fn an_empty_or_headless_journal_still_gives_a_report() {
    let o = Options::new(Format::Html);
    let out = render(&[], &["journal x: torn".into()], &o).main;
    assert!(out.contains("Incomplete journal") && out.contains("journal x: torn"));
    let rule_only = journal(vec![(
        0,
        Actor::ripcord(),
        EventKind::RuleCleared {
            evidence: ev("> 0.05", None, &[]),
        },
    )]);
    let out = render(&rule_only, &[], &o).main;
    assert!(out.contains("include no run_started"));
}
