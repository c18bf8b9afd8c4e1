//! Ansible host patterns (`web:&zone_a`, `web,!canary`, `db*`, `~web-0[12]`) evaluated over an
//! inventory read with `ansible-inventory --list`, as Ansible evaluates them.

use std::collections::BTreeSet;

use thiserror::Error;

use super::Inventory;

/// A host pattern ripcord cannot evaluate.
#[derive(Debug, Error, PartialEq)]
pub enum PatternError {
    /// `web[0:9]` subscripts.
    #[error(
        "`{0}`: subscripts like [0:9] are not supported in pattern; name a group, or use * and ~regex"
    )]
    Subscript(String),
    /// A `~regex` that does not compile.
    #[error("`{0}` is not a valid regular expression: {1}")]
    BadRegex(String, String),
}

impl Inventory {
    /// The hosts an Ansible host pattern selects (`web`, `web:&zone_a`, `web,!canary`,
    /// `db*`, `~web-0[12]`), in listing order: terms joined by `,` (or `:`), `&` intersects,
    /// `!` excludes, a term names a group (its hosts) or a host.
    pub fn select(&self, pattern: &str) -> Result<Vec<String>, PatternError> {
        let terms = split_terms(pattern);
        let plain: Vec<&str> = terms
            .iter()
            .copied()
            .filter(|t| !t.starts_with(['&', '!']))
            .collect();
        let mut chosen: BTreeSet<String> = BTreeSet::new();
        for t in if plain.is_empty() { vec!["all"] } else { plain } {
            chosen.extend(self.term(t)?);
        }
        for t in terms.iter().filter(|t| t.starts_with('&')) {
            let that = self.term(&t[1..])?;
            chosen.retain(|h| that.contains(h));
        }
        for t in terms.iter().filter(|t| t.starts_with('!')) {
            let that = self.term(&t[1..])?;
            chosen.retain(|h| !that.contains(h));
        }
        Ok(self
            .order
            .iter()
            .filter(|h| chosen.contains(*h))
            .cloned()
            .collect())
    }

    /// Hosts one term matches, as Ansible matches them: groups by name, and hosts by name
    /// when no group matched or the term is a wildcard or regex.
    fn term(&self, term: &str) -> Result<BTreeSet<String>, PatternError> {
        if term == "all" || term == "*" {
            return Ok(self.order.iter().cloned().collect());
        }
        if !term.starts_with('~') && term.contains('[') {
            return Err(PatternError::Subscript(term.to_owned()));
        }
        let re = match term.strip_prefix('~') {
            Some(r) => format!("^(?:{r})"),
            None => format!("^{}$", glob(term)),
        };
        let re = regex::Regex::new(&re)
            .map_err(|e| PatternError::BadRegex(term.to_owned(), e.to_string()))?;
        let mut out = BTreeSet::new();
        let mut group_matched = false;
        for name in self.group_names() {
            if re.is_match(name) {
                group_matched = true;
                out.extend(self.members[name].iter().cloned());
            }
        }
        if !group_matched || term.starts_with('~') || term.contains(['.', '?', '*']) {
            out.extend(self.order.iter().filter(|h| re.is_match(h)).cloned());
        }
        Ok(out)
    }
}

/// Splits a pattern into terms: on `,` when it has one, else on `:` outside `[...]`.
fn split_terms(pattern: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    if pattern.contains(',') {
        terms.extend(pattern.split(','));
    } else {
        let (mut depth, mut start) = (0usize, 0);
        for (i, c) in pattern.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                ':' if depth == 0 => {
                    terms.push(&pattern[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        terms.push(&pattern[start..]);
    }
    terms
        .into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

/// A glob term as a regex body: `*` any run, `?` one character, the rest literal.
fn glob(term: &str) -> String {
    let mut re = String::new();
    for c in term.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re
}
