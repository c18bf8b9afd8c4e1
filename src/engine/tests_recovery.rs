//! Engine tests of a drill's fault injection and of the recovery watch after a rollback.

use super::event::{EventKind, InjectTarget, Injection, Intent, PlannedFault, Scope};
use super::evidence::RuleState;
use super::recovery::{RECOVERY_GRACE_MIN_MS, recovery_grace_ms};
use super::state::RunState;
use super::testkit::{Run, W, evidence, plan, rules_ok};
use crate::journal::Actor;
use crate::runbook::{Risk, Role, Severity};

fn with_injection(run: &mut Run, planned: Option<PlannedFault>) {
    run.state.injection = Some(Injection {
        target: InjectTarget::Simulator,
        scenarios: vec!["5xx".into(), "latency".into()],
        planned,
    });
}

fn breach(run: &mut Run) {
    run.record(
        Actor::ripcord(),
        EventKind::RuleBreached {
            state: RuleState::Breach,
            evidence: evidence("5xx", 0.08, Severity::Functional),
        },
    );
}

fn clear(run: &mut Run) {
    run.record(
        Actor::ripcord(),
        EventKind::RuleCleared {
            evidence: evidence("5xx", 0.001, Severity::Functional),
        },
    );
}

/// Medium risk, waves of 2 / 3 / 5 with short soaks; the first two waves done.
fn two_waves_done() -> Run {
    let mut run = Run::start(plan(
        Risk::Medium,
        &[W(2, 0, 5, 1_000), W(3, 0, 5, 1_000), W(5, 0, 5, 0)],
        false,
    ));
    rules_ok(&mut run);
    run.drain_ok();
    run.advance(1_000);
    run.drain_ok();
    run
}

#[test]
fn a_planned_fault_is_injected_as_its_wave_starts_before_any_step_of_it() {
    let mut run = Run::start(plan(
        Risk::Medium,
        &[W(2, 0, 5, 1_000), W(3, 0, 5, 1_000), W(5, 0, 5, 0)],
        false,
    ));
    with_injection(
        &mut run,
        Some(PlannedFault {
            scenario: "5xx".into(),
            wave: 2,
            source: "--fault".into(),
        }),
    );
    rules_ok(&mut run);
    run.drain_ok();
    assert!(run.state.injected.is_empty(), "nothing injected in wave 1");
    run.advance(1_000);
    run.drain_ok();
    let types = run.types();
    let wave2 = types
        .iter()
        .enumerate()
        .filter(|(_, t)| **t == "wave_started")
        .nth(1)
        .map(|(i, _)| i)
        .expect("wave 2 started");
    assert_eq!(types[wave2 + 1], "fault_injected", "{types:?}");
    assert!(types[..wave2].iter().all(|t| *t != "fault_injected"));
    assert_eq!(types.iter().filter(|t| **t == "fault_injected").count(), 1);
    let inj = &run.state.injected[0];
    assert_eq!(inj.scenario, "5xx");
    assert!(inj.planned);
    assert!(inj.why.contains("wave 2 started"), "{}", inj.why);
    assert_eq!(
        run.state.drill.as_deref(),
        Some("5xx"),
        "the run is a drill now"
    );
}

#[test]
fn a_person_injects_only_known_scenarios_and_only_into_the_simulator() {
    let mut run = two_waves_done();
    let refused = run.intent(
        Role::Commander,
        Intent::InjectFault {
            scenario: "5xx".into(),
        },
    );
    assert!(
        matches!(&refused[0], EventKind::IntentRefused { reason, .. } if reason.contains("real fleet")),
        "{refused:?}"
    );
    with_injection(&mut run, None);
    let refused = run.intent(
        Role::Commander,
        Intent::InjectFault {
            scenario: "meteor".into(),
        },
    );
    assert!(
        matches!(&refused[0], EventKind::IntentRefused { reason, .. } if reason.contains("5xx, latency")),
        "{refused:?}"
    );
    let refused = run.intent(
        Role::Communicator,
        Intent::InjectFault {
            scenario: "5xx".into(),
        },
    );
    assert!(matches!(&refused[0], EventKind::IntentRefused { .. }));
    let done = run.intent(
        Role::Technician,
        Intent::InjectFault {
            scenario: "latency".into(),
        },
    );
    assert!(
        matches!(&done[0], EventKind::FaultInjected { scenario, why } if scenario == "latency" && why.contains("technician")),
        "{done:?}"
    );
    assert!(!run.state.injected[0].planned);
}

/// Breach in wave 2 of a medium plan: pause, wave rollback offered, confirmed, done.
fn rolled_back_wave_two() -> Run {
    let mut run = two_waves_done();
    breach(&mut run);
    run.settle();
    assert!(matches!(run.state.run, RunState::Paused { .. }));
    let offer = run.state.offers.last().expect("wave rollback offered");
    assert_eq!(offer.scope, Scope::Wave { wave: 2 });
    run.intent(Role::Commander, Intent::ConfirmRollback);
    run.drain_ok();
    run
}

#[test]
fn after_a_wave_rollback_the_run_watches_until_the_breach_clears_then_recovers() {
    let mut run = rolled_back_wave_two();
    assert!(
        matches!(run.state.run, RunState::Recovering { .. }),
        "{:?}",
        run.state.run
    );
    assert!(!run.state.run.is_over());
    run.advance(10_000);
    assert!(run.settle().is_empty(), "still in breach: nothing yet");
    clear(&mut run);
    let decided = run.settle();
    assert!(
        matches!(&decided[..], [EventKind::ServiceRecovered { cleared }] if cleared == &["5xx".to_string()]),
        "{decided:?}"
    );
    assert_eq!(run.state.run, RunState::RolledBack);
    assert_eq!(run.state.recovered_at, Some(run.now));
    assert!(
        !run.state.sla_missed.contains("restore_within"),
        "restored in time"
    );
}

#[test]
fn a_breach_that_outlives_the_rollback_offers_the_rest_of_the_fleet_after_the_grace() {
    let mut run = rolled_back_wave_two();
    let grace = recovery_grace_ms(&run.state);
    assert_eq!(grace, (120_000 * 3).max(RECOVERY_GRACE_MIN_MS));
    run.advance(grace as i64 - 1);
    run.settle();
    assert!(
        run.state.live_offers().next().is_none(),
        "no offer before the grace ends"
    );
    run.advance(1);
    run.settle();
    let offer = run
        .state
        .live_offers()
        .last()
        .expect("fleet rollback offered");
    assert_eq!(offer.scope, Scope::Fleet);
    assert_eq!(offer.confirm_by, Role::Commander);
    assert_eq!(
        offer.hosts,
        ["h-001", "h-002"],
        "wave 1's hosts still run the new version"
    );
    assert!(
        offer.reason.contains("5xx still in breach"),
        "{}",
        offer.reason
    );
    run.advance(60_000);
    run.settle();
    assert_eq!(run.state.live_offers().count(), 1, "offered once");
    run.intent(Role::Commander, Intent::ConfirmRollback);
    run.drain_ok();
    assert!(matches!(run.state.run, RunState::Recovering { .. }));
    clear(&mut run);
    run.settle();
    assert_eq!(run.state.run, RunState::RolledBack);
    assert!(
        run.state
            .hosts
            .iter()
            .take(5)
            .all(|h| !h.state.is_touched())
    );
}

#[test]
fn recovery_not_seen_by_the_restore_deadline_ends_the_watch_and_says_what_is_left() {
    let mut run = rolled_back_wave_two();
    let deadline = run
        .state
        .first_fault_at()
        .expect("a fault")
        .plus_millis(run.state.plan.as_ref().unwrap().targets.restore_within_ms as i64);
    // The fleet rollback offered after the grace is left unanswered.
    while run.now <= deadline {
        run.advance(60_000);
        run.settle();
    }
    assert_eq!(run.state.run, RunState::RolledBack);
    assert!(run.state.recovered_at.is_none());
    let last = run
        .log
        .iter()
        .rev()
        .find_map(|r| match &r.event {
            EventKind::RecoveryUnconfirmed {
                still_breaching,
                still_upgraded,
            } => Some((still_breaching.clone(), still_upgraded.len())),
            _ => None,
        })
        .expect("recovery_unconfirmed journaled");
    assert_eq!(last, (vec!["5xx".to_string()], 2));
    assert!(run.state.sla_missed.contains("restore_within"));
}

#[test]
fn a_rolled_back_host_leaves_its_per_host_rules() {
    let mut run = two_waves_done();
    let mut ev = evidence("Host up", 0.0, Severity::Functional);
    ev.host = Some("h-003".into());
    run.record(
        Actor::ripcord(),
        EventKind::RuleBreached {
            state: RuleState::Breach,
            evidence: ev,
        },
    );
    assert!(run.state.rules.contains_key("Host up@h-003"));
    run.intent(
        Role::Technician,
        Intent::RollbackHosts {
            hosts: vec!["h-003".into()],
        },
    );
    run.drain_ok();
    assert!(!run.state.rules.contains_key("Host up@h-003"));
}
