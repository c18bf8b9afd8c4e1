//! Validation of `[steps.NAME]`: argv commands (no shell unless acknowledged), Ansible
//! steps, timeouts, and the placeholders each may use.

use std::collections::BTreeMap;

use super::diagnostic::closest;
use super::duration::Span;
use super::model::{Per, Risk, StepName, StepRunner, StepSpec};
use super::placeholders::{STEP_PLACEHOLDERS, scan_step, source_offset};
use super::raw::{RawStep, RawSteps, S};
use super::values::Ctx;

/// Timeout of a step that names none.
pub const DEFAULT_TIMEOUT: Span = Span::from_mins(30);

/// Checks every step; `None` when any is invalid. `risk` is `None` when `[plan]` is broken.
pub fn steps(
    raw: Option<&S<RawSteps>>,
    risk: Option<Risk>,
    ctx: &mut Ctx<'_>,
) -> Option<BTreeMap<StepName, StepSpec>> {
    let before = ctx.error_count();
    let at = raw.map_or(0, |r| r.span().start);
    let empty = RawSteps::default();
    let s = raw.map_or(&empty, |r| r.get_ref());
    let all = [
        (StepName::Backup, &s.backup),
        (StepName::VerifyBackup, &s.verify_backup),
        (StepName::Precheck, &s.precheck),
        (StepName::Upgrade, &s.upgrade),
        (StepName::Verify, &s.verify),
        (StepName::Rollback, &s.rollback),
        (StepName::VerifyRollback, &s.verify_rollback),
    ];
    let mut out = BTreeMap::new();
    for (name, raw_step) in all {
        if let Some(step) = raw_step.as_ref().and_then(|r| step(name, r, ctx)) {
            out.insert(name, step);
        }
    }
    if s.upgrade.is_none() {
        ctx.error(
            at,
            "the runbook has no [steps.upgrade]",
            "add [steps.upgrade] with run = [\"./scripts/upgrade.sh\", \"{host}\"] and a timeout",
        );
    }
    if let (None, Some(r @ (Risk::High | Risk::Medium))) = (&s.rollback, risk) {
        ctx.error(
            at,
            format!("a {}-risk plan needs [steps.rollback]", r.as_str()),
            "add [steps.rollback] run = [\"./scripts/rollback.sh\", \"{host}\"]: the policy offers a rollback on every failure and breach",
        );
    }
    if let (None, Some(Risk::High)) = (&s.verify_backup, risk) {
        ctx.warn(
            at,
            "a high-risk plan without [steps.verify_backup]",
            "the high-risk policy wants one restore verified before wave 1: add [steps.verify_backup]",
        );
    }
    (ctx.error_count() == before).then_some(out)
}

fn step(name: StepName, raw: &S<RawStep>, ctx: &mut Ctx<'_>) -> Option<StepSpec> {
    let before = ctx.error_count();
    let header = raw.span().start;
    let r = raw.get_ref();
    let table = format!("[steps.{}]", name.as_str());
    let kinds = [("command", false), ("ansible", true)];
    let ansible = r
        .kind
        .as_ref()
        .map_or(Some(false), |k| ctx.choice(k, "kind", &kinds))?;
    let per = match &r.per {
        Some(p) => ctx.choice(p, "per", &[("host", Per::Host), ("wave", Per::Wave)]),
        None if ansible => Some(Per::Wave),
        None => Some(Per::Host),
    };
    let timeout = ctx.duration_or(r.timeout.as_ref(), "timeout", DEFAULT_TIMEOUT);
    let mut env = BTreeMap::new();
    for (key, value) in r.env.iter().flatten() {
        if !valid_env_name(key) {
            ctx.error(
                value.span().start,
                format!("`{key}` in `env` of {table} is not an environment variable name"),
                "use letters, digits and _ (not starting with a digit), e.g. DEPLOY_TAG",
            );
        }
        env.insert(key.clone(), value.get_ref().clone());
    }
    let runner = if ansible {
        ansible_runner(r, &table, header, ctx)
    } else {
        command_runner(r, &table, header, ctx)
    };
    let shell = r.shell.as_ref().is_some_and(|s| *s.get_ref());
    if let Some(per) = per {
        // A shell line is never expanded (see `command_runner`); its later elements are.
        let texts = r
            .run
            .iter()
            .flat_map(|v| v.get_ref().iter().skip(usize::from(shell)))
            .chain(r.extra_vars.iter().flat_map(|e| e.values()))
            .chain(r.playbook.iter());
        for text in texts {
            placeholders(text, per, &table, ctx);
        }
    }
    if ctx.error_count() != before {
        return None;
    }
    Some(StepSpec {
        name,
        runner: runner?,
        timeout,
        per: per?,
        env,
    })
}

fn command_runner(
    r: &RawStep,
    table: &str,
    header: usize,
    ctx: &mut Ctx<'_>,
) -> Option<StepRunner> {
    for key in [
        r.playbook.as_ref().map(|v| ("playbook", v.span().start)),
        r.inventory.as_ref().map(|v| ("inventory", v.span().start)),
    ]
    .into_iter()
    .flatten()
    {
        ctx.error(
            key.1,
            format!("`{}` in {table} is only for kind = \"ansible\"", key.0),
            "add kind = \"ansible\", or remove it",
        );
    }
    let Some(run) = &r.run else {
        ctx.error(
            header,
            format!("{table} has no `run`"),
            "add the command as an argv array, e.g. run = [\"./scripts/upgrade.sh\", \"{host}\"]",
        );
        return None;
    };
    let argv: Vec<String> = run.get_ref().iter().map(|a| a.get_ref().clone()).collect();
    if argv.is_empty() || argv[0].trim().is_empty() {
        ctx.error(
            run.span().start,
            format!("`run` in {table} is an empty command"),
            "give at least the program: run = [\"./scripts/upgrade.sh\", \"{host}\"]",
        );
        return None;
    }
    let shell = r.shell.as_ref().is_some_and(|s| *s.get_ref());
    if shell {
        let acked = r.shell_acknowledged.as_ref().is_some_and(|s| *s.get_ref());
        let at = r.shell.as_ref().map_or(header, |s| s.span().start);
        if !acked {
            ctx.error(
                at,
                format!("`shell = true` in {table} needs shell_acknowledged = true"),
                "steps are argv arrays so a host name can never be split or run as code; if this step truly needs a shell, add shell_acknowledged = true beside shell = true",
            );
        }
        let line = &run.get_ref()[0];
        for name in STEP_PLACEHOLDERS {
            if line.get_ref().contains(&format!("{{{name}}}")) {
                let off = source_offset(&ctx.text[line.span()], name, 0).unwrap_or(0);
                let var = format!("$RIPCORD_{}", name.to_ascii_uppercase());
                ctx.error(
                    line.span().start + off,
                    format!("`{{{name}}}` in the shell line of {table} is not expanded"),
                    format!("a shell line is passed to sh as written, so no value can be read as code: use \"{var}\" in the line, or add \"{{{name}}}\" as a further element of run and read it as \"$1\""),
                );
            }
        }
    }
    Some(StepRunner::Command { argv, shell })
}

fn ansible_runner(
    r: &RawStep,
    table: &str,
    header: usize,
    ctx: &mut Ctx<'_>,
) -> Option<StepRunner> {
    if let Some(run) = &r.run {
        ctx.error(
            run.span().start,
            format!("{table} has kind = \"ansible\" and a `run`"),
            "an ansible step names its playbook; remove `run`, or remove kind = \"ansible\"",
        );
    }
    if let Some(s) = &r.shell {
        ctx.error(
            s.span().start,
            format!("`shell` in {table} does not apply to kind = \"ansible\""),
            "remove it",
        );
    }
    let forks = match &r.forks {
        Some(f) => Some(ctx.count(f, "forks", 1)?),
        None => None,
    };
    let Some(playbook) = &r.playbook else {
        ctx.error(
            header,
            format!("{table} has kind = \"ansible\" but no `playbook`"),
            "add playbook = \"ansible/upgrade.yml\" (relative to the runbook)",
        );
        return None;
    };
    Some(StepRunner::Ansible {
        playbook: ctx.non_empty(playbook, "playbook")?,
        inventory: r.inventory.as_ref().map(|i| i.get_ref().clone()),
        extra_vars: r
            .extra_vars
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.get_ref().clone()))
            .collect(),
        tags: r.tags.clone().unwrap_or_default(),
        forks,
    })
}

/// Checks the placeholders of one step text: known names only, and the one that fits `per`.
fn placeholders(text: &S<String>, per: Per, table: &str, ctx: &mut Ctx<'_>) {
    let source = &ctx.text[text.span()];
    let at = |name: &str, n: usize| text.span().start + source_offset(source, name, n).unwrap_or(0);
    let found = match scan_step(text.get_ref()) {
        Ok(f) => f,
        Err(e) => {
            ctx.error(
                text.span().start,
                format!("in {table}: {}", e.message),
                format!("placeholders here: {}", known()),
            );
            return;
        }
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for f in found {
        let n = seen.entry(f.name.clone()).or_default();
        let pos = at(&f.name, *n);
        *n += 1;
        match (f.name.as_str(), per) {
            ("hosts", Per::Host) => ctx.error(pos, format!("`{{hosts}}` in {table}, a per = \"host\" step"), "a per-host step acts on one host: use {host}, or set per = \"wave\" to run once for the wave's hosts"),
            ("host", Per::Wave) => ctx.error(pos, format!("`{{host}}` in {table}, a per = \"wave\" step"), "a per-wave step acts on all the wave's hosts: use {hosts} (comma-separated), or set per = \"host\""),
            (name, _) if STEP_PLACEHOLDERS.contains(&name) => {}
            (name, _) => {
                let help = match closest(name, STEP_PLACEHOLDERS) {
                    Some(c) => format!("did you mean `{{{c}}}`? placeholders here: {}; write {{{{ and }}}} for literal braces", known()),
                    None => format!("placeholders here: {}; write {{{{ and }}}} for literal braces", known()),
                };
                ctx.error(pos, format!("unknown placeholder `{{{name}}}` in {table}"), help);
            }
        }
    }
}

fn known() -> String {
    STEP_PLACEHOLDERS
        .iter()
        .map(|p| format!("{{{p}}}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
pub fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::NaiveDate;

    use crate::runbook::load::load_str;
    use crate::runbook::{StepName, StepRunner};

    fn runbook(step: &str) -> String {
        format!(
            "[plan]\nname = \"t\"\nrisk = \"low\"\nenvironment = \"test\"\nreviewed = 2026-11-01\n[fleet]\nhosts = [\"a\", \"b\"]\n{step}"
        )
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default()
    }

    #[test]
    fn a_shell_line_never_holds_placeholders() {
        let text = runbook(
            "[steps.upgrade]\nrun = [\"upgrade {host} && reboot\"]\nshell = true\nshell_acknowledged = true\n",
        );
        let err = load_str(Path::new("r.toml"), &text, today()).unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert_eq!(
            err[0].message,
            "`{host}` in the shell line of [steps.upgrade] is not expanded"
        );
        assert_eq!((err[0].line, err[0].column), (9, 17));
    }

    #[test]
    fn an_acknowledged_shell_step_takes_host_as_a_further_argument() {
        let text = runbook(
            "[steps.upgrade]\nrun = [\"upgrade \\\"$1\\\" | tee log\", \"{host}\"]\nshell = true\nshell_acknowledged = true\n",
        );
        let loaded = load_str(Path::new("r.toml"), &text, today()).unwrap();
        let step = &loaded.runbook.steps[&StepName::Upgrade];
        assert!(
            matches!(&step.runner, StepRunner::Command { shell: true, argv } if argv.len() == 2)
        );
    }

    #[test]
    fn literal_braces_are_written_doubled() {
        let text = runbook("[steps.upgrade]\nrun = [\"awk\", \"{{print $1}}\", \"{host}\"]\n");
        assert!(load_str(Path::new("r.toml"), &text, today()).is_ok());
        let text = runbook("[steps.upgrade]\nrun = [\"awk\", \"{print $1}\"]\n");
        let err = load_str(Path::new("r.toml"), &text, today()).unwrap_err();
        assert!(
            err[0]
                .message
                .starts_with("unknown placeholder `{print $1}`"),
            "{err:?}"
        );
    }
}
