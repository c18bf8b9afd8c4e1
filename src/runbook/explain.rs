//! The text of `ripcord plan`: the [`PlanDoc`] said in words, section by section, so an
//! operator can read exactly what `run` will do before anything runs.

use std::fmt::Write as _;

use super::model::Origin;
use super::placeholders::{expand_query, regex_alternation};
use super::plan_doc::{PlanDoc, SettingDoc};

/// Hosts listed per wave before the list is cut short.
pub const HOSTS_SHOWN: usize = 20;

/// The host list of a wave, cut after [`HOSTS_SHOWN`] with `… and N more`.
pub fn abbreviate(hosts: &[String]) -> String {
    if hosts.len() <= HOSTS_SHOWN {
        return hosts.join(", ");
    }
    format!(
        "{} … and {} more",
        hosts[..HOSTS_SHOWN].join(", "),
        hosts.len() - HOSTS_SHOWN
    )
}

/// Hosts written out in a query's regex before it is shortened (the JSON keeps them all).
const QUERY_HOSTS_SHOWN: usize = 3;

/// A host regex for reading, not for Prometheus: long lists end in `…+N more`.
fn short_alternation(hosts: &[String]) -> String {
    if hosts.len() <= QUERY_HOSTS_SHOWN + 1 {
        return regex_alternation(hosts);
    }
    let head = regex_alternation(&hosts[..QUERY_HOSTS_SHOWN]);
    format!(
        "{}|…+{} more)",
        head.trim_end_matches(')'),
        hosts.len() - QUERY_HOSTS_SHOWN
    )
}

/// Wraps `text` at `width` columns, each line indented by `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.chars().count() > width {
            let _ = writeln!(out, "{indent}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
    out
}

fn origin(s: &SettingDoc) -> &'static str {
    match s.origin {
        Origin::Default => "default",
        Origin::Runbook => "runbook",
    }
}

/// Renders the whole plan as text.
pub fn render(doc: &PlanDoc) -> String {
    let mut out = String::new();
    header(doc, &mut out);
    policy(doc, &mut out);
    waves(doc, &mut out);
    steps(doc, &mut out);
    rules(doc, &mut out);
    people(doc, &mut out);
    out.push_str("\nNothing was run.\n");
    out
}

// Writing to a String cannot fail, so the results of write! are ignored below.

fn header(doc: &PlanDoc, out: &mut String) {
    let p = &doc.plan;
    let _ = writeln!(out, "plan: {}  ({})", p.name, doc.source);
    let kinds = if p.host_kinds.is_empty() {
        "not stated".to_string()
    } else {
        p.host_kinds.join(", ")
    };
    let upgrade = if p.upgrade_kind.is_empty() {
        "not stated"
    } else {
        &p.upgrade_kind
    };
    let reviewed = p.reviewed.as_deref().unwrap_or("never");
    let _ = writeln!(
        out,
        "risk: {} · environment: {} · host kinds: {kinds} · upgrade: {upgrade} · reviewed: {reviewed}",
        p.risk.to_uppercase(),
        p.environment
    );
    let t = &doc.targets;
    let _ = writeln!(
        out,
        "targets: downtime budget {} · rollback starts within {} of a fault · service restored within {} · status update every {}",
        t.downtime_budget, t.rollback_start_within, t.restore_within, t.status_update_every
    );
}

fn policy(doc: &PlanDoc, out: &mut String) {
    let p = &doc.policy;
    let _ = writeln!(
        out,
        "\npolicy: the {} risk row; \"runbook\" marks what this runbook overrides",
        p.risk_row
    );
    let rows: [(&str, &SettingDoc); 10] = [
        ("next wave starts", &p.approve_waves),
        ("soak", &p.soak),
        ("backups", &p.backups),
        ("host fails a step", &p.on_host_failure),
        ("rule breach", &p.on_breach),
        ("rollback confirmed by", &p.rollback_confirm),
        ("after the soak", &p.reverify),
        ("failures in the run", &p.max_failed_total),
        ("failures per wave", &p.max_failed),
        ("hosts at once", &p.parallel),
    ];
    for (label, s) in rows {
        let _ = writeln!(
            out,
            "  {label:<22} {:<17} {:<8} {}",
            s.value,
            origin(s),
            s.meaning
        );
    }
}

fn waves(doc: &PlanDoc, out: &mut String) {
    let defaulted = if doc.default_waves {
        format!(
            " (no [[wave]] in the runbook: the {} risk row's waves)",
            doc.policy.risk_row
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "\nwaves: {} hosts in {} waves{defaulted}",
        doc.fleet_size,
        doc.waves.len()
    );
    out.push_str(&wrap(&doc.rounding, 100, "  "));
    for w in &doc.waves {
        let name = if w.name == format!("wave {}", w.number) {
            String::new()
        } else {
            format!(" \"{}\"", w.name)
        };
        let _ = writeln!(
            out,
            "\n  wave {}{name}: {} hosts (size {})",
            w.number, w.host_count, w.size
        );
        let _ = writeln!(out, "    hosts     {}", abbreviate(&w.hosts));
        let _ = writeln!(
            out,
            "    gate      {} [{}]",
            w.approval.meaning,
            origin(&w.approval)
        );
        let _ = writeln!(
            out,
            "    soak      {} [{}]",
            w.soak.meaning,
            origin(&w.soak)
        );
        let _ = writeln!(
            out,
            "    failures  {} (max_failed {}) [{}]",
            w.max_failed.meaning,
            w.max_failed.value,
            origin(&w.max_failed)
        );
        let _ = writeln!(
            out,
            "    parallel  {} [{}]",
            w.parallel.meaning,
            origin(&w.parallel)
        );
    }
}

fn steps(doc: &PlanDoc, out: &mut String) {
    let e = &doc.example;
    let _ = writeln!(
        out,
        "\nsteps, in order (commands as they run for {}, the first host of wave {}, in run {}; per-wave steps get all of wave {}'s hosts):",
        e.host, e.wave, e.run, e.wave
    );
    for s in &doc.steps {
        let shell = if s.shell {
            ", through sh -c (acknowledged)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {:<16} per {}, timeout {}{shell}",
            s.name, s.per, s.timeout
        );
        match &s.playbook {
            Some(pb) => {
                let _ = writeln!(
                    out,
                    "    $ ansible-playbook {pb} --limit <the hosts> (kind = \"ansible\": each host judged on its own)"
                );
            }
            None => {
                let _ = writeln!(out, "    $ {}", shell_words(&s.example));
            }
        }
        for (k, v) in &s.env {
            let _ = writeln!(out, "    env {k}={v}");
        }
    }
}

/// argv shown one word each: words with spaces or quotes are single-quoted.
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+{}<>".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn rules(doc: &PlanDoc, out: &mut String) {
    match &doc.metrics {
        Some(m) => {
            let _ = writeln!(
                out,
                "\nmetrics: {} {} every {} (timeout {})",
                m.kind,
                m.endpoints.join(", "),
                m.interval,
                m.timeout
            );
        }
        None => {
            let _ = writeln!(out, "\nmetrics: none; no rule gates this run");
        }
    }
    if !doc.rules.is_empty() {
        let _ = writeln!(
            out,
            "rules (queries as sent while wave 1 is upgraded; long host lists shortened here, --json has them whole):"
        );
    }
    let hosts_of = |from: usize, to: usize| -> Vec<String> {
        doc.waves
            .iter()
            .skip(from)
            .take(to - from)
            .flat_map(|w| w.hosts.iter().cloned())
            .collect()
    };
    let (first, rest) = (hosts_of(0, 1), hosts_of(1, doc.waves.len().max(1)));
    for r in &doc.rules {
        let mut line = match &r.breach {
            Some(b) => format!("breach {b} for {} → {} fault", r.for_, r.severity),
            None => "panel only (no breach rule)".to_string(),
        };
        if let Some(w) = &r.warn {
            let _ = write!(line, "; warn {w}");
        }
        let _ = write!(line, "; no data: {}", r.no_data);
        if r.per_host {
            line.push_str("; judged per host");
        }
        if r.breach.as_deref().is_some_and(|b| b.contains("baseline"))
            || r.warn.as_deref().is_some_and(|w| w.contains("baseline"))
        {
            let _ = write!(
                line,
                "; baseline over the {} before wave 1",
                r.baseline_window
            );
        }
        let _ = writeln!(out, "  {} ({}): {line}", r.name, r.unit);
        let query = expand_query(&r.query, |name| match name {
            "upgraded" | "host" | "wave" => Some(short_alternation(&first)),
            "pending" => Some(short_alternation(&rest)),
            _ => None,
        });
        let _ = writeln!(out, "    {query}");
    }
    for a in &doc.alerts {
        let m: Vec<String> = a
            .matchers
            .iter()
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect();
        let _ = writeln!(
            out,
            "  alert gate {}: firing alerts with {} → {} fault",
            a.name,
            m.join(", "),
            a.severity
        );
    }
}

fn people(doc: &PlanDoc, out: &mut String) {
    if doc.notify.is_empty() {
        let _ = writeln!(
            out,
            "\nnotifications: no channel; status updates are written in the cockpit and sent by hand"
        );
    } else {
        let _ = writeln!(out, "\nnotifications:");
        for n in &doc.notify {
            let _ = writeln!(
                out,
                "  {} ({}, {}): {} · faults from {} · {}",
                n.name,
                n.kind,
                n.audience,
                n.on.join(", "),
                n.min_severity,
                n.target
            );
        }
    }
    if !doc.checklists.is_empty() {
        let _ = writeln!(out, "\nchecklists:");
        for (role, items) in &doc.checklists {
            let _ = writeln!(out, "  {role}:");
            for i in items {
                let _ = writeln!(out, "    [ ] {} ({})", i.text, i.phase);
            }
        }
    }
    let c = &doc.contacts;
    let contacts = [
        ("vendor support", &c.vendor_support),
        ("escalation", &c.escalation),
        ("traffic switch", &c.traffic_switch),
    ];
    if contacts.iter().any(|(_, v)| v.is_some()) {
        let _ = writeln!(out, "\ncontacts:");
        for (label, v) in contacts {
            if let Some(v) = v {
                let _ = writeln!(out, "  {label:<15} {v}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_host_lists_are_cut_after_twenty() {
        let hosts: Vec<String> = (1..=25).map(|i| format!("h{i}")).collect();
        let text = abbreviate(&hosts);
        assert!(text.ends_with("h20 … and 5 more"), "{text}");
        assert_eq!(abbreviate(&hosts[..2]), "h1, h2");
    }

    #[test]
    fn long_host_regexes_are_shortened_for_reading() {
        let hosts: Vec<String> = (1..=10).map(|i| format!("web-{i:03}")).collect();
        assert_eq!(
            short_alternation(&hosts),
            "(?:web-001|web-002|web-003|…+7 more)"
        );
        assert_eq!(
            short_alternation(&hosts[..4]),
            regex_alternation(&hosts[..4])
        );
    }

    #[test]
    fn wrap_keeps_lines_under_the_width() {
        let text = wrap("one two three four five six", 12, "  ");
        assert_eq!(text, "  one two\n  three four\n  five six\n");
    }

    #[test]
    fn argv_words_with_spaces_are_quoted() {
        let argv = vec![
            "sh".to_string(),
            "-c".into(),
            "echo it's done".into(),
            "web-001".into(),
        ];
        assert_eq!(shell_words(&argv), r"sh -c 'echo it'\''s done' web-001");
    }
}
