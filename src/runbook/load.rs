//! Loading a runbook file: TOML syntax, unknown keys, inline secrets, types, then validation
//! into a checked [`Runbook`], with every problem of the file reported in one go.

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue, ValueDeserializer};

use super::diagnostic::{self, Diagnostic};
use super::model::Runbook;
use super::raw::RawRunbook;
use super::validate::validate;
use super::values::Ctx;
use super::waves::PlannedWave;
use super::{schema, secrets};

/// A runbook that passed `check`: what `plan` shows and `run` executes.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The checked runbook.
    pub runbook: Runbook,
    /// Warnings (stale review date, watch without breach rule ...); never errors.
    pub warnings: Vec<Diagnostic>,
    /// Every host placed in exactly one wave, in run order.
    pub waves: Vec<PlannedWave>,
    /// True when the runbook names no `[[wave]]` and the risk row's default waves apply.
    pub default_waves: bool,
}

/// Loads and validates the runbook at `path`, judging its `reviewed` date against today's
/// local date. On failure, every diagnostic (errors and warnings) in file order.
pub fn load(path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    load_with_today(path, chrono::Local::now().date_naive())
}

/// [`load`] with today's date given, so the 90-day review warning is testable.
pub fn load_with_today(path: &Path, today: NaiveDate) -> Result<Loaded, Vec<Diagnostic>> {
    match std::fs::read_to_string(path) {
        Ok(text) => load_str(path, &text, today),
        Err(e) => Err(vec![
            Diagnostic::file_error(path, format!("cannot read the runbook: {e}"))
                .with_help("check the path; runbooks are TOML files such as runbooks/demo.toml"),
        ]),
    }
}

/// Validates runbook `text` as if read from `path` (hosts files resolve against its folder).
pub fn load_str(path: &Path, text: &str, today: NaiveDate) -> Result<Loaded, Vec<Diagnostic>> {
    let (mut root, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        // The tree after a syntax error is a guess: report the syntax alone.
        let mut diags: Vec<Diagnostic> = syntax
            .iter()
            .map(|e| {
                let at = e.span().map_or(0, |s| s.start);
                Diagnostic::error_at(path, text, at, format!("invalid TOML: {}", e.message()))
                    .with_help("fix the TOML syntax here (strings in quotes, one key = value a line, [table] headers)")
            })
            .collect();
        diagnostic::sort(&mut diags);
        diags.dedup_by(|a, b| a.line == b.line);
        return Err(diags);
    }
    let mut ctx = Ctx::new(path, text);
    ctx.diags
        .extend(schema::strip_unknown_keys(root.get_mut(), path, text));
    ctx.diags
        .extend(secrets::find_secrets(root.get_ref(), path, text));
    let before = ctx.error_count();
    let raw = deserialize_sections(root.get_ref(), &mut ctx);
    let checked = if ctx.error_count() > before {
        // Type errors leave sections out; validating the rest would report them as missing.
        None
    } else {
        validate(&raw, &mut ctx, path, today)
    };
    let mut diags = ctx.diags;
    diagnostic::sort(&mut diags);
    match checked {
        Some(c) if !diags.iter().any(Diagnostic::is_error) => Ok(Loaded {
            runbook: c.runbook,
            warnings: diags,
            waves: c.waves,
            default_waves: c.default_waves,
        }),
        _ => Err(diags),
    }
}

/// Deserializes each top-level section (and each `[[wave]]`, `[[watch]]` ... on its own), so
/// a type error in one does not hide the errors of the others.
fn deserialize_sections(root: &DeTable<'_>, ctx: &mut Ctx<'_>) -> RawRunbook {
    let mut raw = RawRunbook::default();
    for (key, value) in root.iter() {
        let parts: Vec<Spanned<DeValue<'_>>> = match value.get_ref() {
            DeValue::Array(items)
                if !items.is_empty() && items.iter().all(|i| i.get_ref().is_table()) =>
            {
                items
                    .iter()
                    .map(|item| {
                        let mut one = DeArray::new();
                        one.push(item.clone());
                        Spanned::new(value.span(), DeValue::Array(one))
                    })
                    .collect()
            }
            _ => vec![value.clone()],
        };
        for part in parts {
            let mut single = DeTable::new();
            single.insert(key.clone(), part);
            let de =
                ValueDeserializer::from(Spanned::new(0..text_len(ctx), DeValue::Table(single)));
            match RawRunbook::deserialize(de) {
                Ok(section) => raw.absorb(section),
                Err(e) => ctx.diags.push(type_error(root, &e, ctx.file, ctx.text)),
            }
        }
    }
    raw
}

fn text_len(ctx: &Ctx<'_>) -> usize {
    ctx.text.len()
}

/// A serde type error, said in the runbook's terms: which key, where, and how to write it.
fn type_error(root: &DeTable<'_>, e: &toml::de::Error, file: &Path, text: &str) -> Diagnostic {
    let at = e.span().map_or(0, |s| s.start);
    let detail = if e.message().contains("untagged enum") {
        "this kind of value does not fit here".to_string()
    } else {
        e.message().to_string()
    };
    let Some((key, place)) = schema::locate(root, at) else {
        return Diagnostic::error_at(file, text, at, detail)
            .with_help("see docs/runbook.md for the type of each key");
    };
    Diagnostic::error_at(file, text, at, format!("`{key}` {place}: {detail}"))
        .with_help(type_help(&key))
}

fn type_help(key: &str) -> String {
    match key {
        "soak"
        | "timeout"
        | "interval"
        | "for"
        | "baseline_window"
        | "downtime_budget"
        | "rollback_start_within"
        | "restore_within"
        | "status_update_every" => {
            format!("write a duration in quotes, e.g. {key} = \"15m\"")
        }
        "reviewed" => "write a bare TOML date, without quotes: reviewed = 2026-10-01".into(),
        "run" | "command" => {
            format!("write an argv array: {key} = [\"./scripts/upgrade.sh\", \"{{host}}\"]")
        }
        "size" => "write a percentage like \"10%\", a host count like 25, or \"rest\"".into(),
        "max_failed" => "write a host count like 2 or a percentage like \"10%\"".into(),
        "max_failed_total" | "parallel" | "forks" => {
            format!("write a whole number without quotes: {key} = 5")
        }
        "host_kind" | "host_kinds" => {
            "write a text or a list: host_kind = \"linux\" or [\"linux\", \"database\"]".into()
        }
        "hosts" | "targets" | "to" | "on" | "tags" => {
            format!("write a list of texts: {key} = [\"...\", \"...\"]")
        }
        "per_host" | "shell" | "shell_acknowledged" => {
            format!("write true or false, without quotes: {key} = true")
        }
        "wave" | "watch" | "alerts" | "notify" => {
            format!("write [[{key}]] with double brackets: each one is an entry of a list")
        }
        "checklist" => {
            "write a list of texts or { text = \"...\", phase = \"each-wave\" } items".into()
        }
        "select" | "match" | "env" | "headers" | "extra_vars" | "templates" => {
            format!("write a table of texts: {key} = {{ name = \"value\" }}")
        }
        _ => format!("see docs/runbook.md for the type of `{key}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default()
    }

    const GOOD: &str = r#"
[plan]
name = "t"
risk = "low"
environment = "test"
reviewed = 2026-11-01

[fleet]
hosts = ["a-1 zone=a", "a-2", "a-3", "a-4"]

[steps.upgrade]
run = ["true", "{host}"]
"#;

    #[test]
    fn a_small_runbook_loads_with_the_low_risk_default_waves() {
        let l = load_str(Path::new("r.toml"), GOOD, today()).unwrap();
        assert!(l.default_waves);
        assert_eq!(
            l.waves.iter().map(|w| w.hosts.len()).collect::<Vec<_>>(),
            [2, 2]
        );
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn type_errors_in_two_sections_are_both_reported() {
        let text = GOOD.replace("reviewed = 2026-11-01", "reviewed = \"2026-11-01\"")
            + "[[wave]]\nsize = true\n";
        let err = load_str(Path::new("r.toml"), &text, today()).unwrap_err();
        let msgs: Vec<String> = err.iter().map(ToString::to_string).collect();
        assert_eq!(msgs.len(), 2, "{msgs:#?}");
        assert!(
            msgs[0].contains("`reviewed` in [plan]") && msgs[0].contains("without quotes"),
            "{msgs:#?}"
        );
        assert!(msgs[1].contains("`size` in [[wave]]"), "{msgs:#?}");
    }

    #[test]
    fn syntax_errors_are_reported_with_their_line() {
        let err = load_str(Path::new("r.toml"), "[plan]\nname = = 1\n", today()).unwrap_err();
        assert_eq!(err[0].line, 2);
        assert!(err[0].message.starts_with("invalid TOML"), "{err:?}");
    }

    #[test]
    fn a_review_older_than_90_days_warns_relative_to_the_given_day() {
        let in_time = NaiveDate::from_ymd_opt(2027, 1, 30).unwrap_or_default();
        let l = load_str(Path::new("r.toml"), GOOD, in_time).unwrap();
        assert!(
            l.warnings.is_empty(),
            "90 days after the review: {:?}",
            l.warnings
        );
        let late = NaiveDate::from_ymd_opt(2027, 1, 31).unwrap_or_default();
        let l = load_str(Path::new("r.toml"), GOOD, late).unwrap();
        assert_eq!(l.warnings.len(), 1);
        assert_eq!(
            l.warnings[0].message,
            "the plan was last reviewed 91 days ago (2026-11-01), more than 90"
        );
        assert_eq!((l.warnings[0].line, l.warnings[0].column), (6, 12));
    }

    #[test]
    fn a_wave_written_as_a_single_table_says_to_double_the_brackets() {
        let text = format!("{GOOD}[wave]\nsize = \"rest\"\n");
        let err = load_str(Path::new("r.toml"), &text, today()).unwrap_err();
        assert_eq!(
            err[0].help.as_deref(),
            Some("write [[wave]] with double brackets: each one is an entry of a list")
        );
    }
}
