//! The rule state machine, judged on hand-made readings with a manual clock.

use super::*;
use crate::metrics::api::Alert;
use crate::metrics::{Answer, Labels};
use crate::runbook::{Severity, Threshold, Unit};

fn watch(breach: &str, warn: Option<&str>, for_s: u64) -> Watch {
    Watch {
        name: "5xx".into(),
        query: "q".into(),
        unit: Unit::Ratio,
        warn: warn.map(|w| Threshold::parse(w).unwrap()),
        breach: Some(Threshold::parse(breach).unwrap()),
        for_: Span::from_secs(for_s),
        severity: Severity::Functional,
        no_data: NoData::Hold,
        per_host: false,
        baseline_window: Span::from_mins(10),
    }
}

fn at(instance: &str, t: i64, v: f64) -> SeriesPoint {
    let mut labels = Labels::new();
    labels.insert("instance".into(), instance.into());
    SeriesPoint {
        labels,
        at_ms: t,
        value: v,
    }
}

fn one(t: i64, v: f64) -> Reading {
    Ok(Answer {
        series: vec![at("web-1:9100", t, v)],
        warnings: Vec::new(),
    })
}

fn book(w: Watch) -> RuleBook {
    RuleBook::new(&[w], &[], Span::from_secs(30))
}

/// Feeds `(seconds, value)` polls and returns the `(seconds, to)` of every change.
fn run(b: &mut RuleBook, polls: &[(i64, f64)]) -> Vec<(i64, RuleState)> {
    let mut out = Vec::new();
    for &(s, v) in polls {
        for c in b.observe(0, "q", &one(s * 1000, v), &[], s * 1000) {
            out.push((s, c.to));
        }
    }
    out
}

#[test]
fn a_breach_counts_only_after_it_held_for_the_whole_for() {
    let mut b = book(watch("> 0.05", None, 30));
    let changes = run(
        &mut b,
        &[
            (0, 0.01),
            (15, 0.2),
            (30, 0.2),
            (44, 0.2),
            (45, 0.2),
            (60, 0.01),
        ],
    );
    assert_eq!(
        changes,
        vec![
            (0, RuleState::Ok),
            (45, RuleState::Breach),
            (60, RuleState::Ok)
        ]
    );
}

#[test]
fn a_short_spike_that_clears_before_for_never_breaches() {
    let mut b = book(watch("> 0.05", None, 30));
    let changes = run(
        &mut b,
        &[
            (0, 0.01),
            (15, 0.9),
            (30, 0.9),
            (40, 0.01),
            (50, 0.9),
            (70, 0.9),
        ],
    );
    assert_eq!(
        changes,
        vec![(0, RuleState::Ok)],
        "the clock restarts when the spike clears"
    );
}

#[test]
fn warn_uses_the_same_for_and_breach_wins() {
    let mut b = book(watch("> 0.05", Some("> 0.01"), 10));
    let changes = run(&mut b, &[(0, 0.02), (10, 0.02), (20, 0.1), (30, 0.1)]);
    assert_eq!(
        changes,
        vec![
            (0, RuleState::Ok),
            (10, RuleState::Warn),
            (30, RuleState::Breach)
        ]
    );
}

#[test]
fn breach_evidence_names_query_values_threshold_and_recent_samples() {
    let mut b = book(watch("> 0.05", None, 0));
    let reading = Ok(Answer {
        series: vec![
            at("a", 0, 0.01),
            at("b", 0, 0.3),
            at("c", 0, f64::NAN),
            at("d", 0, 0.1),
        ],
        warnings: Vec::new(),
    });
    let c = b
        .observe(0, "sum(x{instance=~\"(?:a|b)\"})", &reading, &[], 0)
        .remove(0);
    assert_eq!((c.from, c.to), (RuleState::NoData, RuleState::Breach));
    let e = &c.evidence;
    assert_eq!(e.query, "sum(x{instance=~\"(?:a|b)\"})");
    let order: Vec<&str> = e.values.iter().map(|v| v.series.as_str()).collect();
    assert_eq!(
        order,
        vec![
            r#"{instance="b"}"#,
            r#"{instance="d"}"#,
            r#"{instance="a"}"#,
            r#"{instance="c"}"#
        ]
    );
    assert_eq!(e.threshold, Threshold::parse("> 0.05").ok());
    assert_eq!(
        (e.severity, e.recent.clone()),
        (Severity::Functional, vec![(0, 0.3)])
    );
}

#[test]
fn each_blind_state_is_its_own_state_and_holds_the_run() {
    let mut b = book(watch("> 0.05", None, 0));
    run(&mut b, &[(0, 0.01)]);
    assert!(!b.holds());
    let cases: Vec<(Reading, RuleState)> = vec![
        (Ok(Answer::default()), RuleState::NoData),
        (
            Err(FetchError::Query("bad_data: parse error".into())),
            RuleState::QueryError,
        ),
        (
            Err(FetchError::SourceDown("connection refused".into())),
            RuleState::SourceDown,
        ),
        (
            Ok(Answer {
                series: vec![at("a", 0, 0.01)],
                warnings: Vec::new(),
            }),
            RuleState::Stale,
        ),
        (
            Ok(Answer {
                series: vec![at("a", 100_000, f64::NAN)],
                warnings: Vec::new(),
            }),
            RuleState::NoData,
        ),
    ];
    for (reading, want) in cases {
        let c = b.observe(0, "q", &reading, &[], 100_000);
        let last = c.last().map(|c| c.to).unwrap_or(b.state(0).unwrap());
        assert_eq!(last, want, "{reading:?}");
        assert!(b.holds(), "{want:?} must hold under no_data = hold");
        if let Some(c) = c.last() {
            assert!(c.evidence.error.is_some(), "a blind change says why");
        }
        run(&mut b, &[(100, 0.01)]);
    }
}

#[test]
fn no_data_policies_map_to_gates() {
    assert_eq!(gate(RuleState::SourceDown, NoData::Hold), Gate::Hold);
    assert_eq!(gate(RuleState::NoData, NoData::Breach), Gate::Breach);
    assert_eq!(gate(RuleState::Stale, NoData::Ignore), Gate::Open);
    assert_eq!(gate(RuleState::Warn, NoData::Breach), Gate::Open);
    assert_eq!(gate(RuleState::Breach, NoData::Ignore), Gate::Breach);
    let mut w = watch("> 0.05", None, 0);
    w.no_data = NoData::Ignore;
    let mut b = book(w);
    b.observe(0, "q", &Err(FetchError::SourceDown("x".into())), &[], 0);
    assert!(!b.holds());
}

#[test]
fn a_breach_interrupted_by_blindness_returns_without_a_new_for() {
    let mut b = book(watch("> 0.05", None, 30));
    run(&mut b, &[(0, 0.2), (30, 0.2)]);
    b.observe(
        0,
        "q",
        &Err(FetchError::SourceDown("down".into())),
        &[],
        45_000,
    );
    assert_eq!(run(&mut b, &[(60, 0.2)]), vec![(60, RuleState::Breach)]);
}

#[test]
fn baseline_factor_scales_the_threshold() {
    let mut b = book(watch("> 2x baseline", None, 0));
    let c = b.observe(0, "q", &one(0, 0.3), &[], 0);
    assert!(
        c.is_empty(),
        "still no data: without a baseline it cannot judge"
    );
    assert_eq!(b.state(0), Some(RuleState::NoData));
    b.set_baseline(0, 0.2);
    assert_eq!(run(&mut b, &[(1, 0.39)]), vec![(1, RuleState::Ok)]);
    let c = b.observe(0, "q", &one(2_000, 0.41), &[], 2_000);
    assert_eq!(c[0].to, RuleState::Breach);
    assert_eq!(c[0].evidence.baseline, Some(0.2));
}

#[test]
fn less_than_rules_judge_the_lowest_series() {
    let mut b = book(watch("< 0.999", None, 0));
    let reading = Ok(Answer {
        series: vec![at("a", 0, 1.0), at("b", 0, 0.99)],
        warnings: Vec::new(),
    });
    let c = b.observe(0, "q", &reading, &[], 0);
    assert_eq!(c[0].to, RuleState::Breach);
    assert_eq!(c[0].evidence.values[0].value, 0.99);
}

#[test]
fn per_host_rules_breach_one_host_and_mark_missing_hosts() {
    let mut w = watch("> 0.05", None, 0);
    w.per_host = true;
    let mut b = book(w);
    let upgraded: Vec<String> = ["web.1", "web-2", "web-3"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let reading = Ok(Answer {
        series: vec![
            at("web.1:9100", 0, 0.01),
            at("web-2:9100", 0, 0.5),
            at("webx1:9100", 0, 0.9),
        ],
        warnings: Vec::new(),
    });
    let changes = b.observe(0, "q", &reading, &upgraded, 0);
    let per_host: Vec<(Option<&str>, RuleState)> =
        changes.iter().map(|c| (c.host.as_deref(), c.to)).collect();
    assert_eq!(
        per_host,
        vec![
            (None, RuleState::Ok),
            (Some("web.1"), RuleState::Ok),
            (Some("web-2"), RuleState::Breach)
        ]
    );
    assert!(b.holds(), "web-3 has no series: blind to it, so hold");
    assert_eq!(b.breached_hosts(0), vec!["web-2"]);
    assert_eq!(changes[2].evidence.host.as_deref(), Some("web-2"));
    assert_eq!(b.state(0), Some(RuleState::Breach));
    // Nothing upgraded (all rolled back): nothing to judge, nothing held.
    b.observe(0, "q", &Ok(Answer::default()), &[], 1_000);
    assert!(!b.holds() && b.breached_hosts(0).is_empty());
}

#[test]
fn alert_gates_breach_on_a_matching_firing_alert_only() {
    let gate = AlertGate {
        name: "node down".into(),
        matchers: [("alertname".to_string(), "NodeDown".to_string())].into(),
        severity: Severity::Severe,
    };
    let mut b = RuleBook::new(&[], &[gate], Span::from_secs(30));
    let alert = |name: &str, state: &str| Alert {
        labels: [("alertname".to_string(), name.to_string())].into(),
        state: state.into(),
        active_at: None,
        value: Some("1e+00".into()),
    };
    let c = b.observe_alerts(&Ok(vec![
        alert("NodeDown", "pending"),
        alert("Other", "firing"),
    ]));
    assert_eq!(c[0].to, RuleState::Ok);
    let c = b.observe_alerts(&Ok(vec![alert("NodeDown", "firing")]));
    assert_eq!(c[0].to, RuleState::Breach);
    assert_eq!(
        c[0].evidence.query,
        r#"ALERTS{alertstate="firing",alertname="NodeDown"}"#
    );
    let c = b.observe_alerts(&Err(FetchError::SourceDown("refused".into())));
    assert_eq!(c[0].to, RuleState::SourceDown);
    assert!(b.holds());
}

#[test]
fn idle_rules_are_ok_and_do_not_hold() {
    let mut b = book(watch("> 0.05", None, 0));
    assert!(b.holds(), "never polled: blind");
    let c = b.observe_idle(0, "x{instance=~\".^\"}");
    assert_eq!(c[0].to, RuleState::Ok);
    assert!(!b.holds());
}
