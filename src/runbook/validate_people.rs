//! Validation of what concerns people: role checklists, `[[notify]]` channels (whose secrets
//! must come from the environment or a file) and `[contacts]`.

use std::collections::{BTreeMap, HashMap};

use super::model::{
    Audience, ChannelKind, ChecklistItem, Contacts, NotifyChannel, Phase, Role, Severity,
};
use super::raw::{RawItem, RawNotify, RawRole, RawRunbook, S};
use super::validate_steps::valid_env_name;
use super::validate_watch::SEVERITIES;
use super::values::Ctx;

/// Events a channel can subscribe to with `on` (journal event types, plus `status_update`).
pub const NOTIFY_EVENTS: &[&str] = &[
    "status_update",
    "run_started",
    "wave_started",
    "wave_approved",
    "wave_completed",
    "soak_started",
    "soak_finished",
    "host_failed",
    "host_interrupted",
    "host_rolled_back",
    "rule_breached",
    "rule_cleared",
    "no_data",
    "fault_declared",
    "paused",
    "resumed",
    "rollback_requested",
    "rollback_started",
    "rollback_completed",
    "impact_recorded",
    "handover",
    "run_completed",
    "run_halted",
    "service_recovered",
    "recovery_unconfirmed",
    "fault_injected",
    // The remaining engine event types (any may be subscribed to; notification_* never are).
    "run_resumed",
    "host_step_started",
    "host_step_finished",
    "host_upgraded",
    "host_skipped",
    "host_retried",
    "baseline_recorded",
    "intent_refused",
    "checklist_checked",
    "status_update_due",
    "status_update_sent",
    "sla_missed",
];

/// Checklists, channels and contacts.
pub fn people(
    raw: &RawRunbook,
    ctx: &mut Ctx<'_>,
) -> (
    BTreeMap<Role, Vec<ChecklistItem>>,
    Vec<NotifyChannel>,
    Contacts,
) {
    let mut checklists = BTreeMap::new();
    if let Some(roles) = &raw.roles {
        let r = roles.get_ref();
        for (role, raw_role) in [
            (Role::Commander, &r.commander),
            (Role::Technician, &r.technician),
            (Role::Impact, &r.impact),
            (Role::Communicator, &r.communicator),
        ] {
            if let Some(raw_role) = raw_role {
                checklists.insert(role, checklist(raw_role, ctx));
            }
        }
    }
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut channels = Vec::new();
    for n in &raw.notify {
        if let Some(name) = &n.get_ref().name
            && let Some(first) = names.insert(name.get_ref().clone(), name.span().start)
        {
            let (line, _) = super::diagnostic::line_col(ctx.text, first);
            ctx.error(
                name.span().start,
                format!(
                    "channel name \"{}\" is used twice (also on line {line})",
                    name.get_ref()
                ),
                "give each [[notify]] its own name",
            );
        }
        channels.extend(channel(n, ctx));
    }
    let contacts = raw
        .contacts
        .as_ref()
        .map(|c| c.get_ref())
        .map_or_else(Contacts::default, |c| Contacts {
            vendor_support: c.vendor_support.clone(),
            escalation: c.escalation.clone(),
            traffic_switch: c.traffic_switch.clone(),
        });
    (checklists, channels, contacts)
}

fn checklist(role: &S<RawRole>, ctx: &mut Ctx<'_>) -> Vec<ChecklistItem> {
    let phases = [
        ("before", Phase::Before),
        ("each-wave", Phase::EachWave),
        ("on-fault", Phase::OnFault),
        ("after", Phase::After),
    ];
    let mut out = Vec::new();
    for item in role.get_ref().checklist.iter().flatten() {
        let (text, phase) = match item.get_ref() {
            RawItem::Text(t) => (t.clone(), Phase::Before),
            RawItem::Full(full) => {
                let phase = match &full.phase {
                    Some(p) => ctx.choice(&S::new(item.span(), p.clone()), "phase", &phases),
                    None => Some(Phase::Before),
                };
                let Some(phase) = phase else { continue };
                (full.text.clone(), phase)
            }
        };
        if text.trim().is_empty() {
            ctx.error(
                item.span().start,
                "empty checklist item",
                "write what to do, or remove the item",
            );
            continue;
        }
        out.push(ChecklistItem { text, phase });
    }
    out
}

fn channel(n: &S<RawNotify>, ctx: &mut Ctx<'_>) -> Option<NotifyChannel> {
    let before = ctx.error_count();
    let header = n.span().start;
    let r = n.get_ref();
    let name = match &r.name {
        Some(v) => ctx.non_empty(v, "name"),
        None => {
            ctx.error(
                header,
                "[[notify]] has no `name`",
                "add name = \"ops-chat\"",
            );
            None
        }
    };
    let kinds = [
        ("slack", ChannelKind::Slack),
        ("webhook", ChannelKind::Webhook),
        ("wecom", ChannelKind::Wecom),
        ("dingtalk", ChannelKind::Dingtalk),
        ("command", ChannelKind::Command),
        ("email", ChannelKind::Email),
    ];
    let kind = match &r.kind {
        Some(k) => ctx.choice(k, "kind", &kinds),
        None => {
            ctx.error(
                header,
                "[[notify]] has no `kind`",
                "add kind = \"slack\" (or webhook, wecom, dingtalk, command, email)",
            );
            None
        }
    };
    if let Some(url) = &r.url {
        ctx.error(
            url.span().start,
            "`url` in [[notify]]: a webhook URL is a secret and is never written in the runbook",
            "put the URL in an environment variable and write url_env = \"RIPCORD_SLACK_URL\", or in a 0600 file and write url_file = \"/etc/ripcord/slack.url\"",
        );
    }
    let url_env = r.url_env.as_ref().map(|v| {
        if !valid_env_name(v.get_ref()) {
            ctx.error(v.span().start, "`url_env` must name an environment variable", "write the variable's name, e.g. url_env = \"RIPCORD_SLACK_URL\"; never the URL itself");
        }
        v.get_ref().clone()
    });
    let secret_env = r.secret_env.as_ref().map(|v| {
        if !valid_env_name(v.get_ref()) {
            ctx.error(
                v.span().start,
                "`secret_env` must name an environment variable",
                "write the variable's name, e.g. secret_env = \"RIPCORD_DINGTALK_SECRET\"",
            );
        }
        v.get_ref().clone()
    });
    let url_file = r.url_file.as_ref().map(|v| v.get_ref().clone());
    let command: Vec<String> = r
        .command
        .iter()
        .flat_map(|c| c.get_ref().iter().map(|a| a.get_ref().clone()))
        .collect();
    match kind {
        Some(
            ChannelKind::Slack | ChannelKind::Webhook | ChannelKind::Wecom | ChannelKind::Dingtalk,
        ) => {
            if url_env.is_none() && url_file.is_none() && r.url.is_none() {
                ctx.error(header, "this [[notify]] channel has no `url_env` or `url_file`", "name where the webhook URL comes from: url_env = \"RIPCORD_SLACK_URL\" or url_file = \"...\"");
            }
            if let (Some(_), Some(f)) = (&r.url_env, &r.url_file) {
                ctx.error(
                    f.span().start,
                    "[[notify]] has both `url_env` and `url_file`",
                    "keep one place for the URL",
                );
            }
        }
        Some(ChannelKind::Command) if command.is_empty() || command[0].trim().is_empty() => {
            let at = r.command.as_ref().map_or(header, |c| c.span().start);
            ctx.error(
                at,
                "a kind = \"command\" channel needs a `command`",
                "add command = [\"./scripts/page.sh\"]: the message comes on standard input",
            );
        }
        Some(ChannelKind::Email) => {
            for (missing, example) in [
                (r.smtp.is_none(), "smtp = \"127.0.0.1:25\""),
                (
                    r.to.as_ref().is_none_or(Vec::is_empty),
                    "to = [\"ops@example.com\"]",
                ),
                (r.from.is_none(), "from = \"ripcord@example.com\""),
            ] {
                if missing {
                    ctx.error(
                        header,
                        format!(
                            "a kind = \"email\" channel needs {}",
                            example.split(' ').next().unwrap_or_default()
                        ),
                        format!("add {example}"),
                    );
                }
            }
        }
        _ => {}
    }
    let mut on = Vec::new();
    for event in r.on.iter().flatten() {
        if NOTIFY_EVENTS.contains(&event.get_ref().as_str()) {
            on.push(event.get_ref().clone());
        } else {
            let opts: Vec<(&str, ())> = NOTIFY_EVENTS.iter().map(|e| (*e, ())).collect();
            ctx.choice(event, "on", &opts);
        }
    }
    if r.on.is_none() {
        on.push("status_update".to_string());
    }
    let min_severity = r.min_severity.as_ref().map_or(Some(Severity::Minor), |s| {
        ctx.choice(s, "min_severity", SEVERITIES)
    });
    let audiences = [
        ("internal", Audience::Internal),
        ("external", Audience::External),
    ];
    let audience = r.audience.as_ref().map_or(Some(Audience::Internal), |s| {
        ctx.choice(s, "audience", &audiences)
    });
    let mut templates = BTreeMap::new();
    for (event, text) in r.templates.iter().flatten() {
        if !NOTIFY_EVENTS.contains(&event.as_str()) {
            let opts: Vec<(&str, ())> = NOTIFY_EVENTS.iter().map(|e| (*e, ())).collect();
            ctx.choice(&S::new(text.span(), event.clone()), "templates", &opts);
        }
        templates.insert(event.clone(), text.get_ref().clone());
    }
    if ctx.error_count() != before {
        return None;
    }
    Some(NotifyChannel {
        name: name?,
        kind: kind?,
        url_env,
        url_file,
        secret_env,
        command,
        smtp: r.smtp.as_ref().map(|v| v.get_ref().clone()),
        to: r.to.iter().flatten().map(|v| v.get_ref().clone()).collect(),
        from: r.from.as_ref().map(|v| v.get_ref().clone()),
        on,
        min_severity: min_severity?,
        audience: audience?,
        templates,
    })
}
