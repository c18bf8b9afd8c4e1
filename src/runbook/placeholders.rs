//! Placeholders in step argv (`{host}` ...) and in rule queries (`{upgraded}` ...): finding
//! them for validation, expanding queries for `plan`, and the escaped host regex queries use.
//!
//! Step arguments use `{{` and `}}` for literal braces, so every other brace is a placeholder
//! (the exec module expands them, with the same rules, when a step runs). Queries are PromQL, full of label braces, so
//! there a placeholder is only `{` + a plain name + `}`, which PromQL never writes.

/// Placeholders a step argument may use.
pub const STEP_PLACEHOLDERS: [&str; 5] = ["host", "hosts", "wave", "run", "step"];

/// Placeholders a watch query may use.
pub const QUERY_PLACEHOLDERS: [&str; 4] = ["upgraded", "wave", "pending", "host"];

/// A placeholder found in a text: its name and the byte offset of its `{`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The name between the braces.
    pub name: String,
    /// Byte offset of the opening brace in the text.
    pub offset: usize,
}

/// A brace in a step argument that is neither a placeholder nor an escaped literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BraceError {
    /// Byte offset of the offending brace.
    pub offset: usize,
    /// What is wrong and how to write it instead.
    pub message: String,
}

/// Every `{name}` of a step argument, honouring `{{` / `}}` escapes.
pub fn scan_step(arg: &str) -> Result<Vec<Found>, BraceError> {
    let mut found = Vec::new();
    let bytes = arg.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => i += 2,
            b'}' if bytes.get(i + 1) == Some(&b'}') => i += 2,
            b'{' => {
                let Some(len) = arg[i + 1..].find('}') else {
                    return Err(BraceError {
                        offset: i,
                        message:
                            "unclosed `{`: close the placeholder, or write `{{` for a literal brace"
                                .into(),
                    });
                };
                found.push(Found {
                    name: arg[i + 1..i + 1 + len].to_string(),
                    offset: i,
                });
                i += len + 2;
            }
            b'}' => {
                return Err(BraceError {
                    offset: i,
                    message: "stray `}`: write `}}` for a literal brace".into(),
                });
            }
            _ => i += 1,
        }
    }
    Ok(found)
}

/// Every `{name}` of a query, where `name` is letters, digits and `_` (PromQL label braces
/// always hold an operator, so they are never taken for placeholders).
pub fn scan_query(query: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = query[from..].find('{') {
        let start = from + rel;
        let rest = &query[start + 1..];
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if len > 0 && rest.as_bytes().get(len) == Some(&b'}') {
            found.push(Found {
                name: rest[..len].to_string(),
                offset: start,
            });
            from = start + len + 2;
        } else {
            from = start + 1;
        }
    }
    found
}

/// Expands the placeholders of a query; unknown names stay as written.
pub fn expand_query(query: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(query.len());
    let mut last = 0;
    for f in scan_query(query) {
        out.push_str(&query[last..f.offset]);
        let end = f.offset + f.name.len() + 2;
        match value(&f.name) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&query[f.offset..end]),
        }
        last = end;
    }
    out.push_str(&query[last..]);
    out
}

/// The regex for no host at all: matches no string, not even the empty one (an empty
/// `instance=~""` would select the series that *lack* the label).
pub const MATCH_NOTHING: &str = ".^";

/// The host names as one regex alternation, `(?:web-1|web[.]2)`, for `{upgraded}`, `{wave}`,
/// `{pending}` and `{host}` in queries; [`MATCH_NOTHING`] for no host.
///
/// Metacharacters are escaped as one-character classes (`.` → `[.]`) rather than with a
/// backslash: PromQL reads `"web\.1"` as a string with an unknown escape and refuses it, while
/// `[.]` means the same in `"…"`, `'…'` and backtick strings and in scrape mode's Rust regex.
/// The group keeps `{upgraded}:8080` applying the port to every host, and Prometheus anchors
/// `=~` at both ends, so `web-1` never matches `web-10`. Same output as the metrics module's.
pub fn regex_alternation(hosts: &[String]) -> String {
    if hosts.is_empty() {
        return MATCH_NOTHING.to_string();
    }
    let escaped: Vec<String> = hosts
        .iter()
        .map(|host| {
            host.chars()
                .map(|c| match c {
                    c if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':') => c.to_string(),
                    '.' | '*' | '+' | '?' | '(' | ')' | '{' | '}' | '|' | '$' | '/' | ' ' => {
                        format!("[{c}]")
                    }
                    c => format!("\\x{{{:x}}}", c as u32),
                })
                .collect()
        })
        .collect();
    format!("(?:{})", escaped.join("|"))
}

/// Expands the query placeholders as a run does for wave `wave` (1-based) of `waves`, when
/// that wave's hosts are upgraded: `{upgraded}` and `{host}` (a per-host rule is queried once
/// for all upgraded hosts and judged per series) are the hosts of waves 1..=`wave`, `{wave}`
/// that wave's, `{pending}` the later waves'.
pub fn expand_query_at_wave(query: &str, waves: &[Vec<String>], wave: usize) -> String {
    let upgraded: Vec<String> = waves.iter().take(wave).flatten().cloned().collect();
    let current: Vec<String> = waves.get(wave.wrapping_sub(1)).cloned().unwrap_or_default();
    let pending: Vec<String> = waves.iter().skip(wave).flatten().cloned().collect();
    expand_query(query, |name| match name {
        "upgraded" | "host" => Some(regex_alternation(&upgraded)),
        "wave" => Some(regex_alternation(&current)),
        "pending" => Some(regex_alternation(&pending)),
        _ => None,
    })
}

/// Byte offset, within the TOML source of a string value, of the `n`th (0-based) `{name}`
/// placeholder; `None` when escapes in the source make it unfindable.
pub fn source_offset(source: &str, name: &str, n: usize) -> Option<usize> {
    let needle = format!("{{{name}}}");
    source.match_indices(&needle).nth(n).map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(found: &[Found]) -> Vec<&str> {
        found.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn step_arguments_find_placeholders_and_honour_escapes() {
        let f = scan_step("--limit={hosts} {{literal}} {wave}").unwrap();
        assert_eq!(names(&f), ["hosts", "wave"]);
        assert_eq!(f[0].offset, 8);
        assert!(scan_step("awk {print}").unwrap()[0].name == "print");
        assert!(
            scan_step("a {host")
                .unwrap_err()
                .message
                .contains("unclosed")
        );
        assert!(scan_step("a }").unwrap_err().message.contains("stray"));
    }

    #[test]
    fn queries_skip_promql_label_braces() {
        let q = r#"sum(rate(x{code=~"5..",instance=~"{upgraded}"}[1m])) / up{job="a"} {host}"#;
        assert_eq!(names(&scan_query(q)), ["upgraded", "host"]);
        assert!(scan_query("up{}").is_empty());
    }

    #[test]
    fn query_expansion_leaves_unknown_names() {
        let q = expand_query(r#"up{instance=~"{upgraded}"}"#, |n| {
            (n == "upgraded").then(|| "a|b".into())
        });
        assert_eq!(q, r#"up{instance=~"a|b"}"#);
    }

    #[test]
    fn alternation_escapes_regex_metacharacters_without_backslashes() {
        let hosts = vec!["web.1".to_string(), "db-2:9100".to_string()];
        assert_eq!(regex_alternation(&hosts), "(?:web[.]1|db-2:9100)");
        assert_eq!(regex_alternation(&[]), MATCH_NOTHING);
    }

    #[test]
    fn alternation_and_expansion_agree_with_what_a_run_queries() {
        use crate::metrics::HostSets;
        let waves = vec![
            vec!["web.1".to_string(), "web-2".into()],
            vec!["web-3".into()],
            vec!["db:1".into()],
        ];
        for hosts in &waves {
            assert_eq!(
                regex_alternation(hosts),
                crate::metrics::placeholders::regex_alternation(hosts)
            );
        }
        let q = r#"x{instance=~"{upgraded}:8080"} / y{instance=~"{pending}"} + z{i=~"{wave}"} + up{instance=~"{host}"}"#;
        let sets = HostSets {
            upgraded: waves[..2].concat(),
            wave: waves[1].clone(),
            pending: waves[2].clone(),
        };
        assert_eq!(
            expand_query_at_wave(q, &waves, 2),
            crate::metrics::placeholders::expand(q, &sets)
        );
    }

    #[test]
    fn source_offsets_find_the_nth_occurrence() {
        assert_eq!(source_offset(r#""{host} {host}""#, "host", 1), Some(8));
        assert_eq!(source_offset(r#""{host}""#, "hosts", 0), None);
    }
}
