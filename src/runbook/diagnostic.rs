//! Problems found in a runbook, each with file, line, column and a fix, rendered like rustc.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// The runbook cannot be used; `check` exits 1 and nothing starts.
    Error,
    /// Worth fixing; the runbook is still usable.
    Warning,
}

impl Level {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// One problem in a runbook (or a file it names), with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in, as the operator named it.
    pub file: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column, in characters; 0 when the problem concerns the whole file.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Error or warning.
    pub severity: Level,
}

impl Diagnostic {
    /// An error at a byte offset of `text` (the content of `file`).
    pub fn error_at(file: &Path, text: &str, at: usize, message: impl Into<String>) -> Self {
        Self::at(Level::Error, file, text, at, message)
    }

    /// A warning at a byte offset of `text` (the content of `file`).
    pub fn warning_at(file: &Path, text: &str, at: usize, message: impl Into<String>) -> Self {
        Self::at(Level::Warning, file, text, at, message)
    }

    /// A diagnostic at a byte offset of `text`.
    pub fn at(
        level: Level,
        file: &Path,
        text: &str,
        at: usize,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = line_col(text, at);
        Self {
            file: file.to_path_buf(),
            line,
            column,
            message: message.into(),
            help: None,
            severity: level,
        }
    }

    /// A diagnostic about a whole file (it cannot be read, say).
    pub fn file_error(file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
            help: None,
            severity: Level::Error,
        }
    }

    /// The same diagnostic with a fix attached.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Level::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `error: runbooks/x.toml:12:1: unknown key `sok` in [[wave]]` and an indented `help:` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity.as_str(), self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// 1-based line and character column of byte offset `at` in `text` (clamped to its end).
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Byte range of the `line`th line (1-based) of `text`, without its newline.
pub fn line_range(text: &str, line: usize) -> Range<usize> {
    let mut start = 0;
    for (n, l) in text.split('\n').enumerate() {
        if n + 1 == line {
            return start..start + l.len();
        }
        start += l.len() + 1;
    }
    text.len()..text.len()
}

/// Edit distance between two short names (insertions, deletions, substitutions, swaps).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows are enough for adjacent transpositions (`saok` → `soak` is one edit).
    let mut before_prev: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before_prev[j - 2] + 1);
            }
            cur[j] = best;
        }
        std::mem::swap(&mut before_prev, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The valid name closest to `wrong`, if one is close enough to be a likely typo.
pub fn closest<'a>(wrong: &str, valid: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = wrong.to_ascii_lowercase();
    let allowed = (wrong.chars().count() / 3).max(1);
    valid
        .into_iter()
        .map(|v| {
            // A name that differs only by `-` vs `_` or case is an obvious slip.
            let norm = lower.replace('-', "_") == v.replace('-', "_");
            let d = if norm { 0 } else { edit_distance(&lower, v) };
            (d, v)
        })
        .filter(|(d, v)| *d <= allowed || v.starts_with(&lower) || lower.starts_with(v))
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

/// `did you mean `x`?`, or the list of valid names when none is close.
pub fn suggestion(wrong: &str, valid: &[&str]) -> String {
    match closest(wrong, valid.iter().copied()) {
        Some(name) => format!("did you mean `{name}`?"),
        None => format!("valid here: {}", valid.join(", ")),
    }
}

/// Sorts diagnostics by file, then position, errors first on the same spot.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.severity).cmp(&(&b.file, b.line, b.column, b.severity))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_character_columns() {
        let text = "a = 1\n[wave]\nsök = 2\nx = 3";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        let x = text.find('x').unwrap_or_default();
        assert_eq!(line_col(text, x), (4, 1));
        let eq = text.find("= 2").unwrap_or_default();
        assert_eq!(line_col(text, eq), (3, 5), "ö counts as one column");
        assert_eq!(line_col(text, 999), (4, 6));
    }

    #[test]
    fn line_range_finds_the_line_without_newline() {
        let text = "one\ntwo\nthree";
        assert_eq!(&text[line_range(text, 2)], "two");
        assert_eq!(&text[line_range(text, 3)], "three");
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("sok", "soak"), 1);
        assert_eq!(edit_distance("saok", "soak"), 1);
        assert_eq!(edit_distance("soak", "soak"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_the_closest_key_or_lists_the_valid_ones() {
        let valid = ["name", "size", "soak", "max_failed", "parallel", "approval"];
        assert_eq!(suggestion("sok", &valid), "did you mean `soak`?");
        assert_eq!(
            suggestion("max-failed", &valid),
            "did you mean `max_failed`?"
        );
        assert_eq!(suggestion("paralel", &valid), "did you mean `parallel`?");
        assert!(suggestion("zzzzzz", &valid).starts_with("valid here: name, size"));
    }

    #[test]
    fn renders_like_rustc_with_a_help_line() {
        let d = Diagnostic::error_at(
            Path::new("runbooks/x.toml"),
            "a\nsok = 1",
            2,
            "unknown key `sok` in [[wave]]",
        )
        .with_help("did you mean `soak`?");
        assert_eq!(
            d.to_string(),
            "error: runbooks/x.toml:2:1: unknown key `sok` in [[wave]]\n  help: did you mean `soak`?"
        );
        let w = Diagnostic::file_error(Path::new("h.txt"), "cannot read");
        assert_eq!(w.to_string(), "error: h.txt: cannot read");
    }
}
