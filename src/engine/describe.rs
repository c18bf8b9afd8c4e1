//! One human line per event, with the reason: the timeline, headless output and notifications.

use super::event::EventKind;
use super::state::State;

/// Hosts as "web-011 … web-020" (first and last) or a short list.
pub fn host_range(hosts: &[String]) -> String {
    match hosts {
        [] => "no hosts".into(),
        [one] => one.clone(),
        [a, b] => format!("{a}, {b}"),
        [first, .., last] => format!("{first} … {last}"),
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// The timeline line for an event (None for events too chatty to list, like step starts).
pub fn line(state: &State, event: &EventKind) -> Option<String> {
    let wave_name = |n: usize| {
        state
            .plan
            .as_ref()
            .and_then(|p| p.waves.get(n.wrapping_sub(1)))
            .map_or_else(|| format!("wave {n}"), |w| w.name.clone())
    };
    Some(match event {
        EventKind::RunStarted {
            plan,
            run_id,
            drill,
            ..
        } => format!(
            "run {run_id} started: {} ({} risk, {} hosts in {} waves){}",
            plan.name,
            plan.risk.as_str(),
            plan.waves.iter().map(|w| w.hosts.len()).sum::<usize>(),
            plan.waves.len(),
            drill
                .as_ref()
                .map(|d| format!(" — DRILL, fault {d}"))
                .unwrap_or_default()
        ),
        EventKind::RunResumed { interrupted } if interrupted.is_empty() => "run resumed".into(),
        EventKind::RunResumed { interrupted } => format!(
            "run resumed; {} interrupted, verified before anything else: {}",
            plural(interrupted.len(), "host"),
            host_range(interrupted)
        ),
        EventKind::WaveStarted { wave, hosts } => format!(
            "{} started: {} ({})",
            wave_name(*wave),
            plural(hosts.len(), "host"),
            host_range(hosts)
        ),
        EventKind::WaveApproved { wave } => format!("{} approved", wave_name(*wave)),
        EventKind::HostStepStarted { .. } => return None,
        EventKind::HostStepFinished {
            host,
            step,
            ok,
            reason,
            ..
        } => {
            if *ok {
                return None;
            }
            format!("{host} {} failed: {reason}", step.as_str())
        }
        EventKind::HostUpgraded { .. } => return None,
        EventKind::HostFailed {
            host,
            step,
            reason,
            policy,
            ..
        } => {
            format!("{host} failed at {}: {reason} — {policy}", step.as_str())
        }
        EventKind::HostInterrupted { host, step } => {
            format!(
                "{host} interrupted during {}; it will be checked first",
                step.as_str()
            )
        }
        EventKind::HostSkipped { host } => format!("{host} skipped"),
        EventKind::HostRetried { host } => format!("{host} sent through its steps again"),
        EventKind::SoakStarted { wave, until } => {
            format!("{} soaking until {}", wave_name(*wave), clock(*until))
        }
        EventKind::SoakFinished { wave, reverify } if reverify.is_empty() => {
            format!("{} soak finished", wave_name(*wave))
        }
        EventKind::SoakFinished { wave, reverify } => format!(
            "{} soak finished; verifying {} again",
            wave_name(*wave),
            plural(reverify.len(), "host")
        ),
        EventKind::WaveCompleted {
            wave,
            upgraded,
            failed,
            rolled_back,
        } => format!(
            "{} completed: {upgraded} upgraded, {failed} failed, {rolled_back} rolled back",
            wave_name(*wave)
        ),
        EventKind::BaselineRecorded {
            rule,
            value,
            window_ms,
            ..
        } => format!(
            "baseline of {rule}: {value:.4} over {}",
            crate::runbook::Span::from_millis(*window_ms)
        ),
        EventKind::RuleBreached {
            state: rs,
            evidence,
        } => {
            let worst = evidence.values.first().map(|v| v.value);
            format!(
                "{}{} {}: value {} {} (for {})",
                evidence.rule,
                evidence
                    .host
                    .as_ref()
                    .map(|h| format!(" on {h}"))
                    .unwrap_or_default(),
                rs.as_str(),
                worst.map_or_else(|| "—".into(), |v| format!("{v:.4}")),
                evidence
                    .threshold
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                whole_seconds(evidence.for_ms)
            )
        }
        EventKind::RuleCleared { evidence } => format!(
            "{}{} back to ok",
            evidence.rule,
            evidence
                .host
                .as_ref()
                .map(|h| format!(" on {h}"))
                .unwrap_or_default()
        ),
        EventKind::NoData {
            state: rs,
            evidence,
        } => format!(
            "{}: {}{}",
            evidence.rule,
            rs.as_str(),
            evidence
                .error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ),
        EventKind::FaultDeclared { level, reason, .. } => {
            format!("{} fault declared: {reason}", level.as_str())
        }
        EventKind::Paused { reason } => format!("paused: {reason}"),
        EventKind::Resumed {} => "resumed".into(),
        EventKind::RollbackRequested {
            scope,
            hosts,
            reason,
            confirm_by,
        } => match confirm_by {
            Some(role) => format!(
                "rollback of {} proposed ({}): {reason} — {} confirms",
                scope.describe(),
                plural(hosts.len(), "host"),
                role.as_str()
            ),
            None => format!("rollback of {} requested: {reason}", scope.describe()),
        },
        EventKind::RollbackStarted {
            scope,
            hosts,
            reason,
        } => format!(
            "rollback of {} started: {} ({}) — {reason}",
            scope.describe(),
            plural(hosts.len(), "host"),
            host_range(hosts)
        ),
        EventKind::HostRolledBack { host } => format!("{host} rolled back"),
        EventKind::RollbackCompleted {
            scope,
            rolled_back,
            failed,
        } => format!(
            "rollback of {} completed: {rolled_back} rolled back, {failed} failed",
            scope.describe()
        ),
        EventKind::IntentRefused { intent, reason } => format!("refused to {intent}: {reason}"),
        EventKind::ChecklistChecked { role, text, .. } => {
            format!("{} checked: {text}", role.as_str())
        }
        EventKind::ImpactRecorded {
            traffic_drop_pct,
            failed_tx_pct,
            note,
        } => format!(
            "impact: traffic drop {}, failed transactions {}{}",
            traffic_drop_pct.map_or_else(|| "—".into(), |v| format!("{v}%")),
            failed_tx_pct.map_or_else(|| "—".into(), |v| format!("{v}%")),
            if note.is_empty() {
                String::new()
            } else {
                format!(" — {note}")
            }
        ),
        EventKind::NotificationQueued { channel, kind, .. } => {
            format!("notification queued for {channel}: {kind}")
        }
        EventKind::NotificationSent { id, attempt } => {
            let channel = state.outbox.get(id).map_or("?", |n| n.channel.as_str());
            format!("notification delivered to {channel} (attempt {attempt})")
        }
        EventKind::NotificationFailed {
            id,
            attempt,
            error,
            last,
        } => {
            let channel = state.outbox.get(id).map_or("?", |n| n.channel.as_str());
            format!(
                "notification to {channel} failed (attempt {attempt}): {error}{}",
                if *last {
                    " — giving up"
                } else {
                    "; will retry"
                }
            )
        }
        EventKind::StatusUpdateDue { .. } => "status update due".into(),
        EventKind::StatusUpdateSent { audience, .. } => format!(
            "status update sent ({})",
            match audience {
                crate::runbook::Audience::Internal => "internal",
                crate::runbook::Audience::External => "external",
            }
        ),
        EventKind::Handover { role, to } => format!("{} handed over to {to}", role.as_str()),
        EventKind::SlaMissed { target, deadline } => {
            format!("target missed: {target} (deadline {})", clock(*deadline))
        }
        EventKind::FaultInjected { scenario, why } => {
            format!("DRILL: fault {scenario} injected — {why}")
        }
        EventKind::ServiceRecovered { cleared } if cleared.is_empty() => {
            "service recovered: no rule in breach after the rollback".into()
        }
        EventKind::ServiceRecovered { cleared } => format!(
            "service recovered: every rule clear after the rollback ({} cleared)",
            cleared.join(", ")
        ),
        EventKind::RecoveryUnconfirmed {
            still_breaching,
            still_upgraded,
        } => format!(
            "recovery not confirmed by the restore deadline: still in breach {}; {} still on the new version — investigate by hand",
            still_breaching.join(", "),
            plural(still_upgraded.len(), "host")
        ),
        EventKind::RunCompleted {} => "run completed: every wave done".into(),
        EventKind::RunHalted { reason } => format!("run halted: {reason}"),
    })
}

/// `HH:MM:SS` in UTC.
pub fn clock(t: crate::journal::Timestamp) -> String {
    t.to_datetime()
        .map_or_else(|| "??:??:??".into(), |d| d.format("%H:%M:%S").to_string())
}

/// A duration rounded to whole seconds for people ("for 20s", not "for 19s999ms").
pub fn whole_seconds(ms: u64) -> crate::runbook::Span {
    crate::runbook::Span::from_secs(ms.saturating_add(500) / 1000)
}
