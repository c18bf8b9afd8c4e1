//! Human durations as written in runbooks: `90s`, `15m`, `1h30m`, `2h`, `500ms`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A span of time with millisecond precision, written like `15m` or `1h30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    millis: u64,
}

impl Span {
    /// A span of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        Self { millis: ms }
    }
    /// A span of `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        Self { millis: s * 1000 }
    }
    /// A span of `m` minutes.
    pub const fn from_mins(m: u64) -> Self {
        Self::from_secs(m * 60)
    }
    /// The length in milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.millis
    }
    /// The length as a std duration.
    pub const fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.millis)
    }
    /// True for a zero-length span.
    pub const fn is_zero(self) -> bool {
        self.millis == 0
    }

    /// Parses `1h30m`, `90s`, `500ms`, `2d`; a bare `0` is zero. Units: ms, s, m, h, d.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("empty duration: write it like \"15m\", \"90s\" or \"1h30m\"".into());
        }
        if t == "0" {
            return Ok(Self::default());
        }
        let mut total: u64 = 0;
        let mut rest = t;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(format!(
                    "bad duration \"{text}\": expected a number before \"{rest}\"; write it like \"15m\", \"90s\" or \"1h30m\""
                ));
            }
            let n: u64 = rest[..digits]
                .parse()
                .map_err(|_| format!("bad duration \"{text}\": number too large"))?;
            rest = &rest[digits..];
            let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
            let unit = &rest[..unit_len];
            rest = &rest[unit_len..];
            let ms_per = match unit {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                "" => {
                    return Err(format!(
                        "bad duration \"{text}\": \"{n}\" has no unit; add one of ms, s, m, h, d (e.g. \"{n}s\")"
                    ));
                }
                other => {
                    return Err(format!(
                        "bad duration \"{text}\": unknown unit \"{other}\"; use ms, s, m, h or d"
                    ));
                }
            };
            total = n
                .checked_mul(ms_per)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(|| format!("bad duration \"{text}\": too large"))?;
        }
        Ok(Self { millis: total })
    }
}

impl fmt::Display for Span {
    /// Writes the span back in runbook form, e.g. `1h30m`, `90s` → `1m30s`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = self.millis;
        if ms == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [
            ("d", 86_400_000),
            ("h", 3_600_000),
            ("m", 60_000),
            ("s", 1_000),
        ] {
            if ms >= size {
                write!(f, "{}{unit}", ms / size)?;
                ms %= size;
            }
        }
        if ms > 0 {
            write!(f, "{ms}ms")?;
        }
        Ok(())
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Span::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compound_durations() {
        assert_eq!(Span::parse("1h30m").unwrap(), Span::from_mins(90));
        assert_eq!(Span::parse("90s").unwrap(), Span::from_secs(90));
        assert_eq!(Span::parse("500ms").unwrap(), Span::from_millis(500));
        assert_eq!(Span::parse("0").unwrap(), Span::default());
    }

    #[test]
    fn rejects_unitless_and_unknown_units_with_a_fix() {
        assert!(Span::parse("15").unwrap_err().contains("no unit"));
        assert!(Span::parse("15 min").unwrap_err().contains("no unit"));
        assert!(
            Span::parse("m15")
                .unwrap_err()
                .contains("expected a number")
        );
        assert!(Span::parse("15y").unwrap_err().contains("unknown unit"));
        assert!(Span::parse("").is_err());
    }

    #[test]
    fn displays_in_runbook_form() {
        assert_eq!(Span::from_secs(90).to_string(), "1m30s");
        assert_eq!(Span::from_mins(60).to_string(), "1h");
        assert_eq!(Span::default().to_string(), "0s");
    }
}
