//! Numbers and times in the cockpit's words: clocks, countdowns, values in their units.

use crate::journal::Timestamp;
use crate::runbook::Unit;

/// `HH:MM:SS` (UTC) of an instant.
pub fn clock(t: Timestamp) -> String {
    crate::engine::describe::clock(t)
}

/// `HH:MM` (UTC) of an instant.
pub fn clock_hm(t: Timestamp) -> String {
    t.to_datetime()
        .map_or_else(|| "??:??".into(), |d| d.format("%H:%M").to_string())
}

/// An elapsed time as `HH:MM:SS` (hours grow past 99 if they must).
pub fn elapsed(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// A countdown: `18:00` under an hour, `1:02:03` above.
pub fn countdown(ms: i64) -> String {
    let s = ms.unsigned_abs().div_ceil(1000);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// A value in its unit: `0.4%` for a ratio, `212ms`, `41%`, `1.2k/s`.
pub fn value(v: f64, unit: Unit) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    match unit {
        Unit::Ratio => percent(v * 100.0),
        Unit::Percent => percent(v),
        Unit::Seconds if v.abs() < 1.0 => format!("{}ms", short(v * 1000.0)),
        Unit::Seconds => format!("{}s", short(v)),
        Unit::Ms => format!("{}ms", short(v)),
        Unit::Bytes => bytes(v),
        Unit::Rps => format!("{}/s", short(v)),
        Unit::Count => short(v),
    }
}

fn percent(p: f64) -> String {
    if p.abs() >= 10.0 || p == 0.0 {
        format!("{p:.0}%")
    } else if p.abs() >= 0.1 {
        format!("{p:.1}%")
    } else {
        format!("{p:.2}%")
    }
}

/// Three significant digits with k / M / G suffixes.
pub fn short(v: f64) -> String {
    let a = v.abs();
    let (x, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let ax = x.abs();
    let digits = if ax == 0.0 || ax >= 100.0 {
        0
    } else if ax >= 10.0 {
        1
    } else if ax >= 1.0 {
        2
    } else {
        3
    };
    let text = format!("{x:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{suffix}")
}

fn bytes(v: f64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = v;
    let mut i = 0;
    while x.abs() >= 1024.0 && i + 1 < units.len() {
        x /= 1024.0;
        i += 1;
    }
    format!("{}{}", short(x), units[i])
}

/// Cuts `text` to `width` characters, ending in `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// "1 host" / "7 hosts".
pub fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_like_the_design_sketch() {
        assert_eq!(value(0.004, Unit::Ratio), "0.4%");
        assert_eq!(value(0.212, Unit::Seconds), "212ms");
        assert_eq!(value(41.0, Unit::Percent), "41%");
        assert_eq!(value(1234.0, Unit::Rps), "1234/s");
        assert_eq!(value(12345.0, Unit::Count), "12.3k");
        assert_eq!(value(f64::NAN, Unit::Count), "NaN");
    }

    #[test]
    fn countdowns_and_elapsed() {
        assert_eq!(countdown(18 * 60_000), "18:00");
        assert_eq!(countdown(3_723_000), "1:02:03");
        assert_eq!(countdown(999), "00:01");
        assert_eq!(elapsed(2_530_000), "00:42:10");
        assert_eq!(fit("web tier kernel", 8), "web tie…");
    }
}
