//! Validation of a raw runbook into the checked [`Runbook`]: `[plan]`, `[policy]` and the
//! waves here; steps, metrics and people in their own modules. Every problem is recorded
//! and validation keeps going, so one `check` shows them all.

use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;

use super::duration::Span;
use super::model::{
    Approval, BackupRule, Confirmer, OnBreach, OnHostFailure, PlanInfo, Policy, Reverify, Risk,
    Runbook, Setting, WaveSize, WaveSpec,
};
use super::raw::{NumOrText, RawPlan, RawPolicy, RawRunbook, RawWave, S};
use super::values::Ctx;
use super::waves::{PlannedWave, WavePlanError, percent_of, plan_waves};
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

const RISKS: &[(&str, Risk)] = &[("high", Risk::High), ("medium", Risk::Medium), ("low", Risk::Low)];
const ENVIRONMENTS: &[(&str, &str)] =
    &[("production", "production"), ("staging", "staging"), ("test", "test")];
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
const APPROVALS: &[(&str, Approval)] = &[("commander", Approval::Commander), ("auto", Approval::Auto)];

/// Validates `raw` (from the file `source`, whose folder the steps run in) against `today`.
pub fn validate(raw: &RawRunbook, ctx: &mut Ctx<'_>, source: &Path, today: NaiveDate) -> Option<Checked> {
    let dir = match source.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    let plan = plan_info(raw.plan.as_ref(), ctx, today);
    let risk = plan.as_ref().map(|p| p.risk);
    let policy = policy(raw.policy.as_ref(), risk.unwrap_or(Risk::High), ctx);
    let fleet = hosts::load_fleet(raw.fleet.as_ref(), ctx, &dir);
    let waves = waves(&raw.wave, risk.unwrap_or(Risk::High), &policy, ctx);
    let steps = validate_steps::steps(raw.steps.as_ref(), risk, ctx);
    let (metrics, watches, alerts) = validate_watch::metrics(raw, ctx);
    let (checklists, notify, contacts) = validate_people::people(raw, ctx);

    let planned = match (&fleet, &waves) {
        (Some(fleet), Some((specs, spots))) => place(fleet, specs, spots, ctx),
        _ => None,
    };
    if ctx.has_errors() {
        return None;
    }
    let (plan, fleet, (waves, _), planned, steps) = (plan?, fleet?, waves?, planned?, steps?);
    let default_waves = raw.wave.is_empty();
    Some(Checked {
        runbook: Runbook {
            source: source.to_path_buf(),
            dir,
            plan,
            policy,
            fleet,
            waves,
            steps,
            metrics,
            watches,
            alerts,
            checklists,
            notify,
            contacts,
        },
        waves: planned,
        default_waves,
    })
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
            ctx.error(at, "[plan] has no `name`", "add name = \"web tier kernel 6.1 -> 6.6\": it heads the screen and every message");
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
        Some(e) => ctx.choice(e, "environment", ENVIRONMENTS).map(str::to_string),
        None => {
            ctx.error(at, "[plan] has no `environment`", "add environment = \"production\", \"staging\" or \"test\"");
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
        Some(u) => ctx.choice(u, "upgrade_kind", UPGRADE_KINDS).map(str::to_string).unwrap_or_default(),
        None => String::new(),
    };
    let downtime_budget = ctx.duration_or(p.downtime_budget.as_ref(), "downtime_budget", Span::from_mins(30));
    let rollback_start_within =
        ctx.duration_or(p.rollback_start_within.as_ref(), "rollback_start_within", Span::from_mins(30));
    let restore_within = ctx.duration_or(p.restore_within.as_ref(), "restore_within", Span::from_mins(120));
    let status_update_every =
        ctx.duration_or(p.status_update_every.as_ref(), "status_update_every", Span::from_mins(15));
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
        ctx.warn(plan_at, "[plan] has no `reviewed` date", format!("review the plan with its roles, then add reviewed = {today}"));
        return None;
    };
    let dt = raw.get_ref();
    let date = match (dt.date, dt.time) {
        (Some(d), None) => NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day)),
        _ => None,
    };
    let Some(date) = date else {
        ctx.error(raw.span().start, format!("`reviewed` = {dt} is not a plain date"), "write the day of the last review, e.g. reviewed = 2026-10-01");
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
        ctx.warn(raw.span().start, format!("`reviewed` = {date} is in the future"), format!("write the day of the last review (today is {today})"));
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
    set(&mut policy.max_failed_total, p.max_failed_total.as_ref().and_then(|v| ctx.count(v, "max_failed_total", 0)));
    set(&mut policy.max_failed, p.max_failed.as_ref().and_then(|v| ctx.fail_budget(v, "max_failed")));
    set(&mut policy.approve_waves, p.approve_waves.as_ref().and_then(|v| ctx.choice(v, "approve_waves", APPROVALS)));
    let on_breach = [("pause", OnBreach::Pause), ("rollback-wave", OnBreach::RollbackWave), ("rollback-hosts", OnBreach::RollbackHosts)];
    set(&mut policy.on_breach, p.on_breach.as_ref().and_then(|v| ctx.choice(v, "on_breach", &on_breach)));
    let on_fail = [
        ("pause-run", OnHostFailure::PauseRun),
        ("pause-wave", OnHostFailure::PauseWave),
        ("rollback-host", OnHostFailure::RollbackHost),
    ];
    set(&mut policy.on_host_failure, p.on_host_failure.as_ref().and_then(|v| ctx.choice(v, "on_host_failure", &on_fail)));
    let confirm = [("commander", Confirmer::Commander), ("technician", Confirmer::Technician)];
    set(&mut policy.rollback_confirm, p.rollback_confirm.as_ref().and_then(|v| ctx.choice(v, "rollback_confirm", &confirm)));
    set(&mut policy.reverify, p.reverify.as_ref().and_then(|v| reverify(v, ctx)));
    set(&mut policy.soak, p.soak.as_ref().and_then(|v| ctx.duration(v, "soak")));
    set(&mut policy.parallel, p.parallel.as_ref().and_then(|v| ctx.count(v, "parallel", 1)));
    let backups = [
        ("verified-restore", BackupRule::VerifiedRestore),
        ("required", BackupRule::Required),
        ("snapshot", BackupRule::Snapshot),
    ];
    set(&mut policy.backups, p.backups.as_ref().and_then(|v| ctx.choice(v, "backups", &backups)));
    policy
}

fn reverify(v: &S<String>, ctx: &mut Ctx<'_>) -> Option<Reverify> {
    match v.get_ref().as_str() {
        "all" => Some(Reverify::All),
        "none" => Some(Reverify::None),
        t if t.trim().ends_with('%') => ctx.percent(v.span(), t, "reverify", true).map(Reverify::Sample),
        _ => ctx.choice(v, "reverify", &[("all", Reverify::All), ("none", Reverify::None), ("10%", Reverify::Sample(10))]),
    }
}

/// Where a wave is written: its header and the value saying which hosts it takes.
pub(crate) struct WaveSpot {
    header: usize,
    size: usize,
}

fn waves(raw: &[S<RawWave>], risk: Risk, policy: &Policy, ctx: &mut Ctx<'_>) -> Option<(Vec<WaveSpec>, Vec<WaveSpot>)> {
    let inherit = |name: Option<String>, size: WaveSize| WaveSpec {
        name,
        size,
        soak: policy.soak.clone(),
        max_failed: policy.max_failed.clone(),
        parallel: policy.parallel.clone(),
        approval: policy.approve_waves.clone(),
    };
    if raw.is_empty() {
        let specs = Policy::default_waves(risk)
            .iter()
            .map(|s| match s.strip_suffix('%').and_then(|p| p.parse().ok()) {
                Some(p) => inherit(None, WaveSize::Percent(p)),
                None => inherit(None, WaveSize::Rest),
            })
            .collect::<Vec<_>>();
        let spots = specs.iter().map(|_| WaveSpot { header: 0, size: 0 }).collect();
        return Some((specs, spots));
    }
    let before = ctx.error_count();
    let mut specs = Vec::new();
    let mut spots = Vec::new();
    for wave in raw {
        let w = wave.get_ref();
        let header = wave.span().start;
        let (size, size_at) = match (&w.size, &w.select) {
            (Some(_), Some(sel)) => {
                ctx.error(sel.span().start, "[[wave]] has both `size` and `select`", "keep one: size = \"10%\" / 25 / \"rest\", or select = { group = \"canary\" }");
                (None, header)
            }
            (Some(size), None) => (wave_size(size, ctx), size.span().start),
            (None, Some(sel)) if sel.get_ref().is_empty() => {
                ctx.error(sel.span().start, "`select` names no label", "write the labels the wave takes, e.g. select = { group = \"canary\" }");
                (None, header)
            }
            (None, Some(sel)) => (Some(WaveSize::Select(sel.get_ref().clone())), sel.span().start),
            (None, None) => {
                ctx.error(header, "[[wave]] says neither `size` nor `select`", "add size = \"10%\", a host count like 25, or \"rest\"; or select = { group = \"canary\" }");
                (None, header)
            }
        };
        let name = w.name.as_ref().and_then(|n| ctx.non_empty(n, "name"));
        let Some(size) = size else { continue };
        let mut spec = inherit(name, size);
        if let Some(v) = w.soak.as_ref().and_then(|v| ctx.duration(v, "soak")) {
            spec.soak = Setting::set(v);
        }
        if let Some(v) = w.max_failed.as_ref().and_then(|v| ctx.fail_budget(v, "max_failed")) {
            spec.max_failed = Setting::set(v);
        }
        if let Some(v) = w.parallel.as_ref().and_then(|v| ctx.count(v, "parallel", 1)) {
            spec.parallel = Setting::set(v);
        }
        if let Some(v) = w.approval.as_ref().and_then(|v| ctx.choice(v, "approval", APPROVALS)) {
            spec.approval = Setting::set(v);
        }
        specs.push(spec);
        spots.push(WaveSpot { header, size: size_at });
    }
    (ctx.error_count() == before).then_some((specs, spots))
}

fn wave_size(v: &S<NumOrText>, ctx: &mut Ctx<'_>) -> Option<WaveSize> {
    match v.get_ref() {
        NumOrText::Num(n) => ctx.count(&S::new(v.span(), *n), "size", 1).map(WaveSize::Count),
        NumOrText::Text(t) if t == "rest" => Some(WaveSize::Rest),
        NumOrText::Text(t) if t.trim().ends_with('%') => ctx.percent(v.span(), t, "size", true).map(WaveSize::Percent),
        NumOrText::Text(t) => {
            let help = if t.trim().parse::<u32>().is_ok() {
                format!("write a host count without quotes (size = {}) or a percentage like \"{}%\"", t.trim(), t.trim())
            } else {
                "write a percentage of the fleet like \"10%\", a host count like 25, or \"rest\"".to_string()
            };
            ctx.error(v.span().start, format!("`size` = \"{t}\" is not a wave size"), help);
            None
        }
    }
}

/// Places the fleet in the waves; errors point at the `[[wave]]` concerned.
fn place(fleet: &[super::Host], specs: &[WaveSpec], spots: &[WaveSpot], ctx: &mut Ctx<'_>) -> Option<Vec<PlannedWave>> {
    let spot = |wave: usize| spots.get(wave.saturating_sub(1)).map_or(0, |s| s.header);
    let planned = match plan_waves(fleet, specs) {
        Ok(p) => p,
        Err(err) => {
            let (at, message, help) = match &err {
                WavePlanError::EmptyWave { wave, why } => (spot(*wave), format!("wave {wave} gets no host"), why.clone()),
                WavePlanError::Unplaced { count, first } => (
                    spot(specs.len()),
                    format!("the waves leave {count} of {} hosts unplaced (first: {first})", fleet.len()),
                    "add a last [[wave]] with size = \"rest\", or make the sizes add up".to_string(),
                ),
                WavePlanError::SecondRest { wave } => (spot(*wave), err.to_string(), "keep \"rest\" on the last wave only".to_string()),
                WavePlanError::EmptyFleet | WavePlanError::NoWaves => (0, err.to_string(), String::new()),
            };
            ctx.error(at, message, help);
            return None;
        }
    };
    let before = ctx.error_count();
    for ((spec, wave), s) in specs.iter().zip(&planned).zip(spots) {
        let wanted = match spec.size {
            WaveSize::Percent(p) => percent_of(fleet.len(), p),
            WaveSize::Count(n) => n as usize,
            _ => continue,
        };
        if wave.hosts.len() < wanted {
            let at: Range<usize> = s.size..s.size;
            ctx.error(
                at.start,
                format!("wave {} asks for {wanted} hosts but only {} are left after the waves before it", wave.number, wave.hosts.len()),
                format!("the fleet has {} hosts: shrink this wave or the ones before it, or write size = \"rest\"", fleet.len()),
            );
        }
    }
    (ctx.error_count() == before).then_some(planned)
}
