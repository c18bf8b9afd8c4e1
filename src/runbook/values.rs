//! Small checked conversions from raw runbook values (durations, percentages, choices), each
//! reporting into one collector so every problem of a file is reported in one pass.

use std::ops::Range;
use std::path::Path;

use super::diagnostic::{Diagnostic, Level, closest};
use super::duration::Span;
use super::model::FailBudget;
use super::raw::{NumOrText, S};

/// Collects the diagnostics of one runbook file while it is validated.
pub struct Ctx<'a> {
    /// The runbook, as the operator named it.
    pub file: &'a Path,
    /// Its text, to turn byte offsets into lines and columns.
    pub text: &'a str,
    /// Everything found so far.
    pub diags: Vec<Diagnostic>,
}

impl<'a> Ctx<'a> {
    /// A collector for `file` holding `text`.
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Self {
            file,
            text,
            diags: Vec::new(),
        }
    }

    /// Records an error at byte offset `at` with a fix.
    pub fn error(&mut self, at: usize, message: impl Into<String>, help: impl Into<String>) {
        self.push(Level::Error, at, message.into(), help.into());
    }

    /// Records a warning at byte offset `at` with a fix.
    pub fn warn(&mut self, at: usize, message: impl Into<String>, help: impl Into<String>) {
        self.push(Level::Warning, at, message.into(), help.into());
    }

    fn push(&mut self, level: Level, at: usize, message: String, help: String) {
        let d = Diagnostic::at(level, self.file, self.text, at, message);
        self.diags.push(if help.is_empty() {
            d
        } else {
            d.with_help(help)
        });
    }

    /// True once any error was recorded.
    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(Diagnostic::is_error)
    }

    /// Number of errors so far (to tell whether a section added any).
    pub fn error_count(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }

    /// A duration such as `15m`; `key` names it in the message.
    pub fn duration(&mut self, v: &S<String>, key: &str) -> Option<Span> {
        match Span::parse(v.get_ref()) {
            Ok(span) => Some(span),
            Err(why) => {
                let help = match respell_duration(v.get_ref()) {
                    Some(fixed) => format!("did you mean \"{fixed}\"? durations are a number and a unit (ms, s, m, h, d) with no space"),
                    None => "durations are a number and a unit (ms, s, m, h, d), e.g. \"90s\", \"15m\", \"1h30m\"".to_string(),
                };
                self.error(v.span().start, format!("`{key}`: {why}"), help);
                None
            }
        }
    }

    /// An optional duration, or `default` when absent or invalid (the error is recorded).
    pub fn duration_or(&mut self, v: Option<&S<String>>, key: &str, default: Span) -> Span {
        v.and_then(|v| self.duration(v, key)).unwrap_or(default)
    }

    /// One of a closed set of words, with the closest one suggested on a typo.
    pub fn choice<T: Copy>(
        &mut self,
        v: &S<String>,
        key: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let text = v.get_ref().as_str();
        if let Some((_, value)) = options.iter().find(|(name, _)| *name == text) {
            return Some(*value);
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let help = match closest(text, names.iter().copied()) {
            Some(n) => format!("did you mean \"{n}\"? (one of: {})", names.join(", ")),
            None => format!("write one of: {}", names.join(", ")),
        };
        self.error(
            v.span().start,
            format!("`{key}` = \"{text}\" is not a valid value"),
            help,
        );
        None
    }

    /// A whole percentage `"N%"` from 0 to 100 (or from 1 when `min_one`).
    pub fn percent(
        &mut self,
        at: Range<usize>,
        text: &str,
        key: &str,
        min_one: bool,
    ) -> Option<u8> {
        let num = text.trim().strip_suffix('%')?.trim();
        let low = u8::from(min_one);
        match num.parse::<i64>() {
            Ok(p) if p > 100 => self.error(
                at.start,
                format!("`{key}` = \"{text}\": a percentage cannot be over 100%"),
                format!("write a percentage from {low}% to 100%, or \"rest\" / a host count"),
            ),
            Ok(p) if p < i64::from(low) => self.error(
                at.start,
                format!("`{key}` = \"{text}\": a percentage cannot be under {low}%"),
                format!("write a percentage from {low}% to 100%"),
            ),
            Ok(p) => return u8::try_from(p).ok(),
            Err(_) => self.error(
                at.start,
                format!("`{key}` = \"{text}\" is not a whole percentage"),
                "write a whole number followed by %, e.g. \"10%\"",
            ),
        }
        None
    }

    /// A count of at least `min`.
    pub fn count(&mut self, v: &S<i64>, key: &str, min: i64) -> Option<u32> {
        let n = *v.get_ref();
        if n < min {
            let what = if min == 0 {
                "cannot be negative".to_string()
            } else {
                format!("must be at least {min}")
            };
            self.error(
                v.span().start,
                format!("`{key}` = {n} {what}"),
                format!("write a whole number ≥ {min}"),
            );
            return None;
        }
        match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(
                    v.span().start,
                    format!("`{key}` = {n} is too large"),
                    "write a smaller number",
                );
                None
            }
        }
    }

    /// `max_failed`: a count (`2`) or a percentage of the wave (`"10%"`).
    pub fn fail_budget(&mut self, v: &S<NumOrText>, key: &str) -> Option<FailBudget> {
        match v.get_ref() {
            NumOrText::Num(n) => {
                let n = S::new(v.span(), *n);
                self.count(&n, key, 0).map(FailBudget::Count)
            }
            NumOrText::Text(t) if t.trim().ends_with('%') => self
                .percent(v.span(), t, key, false)
                .map(FailBudget::Percent),
            NumOrText::Text(t) => {
                self.error(
                    v.span().start,
                    format!("`{key}` = \"{t}\" is neither a count nor a percentage"),
                    "write a host count like 2 (no quotes) or a percentage of the wave like \"10%\"",
                );
                None
            }
        }
    }

    /// Text that must not be empty.
    pub fn non_empty(&mut self, v: &S<String>, key: &str) -> Option<String> {
        if v.get_ref().trim().is_empty() {
            self.error(
                v.span().start,
                format!("`{key}` is empty"),
                format!("write a value for `{key}` or remove it"),
            );
            None
        } else {
            Some(v.get_ref().clone())
        }
    }
}

/// `"10 min"` → `"10m"`, `"2 hours"` → `"2h"`: the likely meaning of a duration written in
/// words, when that reading parses.
pub fn respell_duration(text: &str) -> Option<String> {
    let mut out = String::new();
    let lower = text.to_ascii_lowercase();
    let mut rest = lower.trim();
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        out.push_str(&rest[..digits]);
        rest = rest[digits..].trim_start();
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = match &rest[..letters] {
            "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => "ms",
            "s" | "sec" | "secs" | "second" | "seconds" => "s",
            "m" | "min" | "mins" | "minute" | "minutes" => "m",
            "h" | "hr" | "hrs" | "hour" | "hours" => "h",
            "d" | "day" | "days" => "d",
            _ => return None,
        };
        out.push_str(unit);
        rest = rest[letters..].trim_start();
    }
    (Span::parse(&out).is_ok() && out != text).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s<T>(v: T) -> S<T> {
        S::new(0..1, v)
    }

    #[test]
    fn percentages_outside_0_to_100_are_refused_with_the_range() {
        let mut c = Ctx::new(Path::new("r.toml"), "x");
        assert_eq!(c.percent(0..1, "150%", "size", true), None);
        assert_eq!(c.percent(0..1, "-5%", "max_failed", false), None);
        assert_eq!(c.percent(0..1, "0%", "size", true), None);
        assert_eq!(c.percent(0..1, "10%", "size", true), Some(10));
        let msgs: Vec<String> = c.diags.iter().map(|d| d.message.clone()).collect();
        assert!(msgs[0].contains("over 100%"), "{msgs:?}");
        assert!(msgs[1].contains("under 0%"), "{msgs:?}");
        assert!(msgs[2].contains("under 1%"), "{msgs:?}");
    }

    #[test]
    fn durations_in_words_get_a_respelling() {
        assert_eq!(respell_duration("10 min").as_deref(), Some("10m"));
        assert_eq!(
            respell_duration("1 hour 30 minutes").as_deref(),
            Some("1h30m")
        );
        assert_eq!(respell_duration("15m"), None);
        assert_eq!(respell_duration("soon"), None);
    }

    #[test]
    fn choices_suggest_the_closest_word() {
        let mut c = Ctx::new(Path::new("r.toml"), "x");
        let got = c.choice(
            &s("hgih".to_string()),
            "risk",
            &[("high", 1), ("medium", 2), ("low", 3)],
        );
        assert_eq!(got, None);
        assert_eq!(
            c.diags[0].help.as_deref(),
            Some("did you mean \"high\"? (one of: high, medium, low)")
        );
    }

    #[test]
    fn fail_budgets_are_counts_or_percentages() {
        let mut c = Ctx::new(Path::new("r.toml"), "x");
        assert_eq!(
            c.fail_budget(&s(NumOrText::Num(2)), "max_failed"),
            Some(FailBudget::Count(2))
        );
        assert_eq!(
            c.fail_budget(&s(NumOrText::Text("10%".into())), "m"),
            Some(FailBudget::Percent(10))
        );
        assert_eq!(c.fail_budget(&s(NumOrText::Text("two".into())), "m"), None);
        assert_eq!(c.fail_budget(&s(NumOrText::Num(-1)), "m"), None);
        assert_eq!(c.diags.len(), 2);
    }
}
