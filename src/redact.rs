//! Secret redaction: keeps tokens, webhook URLs and passwords out of step output, the journal,
//! the screen and the report (DESIGN §3 rule 10).
//!
//! Three things are masked with [`MARK`]:
//! - every known secret value (read from the env vars or files the runbook names), wherever it
//!   appears, when it is at least [`MIN_SECRET_LEN`] bytes long (shorter values would mask
//!   ordinary words);
//! - the credentials of `Authorization:` headers and of any `Bearer <token>`;
//! - the password of a URL's userinfo (`https://user:pw@host` → `https://user:[REDACTED]@host`).

use std::borrow::Cow;

/// What a redacted secret is replaced with.
pub const MARK: &str = "[REDACTED]";

/// Secret values shorter than this are ignored: masking `abc` everywhere would wreck the text
/// and protect nothing.
pub const MIN_SECRET_LEN: usize = 4;

/// Masks known secrets and credential-shaped text. Cheap to share behind an `Arc`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is masked whole.
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for these secret values. Surrounding whitespace is trimmed (secret files end
    /// with a newline); values shorter than [`MIN_SECRET_LEN`] and duplicates are dropped.
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut r = Self::default();
        for s in secrets {
            r.add(s.as_ref());
        }
        r
    }

    /// A redactor for the values of these environment variables; unset or non-UTF-8 ones are
    /// skipped (the runbook check reports missing secrets, not the redactor).
    pub fn from_env<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self::new(
            names
                .into_iter()
                .filter_map(|n| std::env::var(n.as_ref()).ok()),
        )
    }

    /// Adds one more secret value (trimmed; ignored when too short or already known).
    pub fn add(&mut self, secret: &str) {
        let secret = secret.trim();
        if secret.len() < MIN_SECRET_LEN || self.secrets.iter().any(|s| s == secret) {
            return;
        }
        self.secrets.push(secret.to_owned());
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Number of secret values known.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// True when no secret value is known (header and URL masking still apply).
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Length in bytes of the longest known secret; output capture keeps this much extra so a
    /// secret cut by the tail's start is still recognised.
    pub fn longest_secret(&self) -> usize {
        self.secrets.first().map_or(0, String::len)
    }

    /// `text` with every secret, credential header and URL password masked. Borrows when
    /// nothing needed masking.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), MARK));
            }
        }
        if let Some(masked) = mask_credentials(&out) {
            out = Cow::Owned(masked);
        }
        if let Some(masked) = mask_url_passwords(&out) {
            out = Cow::Owned(masked);
        }
        out
    }
}

/// Bytes that can make up an HTTP credential (RFC 7235 token68, plus `%` for encoded ones).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/=%".contains(&b)
}

/// Masks the credentials after `Authorization:` (any scheme) and after `Bearer `.
fn mask_credentials(text: &str) -> Option<String> {
    // ASCII lower-casing keeps byte offsets, so spans found here index `text` directly.
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let skip_blanks = |mut i: usize| {
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        i
    };
    let token_end = |mut i: usize| {
        while i < bytes.len() && is_token_byte(bytes[i]) {
            i += 1;
        }
        i
    };
    for (at, _) in lower.match_indices("authorization:") {
        let scheme_start = skip_blanks(at + "authorization:".len());
        let scheme_end = token_end(scheme_start);
        let cred_start = skip_blanks(scheme_end);
        let cred_end = token_end(cred_start);
        if text[cred_start..].starts_with(MARK) {
            continue;
        }
        if cred_start > scheme_end && cred_end > cred_start {
            spans.push((cred_start, cred_end));
        } else if scheme_end > scheme_start {
            // `Authorization: <token>` with no scheme word.
            spans.push((scheme_start, scheme_end));
        }
    }
    for (at, _) in lower.match_indices("bearer") {
        let word_start = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let after = at + "bearer".len();
        let blank = bytes.get(after).is_some_and(|b| *b == b' ' || *b == b'\t');
        if word_start && blank {
            let start = skip_blanks(after);
            let end = token_end(start);
            if end > start {
                spans.push((start, end));
            }
        }
    }
    splice(text, spans)
}

/// Masks the password in `scheme://user:password@host`.
fn mask_url_passwords(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    for (at, _) in text.match_indices("://") {
        let start = at + 3;
        let end = bytes[start..]
            .iter()
            .position(|b| b"/?#\"'<>`".contains(b) || b.is_ascii_whitespace())
            .map_or(bytes.len(), |p| start + p);
        let authority = &text[start..end];
        let Some(userinfo_len) = authority.rfind('@') else {
            continue;
        };
        let Some(colon) = authority[..userinfo_len].find(':') else {
            continue;
        };
        let (pw_start, pw_end) = (start + colon + 1, start + userinfo_len);
        if pw_end > pw_start && &text[pw_start..pw_end] != MARK {
            spans.push((pw_start, pw_end));
        }
    }
    splice(text, spans)
}

/// Replaces each byte span (on char boundaries) with [`MARK`]; overlapping spans merge.
/// `None` when there is nothing to replace.
fn splice(text: &str, mut spans: Vec<(usize, usize)>) -> Option<String> {
    spans.retain(|(s, e)| e > s && &text[*s..*e] != MARK);
    if spans.is_empty() {
        return None;
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end) in spans {
        if end <= copied {
            continue;
        }
        let start = start.max(copied);
        out.push_str(&text[copied..start]);
        out.push_str(MARK);
        copied = end;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secrets_are_masked_wherever_they_appear() {
        let r = Redactor::new(["hunter22", "s3cr3t-token\n"]);
        assert_eq!(
            r.redact("pw=hunter22 tok=s3cr3t-token again hunter22"),
            "pw=[REDACTED] tok=[REDACTED] again [REDACTED]"
        );
    }

    #[test]
    fn short_and_duplicate_secrets_are_ignored() {
        let r = Redactor::new(["abc", "", "  ", "long-enough", "long-enough"]);
        assert_eq!(r.len(), 1);
        assert_eq!(r.redact("abc long-enough"), "abc [REDACTED]");
    }

    #[test]
    fn a_secret_containing_another_is_masked_whole() {
        let r = Redactor::new(["token", "token-with-suffix"]);
        assert_eq!(r.redact("x token-with-suffix y"), "x [REDACTED] y");
        assert_eq!(r.longest_secret(), "token-with-suffix".len());
    }

    #[test]
    fn clean_text_is_borrowed() {
        let r = Redactor::new(["hunter22"]);
        assert!(matches!(r.redact("nothing to see here"), Cow::Borrowed(_)));
    }

    #[test]
    fn authorization_headers_lose_their_credentials() {
        let r = Redactor::default();
        assert_eq!(
            r.redact("> Authorization: Bearer eyJhbGciOi.J9-x_y\n< 200"),
            "> Authorization: Bearer [REDACTED]\n< 200"
        );
        assert_eq!(
            r.redact("authorization: Basic dXNlcjpwYXNz=="),
            "authorization: Basic [REDACTED]"
        );
        assert_eq!(
            r.redact("Proxy-Authorization:abc123"),
            "Proxy-Authorization:[REDACTED]"
        );
        assert_eq!(
            r.redact("curl -H 'bearer  tok.en'"),
            "curl -H 'bearer  [REDACTED]'"
        );
    }

    #[test]
    fn the_word_bearer_alone_is_left_alone() {
        let r = Redactor::default();
        for text in [r#"{"token_type":"Bearer"}"#, "forbearer tokens", "Bearer"] {
            assert_eq!(r.redact(text), text);
        }
    }

    #[test]
    fn url_passwords_are_masked_but_users_and_hosts_kept() {
        let r = Redactor::default();
        assert_eq!(
            r.redact("push to https://deploy:p%40ss@git.example.com/repo.git ok"),
            "push to https://deploy:[REDACTED]@git.example.com/repo.git ok"
        );
        assert_eq!(r.redact("ssh://git@host/x"), "ssh://git@host/x");
        assert_eq!(r.redact("http://host:9090/api"), "http://host:9090/api");
        assert_eq!(
            r.redact("redis://:pw1234@127.0.0.1:6379"),
            "redis://:[REDACTED]@127.0.0.1:6379"
        );
    }

    #[test]
    fn redaction_is_idempotent() {
        let r = Redactor::new(["hunter22"]);
        let once = r
            .redact("Authorization: Bearer abc https://u:hunter22@h/ and https://u:pw@h")
            .into_owned();
        assert_eq!(r.redact(&once), once);
        assert!(!once.contains("hunter22") && !once.contains(":pw@") && !once.contains("abc"));
    }

    #[test]
    fn multibyte_text_around_secrets_survives() {
        let r = Redactor::new(["geheim!"]);
        assert_eq!(
            r.redact("Schlüssel: geheim! — fertig"),
            "Schlüssel: [REDACTED] — fertig"
        );
        assert_eq!(r.redact("ÄÖÜ Bearer ü"), "ÄÖÜ Bearer ü");
    }

    #[test]
    fn from_env_reads_named_variables() {
        // PATH is always set; reading it avoids mutating the environment under parallel tests.
        let path = std::env::var("PATH").unwrap_or_default();
        let r = Redactor::from_env(["PATH", "RIPCORD_TEST_SURELY_UNSET_VAR"]);
        assert_eq!(r.len(), usize::from(path.trim().len() >= MIN_SECRET_LEN));
        if !r.is_empty() {
            assert_eq!(r.redact(&format!("x {} y", path.trim())), "x [REDACTED] y");
        }
    }
}
