//! Validation of a raw runbook into the checked [`Runbook`]: `[plan]`, `[policy]` and the
//! waves here; steps, metrics and people in their own modules. Every problem is recorded
//! and validation keeps going, so one `check` shows them all.

use std::path::Path;

use chrono::NaiveDate;

use super::duration::Span;
use super::model::{
    BackupRule, Confirmer, OnBreach, OnHostFailure, PlanInfo, Policy, Reverify, Risk, Runbook,
    Setting,
};
use super::raw::{RawDrill, RawPlan, RawPolicy, RawRunbook, S};
use super::validate_waves::{APPROVALS, place, waves};
use super::values::Ctx;
use super::waves::PlannedWave;
use super::{hosts, validate_people, validate_steps, validate_watch};

/// A runbook that passed validation, with its waves placed.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The checked runbook.
    pub runbook: Runbook,
    /// Every host placed in exactly one wave.
    pub waves: Vec<PlannedWave>,
    /// True when the runbook has no `[[wave]]` and the risk row's default waves apply.
    pub default_waves: bool,
}

/// Plans older than this get a warning (DESIGN §1).
pub const REVIEW_MAX_AGE_DAYS: i64 = 90;

const RISKS: &[(&str, Risk)] = &[
    ("high", Risk::High),
    ("medium", Risk::Medium),
    ("low", Risk::Low),
];
const ENVIRONMENTS: &[(&str, &str)] = &[
    ("production", "production"),
    ("staging", "staging"),
    ("test", "test"),
];
const HOST_KINDS: &[(&str, &str)] = &[
    ("linux", "linux"),
    ("windows", "windows"),
    ("container-host", "container-host"),
    ("database", "database"),
];
const UPGRADE_KINDS: &[(&str, &str)] = &[
    ("patch", "patch"),
    ("kernel", "kernel"),
    ("major-version", "major-version"),
    ("runtime", "runtime"),
    ("middleware", "middleware"),
];

/// Validates `raw` (from the file `source`, whose folder the steps run in) against `today`.
pub fn validate(
    raw: &RawRunbook,
    ctx: &mut Ctx<'_>,
    source: &Path,
    today: NaiveDate,
) -> Option<Checked> {
    let dir = match source.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    let plan = plan_info(raw.plan.as_ref(), ctx, today);
    let risk = plan.as_ref().map(|p| p.risk);
    let policy = policy(raw.policy.as_ref(), risk.unwrap_or(Risk::High), ctx);
    let fleet = hosts::load_fleet(raw.fleet.as_ref(), ctx, &dir);
    let risk_at = raw
        .plan
        .as_ref()
        .and_then(|p| p.get_ref().risk.as_ref())
        .map_or(0, |r| r.span().start);
    let waves = waves(&raw.wave, risk, risk_at, &policy, ctx);
    let steps = validate_steps::steps(raw.steps.as_ref(), risk, ctx);
    let (metrics, watches, alerts) = validate_watch::metrics(raw, ctx);
    let (checklists, notify, contacts) = validate_people::people(raw, ctx);
    let wave_count = match &waves {
        Some((specs, _)) if !specs.is_empty() => Some(specs.len()),
        _ => None,
    };
    let drill = drill(raw.drill.as_ref(), wave_count, ctx);

    if let Some((specs, spots)) = &waves {
        super::validate_waves::soak_covers_rules(specs, spots, &watches, ctx);
    }
    let planned = match (&fleet, &waves) {
        (Some(fleet), Some((specs, spots))) => place(fleet, specs, spots, ctx),
        _ => None,
    };
    if ctx.has_errors() {
        return None;
    }
    let (plan, fleet, (waves, _), planned, mut steps) = (plan?, fleet?, waves?, planned?, steps?);
    let ansible_inventory = super::inventory::declared(raw.fleet.as_ref());
    super::inventory::inherit(&mut steps, ansible_inventory.as_ref());
    let default_waves = raw.wave.is_empty();
    Some(Checked {
        runbook: Runbook {
            source: source.to_path_buf(),
            dir,
            plan,
            policy,
            fleet,
            ansible_inventory,
            waves,
            steps,
            metrics,
            watches,
            alerts,
            checklists,
            notify,
            contacts,
            drill,
        },
        waves: planned,
        default_waves,
    })
}

/// `[drill]`: a scenario name (letters, digits, `-`, `_`) and a wave the plan has.
fn drill(
    raw: Option<&S<RawDrill>>,
    wave_count: Option<usize>,
    ctx: &mut Ctx<'_>,
) -> Option<super::model::Drill> {
    let d = raw?.get_ref();
    let fault = d.fault.as_ref().and_then(|f| {
        let name = ctx.non_empty(f, "fault")?;
        if super::model::is_scenario_name(&name) {
            Some(name)
        } else {
            ctx.error(
                f.span().start,
                format!("`fault` = \"{name}\" is not a scenario name"),
                "use letters, digits, - and _ only, e.g. \"5xx\" or \"slow-burn\" (the simulator knows 5xx, latency, boot, slow-burn, one-bad-host)",
            );
            None
        }
    });
    let wave = match &d.wave {
        None => 1,
        Some(w) => {
            let n = ctx.count(w, "wave", 1)? as usize;
            if let Some(count) = wave_count
                && n > count
            {
                ctx.error(
                    w.span().start,
                    format!("`wave` = {n}: the plan has {count} wave(s)"),
                    format!("name a wave from 1 to {count}: the fault is injected when it starts"),
                );
                return None;
            }
            n
        }
    };
    Some(super::model::Drill { fault, wave })
}

fn plan_info(raw: Option<&S<RawPlan>>, ctx: &mut Ctx<'_>, today: NaiveDate) -> Option<PlanInfo> {
    let Some(raw) = raw else {
        ctx.error(0, "the runbook has no [plan]", "start it with [plan] name = \"...\", risk = \"high\" | \"medium\" | \"low\", environment = \"production\"");
        return None;
    };
    let at = raw.span().start;
    let p = raw.get_ref();
    let name = match &p.name {
        Some(n) => ctx.non_empty(n, "name"),
        None => {
            ctx.error(
                at,
                "[plan] has no `name`",
                "add name = \"web tier kernel 6.1 -> 6.6\": it heads the screen and every message",
            );
            None
        }
    };
    let risk = match &p.risk {
        Some(r) => ctx.choice(r, "risk", RISKS),
        None => {
            ctx.error(at, "[plan] has no `risk`", "add risk = \"high\", \"medium\" or \"low\": it picks the default policy (docs/runbook.md)");
            None
        }
    };
    let environment = match &p.environment {
        Some(e) => ctx
            .choice(e, "environment", ENVIRONMENTS)
            .map(str::to_string),
        None => {
            ctx.error(
                at,
                "[plan] has no `environment`",
                "add environment = \"production\", \"staging\" or \"test\"",
            );
            None
        }
    };
    let mut host_kinds = Vec::new();
    if let Some(kinds) = &p.host_kind {
        for kind in kinds.get_ref().to_vec() {
            let v = S::new(kinds.span(), kind);
            host_kinds.extend(ctx.choice(&v, "host_kind", HOST_KINDS).map(str::to_string));
        }
    }
    let upgrade_kind = match &p.upgrade_kind {
        Some(u) => ctx
            .choice(u, "upgrade_kind", UPGRADE_KINDS)
            .map(str::to_string)
            .unwrap_or_default(),
        None => String::new(),
    };
    let downtime_budget = ctx.duration_or(
        p.downtime_budget.as_ref(),
        "downtime_budget",
        Span::from_mins(30),
    );
    let rollback_start_within = ctx.duration_or(
        p.rollback_start_within.as_ref(),
        "rollback_start_within",
        Span::from_mins(30),
    );
    let restore_within = ctx.duration_or(
        p.restore_within.as_ref(),
        "restore_within",
        Span::from_mins(120),
    );
    let status_update_every = ctx.duration_or(
        p.status_update_every.as_ref(),
        "status_update_every",
        Span::from_mins(15),
    );
    let reviewed = reviewed(p.reviewed.as_ref(), at, ctx, today);
    Some(PlanInfo {
        name: name?,
        risk: risk?,
        environment: environment?,
        host_kinds,
        upgrade_kind,
        downtime_budget,
        rollback_start_within,
        restore_within,
        status_update_every,
        reviewed,
    })
}

fn reviewed(
    raw: Option<&S<toml::value::Datetime>>,
    plan_at: usize,
    ctx: &mut Ctx<'_>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let Some(raw) = raw else {
        ctx.warn(
            plan_at,
            "[plan] has no `reviewed` date",
            format!("review the plan with its roles, then add reviewed = {today}"),
        );
        return None;
    };
    let dt = raw.get_ref();
    let date = match (dt.date, dt.time) {
        (Some(d), None) => {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        }
        _ => None,
    };
    let Some(date) = date else {
        ctx.error(
            raw.span().start,
            format!("`reviewed` = {dt} is not a plain date"),
            "write the day of the last review, e.g. reviewed = 2026-10-01",
        );
        return None;
    };
    let age = (today - date).num_days();
    if age > REVIEW_MAX_AGE_DAYS {
        ctx.warn(
            raw.span().start,
            format!("the plan was last reviewed {age} days ago ({date}), more than {REVIEW_MAX_AGE_DAYS}"),
            format!("review it with every role (targets, waves, gates, contacts), then set reviewed = {today}"),
        );
    } else if age < 0 {
        ctx.warn(
            raw.span().start,
            format!("`reviewed` = {date} is in the future"),
            format!("write the day of the last review (today is {today})"),
        );
    }
    Some(date)
}

fn policy(raw: Option<&S<RawPolicy>>, risk: Risk, ctx: &mut Ctx<'_>) -> Policy {
    let mut policy = Policy::for_risk(risk);
    let Some(raw) = raw else { return policy };
    let p = raw.get_ref();
    fn set<T>(slot: &mut Setting<T>, value: Option<T>) {
        if let Some(v) = value {
            *slot = Setting::set(v);
        }
    }
    set(
        &mut policy.max_failed_total,
        p.max_failed_total
            .as_ref()
            .and_then(|v| ctx.count(v, "max_failed_total", 0)),
    );
    set(
        &mut policy.max_failed,
        p.max_failed
            .as_ref()
            .and_then(|v| ctx.fail_budget(v, "max_failed")),
    );
    set(
        &mut policy.approve_waves,
        p.approve_waves
            .as_ref()
            .and_then(|v| ctx.choice(v, "approve_waves", APPROVALS)),
    );
    let on_breach = [
        ("pause", OnBreach::Pause),
        ("rollback-wave", OnBreach::RollbackWave),
        ("rollback-hosts", OnBreach::RollbackHosts),
    ];
    set(
        &mut policy.on_breach,
        p.on_breach
            .as_ref()
            .and_then(|v| ctx.choice(v, "on_breach", &on_breach)),
    );
    let on_fail = [
        ("pause-run", OnHostFailure::PauseRun),
        ("pause-wave", OnHostFailure::PauseWave),
        ("rollback-host", OnHostFailure::RollbackHost),
    ];
    set(
        &mut policy.on_host_failure,
        p.on_host_failure
            .as_ref()
            .and_then(|v| ctx.choice(v, "on_host_failure", &on_fail)),
    );
    let confirm = [
        ("commander", Confirmer::Commander),
        ("technician", Confirmer::Technician),
    ];
    set(
        &mut policy.rollback_confirm,
        p.rollback_confirm
            .as_ref()
            .and_then(|v| ctx.choice(v, "rollback_confirm", &confirm)),
    );
    set(
        &mut policy.reverify,
        p.reverify.as_ref().and_then(|v| reverify(v, ctx)),
    );
    set(
        &mut policy.soak,
        p.soak.as_ref().and_then(|v| ctx.duration(v, "soak")),
    );
    set(
        &mut policy.parallel,
        p.parallel
            .as_ref()
            .and_then(|v| ctx.count(v, "parallel", 1)),
    );
    let backups = [
        ("verified-restore", BackupRule::VerifiedRestore),
        ("required", BackupRule::Required),
        ("snapshot", BackupRule::Snapshot),
    ];
    set(
        &mut policy.backups,
        p.backups
            .as_ref()
            .and_then(|v| ctx.choice(v, "backups", &backups)),
    );
    policy
}

fn reverify(v: &S<String>, ctx: &mut Ctx<'_>) -> Option<Reverify> {
    match v.get_ref().as_str() {
        "all" => Some(Reverify::All),
        "none" => Some(Reverify::None),
        t if t.trim().ends_with('%') => ctx
            .percent(v.span(), t, "reverify", true)
            .map(Reverify::Sample),
        _ => ctx.choice(
            v,
            "reverify",
            &[
                ("all", Reverify::All),
                ("none", Reverify::None),
                ("10%", Reverify::Sample(10)),
            ],
        ),
    }
}
