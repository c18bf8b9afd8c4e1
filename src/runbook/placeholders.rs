//! Placeholders in step argv (`{host}` ...) and in rule queries (`{upgraded}` ...): finding
//! them for validation, expanding them for `plan`, and the escaped host regex queries use.
//!
//! Step arguments use `{{` and `}}` for literal braces, so every other brace is a placeholder
//! (the exec module expands them the same way). Queries are PromQL, full of label braces, so
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
                        message: "unclosed `{`: close the placeholder, or write `{{` for a literal brace".into(),
                    });
                };
                found.push(Found { name: arg[i + 1..i + 1 + len].to_string(), offset: i });
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
        let len = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
        if len > 0 && rest.as_bytes().get(len) == Some(&b'}') {
            found.push(Found { name: rest[..len].to_string(), offset: start });
            from = start + len + 2;
        } else {
            from = start + 1;
        }
    }
    found
}

/// Expands a step argument; unknown names (already refused by validation) stay as written.
pub fn expand_step(arg: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let (true, Some(close)) = (tail.starts_with('{'), tail.find('}')) {
            let name = &tail[1..close];
            match value(name) {
                Some(v) => out.push_str(&v),
                None => out.push_str(&tail[..=close]),
            }
            rest = &tail[close + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
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

/// The host names as one regex alternation (`web\\.1|web\\.2`), ready to sit inside a
/// double-quoted PromQL string such as `instance=~"{upgraded}"`.
///
/// Regex metacharacters are escaped, and the backslash itself is doubled because PromQL
/// string literals treat `\` as an escape: `web.1` becomes `web\\.1` in the query text,
/// which Prometheus reads as the regex `web\.1`. Prometheus anchors `=~` at both ends, so
/// `web-1` never matches `web-10`. No host gives an empty text, which matches no instance.
pub fn regex_alternation(hosts: &[String]) -> String {
    let mut out = String::new();
    for (i, host) in hosts.iter().enumerate() {
        if i > 0 {
            out.push('|');
        }
        for c in host.chars() {
            if "\\.+*?()|[]{}^$".contains(c) {
                out.push_str("\\\\");
            }
            out.push(c);
        }
    }
    out
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
        assert!(scan_step("a {host").unwrap_err().message.contains("unclosed"));
        assert!(scan_step("a }").unwrap_err().message.contains("stray"));
    }

    #[test]
    fn queries_skip_promql_label_braces() {
        let q = r#"sum(rate(x{code=~"5..",instance=~"{upgraded}"}[1m])) / up{job="a"} {host}"#;
        assert_eq!(names(&scan_query(q)), ["upgraded", "host"]);
        assert!(scan_query("up{}").is_empty());
    }

    #[test]
    fn expansion_keeps_one_argument_and_unescapes_braces() {
        let v = |n: &str| (n == "hosts").then(|| "a,b c".to_string());
        assert_eq!(expand_step("--limit={hosts} {{x}} {nope}", v), "--limit=a,b c {x} {nope}");
        let q = expand_query(r#"up{instance=~"{upgraded}"}"#, |n| (n == "upgraded").then(|| "a|b".into()));
        assert_eq!(q, r#"up{instance=~"a|b"}"#);
    }

    #[test]
    fn alternation_escapes_regex_metacharacters_for_a_promql_string() {
        let hosts = vec!["web.1".to_string(), "db-2:9100".to_string()];
        assert_eq!(regex_alternation(&hosts), r"web\\.1|db-2:9100");
        assert_eq!(regex_alternation(&[]), "");
    }

    #[test]
    fn source_offsets_find_the_nth_occurrence() {
        assert_eq!(source_offset(r#""{host} {host}""#, "host", 1), Some(8));
        assert_eq!(source_offset(r#""{host}""#, "hosts", 0), None);
    }
}
