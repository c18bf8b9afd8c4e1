//! Engine tests: event sequences in, state and decisions out, on a manual clock.

use super::event::{EventKind, Intent, Scope};
use super::evidence::RuleState;
use super::state::{HostState, RunState, State, WaveState};
use super::testkit::{Run, W, evidence, plan, rules_ok};
use crate::journal::Actor;
use crate::runbook::{Risk, Role, Severity, StepName};

fn started(run: &Run) -> Vec<String> {
    run.log
        .iter()
        .filter_map(|r| match &r.event {
            EventKind::WaveStarted { wave, .. } => Some(format!("wave {wave}")),
            _ => None,
        })
        .collect()
}

fn breach(run: &mut Run, severity: Severity) {
    run.record(
        Actor::ripcord(),
        EventKind::RuleBreached {
            state: RuleState::Breach,
            evidence: evidence("5xx", 0.08, severity),
        },
    );
}

#[test]
fn medium_risk_clean_run_completes_every_wave_in_order() {
    let mut run = Run::start(plan(
        Risk::Medium,
        &[W(2, 0, 5, 1_000), W(3, 0, 5, 1_000), W(5, 0, 5, 0)],
        false,
    ));
    rules_ok(&mut run);
    for _ in 0..3 {
        run.drain_ok();
        run.advance(1_000);
        run.drain_ok();
    }
    assert_eq!(run.state.run, RunState::Completed, "{:?}", run.types());
    assert_eq!(started(&run), ["wave 1", "wave 2", "wave 3"]);
    assert!(
        run.state
            .hosts
            .iter()
            .all(|h| h.state == HostState::Upgraded)
    );
    // Medium risk re-verifies a seeded 10% sample (at least one host) after each soak.
    let reverified: Vec<usize> = run
        .log
        .iter()
        .filter_map(|r| match &r.event {
            EventKind::SoakFinished { reverify, .. } => Some(reverify.len()),
            _ => None,
        })
        .collect();
    assert_eq!(reverified, [1, 1, 1]);
}

#[test]
fn every_host_runs_backup_upgrade_verify_in_that_order() {
    let mut run = Run::start(plan(Risk::Low, &[W(1, 0, 1, 0)], false));
    rules_ok(&mut run);
    let ran = run.drain_ok();
    let steps: Vec<StepName> = ran.iter().map(|(_, s)| *s).collect();
    assert_eq!(
        steps,
        [StepName::Backup, StepName::Upgrade, StepName::Verify]
    );
}

#[test]
fn high_risk_waits_for_commander_approval_of_each_wave() {
    let mut run = Run::start(plan(Risk::High, &[W(1, 0, 1, 0), W(2, 0, 1, 0)], false));
    rules_ok(&mut run);
    assert!(run.settle().is_empty(), "nothing starts before approval");
    let refused = run.intent(Role::Technician, Intent::ApproveWave { wave: 1 });
    assert!(
        matches!(&refused[0], EventKind::IntentRefused { reason, .. } if reason.contains("commander"))
    );
    run.intent(Role::Commander, Intent::ApproveWave { wave: 1 });
    run.drain_ok();
    run.drain_ok();
    assert_eq!(run.state.waves[0].state, WaveState::Completed);
    assert_eq!(
        run.state.waves[1].state,
        WaveState::Pending,
        "wave 2 waits for approval"
    );
    run.intent(Role::Commander, Intent::ApproveWave { wave: 2 });
    run.drain_ok();
    run.drain_ok();
    assert_eq!(run.state.run, RunState::Completed);
    assert_eq!(run.state.waves[1].approved_by.as_deref(), Some("commander"));
}

#[test]
fn high_risk_reverifies_every_host_after_soak() {
    let mut run = Run::start(plan(Risk::High, &[W(4, 0, 4, 60_000)], false));
    rules_ok(&mut run);
    run.intent(Role::Commander, Intent::ApproveWave { wave: 1 });
    run.drain_ok();
    assert!(matches!(
        run.state.waves[0].state,
        WaveState::Soaking { .. }
    ));
    run.advance(59_000);
    assert!(run.settle().is_empty(), "soak not over yet");
    run.advance(1_000);
    let ran = run.drain_ok();
    assert_eq!(
        ran.iter().filter(|(_, s)| *s == StepName::Verify).count(),
        4
    );
    assert_eq!(run.state.run, RunState::Completed);
}

#[test]
fn high_risk_failed_verify_pauses_run_and_offers_host_rollback_to_commander() {
    let mut run = Run::start(plan(Risk::High, &[W(3, 0, 1, 0), W(3, 0, 1, 0)], false));
    rules_ok(&mut run);
    run.intent(Role::Commander, Intent::ApproveWave { wave: 1 });
    run.settle();
    run.finish("h-001", true); // backup
    run.settle();
    run.finish("h-001", true); // upgrade
    run.settle();
    run.finish("h-001", false); // verify fails
    let decided = run.settle();
    assert!(
        matches!(run.state.run, RunState::Paused { .. }),
        "{decided:?}"
    );
    assert!(run.running().is_empty(), "no new step after the failure");
    let offer = run.state.offers.last().expect("rollback offered");
    assert_eq!(offer.confirm_by, Role::Commander);
    assert_eq!(offer.hosts, ["h-001"]);
    let refused = run.intent(Role::Technician, Intent::ConfirmRollback);
    assert!(matches!(refused[0], EventKind::IntentRefused { .. }));
    run.intent(Role::Commander, Intent::ConfirmRollback);
    let ran = run.drain_ok();
    assert_eq!(ran, [("h-001".to_string(), StepName::Rollback)]);
    assert_eq!(
        run.state.host("h-001").map(|h| &h.state),
        Some(&HostState::RolledBack)
    );
}

#[test]
fn medium_risk_failed_verify_pauses_wave_and_offers_rollback_to_technician() {
    let mut run = Run::start(plan(Risk::Medium, &[W(2, 0, 1, 0), W(2, 0, 1, 0)], false));
    rules_ok(&mut run);
    run.settle();
    run.finish("h-001", true);
    run.settle();
    run.finish("h-001", true);
    run.settle();
    run.finish("h-001", false);
    run.settle();
    assert!(matches!(run.state.run, RunState::Paused { .. }));
    assert_eq!(
        run.state.offers.last().map(|o| o.confirm_by),
        Some(Role::Technician)
    );
    let evs = run.intent(Role::Technician, Intent::ConfirmRollback);
    assert!(
        matches!(evs[0], EventKind::RollbackStarted { .. }),
        "{evs:?}"
    );
}

#[test]
fn low_risk_failed_host_rolls_back_automatically_and_run_goes_on() {
    let mut run = Run::start(plan(Risk::Low, &[W(10, 1, 1, 0), W(2, 1, 1, 0)], false));
    rules_ok(&mut run);
    run.settle();
    run.finish("h-001", true);
    run.settle();
    run.finish("h-001", false); // upgrade fails
    run.drain_ok();
    run.drain_ok();
    assert_eq!(
        run.state.host("h-001").map(|h| &h.state),
        Some(&HostState::RolledBack)
    );
    assert_eq!(run.state.run, RunState::Completed, "{:?}", run.types());
    assert_eq!(run.state.waves[0].failed, 1);
}

#[test]
fn failures_halt_the_wave_only_when_more_than_max_failed() {
    // Low risk: 10% of 20 hosts = 2 allowed; the third failure halts.
    let mut run = Run::start(plan(Risk::Low, &[W(20, 2, 1, 0), W(2, 2, 1, 0)], false));
    rules_ok(&mut run);
    for (i, host) in ["h-001", "h-002", "h-003"].iter().enumerate() {
        run.settle();
        run.finish(host, true); // backup
        run.settle();
        run.finish(host, false); // upgrade fails
        run.settle();
        let rolled = run.running();
        for (h, _) in rolled {
            run.finish(&h, true);
        }
        run.settle();
        let halted = run.state.halted.is_some();
        assert_eq!(halted, i == 2, "after {} failures", i + 1);
    }
    assert!(
        run.state
            .halted
            .as_deref()
            .is_some_and(|r| r.contains("3 failed, 2 allowed"))
    );
}

#[test]
fn a_fully_failed_wave_always_halts() {
    let mut run = Run::start(plan(Risk::Low, &[W(1, 5, 1, 0), W(2, 5, 1, 0)], false));
    rules_ok(&mut run);
    run.settle();
    run.finish("h-001", false);
    run.settle();
    assert!(
        run.state
            .halted
            .as_deref()
            .is_some_and(|r| r.contains("every host of wave 1"))
    );
}

#[test]
fn parallel_limits_host_processes_in_flight() {
    let mut run = Run::start(plan(Risk::Low, &[W(10, 0, 3, 0)], false));
    rules_ok(&mut run);
    run.settle();
    let mut most = 0;
    loop {
        let running = run.running();
        most = most.max(running.len());
        if running.is_empty() {
            break;
        }
        run.finish(&running[0].0, true);
        run.settle();
    }
    assert_eq!(most, 3);
    assert_eq!(run.state.run, RunState::Completed);
}

#[test]
fn per_wave_upgrade_runs_once_for_the_wave_after_every_backup() {
    let mut run = Run::start(plan(Risk::Low, &[W(4, 0, 2, 0)], true));
    rules_ok(&mut run);
    run.drain_ok();
    let jobs: std::collections::BTreeSet<u64> = run
        .log
        .iter()
        .filter_map(|r| match &r.event {
            EventKind::HostStepStarted {
                step: StepName::Upgrade,
                job,
                ..
            } => Some(*job),
            _ => None,
        })
        .collect();
    assert_eq!(jobs.len(), 1, "one upgrade process for the wave");
    let first_upgrade = run.log.iter().position(|r| {
        matches!(
            r.event,
            EventKind::HostStepStarted {
                step: StepName::Upgrade,
                ..
            }
        )
    });
    let last_backup_end = run.log.iter().rposition(|r| {
        matches!(
            r.event,
            EventKind::HostStepFinished {
                step: StepName::Backup,
                ..
            }
        )
    });
    assert!(last_backup_end < first_upgrade);
    assert_eq!(run.state.run, RunState::Completed);
}

#[test]
fn pause_starts_no_new_step_and_lets_running_steps_finish() {
    let mut run = Run::start(plan(Risk::Low, &[W(6, 0, 2, 0)], false));
    rules_ok(&mut run);
    run.settle();
    assert_eq!(run.running().len(), 2);
    run.intent(
        Role::Technician,
        Intent::Pause {
            reason: "looks odd".into(),
        },
    );
    run.finish("h-001", true);
    run.finish("h-002", true);
    assert!(run.settle().is_empty(), "nothing starts while paused");
    run.intent(Role::Technician, Intent::Resume);
    assert!(!run.settle().is_empty());
}

#[test]
fn functional_breach_under_high_risk_pauses_and_offers_wave_rollback_to_commander() {
    let mut run = Run::start(plan(Risk::High, &[W(2, 0, 2, 0), W(2, 0, 2, 0)], false));
    rules_ok(&mut run);
    run.intent(Role::Commander, Intent::ApproveWave { wave: 1 });
    run.settle();
    run.finish("h-001", true);
    run.finish("h-002", true);
    run.settle();
    breach(&mut run, Severity::Functional);
    run.finish("h-001", true); // upgrade finishes after the breach
    let decided = run.settle();
    assert!(decided.iter().any(|e| matches!(
        e,
        EventKind::FaultDeclared {
            level: Severity::Functional,
            ..
        }
    )));
    assert!(matches!(run.state.run, RunState::Paused { .. }));
    let offer = run.state.offers.last().expect("wave rollback offered");
    assert_eq!(offer.scope, Scope::Wave { wave: 1 });
    assert_eq!(offer.confirm_by, Role::Commander);
    // The upgraded host is still verified (safe step); nothing new is upgraded.
    assert_eq!(run.running(), [("h-002".to_string(), StepName::Upgrade)]);
}

#[test]
fn minor_breach_is_recorded_and_the_run_goes_on() {
    let mut run = Run::start(plan(Risk::Low, &[W(2, 0, 1, 0)], false));
    rules_ok(&mut run);
    run.settle();
    breach(&mut run, Severity::Minor);
    run.drain_ok();
    assert_eq!(run.state.faults.len(), 1);
    assert_eq!(run.state.run, RunState::Completed);
}

#[test]
fn severe_breach_proposes_fleet_rollback_that_only_the_commander_confirms() {
    let mut run = Run::start(plan(
        Risk::Medium,
        &[W(2, 0, 2, 60_000), W(2, 0, 2, 0)],
        false,
    ));
    rules_ok(&mut run);
    run.drain_ok();
    breach(&mut run, Severity::Severe);
    run.settle();
    let offer = run.state.offers.last().expect("fleet rollback proposed");
    assert_eq!(offer.scope, Scope::Fleet);
    assert_eq!(offer.confirm_by, Role::Commander);
    assert!(run.state.halted.is_some());
    let refused = run.intent(Role::Technician, Intent::ConfirmRollback);
    assert!(
        matches!(&refused[0], EventKind::IntentRefused { .. }),
        "{refused:?}"
    );
    run.intent(Role::Commander, Intent::ConfirmRollback);
    run.drain_ok();
    assert!(
        matches!(run.state.run, RunState::Recovering { .. }),
        "the rules are watched after the rollback: {:?}",
        run.state.run
    );
    rules_ok(&mut run);
    run.settle();
    assert_eq!(run.state.run, RunState::RolledBack);
    assert!(run.state.recovered_at.is_some());
}

#[test]
fn no_data_holds_new_hosts_fail_closed() {
    let mut run = Run::start(plan(Risk::Low, &[W(2, 0, 1, 0)], false));
    // Rules start blind (no data) and the default policy is hold.
    assert!(run.settle().is_empty(), "no wave starts while blind");
    rules_ok(&mut run);
    assert!(!run.settle().is_empty());
}

#[test]
fn communicator_cannot_roll_back_and_is_told_why() {
    let mut run = Run::start(plan(Risk::Low, &[W(2, 0, 1, 0)], false));
    rules_ok(&mut run);
    run.drain_ok();
    let evs = run.intent(Role::Communicator, Intent::RollbackWave { wave: 1 });
    assert!(
        matches!(&evs[0], EventKind::IntentRefused { reason, .. } if reason.contains("technician")),
        "{evs:?}"
    );
}

#[test]
fn fleet_rollback_needs_the_host_count_typed() {
    let mut run = Run::start(plan(
        Risk::Medium,
        &[W(2, 0, 2, 60_000), W(2, 0, 2, 0)],
        false,
    ));
    rules_ok(&mut run);
    run.drain_ok();
    let evs = run.intent(Role::Commander, Intent::RollbackFleet { typed_count: 3 });
    assert!(
        matches!(&evs[0], EventKind::IntentRefused { reason, .. } if reason.contains("(2)")),
        "{evs:?}"
    );
    let evs = run.intent(Role::Commander, Intent::RollbackFleet { typed_count: 2 });
    assert!(matches!(evs[1], EventKind::RollbackStarted { .. }));
}

#[test]
fn interrupted_upgrade_is_verified_before_anything_else() {
    let mut run = Run::start(plan(Risk::Low, &[W(1, 0, 1, 0)], false));
    rules_ok(&mut run);
    run.settle();
    run.finish("h-001", true);
    run.settle();
    assert_eq!(run.running(), [("h-001".to_string(), StepName::Upgrade)]);
    // The controller crashed; on resume the shell marks in-flight hosts interrupted.
    run.record(
        Actor::ripcord(),
        EventKind::HostInterrupted {
            host: "h-001".into(),
            step: StepName::Upgrade,
        },
    );
    run.settle();
    assert_eq!(
        run.running(),
        [("h-001".to_string(), StepName::Verify)],
        "verify, not a second upgrade"
    );
}

#[test]
fn status_update_due_on_the_cadence_and_within_five_minutes_of_a_fault() {
    let mut run = Run::start(plan(Risk::Low, &[W(50, 0, 1, 0)], false));
    rules_ok(&mut run);
    run.settle();
    run.advance(14 * 60_000);
    assert!(
        !run.settle()
            .iter()
            .any(|e| matches!(e, EventKind::StatusUpdateDue { .. }))
    );
    run.advance(60_000);
    assert!(
        run.settle()
            .iter()
            .any(|e| matches!(e, EventKind::StatusUpdateDue { .. }))
    );
    run.intent(
        Role::Communicator,
        Intent::SendStatusUpdate {
            audience: Default::default(),
            text: "all well".into(),
        },
    );
    run.advance(60_000);
    run.intent(
        Role::Impact,
        Intent::DeclareFault {
            level: Severity::Functional,
            reason: "orders slow".into(),
        },
    );
    run.advance(5 * 60_000);
    assert!(
        run.settle()
            .iter()
            .any(|e| matches!(e, EventKind::StatusUpdateDue { .. })),
        "first update after a fault within 5 min"
    );
}

#[test]
fn missed_rollback_start_target_is_recorded() {
    // Medium risk proposes the rollback; nobody confirms it within 30 minutes.
    let mut run = Run::start(plan(Risk::Medium, &[W(5, 0, 1, 0)], false));
    rules_ok(&mut run);
    run.settle();
    run.intent(
        Role::Technician,
        Intent::DeclareFault {
            level: Severity::Functional,
            reason: "x".into(),
        },
    );
    run.advance(31 * 60_000);
    let decided = run.settle();
    assert!(decided.iter().any(|e| matches!(e, EventKind::SlaMissed { target, .. } if target == "rollback_start_within")), "{decided:?}");
}

#[test]
fn blast_radius_counts_hosts_whose_upgrade_started_after_the_fault() {
    let mut run = Run::start(plan(Risk::Low, &[W(3, 3, 3, 0)], false));
    rules_ok(&mut run);
    run.settle();
    run.intent(
        Role::Technician,
        Intent::DeclareFault {
            level: Severity::Minor,
            reason: "x".into(),
        },
    );
    assert!(
        run.state.first_fault_at().is_none(),
        "minor faults do not start the clock"
    );
    run.record(
        Actor::ripcord(),
        EventKind::FaultDeclared {
            level: Severity::Functional,
            reason: "y".into(),
            rule: None,
        },
    );
    run.finish("h-001", true);
    run.record(Actor::ripcord(), EventKind::Resumed {});
    run.settle();
    assert_eq!(run.state.blast_radius(), ["h-001"]);
}

#[test]
fn replay_of_the_journal_equals_the_live_state() {
    let mut run = Run::start(plan(
        Risk::Medium,
        &[W(3, 1, 2, 1_000), W(4, 1, 2, 0)],
        false,
    ));
    rules_ok(&mut run);
    run.settle();
    run.finish("h-001", true);
    run.settle();
    run.finish("h-002", false);
    run.settle();
    run.intent(Role::Technician, Intent::ConfirmRollback);
    run.drain_ok();
    let replayed = State::replay(&run.log);
    assert_eq!(replayed, run.state);
}

#[test]
fn engine_names_no_async_runtime_terminal_http_or_clock() {
    // Built from pieces so this file does not match itself.
    let forbidden = [
        ["to", "kio"].concat(),
        ["rata", "tui"].concat(),
        ["cross", "term"].concat(),
        ["req", "west"].concat(),
        ["::now", "()"].concat(),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for word in &forbidden {
            assert!(
                !text.contains(word.as_str()),
                "{} names {word}",
                path.display()
            );
        }
    }
}

mod replay_props {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        Finish(usize, bool),
        Advance(u32),
        Pause,
        Resume,
        Confirm,
        Approve,
        Retry(usize),
        Breach(u8),
        Clear,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0usize..8, prop::bool::weighted(0.85)).prop_map(|(i, ok)| Step::Finish(i, ok)),
            2 => (0u32..120_000).prop_map(Step::Advance),
            1 => Just(Step::Pause),
            1 => Just(Step::Resume),
            1 => Just(Step::Confirm),
            1 => Just(Step::Approve),
            1 => (0usize..12).prop_map(Step::Retry),
            1 => (0u8..3).prop_map(Step::Breach),
            1 => Just(Step::Clear),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replaying_the_journal_rebuilds_the_live_state(
            risk in prop_oneof![Just(Risk::High), Just(Risk::Medium), Just(Risk::Low)],
            steps in prop::collection::vec(step(), 1..80),
        ) {
            let mut run = Run::start(plan(risk, &[W(3, 1, 2, 30_000), W(4, 1, 2, 10_000), W(5, 1, 3, 0)], false));
            rules_ok(&mut run);
            run.settle();
            for s in steps {
                match s {
                    Step::Finish(i, ok) => {
                        let running = run.running();
                        if !running.is_empty() {
                            let host = running[i % running.len()].0.clone();
                            run.finish(&host, ok);
                        }
                    }
                    Step::Advance(ms) => run.advance(ms as i64),
                    Step::Pause => { run.intent(Role::Technician, Intent::Pause { reason: "p".into() }); }
                    Step::Resume => { run.intent(Role::Commander, Intent::Resume); }
                    Step::Confirm => { run.intent(Role::Commander, Intent::ConfirmRollback); }
                    Step::Approve => {
                        if let Some(w) = run.state.next_wave() {
                            run.intent(Role::Commander, Intent::ApproveWave { wave: w });
                        }
                    }
                    Step::Retry(i) => {
                        let host = format!("h-{:03}", i + 1);
                        run.intent(Role::Technician, Intent::RetryHost { host });
                    }
                    Step::Breach(level) => {
                        let sev = [Severity::Minor, Severity::Functional, Severity::Severe][level as usize];
                        breach(&mut run, sev);
                    }
                    Step::Clear => rules_ok(&mut run),
                }
                run.settle();
            }
            let replayed = State::replay(&run.log);
            prop_assert_eq!(replayed, run.state);
            // seq has no gaps.
            for (i, r) in run.log.iter().enumerate() {
                prop_assert_eq!(r.seq, i as u64 + 1);
            }
        }

        #[test]
        fn no_upgrade_starts_while_the_run_is_not_running(
            steps in prop::collection::vec(step(), 1..60),
        ) {
            let mut run = Run::start(plan(Risk::Medium, &[W(3, 1, 2, 0), W(6, 2, 3, 0)], false));
            rules_ok(&mut run);
            run.settle();
            for s in steps {
                let before = run.log.len();
                match s {
                    Step::Finish(i, ok) => {
                        let running = run.running();
                        if !running.is_empty() {
                            let host = running[i % running.len()].0.clone();
                            run.finish(&host, ok);
                        }
                    }
                    Step::Pause => { run.intent(Role::Technician, Intent::Pause { reason: "p".into() }); }
                    Step::Resume => { run.intent(Role::Commander, Intent::Resume); }
                    Step::Breach(1) => breach(&mut run, Severity::Functional),
                    _ => {}
                }
                let paused_before = !matches!(run.state.run, RunState::Running) || run.state.halted.is_some();
                run.settle();
                if paused_before {
                    let upgrades = run.log[before..].iter().filter(|r| matches!(r.event, EventKind::HostStepStarted { step: StepName::Upgrade | StepName::Backup | StepName::Precheck, .. })).count();
                    prop_assert_eq!(upgrades, 0, "a forward step started while paused");
                }
            }
        }
    }
}

#[test]
fn an_interrupted_upgrade_without_a_verify_step_counts_as_failed_not_upgraded_again() {
    let mut p = plan(Risk::Low, &[W(2, 1, 2, 0)], false);
    p.steps.retain(|s| s.name != StepName::Verify);
    let mut run = Run::start(p);
    rules_ok(&mut run);
    run.settle();
    run.finish("h-001", true);
    run.finish("h-002", true);
    run.settle();
    run.record(
        Actor::ripcord(),
        EventKind::HostInterrupted {
            host: "h-001".into(),
            step: StepName::Upgrade,
        },
    );
    let decided = run.settle();
    assert!(
        decided
            .iter()
            .any(|e| matches!(e, EventKind::HostFailed { host, .. } if host == "h-001")),
        "{decided:?}"
    );
    assert!(
        !run.running()
            .iter()
            .any(|(h, s)| h == "h-001" && *s == StepName::Upgrade)
    );
}
