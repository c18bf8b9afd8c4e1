//! Golden renders of every shipped template, per event kind and audience, against one
//! mid-run state: wave 2 of 3 under way, one host failed, impact recorded.

use crate::engine::testkit::{Run, W, evidence, plan, rules_ok};
use crate::engine::{EventKind, Scope, SeriesValue, State, apply};
use crate::exec::Outcome;
use crate::journal::{Actor, Record};
use crate::runbook::{Audience, Risk, Role, Severity, StepName};

use super::context::context;
use super::route::severity_of;
use super::scrub::HostNames;
use super::template::Templates;

/// A run in wave 2: wave 1 done, one wave-2 host failed, impact recorded, a fault declared.
fn mid_run() -> Run {
    let mut run = Run::start(plan(
        Risk::Low,
        &[W(2, 0, 2, 0), W(4, 1, 4, 0), W(6, 1, 6, 0)],
        false,
    ));
    rules_ok(&mut run);
    run.settle();
    while run.state.active_wave() != Some(2) {
        for (h, _) in run.running() {
            run.finish(&h, true);
        }
        run.advance(60_000);
        run.settle();
    }
    let failing = run
        .running()
        .first()
        .map(|(h, _)| h.clone())
        .unwrap_or_default();
    run.finish(&failing, false);
    run.settle();
    run.record(
        Actor::new(Role::Impact, "ines"),
        EventKind::ImpactRecorded {
            traffic_drop_pct: Some(2.5),
            failed_tx_pct: Some(0.4),
            note: "checkout slower in zone a".into(),
        },
    );
    run
}

/// One sample event per kind, with who caused it.
fn samples(state: &State) -> Vec<(Actor, EventKind)> {
    let ripcord = Actor::ripcord();
    let ana = Actor::new(Role::Commander, "ana");
    let mut breach = evidence("HTTP 5xx ratio", 0.0831, Severity::Functional);
    breach.values = vec![SeriesValue {
        series: "{instance=\"h-004\"}".into(),
        value: 0.0831,
    }];
    let mut blind = evidence("p95 latency", f64::NAN, Severity::Functional);
    blind.error = Some("connection refused".into());
    let plan = state.plan.clone().unwrap();
    let wave2: Vec<String> = state.wave_hosts(2).map(|h| h.name.clone()).collect();
    let until = state.last_at.unwrap_or_default().plus_millis(600_000);
    vec![
        (
            ana.clone(),
            EventKind::RunStarted {
                run_id: "r1".into(),
                runbook: "t.toml".into(),
                plan,
                seed: 7,
                drill: None,
                injection: None,
            },
        ),
        (
            ripcord.clone(),
            EventKind::RunResumed {
                interrupted: vec!["h-004".into()],
            },
        ),
        (
            ripcord.clone(),
            EventKind::WaveStarted {
                wave: 2,
                hosts: wave2.clone(),
            },
        ),
        (ana.clone(), EventKind::WaveApproved { wave: 2 }),
        (
            ripcord.clone(),
            EventKind::WaveCompleted {
                wave: 1,
                upgraded: 2,
                failed: 0,
                rolled_back: 0,
            },
        ),
        (ripcord.clone(), EventKind::SoakStarted { wave: 1, until }),
        (
            ripcord.clone(),
            EventKind::SoakFinished {
                wave: 1,
                reverify: vec!["h-001".into()],
            },
        ),
        (
            ripcord.clone(),
            EventKind::HostFailed {
                host: "h-004".into(),
                wave: 2,
                step: StepName::Verify,
                outcome: Outcome::Failed,
                reason: "exit 2".into(),
                policy: "low risk: host rolled back automatically".into(),
            },
        ),
        (
            ripcord.clone(),
            EventKind::HostInterrupted {
                host: "h-004".into(),
                step: StepName::Upgrade,
            },
        ),
        (
            ripcord.clone(),
            EventKind::HostRolledBack {
                host: "h-004".into(),
            },
        ),
        (
            ripcord.clone(),
            EventKind::RuleBreached {
                state: crate::engine::RuleState::Breach,
                evidence: breach.clone(),
            },
        ),
        (ripcord.clone(), EventKind::RuleCleared { evidence: breach }),
        (
            ripcord.clone(),
            EventKind::NoData {
                state: crate::engine::RuleState::SourceDown,
                evidence: blind,
            },
        ),
        (
            ana.clone(),
            EventKind::FaultDeclared {
                level: Severity::Severe,
                reason: "payments failing on h-004 and h-005".into(),
                rule: None,
            },
        ),
        (
            ripcord.clone(),
            EventKind::Paused {
                reason: "HTTP 5xx ratio breached (functional)".into(),
            },
        ),
        (ana.clone(), EventKind::Resumed {}),
        (
            ripcord.clone(),
            EventKind::RollbackRequested {
                scope: Scope::Wave { wave: 2 },
                hosts: wave2.clone(),
                reason: "HTTP 5xx ratio breached".into(),
                confirm_by: Some(Role::Commander),
            },
        ),
        (
            ana.clone(),
            EventKind::RollbackStarted {
                scope: Scope::Wave { wave: 2 },
                hosts: wave2,
                reason: "HTTP 5xx ratio breached".into(),
            },
        ),
        (
            ripcord.clone(),
            EventKind::RollbackCompleted {
                scope: Scope::Wave { wave: 2 },
                rolled_back: 4,
                failed: 0,
            },
        ),
        (
            Actor::new(Role::Impact, "ines"),
            EventKind::ImpactRecorded {
                traffic_drop_pct: Some(2.5),
                failed_tx_pct: None,
                note: "checkout slower".into(),
            },
        ),
        (
            ana.clone(),
            EventKind::Handover {
                role: Role::Commander,
                to: "bo".into(),
            },
        ),
        (
            ripcord.clone(),
            EventKind::SlaMissed {
                target: "rollback_start_within".into(),
                deadline: until,
            },
        ),
        (
            ripcord.clone(),
            EventKind::StatusUpdateSent {
                audience: Audience::Internal,
                text: "composed".into(),
            },
        ),
        (
            ripcord.clone(),
            EventKind::RunHalted {
                reason: "wave 2: 2 failed, 1 allowed".into(),
            },
        ),
        (ripcord, EventKind::RunCompleted {}),
    ]
}

fn render_all(audience: Audience) -> String {
    let run = mid_run();
    let templates = Templates::new(&[]);
    let hosts = HostNames::new(run.state.hosts.iter().map(|h| h.name.as_str()));
    let mut out = String::new();
    for (i, (actor, event)) in samples(&run.state).into_iter().enumerate() {
        let record = Record {
            seq: 1000 + i as u64,
            at: run.now,
            actor,
            event,
        };
        // Rendered against the state after the event, as the run loop does.
        let mut state = match record.event {
            EventKind::RunStarted { .. } => State::default(),
            _ => run.state.clone(),
        };
        // The automatic update is composed before it is journaled (the notifier does so), so
        // that "what changed" reaches back to the previous update.
        if !matches!(record.event, EventKind::StatusUpdateSent { .. }) {
            apply(&mut state, &record);
        }
        let severity = severity_of(&record.event, &state);
        let ctx = context(&record, &state, audience, severity);
        let kind = record.event.type_name();
        assert!(
            crate::runbook::validate_people::NOTIFY_EVENTS.contains(&kind),
            "{kind} cannot be subscribed to"
        );
        let text = templates.render(None, audience, kind, &ctx).unwrap();
        let text = match audience {
            Audience::Internal => text,
            Audience::External => {
                let scrubbed = hosts.scrub(&text);
                assert_eq!(
                    scrubbed, text,
                    "an external template named a host for {kind}"
                );
                scrubbed
            }
        };
        out.push_str(&format!("=== {kind}\n{text}\n\n"));
    }
    out
}

#[test]
fn internal_messages_render_with_reasons() {
    let text = render_all(Audience::Internal);
    assert!(text.contains("Value 0.0831 {instance=\"h-004\"} against threshold > 0.05"));
    assert!(text.contains("SEVERE fault declared by ana (commander)"));
    insta::assert_snapshot!("internal", text);
}

#[test]
fn external_messages_name_no_host_and_no_resolution_time() {
    let text = render_all(Audience::External);
    let run = mid_run();
    for h in &run.state.hosts {
        assert!(!text.contains(&h.name), "{} in external text", h.name);
    }
    for word in ["ETA", "resolved by", "restored by", "deadline"] {
        assert!(!text.contains(word), "{word} in external text");
    }
    insta::assert_snapshot!("external", text);
}
