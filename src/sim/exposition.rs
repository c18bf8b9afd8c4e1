//! The fleet's `/metrics` page in the Prometheus text exposition format 0.0.4.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::model::{Fleet, millis};
use super::traffic::BUCKETS;

/// Content type of the exposition, as Prometheus expects it.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Escapes a label value (backslash, double quote, newline), as the format requires.
pub fn escape_label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Formats a bucket bound the way Prometheus client libraries do (`0.005`, `1`, `+Inf`).
fn format_bound(bound: f64) -> String {
    if bound.is_infinite() {
        "+Inf".to_string()
    } else {
        format!("{bound}")
    }
}

/// Formats a sample value; non-finite numbers (never expected) use the format's spelling.
fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        format!("{value}")
    }
}

/// Writes `# HELP` and `# TYPE` once for a family.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    // Writing to a String cannot fail.
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Renders every host's metrics at `now` (call [`Fleet::advance`] first).
pub fn render(fleet: &Fleet, now: DateTime<Utc>) -> String {
    let at_ms = millis(now);
    let hosts = fleet.hosts();
    let mut out = String::with_capacity(hosts.len() * 2048 + 1024);
    let instance = |name: &str| format!("instance=\"{}\"", escape_label_value(name));

    family(
        &mut out,
        "up",
        "gauge",
        "Whether the simulated host answers (1) or is down (0).",
    );
    for host in hosts {
        let up = u8::from(host.is_up_at(at_ms));
        let _ = writeln!(out, "up{{{}}} {up}", instance(&host.name));
    }

    family(
        &mut out,
        "http_requests_total",
        "counter",
        "HTTP requests served since the host's exporter started, by status code.",
    );
    for host in hosts {
        let c = &host.counters;
        for (code, n) in [("200", c.ok), ("500", c.e500), ("503", c.e503)] {
            let _ = writeln!(
                out,
                "http_requests_total{{{},code=\"{code}\"}} {n}",
                instance(&host.name)
            );
        }
    }

    family(
        &mut out,
        "http_request_duration_seconds",
        "histogram",
        "Time taken to answer HTTP requests.",
    );
    for host in hosts {
        let c = &host.counters;
        let label = instance(&host.name);
        let mut cumulative = 0u64;
        let bounds = BUCKETS.iter().copied().chain([f64::INFINITY]);
        for (bound, n) in bounds.zip(c.buckets) {
            cumulative += n;
            let le = format_bound(bound);
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{label},le=\"{le}\"}} {cumulative}"
            );
        }
        let sum = format_value(c.latency_sum);
        let _ = writeln!(out, "http_request_duration_seconds_sum{{{label}}} {sum}");
        let _ = writeln!(
            out,
            "http_request_duration_seconds_count{{{label}}} {}",
            c.requests()
        );
    }

    family(
        &mut out,
        "sim_cpu_ratio",
        "gauge",
        "Share of CPU time the simulated host is busy (0 to 1).",
    );
    for (index, host) in hosts.iter().enumerate() {
        let value = format_value(fleet.cpu_ratio(index, now));
        let _ = writeln!(out, "sim_cpu_ratio{{{}}} {value}", instance(&host.name));
    }

    family(
        &mut out,
        "sim_memory_ratio",
        "gauge",
        "Share of memory the simulated host uses (0 to 1).",
    );
    for (index, host) in hosts.iter().enumerate() {
        let value = format_value(fleet.memory_ratio(index, now));
        let _ = writeln!(out, "sim_memory_ratio{{{}}} {value}", instance(&host.name));
    }

    family(
        &mut out,
        "sim_host_info",
        "gauge",
        "Installed version and kernel of the simulated host (always 1).",
    );
    for host in hosts {
        let version = escape_label_value(&host.version);
        let kernel = escape_label_value(&format!("{}-sim-amd64", host.version));
        let _ = writeln!(
            out,
            "sim_host_info{{{},version=\"{version}\",kernel=\"{kernel}\"}} 1",
            instance(&host.name)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label_value(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape_label_value("two\nlines"), "two\\nlines");
    }

    #[test]
    fn bounds_print_like_client_libraries() {
        assert_eq!(format_bound(0.005), "0.005");
        assert_eq!(format_bound(1.0), "1");
        assert_eq!(format_bound(f64::INFINITY), "+Inf");
    }
}
