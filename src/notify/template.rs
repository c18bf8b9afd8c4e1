//! Message templates (minijinja): the shipped defaults per kind and audience, and the
//! runbook's per-channel overrides, checked before use.

use minijinja::{Environment, UndefinedBehavior};
use serde_json::Value;

use super::context::ETA_FIELDS;
use super::defaults::{EXTERNAL, GENERIC, INTERNAL};
use crate::runbook::{Audience, NotifyChannel};

/// The template key of an event type: status updates are templated as `status_update`.
pub fn template_kind(kind: &str) -> &str {
    if kind == "status_update_sent" {
        "status_update"
    } else {
        kind
    }
}

/// Every template, compiled once.
pub struct Templates {
    env: Environment<'static>,
    /// Overrides refused (bad syntax, or an ETA in an external template), for the operator.
    pub problems: Vec<String>,
}

fn default_name(audience: Audience, kind: &str) -> String {
    format!("{}/{kind}", super::context::audience_str(audience))
}

fn override_name(channel: &str, kind: &str) -> String {
    format!("channel:{channel}/{kind}")
}

/// Why an override cannot be used, if it cannot.
fn refuse(channel: &NotifyChannel, kind: &str, source: &str) -> Option<String> {
    let env = environment();
    let template = match env.template_from_str(source) {
        Ok(t) => t,
        Err(e) => {
            return Some(format!(
                "[[notify]] {:?}: template for {kind} does not parse: {e}; fix it (minijinja syntax, like Jinja2)",
                channel.name
            ));
        }
    };
    if channel.audience == Audience::External {
        let eta = template
            .undeclared_variables(true)
            .into_iter()
            .find(|v| v.split('.').any(|part| ETA_FIELDS.contains(&part)));
        if let Some(var) = eta {
            return Some(format!(
                "[[notify]] {:?}: the external template for {kind} uses `{var}`: external messages never state a resolution time the commander has not set; remove it",
                channel.name
            ));
        }
    }
    None
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Lenient lookups: a template written for one kind may name fields another kind lacks.
    // Whitespace follows Jinja's defaults (no trim_blocks), which template authors expect.
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env
}

/// Problems with a runbook's template overrides (for `ripcord check`); empty when all are usable.
pub fn template_problems(channels: &[NotifyChannel]) -> Vec<String> {
    channels
        .iter()
        .flat_map(|c| {
            c.templates
                .iter()
                .filter_map(move |(kind, src)| refuse(c, kind, src))
        })
        .collect()
}

impl Templates {
    /// The shipped defaults plus the usable overrides of `channels`.
    pub fn new(channels: &[NotifyChannel]) -> Self {
        let mut env = environment();
        let mut problems = Vec::new();
        for (audience, table) in [
            (Audience::Internal, INTERNAL),
            (Audience::External, EXTERNAL),
        ] {
            for (kind, source) in table {
                if let Err(e) = env.add_template_owned(default_name(audience, kind), *source) {
                    // A shipped template that does not parse is a bug; the tests render them all.
                    tracing::error!("shipped {kind} template does not parse: {e}");
                }
            }
        }
        for c in channels {
            for (kind, source) in &c.templates {
                if let Some(problem) = refuse(c, kind, source) {
                    tracing::warn!("{problem}; the shipped template is used instead");
                    problems.push(problem);
                    continue;
                }
                if let Err(e) = env.add_template_owned(override_name(&c.name, kind), source.clone())
                {
                    problems.push(format!("[[notify]] {:?}: template for {kind}: {e}", c.name));
                }
            }
        }
        Self { env, problems }
    }

    /// Renders the message of `kind` for `channel` (its override, else the default of its
    /// audience and kind, else the generic default), trimmed of blank lines at the ends.
    pub fn render(
        &self,
        channel: Option<&str>,
        audience: Audience,
        kind: &str,
        ctx: &Value,
    ) -> Result<String, String> {
        let kind = template_kind(kind);
        let names = [
            channel.map(|c| override_name(c, kind)),
            Some(default_name(audience, kind)),
            Some(default_name(audience, GENERIC)),
        ];
        let template = names
            .iter()
            .flatten()
            .find_map(|n| self.env.get_template(n).ok())
            .ok_or_else(|| format!("no template for {kind}"))?;
        let text = template
            .render(minijinja::Value::from(minijinja::value::Serde(ctx)))
            .map_err(|e| format!("template for {kind}: {e}"))?;
        Ok(tidy(&text))
    }
}

/// Trailing spaces cut, runs of blank lines collapsed to one, blank ends dropped.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.trim().lines().map(str::trim_end) {
        if line.is_empty() {
            blank = true;
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank {
                out.push('\n');
            }
        }
        blank = false;
        out.push_str(line);
    }
    out
}

/// The title of a message: its first line.
pub fn title(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::{ChannelKind, Severity};

    fn channel(audience: Audience, kind: &str, src: &str) -> NotifyChannel {
        NotifyChannel {
            name: "c".into(),
            kind: ChannelKind::Webhook,
            url_env: Some("X".into()),
            url_file: None,
            secret_env: None,
            command: Vec::new(),
            smtp: None,
            to: Vec::new(),
            from: None,
            on: vec![kind.into()],
            min_severity: Severity::Minor,
            audience,
            templates: [(kind.to_string(), src.to_string())].into(),
        }
    }

    #[test]
    fn shipped_templates_all_parse() {
        let t = Templates::new(&[]);
        for (audience, table) in [
            (Audience::Internal, INTERNAL),
            (Audience::External, EXTERNAL),
        ] {
            for (kind, _) in table {
                assert!(
                    t.env.get_template(&default_name(audience, kind)).is_ok(),
                    "{kind}"
                );
            }
        }
    }

    #[test]
    fn external_overrides_naming_an_eta_are_refused() {
        let bad = channel(Audience::External, "paused", "Back by {{ eta }}");
        let also_bad = channel(
            Audience::External,
            "paused",
            "{{ run.targets.restore_within_ms }}",
        );
        let fine_internal = channel(
            Audience::Internal,
            "paused",
            "target {{ targets.restore_within_ms }}",
        );
        assert_eq!(template_problems(&[bad.clone(), also_bad]).len(), 2);
        assert!(template_problems(&[fine_internal]).is_empty());
        let t = Templates::new(&[bad]);
        assert_eq!(t.problems.len(), 1);
        let ctx = serde_json::json!({"run": {"plan": "p"}, "status": {}});
        let text = t
            .render(Some("c"), Audience::External, "paused", &ctx)
            .unwrap();
        assert!(text.starts_with("Maintenance paused: p"), "{text}");
    }

    #[test]
    fn overrides_win_and_broken_ones_fall_back() {
        let ok = channel(Audience::Internal, "wave_completed", "wave {{ wave }} done");
        let t = Templates::new(&[ok]);
        let ctx = serde_json::json!({"wave": 2});
        assert_eq!(
            t.render(Some("c"), Audience::Internal, "wave_completed", &ctx)
                .unwrap(),
            "wave 2 done"
        );
        let broken = channel(Audience::Internal, "wave_completed", "{% if %}");
        assert_eq!(Templates::new(&[broken]).problems.len(), 1);
    }

    #[test]
    fn tidy_collapses_blank_runs() {
        assert_eq!(tidy("\n a  \n\n\n b\n\n"), "a\n\n b");
    }
}
