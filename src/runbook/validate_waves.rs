//! Validation of the `[[wave]]`s (or the risk row's default waves) and the placing of every
//! host in exactly one of them; errors point at the `[[wave]]` concerned.

use super::model::{Approval, Host, Policy, Risk, Setting, WaveSize, WaveSpec};
use super::raw::{NumOrText, RawWave, S};
use super::values::Ctx;
use super::waves::{PlannedWave, WavePlanError, percent_of, plan_waves};

pub(crate) const APPROVALS: &[(&str, Approval)] =
    &[("commander", Approval::Commander), ("auto", Approval::Auto)];

/// Where a wave is written: its header and the value saying which hosts it takes.
pub(crate) struct WaveSpot {
    header: usize,
    size: usize,
    /// Set for the risk row's default waves (none written): the row, and where risk is set.
    default_of: Option<Risk>,
}

/// The waves as written, or the default waves of `risk` (`None` when `[plan]` has no valid
/// risk, which is reported already); `risk_at` is where the risk is written.
pub(crate) fn waves(
    raw: &[S<RawWave>],
    risk: Option<Risk>,
    risk_at: usize,
    policy: &Policy,
    ctx: &mut Ctx<'_>,
) -> Option<(Vec<WaveSpec>, Vec<WaveSpot>)> {
    let inherit = |name: Option<String>, size: WaveSize| WaveSpec {
        name,
        size,
        soak: policy.soak.clone(),
        max_failed: policy.max_failed.clone(),
        parallel: policy.parallel.clone(),
        approval: policy.approve_waves.clone(),
    };
    if raw.is_empty() {
        let risk = risk?;
        let specs = Policy::default_waves(risk)
            .iter()
            .map(|s| match s.strip_suffix('%').and_then(|p| p.parse().ok()) {
                Some(p) => inherit(None, WaveSize::Percent(p)),
                None => inherit(None, WaveSize::Rest),
            })
            .collect::<Vec<_>>();
        let spots = specs
            .iter()
            .map(|_| WaveSpot {
                header: risk_at,
                size: risk_at,
                default_of: Some(risk),
            })
            .collect();
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
                ctx.error(
                    sel.span().start,
                    "[[wave]] has both `size` and `select`",
                    "keep one: size = \"10%\" / 25 / \"rest\", or select = { group = \"canary\" }",
                );
                (None, header)
            }
            (Some(size), None) => (wave_size(size, ctx), size.span().start),
            (None, Some(sel)) if sel.get_ref().is_empty() => {
                ctx.error(
                    sel.span().start,
                    "`select` names no label",
                    "write the labels the wave takes, e.g. select = { group = \"canary\" }",
                );
                (None, header)
            }
            (None, Some(sel)) => (
                Some(WaveSize::Select(sel.get_ref().clone())),
                sel.span().start,
            ),
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
        if let Some(v) = w
            .max_failed
            .as_ref()
            .and_then(|v| ctx.fail_budget(v, "max_failed"))
        {
            spec.max_failed = Setting::set(v);
        }
        if let Some(v) = w
            .parallel
            .as_ref()
            .and_then(|v| ctx.count(v, "parallel", 1))
        {
            spec.parallel = Setting::set(v);
        }
        if let Some(v) = w
            .approval
            .as_ref()
            .and_then(|v| ctx.choice(v, "approval", APPROVALS))
        {
            spec.approval = Setting::set(v);
        }
        specs.push(spec);
        spots.push(WaveSpot {
            default_of: None,
            header,
            size: size_at,
        });
    }
    (ctx.error_count() == before).then_some((specs, spots))
}

fn wave_size(v: &S<NumOrText>, ctx: &mut Ctx<'_>) -> Option<WaveSize> {
    match v.get_ref() {
        NumOrText::Num(n) => ctx
            .count(&S::new(v.span(), *n), "size", 1)
            .map(WaveSize::Count),
        NumOrText::Text(t) if t == "rest" => Some(WaveSize::Rest),
        NumOrText::Text(t) if t.trim().ends_with('%') => ctx
            .percent(v.span(), t, "size", true)
            .map(WaveSize::Percent),
        NumOrText::Text(t) => {
            let help = if t.trim().parse::<u32>().is_ok() {
                format!(
                    "write a host count without quotes (size = {}) or a percentage like \"{}%\"",
                    t.trim(),
                    t.trim()
                )
            } else {
                "write a percentage of the fleet like \"10%\", a host count like 25, or \"rest\""
                    .to_string()
            };
            ctx.error(
                v.span().start,
                format!("`size` = \"{t}\" is not a wave size"),
                help,
            );
            None
        }
    }
}

/// Places the fleet in the waves; errors point at the `[[wave]]` concerned.
pub(crate) fn place(
    fleet: &[Host],
    specs: &[WaveSpec],
    spots: &[WaveSpot],
    ctx: &mut Ctx<'_>,
) -> Option<Vec<PlannedWave>> {
    let spot = |wave: usize| spots.get(wave.saturating_sub(1)).map_or(0, |s| s.header);
    let planned = match plan_waves(fleet, specs) {
        Ok(p) => p,
        Err(WavePlanError::EmptyWave { wave, .. }) if spots[0].default_of.is_some() => {
            let risk = spots[0].default_of.map_or("", |r| r.as_str());
            let sizes = spots[0]
                .default_of
                .map(Policy::default_waves)
                .unwrap_or_default();
            ctx.error(
                spots[0].header,
                format!(
                    "the {risk}-risk default waves ({}) leave wave {wave} empty: the fleet has only {} hosts",
                    sizes.join(", "),
                    fleet.len()
                ),
                "write [[wave]]s that fit this fleet, e.g. [[wave]] size = 1, then [[wave]] size = \"rest\"",
            );
            return None;
        }
        Err(err) => {
            let (at, message, help) = match &err {
                WavePlanError::EmptyWave { wave, why } => (
                    spot(*wave),
                    format!("wave {wave} gets no host"),
                    why.clone(),
                ),
                WavePlanError::Unplaced { count, first } => (
                    spot(specs.len()),
                    format!(
                        "the waves leave {count} of {} hosts unplaced (first: {first})",
                        fleet.len()
                    ),
                    "add a last [[wave]] with size = \"rest\", or make the sizes add up"
                        .to_string(),
                ),
                WavePlanError::SecondRest { wave } => (
                    spot(*wave),
                    err.to_string(),
                    "keep \"rest\" on the last wave only".to_string(),
                ),
                WavePlanError::EmptyFleet | WavePlanError::NoWaves => {
                    (0, err.to_string(), String::new())
                }
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
            ctx.error(
                s.size,
                format!("wave {} asks for {wanted} hosts but only {} are left after the waves before it", wave.number, wave.hosts.len()),
                format!("the fleet has {} hosts: shrink this wave or the ones before it, or write size = \"rest\"", fleet.len()),
            );
        }
    }
    (ctx.error_count() == before).then_some(planned)
}

/// Warns about a wave whose soak ends before the slowest breach rule can fire: the next wave
/// (or the end of the run) would come before a breach is confirmed, and the fault would reach
/// more hosts than the plan intends.
pub(crate) fn soak_covers_rules(
    specs: &[WaveSpec],
    spots: &[WaveSpot],
    watches: &[crate::runbook::Watch],
    ctx: &mut Ctx<'_>,
) {
    let Some(slowest) = watches
        .iter()
        .filter(|w| w.breach.is_some())
        .max_by_key(|w| w.for_)
    else {
        return;
    };
    for (i, (spec, spot)) in specs.iter().zip(spots).enumerate() {
        if spec.soak.value < slowest.for_ {
            ctx.warn(
                spot.header,
                format!(
                    "wave {} soaks {} but rule \"{}\" needs {} of breach to fire",
                    i + 1,
                    spec.soak.value,
                    slowest.name,
                    slowest.for_
                ),
                format!(
                    "soak at least {} (a breach must be able to fire before the next wave starts)",
                    slowest.for_
                ),
            );
        }
    }
}
