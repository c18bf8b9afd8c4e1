//! Keeps host names out of external messages (DESIGN §1, §3 rule 9), whatever a template says:
//! every fleet host name becomes "a host", a list of them "hosts".

use std::collections::HashSet;

/// The fleet's host names, for scrubbing external text.
#[derive(Debug, Clone, Default)]
pub struct HostNames {
    /// Lower-cased: host names are case-insensitive.
    names: HashSet<String>,
}

/// Bytes a host name token is made of (RFC 1123 labels, dots, and `_` seen in inventories).
fn host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_'
}

impl HostNames {
    /// The names to scrub.
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(names: I) -> Self {
        Self {
            names: names
                .into_iter()
                .map(|n| n.as_ref().to_ascii_lowercase())
                .filter(|n| !n.is_empty())
                .collect(),
        }
    }

    /// True when `word` is a fleet host name.
    fn is_host(&self, word: &str) -> bool {
        self.names.contains(&word.to_ascii_lowercase())
    }

    /// `text` with every host name replaced: a single one by "a host", a run of them joined by
    /// commas, "and", "…" or "/" by "hosts".
    pub fn scrub(&self, text: &str) -> String {
        if self.names.is_empty() {
            return text.to_string();
        }
        let spans = self.host_spans(text);
        if spans.is_empty() {
            return text.to_string();
        }
        // Merge neighbours separated only by list punctuation into one group.
        let mut groups: Vec<(usize, usize, usize)> = Vec::new();
        for (start, end) in spans {
            match groups.last_mut() {
                Some((_, last_end, count)) if is_list_gap(&text[*last_end..start]) => {
                    *last_end = end;
                    *count += 1;
                }
                _ => groups.push((start, end, 1)),
            }
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for (start, end, count) in groups {
            out.push_str(&text[copied..start]);
            out.push_str(if count == 1 { "a host" } else { "hosts" });
            copied = end;
        }
        out.push_str(&text[copied..]);
        out
    }

    /// Byte spans of host names in `text`, in order.
    fn host_spans(&self, text: &str) -> Vec<(usize, usize)> {
        let bytes = text.as_bytes();
        let mut spans = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if !host_byte(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && host_byte(bytes[i]) {
                i += 1;
            }
            // A sentence may end right after a name: "… on web-014."
            let mut end = i;
            while end > start && matches!(bytes[end - 1], b'.' | b'-' | b'_') {
                end -= 1;
            }
            if end > start && self.is_host(&text[start..end]) {
                spans.push((start, end));
            }
        }
        spans
    }
}

/// True when the text between two host names only separates list items.
fn is_list_gap(gap: &str) -> bool {
    let rest = gap.trim().trim_start_matches(',').trim();
    matches!(rest, "" | "and" | "…" | "..." | "/" | "&" | "," | "or")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet() -> HostNames {
        HostNames::new(["web-001", "web-002", "web-010", "db.example.com", "web-1"])
    }

    #[test]
    fn single_names_become_a_host() {
        assert_eq!(
            fleet().scrub("verify failed on web-001: exit 2"),
            "verify failed on a host: exit 2"
        );
        assert_eq!(
            fleet().scrub("rolled back DB.example.com."),
            "rolled back a host."
        );
    }

    #[test]
    fn lists_and_ranges_become_hosts() {
        assert_eq!(
            fleet().scrub("wave 2 started (web-001 … web-010)"),
            "wave 2 started (hosts)"
        );
        assert_eq!(
            fleet().scrub("web-001, web-002 and web-010 rolled back"),
            "hosts rolled back"
        );
    }

    #[test]
    fn names_inside_longer_words_are_left_alone() {
        assert_eq!(
            fleet().scrub("web-10 and web-0011 ok"),
            "web-10 and web-0011 ok"
        );
        assert_eq!(fleet().scrub("web-1x web-1"), "web-1x a host");
    }

    #[test]
    fn text_without_hosts_is_unchanged() {
        let text = "Planned maintenance: 12 of 100 upgraded — next update 07:30 UTC.";
        assert_eq!(fleet().scrub(text), text);
        assert_eq!(HostNames::default().scrub("web-001"), "web-001");
    }
}
