//! Validation of the metric source (`[prometheus]` or `[scrape]`), the `[[watch]]` rules and
//! the `[[alerts]]` gates: thresholds, windows and the placeholders queries may use.

use std::collections::{BTreeMap, HashMap};

use super::diagnostic::closest;
use super::duration::Span;
use super::model::{AlertGate, Auth, MetricSource, NoData, Severity, Threshold, Unit, Watch};
use super::placeholders::{QUERY_PLACEHOLDERS, scan_query, source_offset};
use super::raw::{RawAlert, RawPrometheus, RawRunbook, RawScrape, RawWatch, S};
use super::validate_steps::valid_env_name;
use super::values::Ctx;

/// Window before wave 1 over which a watch's baseline is measured, unless it names one.
pub const DEFAULT_BASELINE_WINDOW: Span = Span::from_mins(60);

pub(crate) const SEVERITIES: &[(&str, Severity)] = &[
    ("minor", Severity::Minor),
    ("functional", Severity::Functional),
    ("severe", Severity::Severe),
];

/// Checks the metric source, watches and alert gates.
pub fn metrics(
    raw: &RawRunbook,
    ctx: &mut Ctx<'_>,
) -> (Option<MetricSource>, Vec<Watch>, Vec<AlertGate>) {
    let source = match (&raw.prometheus, &raw.scrape) {
        (Some(_), Some(s)) => {
            ctx.error(
                s.span().start,
                "the runbook has both [prometheus] and [scrape]",
                "keep one metric source: a Prometheus server, or direct /metrics scraping",
            );
            None
        }
        (Some(p), None) => prometheus(p, ctx),
        (None, Some(s)) => scrape(s, ctx),
        (None, None) => None,
    };
    let no_source = raw.prometheus.is_none() && raw.scrape.is_none();
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut watches = Vec::new();
    for w in &raw.watch {
        if no_source {
            ctx.error(w.span().start, "[[watch]] needs a metric source", "add [prometheus] url = \"http://127.0.0.1:9090\", or [scrape] targets = [\"http://host:9100/metrics\"]");
        }
        if let Some(name) = &w.get_ref().name
            && let Some(first) = names.insert(name.get_ref().clone(), name.span().start)
        {
            let (line, _) = super::diagnostic::line_col(ctx.text, first);
            ctx.error(
                name.span().start,
                format!(
                    "watch name \"{}\" is used twice (also on line {line})",
                    name.get_ref()
                ),
                "give each [[watch]] its own name: breaches and the report refer to it",
            );
        }
        watches.extend(watch(w, ctx));
    }
    let mut alerts = Vec::new();
    for a in &raw.alerts {
        if raw.prometheus.is_none() {
            ctx.error(a.span().start, "[[alerts]] needs [prometheus]", "firing alerts are read from a Prometheus server: add [prometheus] url = \"http://127.0.0.1:9090\"");
        }
        alerts.extend(alert(a, ctx));
    }
    (source, watches, alerts)
}

fn http_url(v: &S<String>, key: &str, ctx: &mut Ctx<'_>) -> Option<String> {
    let url = v.get_ref();
    if url.starts_with("http://") || url.starts_with("https://") {
        Some(url.clone())
    } else {
        ctx.error(
            v.span().start,
            format!("`{key}` = \"{url}\" is not an http(s) URL"),
            "write it like \"http://127.0.0.1:9090\"",
        );
        None
    }
}

fn env_name(v: &Option<S<String>>, key: &str, ctx: &mut Ctx<'_>) -> Option<String> {
    let v = v.as_ref()?;
    if !valid_env_name(v.get_ref()) {
        ctx.error(
            v.span().start,
            format!("`{key}` must name an environment variable"),
            format!(
                "write the variable's name, e.g. {key} = \"PROM_TOKEN\"; never the secret itself"
            ),
        );
    }
    Some(v.get_ref().clone())
}

fn prometheus(p: &S<RawPrometheus>, ctx: &mut Ctx<'_>) -> Option<MetricSource> {
    let before = ctx.error_count();
    let r = p.get_ref();
    let url = match &r.url {
        Some(u) => http_url(u, "url", ctx),
        None => {
            ctx.error(
                p.span().start,
                "[prometheus] has no `url`",
                "add url = \"http://127.0.0.1:9090\"",
            );
            None
        }
    };
    let interval = ctx.duration_or(r.interval.as_ref(), "interval", Span::from_secs(15));
    let timeout = ctx.duration_or(r.timeout.as_ref(), "timeout", Span::from_secs(10));
    let auth = Auth {
        bearer_token_env: env_name(&r.bearer_token_env, "bearer_token_env", ctx),
        bearer_token_file: r.bearer_token_file.as_ref().map(|v| v.get_ref().clone()),
        basic_user: r.basic_user.as_ref().map(|v| v.get_ref().clone()),
        basic_password_env: env_name(&r.basic_password_env, "basic_password_env", ctx),
    };
    if let (Some(_), Some(f)) = (&r.bearer_token_env, &r.bearer_token_file) {
        ctx.error(
            f.span().start,
            "[prometheus] has both bearer_token_env and bearer_token_file",
            "keep one place for the token",
        );
    }
    if let (Some(p), None) = (&r.basic_password_env, &r.basic_user) {
        ctx.error(
            p.span().start,
            "`basic_password_env` without `basic_user`",
            "add basic_user = \"ripcord\" (the user name is not a secret)",
        );
    }
    let mut headers = BTreeMap::new();
    for (k, v) in r.headers.iter().flatten() {
        let lower = k.to_ascii_lowercase();
        if [
            "authorization",
            "cookie",
            "token",
            "key",
            "secret",
            "password",
        ]
        .iter()
        .any(|s| lower.contains(s))
        {
            ctx.error(v.span().start, format!("header `{k}` in [prometheus] would hold a secret in the runbook"), "use bearer_token_env / bearer_token_file or basic_user + basic_password_env: secrets come from the environment or a file");
        }
        headers.insert(k.clone(), v.get_ref().clone());
    }
    (ctx.error_count() == before).then_some(MetricSource::Prometheus {
        url: url?,
        interval,
        timeout,
        auth,
        headers,
    })
}

fn scrape(s: &S<RawScrape>, ctx: &mut Ctx<'_>) -> Option<MetricSource> {
    let before = ctx.error_count();
    let r = s.get_ref();
    let mut targets = Vec::new();
    match &r.targets {
        Some(t) if !t.get_ref().is_empty() => {
            for target in t.get_ref() {
                targets.extend(http_url(target, "targets", ctx));
            }
        }
        Some(t) => ctx.error(
            t.span().start,
            "[scrape] `targets` is empty",
            "list the /metrics URLs, e.g. targets = [\"http://127.0.0.1:9100/metrics\"]",
        ),
        None => ctx.error(
            s.span().start,
            "[scrape] has no `targets`",
            "add targets = [\"http://127.0.0.1:9100/metrics\"]",
        ),
    }
    let interval = ctx.duration_or(r.interval.as_ref(), "interval", Span::from_secs(15));
    let timeout = ctx.duration_or(r.timeout.as_ref(), "timeout", Span::from_secs(5));
    (ctx.error_count() == before).then_some(MetricSource::Scrape {
        targets,
        interval,
        timeout,
    })
}

fn threshold(v: &Option<S<String>>, key: &str, ctx: &mut Ctx<'_>) -> Option<Threshold> {
    let v = v.as_ref()?;
    match Threshold::parse(v.get_ref()) {
        Ok(t) => Some(t),
        Err(why) => {
            ctx.error(v.span().start, format!("`{key}`: {why}"), "a threshold is a comparison and a number: \"> 0.05\", \"< 0.999\", \"> 5%\" or \"> 2x baseline\"");
            None
        }
    }
}

fn watch(w: &S<RawWatch>, ctx: &mut Ctx<'_>) -> Option<Watch> {
    let before = ctx.error_count();
    let header = w.span().start;
    let r = w.get_ref();
    let name = match &r.name {
        Some(n) => ctx.non_empty(n, "name"),
        None => {
            ctx.error(header, "[[watch]] has no `name`", "add name = \"HTTP 5xx ratio\": it titles the panel and names the rule in every message");
            None
        }
    };
    let per_host = r.per_host.as_ref().is_some_and(|p| *p.get_ref());
    let query = match &r.query {
        Some(q) => {
            query_placeholders(q, per_host, ctx);
            ctx.non_empty(q, "query")
        }
        None => {
            ctx.error(header, "[[watch]] has no `query`", "add the PromQL, e.g. query = 'sum(rate(http_requests_total{code=~\"5..\",instance=~\"{upgraded}\"}[1m]))'");
            None
        }
    };
    let units = [
        ("ratio", Unit::Ratio),
        ("percent", Unit::Percent),
        ("seconds", Unit::Seconds),
        ("ms", Unit::Ms),
        ("bytes", Unit::Bytes),
        ("rps", Unit::Rps),
        ("count", Unit::Count),
    ];
    let unit = r
        .unit
        .as_ref()
        .map_or(Some(Unit::Count), |u| ctx.choice(u, "unit", &units));
    let warn = threshold(&r.warn, "warn", ctx);
    let breach = threshold(&r.breach, "breach", ctx);
    if r.breach.is_none() {
        let what = name.as_deref().unwrap_or("this watch");
        ctx.warn(header, format!("watch \"{what}\" has no `breach` rule: it only draws a panel"), "add breach = \"> 0.05\" (or \"< 0.999\", \"> 2x baseline\") to let it pause the run; leave it out for a panel only");
    }
    let for_ = ctx.duration_or(r.for_.as_ref(), "for", Span::default());
    let severity = r.severity.as_ref().map_or(Some(Severity::Functional), |s| {
        ctx.choice(s, "severity", SEVERITIES)
    });
    let no_data_opts = [
        ("breach", NoData::Breach),
        ("hold", NoData::Hold),
        ("ignore", NoData::Ignore),
    ];
    let no_data = r.no_data.as_ref().map_or(Some(NoData::Hold), |s| {
        ctx.choice(s, "no_data", &no_data_opts)
    });
    let baseline_window = ctx.duration_or(
        r.baseline_window.as_ref(),
        "baseline_window",
        DEFAULT_BASELINE_WINDOW,
    );
    if ctx.error_count() != before {
        return None;
    }
    Some(Watch {
        name: name?,
        query: query?,
        unit: unit?,
        warn,
        breach,
        for_,
        severity: severity?,
        no_data: no_data?,
        per_host,
        baseline_window,
    })
}

fn query_placeholders(q: &S<String>, per_host: bool, ctx: &mut Ctx<'_>) {
    let source = &ctx.text[q.span()];
    let start = q.span().start;
    let found = scan_query(q.get_ref());
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut has_host = false;
    for f in &found {
        let n = seen.entry(f.name.clone()).or_default();
        let at = start + source_offset(source, &f.name, *n).unwrap_or(0);
        *n += 1;
        let known = QUERY_PLACEHOLDERS
            .iter()
            .map(|p| format!("{{{p}}}"))
            .collect::<Vec<_>>()
            .join(" ");
        match f.name.as_str() {
            "host" if !per_host => ctx.error(at, "`{host}` in a query without per_host = true", "add per_host = true to judge each upgraded host on its own, or use {upgraded} for all of them"),
            "host" => has_host = true,
            name if QUERY_PLACEHOLDERS.contains(&name) => {}
            name => {
                let help = match closest(name, QUERY_PLACEHOLDERS) {
                    Some(c) => format!("did you mean `{{{c}}}`? placeholders in queries: {known}"),
                    None => format!("placeholders in queries: {known}"),
                };
                ctx.error(at, format!("unknown placeholder `{{{name}}}` in the query"), help);
            }
        }
    }
    if per_host && !has_host {
        ctx.warn(start, "per_host = true but the query has no `{host}`", "write the query for one host with {host}, e.g. up{instance=~\"{host}\"}; without it every host gets the same value");
    }
}

fn alert(a: &S<RawAlert>, ctx: &mut Ctx<'_>) -> Option<AlertGate> {
    let before = ctx.error_count();
    let r = a.get_ref();
    let name = match &r.name {
        Some(n) => ctx.non_empty(n, "name"),
        None => {
            ctx.error(
                a.span().start,
                "[[alerts]] has no `name`",
                "add name = \"node alerts\"",
            );
            None
        }
    };
    let matchers = match &r.matchers {
        Some(m) if !m.get_ref().is_empty() => Some(m.get_ref().clone()),
        _ => {
            let at = r
                .matchers
                .as_ref()
                .map_or(a.span().start, |m| m.span().start);
            ctx.error(
                at,
                "[[alerts]] matches no label",
                "add match = { alertname = \"NodeDown\" } (or severity = \"critical\", ...)",
            );
            None
        }
    };
    let severity = r.severity.as_ref().map_or(Some(Severity::Functional), |s| {
        ctx.choice(s, "severity", SEVERITIES)
    });
    if ctx.error_count() != before {
        return None;
    }
    Some(AlertGate {
        name: name?,
        matchers: matchers?,
        severity: severity?,
    })
}
