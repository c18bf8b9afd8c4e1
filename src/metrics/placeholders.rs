//! Host placeholders in metric queries: `{upgraded}`, `{wave}`, `{pending}`, `{host}` become an
//! escaped regex alternation of host names.
//!
//! The expansion avoids backslashes on purpose: PromQL reads `"web\.1"` as a Go string with an
//! unknown escape and rejects it, so a dot is written as the class `[.]`, which means the same in
//! any quoting (`"…"`, `'…'` or backticks) and in Rust's regex for scrape mode. Prometheus anchors
//! label regexes (`^(?:…)$`), so `web[.]1` matches `web.1` and never `webx1` or `web.10`.
//!
//! An empty set expands to `.^`, a regex that matches no string at all, not even the empty one:
//! an empty expansion would be wrong because `instance=~""` selects series *without* the label.
//!
//! TODO(lead): `crate::runbook::placeholders::regex_alternation` was being written in parallel;
//! unify on one function (keep the no-backslash escaping and the `.^` empty set).

use super::HostSets;

/// The regex for an empty host set: matches nothing, not even the empty string.
pub const MATCH_NOTHING: &str = ".^";

/// The placeholders a metric query may use.
pub const NAMES: [&str; 4] = ["{upgraded}", "{wave}", "{pending}", "{host}"];

/// An anchored-safe alternation of host names, `(?:web-1|web[.]2)`; [`MATCH_NOTHING`] when empty.
pub fn regex_alternation(hosts: &[String]) -> String {
    if hosts.is_empty() {
        return MATCH_NOTHING.to_string();
    }
    let mut out = String::with_capacity(hosts.iter().map(|h| h.len() + 3).sum::<usize>() + 4);
    out.push_str("(?:");
    for (i, host) in hosts.iter().enumerate() {
        if i > 0 {
            out.push('|');
        }
        escape_into(host, &mut out);
    }
    out.push(')');
    out
}

/// Appends `name` as a literal regex without backslashes (see the module note).
fn escape_into(name: &str, out: &mut String) {
    for c in name.chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '_' | '-' | ':' => out.push(c),
            // Inside a class these have no special meaning; validated host names have only '.'.
            '.' | '*' | '+' | '?' | '(' | ')' | '{' | '}' | '|' | '$' | '/' | ' ' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            // Unreachable for validated host names; kept correct with a hex escape.
            other => out.push_str(&format!("\\x{{{:x}}}", other as u32)),
        }
    }
}

/// True when the query names any host placeholder.
pub fn uses_hosts(query: &str) -> bool {
    NAMES.iter().any(|p| query.contains(p))
}

/// True when every host placeholder the query names expands to an empty set: such a query can
/// only match nothing, so there is nothing to judge yet (e.g. `{upgraded}` before wave 1).
pub fn all_named_sets_empty(query: &str, sets: &HostSets) -> bool {
    let mut named = false;
    for (name, hosts) in pairs(sets) {
        if query.contains(name) {
            named = true;
            if !hosts.is_empty() {
                return false;
            }
        }
    }
    named
}

fn pairs(sets: &HostSets) -> [(&'static str, &[String]); 4] {
    [
        ("{upgraded}", &sets.upgraded),
        ("{wave}", &sets.wave),
        ("{pending}", &sets.pending),
        // A per-host rule is run once for all upgraded hosts and judged per series.
        ("{host}", &sets.upgraded),
    ]
}

/// The query with every host placeholder replaced; other braces (label sets) are left alone.
pub fn expand(query: &str, sets: &HostSets) -> String {
    let mut out = query.to_string();
    for (name, hosts) in pairs(sets) {
        if out.contains(name) {
            out = out.replace(name, &regex_alternation(hosts));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_match(pattern: &str, text: &str) -> bool {
        regex::Regex::new(&format!("^(?:{pattern})$"))
            .unwrap()
            .is_match(text)
    }

    fn hosts(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_dot_in_a_host_name_matches_only_a_dot() {
        let re = regex_alternation(&hosts(&["web.1", "db-2"]));
        assert_eq!(re, "(?:web[.]1|db-2)");
        assert!(full_match(&re, "web.1"));
        assert!(full_match(&re, "db-2"));
        assert!(!full_match(&re, "webx1"));
        assert!(!full_match(&re, "web.10"));
        assert!(
            !re.contains('\\'),
            "no backslash: PromQL strings would reject it"
        );
    }

    #[test]
    fn an_empty_set_matches_nothing_not_even_the_empty_label() {
        let re = regex_alternation(&[]);
        for text in ["", "web-1", ".", "^", "a"] {
            assert!(!full_match(&re, text), "{re} matched {text:?}");
        }
    }

    #[test]
    fn the_group_survives_a_port_suffix() {
        let re = format!("{}:9100", regex_alternation(&hosts(&["a", "b"])));
        assert!(full_match(&re, "b:9100"));
        assert!(!full_match(&re, "b"));
    }

    #[test]
    fn expansion_leaves_label_braces_alone() {
        let sets = HostSets {
            upgraded: hosts(&["web.1"]),
            wave: hosts(&["web.1"]),
            pending: hosts(&["web.2", "web.3"]),
        };
        let q = r#"sum(rate(x{code=~"5..",instance=~"{upgraded}"}[1m])) / sum(x{instance=~"{pending}"})"#;
        assert_eq!(
            expand(q, &sets),
            r#"sum(rate(x{code=~"5..",instance=~"(?:web[.]1)"}[1m])) / sum(x{instance=~"(?:web[.]2|web[.]3)"})"#
        );
        assert!(!all_named_sets_empty(q, &sets));
        assert!(all_named_sets_empty(q, &HostSets::default()));
        assert!(!all_named_sets_empty("up", &HostSets::default()));
    }
}
