//! Unit tests of the simulated fleet model on a fake clock.

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::model::Counters;
use super::traffic::BUCKETS;
use super::*;

fn t0() -> DateTime<Utc> {
    Utc.timestamp_opt(1_790_000_000, 0).single().unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(secs)
}

fn fleet(hosts: usize, fault: Option<Fault>) -> Fleet {
    let config = SimConfig {
        hosts,
        fault,
        ..SimConfig::default()
    };
    Fleet::new(config, t0())
}

fn counters(fleet: &Fleet, name: &str) -> Counters {
    fleet.host(name).unwrap().counters.clone()
}

/// What every host counted between two times (one entry per host, in name order).
fn window(fleet: &mut Fleet, from: i64, to: i64) -> Vec<Counters> {
    fleet.advance(at(from));
    let before: Vec<Counters> = fleet.hosts().iter().map(|h| h.counters.clone()).collect();
    fleet.advance(at(to));
    fleet
        .hosts()
        .iter()
        .zip(before)
        .map(|(h, a)| {
            let b = &h.counters;
            let mut buckets = b.buckets;
            for (slot, earlier) in buckets.iter_mut().zip(a.buckets) {
                *slot -= earlier;
            }
            Counters {
                ok: b.ok - a.ok,
                e500: b.e500 - a.e500,
                e503: b.e503 - a.e503,
                buckets,
                latency_sum: b.latency_sum - a.latency_sum,
            }
        })
        .collect()
}

/// The 0-based index of a host name.
fn index(name: &str) -> usize {
    name.trim_start_matches("web-").parse::<usize>().unwrap() - 1
}

/// Error ratio (500 and 503) of a host between two times, from its counters.
fn error_ratio(fleet: &mut Fleet, name: &str, from: i64, to: i64) -> f64 {
    ratio(&window(fleet, from, to)[index(name)])
}

fn ratio(c: &Counters) -> f64 {
    (c.e500 + c.e503) as f64 / c.requests() as f64
}

/// p95 latency of counted requests, interpolated in buckets as Prometheus does.
fn p95(c: &Counters) -> f64 {
    let total = c.requests();
    let rank = 0.95 * total as f64;
    let mut below = 0.0;
    let mut lower = 0.0;
    for (count, upper) in c.buckets.iter().zip(BUCKETS) {
        let count = *count as f64;
        if below + count >= rank {
            return lower + (upper - lower) * (rank - below) / count;
        }
        below += count;
        lower = upper;
    }
    f64::INFINITY
}

/// Upgrades a host and moves the clock past its reboot and warm-up.
fn upgrade(fleet: &mut Fleet, name: &str, when: i64) {
    let answer = fleet.control(Operation::Upgrade, name, at(when)).unwrap();
    assert!(answer.ok, "{}", answer.text);
}

#[test]
fn a_new_fleet_is_up_on_the_old_version_and_serves_traffic() {
    let mut f = fleet(12, None);
    f.advance(at(60));
    assert_eq!(f.hosts().len(), 12);
    assert_eq!(f.hosts()[0].name, "web-001");
    assert_eq!(f.hosts()[11].name, "web-012");
    for host in f.hosts() {
        assert!(host.is_up_at(at(60).timestamp_millis()));
        assert_eq!(host.version, "6.1.0");
        assert!(
            host.counters.requests() > 60 * 10,
            "{} served too little",
            host.name
        );
    }
    assert!(error_ratio(&mut f, "web-003", 60, 1260) < 0.005);
}

#[test]
fn counters_only_grow_while_the_host_runs() {
    let mut f = fleet(3, None);
    let mut last = 0;
    for second in (1..600).step_by(7) {
        f.advance(at(second));
        let now = f.host("web-002").unwrap().counters.requests();
        assert!(now >= last);
        last = now;
    }
}

#[test]
fn traffic_does_not_depend_on_how_often_the_clock_is_read() {
    let mut often = fleet(4, Some(Fault::SlowBurn));
    let mut once = fleet(4, Some(Fault::SlowBurn));
    upgrade(&mut often, "web-002", 10);
    upgrade(&mut once, "web-002", 10);
    for second in 11..400 {
        often.advance(at(second));
    }
    once.advance(at(399));
    for name in ["web-001", "web-002"] {
        assert_eq!(counters(&often, name), counters(&once, name));
    }
}

#[test]
fn an_upgrade_reboots_the_host_into_the_new_version_and_resets_its_counters() {
    let mut f = fleet(5, None);
    f.advance(at(100));
    let before = counters(&f, "web-001").requests();
    assert!(before > 0);

    let answer = f.control(Operation::Upgrade, "web-001", at(100)).unwrap();
    assert!(answer.ok);
    assert!(answer.text.contains("6.6.0"), "{}", answer.text);
    f.advance(at(101));
    let host = f.host("web-001").unwrap();
    assert!(
        !host.is_up_at(at(101).timestamp_millis()),
        "down while rebooting"
    );
    assert_eq!(host.counters.requests(), 0);
    let state = f.snapshot(at(101));
    assert!(state.hosts[0].restarting && !state.hosts[0].up && state.hosts[0].upgraded);

    f.advance(at(110));
    let host = f.host("web-001").unwrap();
    assert!(host.is_up_at(at(110).timestamp_millis()));
    assert_eq!(host.version, "6.6.0");
    let after = host.counters.requests();
    assert!(
        after > 0 && after < before,
        "counter reset: {after} after {before}"
    );
    assert_eq!(f.host("web-002").unwrap().version, "6.1.0");
}

#[test]
fn a_fresh_boot_answers_some_503_while_warming_up_then_settles() {
    let mut f = fleet(2, None);
    upgrade(&mut f, "web-001", 0);
    let warming = error_ratio(&mut f, "web-001", 3, 13);
    let warm = error_ratio(&mut f, "web-001", 30, 330);
    assert!(warming > 0.03, "warming {warming}");
    assert!(warm < 0.005, "warm {warm}");
}

#[test]
fn rollback_restores_the_old_version_with_another_reboot() {
    let mut f = fleet(3, None);
    upgrade(&mut f, "web-002", 0);
    f.advance(at(30));
    let answer = f.control(Operation::Rollback, "web-002", at(30)).unwrap();
    assert!(answer.ok, "{}", answer.text);
    assert!(!f.snapshot(at(31)).hosts[1].up);
    f.advance(at(40));
    let host = f.host("web-002").unwrap();
    assert_eq!(host.version, "6.1.0");
    assert!(host.is_up_at(at(40).timestamp_millis()));
    let ok = f
        .control(Operation::VerifyRollback, "web-002", at(40))
        .unwrap();
    assert!(ok.ok, "{}", ok.text);
}

#[test]
fn steps_answer_like_the_real_automation() {
    let mut f = fleet(3, None);
    let verify_backup = f
        .control(Operation::VerifyBackup, "web-001", at(1))
        .unwrap();
    assert!(!verify_backup.ok && verify_backup.text.contains("no backup"));
    assert!(f.control(Operation::Backup, "web-001", at(2)).unwrap().ok);
    assert!(
        f.control(Operation::VerifyBackup, "web-001", at(3))
            .unwrap()
            .ok
    );
    assert!(f.control(Operation::Precheck, "web-001", at(4)).unwrap().ok);

    let not_yet = f.control(Operation::Verify, "web-001", at(5)).unwrap();
    assert!(
        !not_yet.ok && not_yet.text.contains("expected 6.6.0"),
        "{}",
        not_yet.text
    );
    upgrade(&mut f, "web-001", 6);
    let rebooting = f.control(Operation::Verify, "web-001", at(7)).unwrap();
    assert!(
        !rebooting.ok && rebooting.text.contains("rebooting"),
        "{}",
        rebooting.text
    );
    assert!(!f.control(Operation::Precheck, "web-001", at(7)).unwrap().ok);
    assert!(!f.control(Operation::Upgrade, "web-001", at(7)).unwrap().ok);
    let verified = f.control(Operation::Verify, "web-001", at(20)).unwrap();
    assert!(verified.ok, "{}", verified.text);
    let again = f.control(Operation::Upgrade, "web-001", at(21)).unwrap();
    assert!(again.ok && again.text.contains("nothing to do"));

    let unknown = f.control(Operation::Verify, "web-999", at(22)).unwrap_err();
    assert!(unknown.to_string().contains("web-003"), "{unknown}");
}

#[test]
fn fault_5xx_makes_upgraded_hosts_fail_8_percent_of_requests() {
    let mut f = fleet(4, Some(Fault::Errors5xx));
    upgrade(&mut f, "web-001", 0);
    let counted = window(&mut f, 60, 1260);
    let (upgraded, old) = (ratio(&counted[0]), ratio(&counted[1]));
    assert!((0.07..0.09).contains(&upgraded), "upgraded {upgraded}");
    assert!(old < 0.005, "old {old}");
    // A smoke test still passes: the fault is for the metric gates to catch.
    assert!(
        f.control(Operation::Verify, "web-001", at(1300))
            .unwrap()
            .ok
    );
}

#[test]
fn fault_latency_triples_p95_on_upgraded_hosts() {
    let mut f = fleet(4, None);
    upgrade(&mut f, "web-001", 0);
    let before = p95(&window(&mut f, 60, 660)[0]);
    f.inject(Some(Fault::Latency), at(660));
    let counted = window(&mut f, 660, 1260);
    let (during, bystander) = (p95(&counted[0]), p95(&counted[1]));
    let factor = during / before;
    assert!((2.4..3.6).contains(&factor), "p95 {before} -> {during}");
    assert!(bystander < before * 1.3, "old host p95 {bystander}");
}

#[test]
fn fault_boot_leaves_every_seventh_host_down_until_rolled_back() {
    let mut f = fleet(14, Some(Fault::Boot));
    for (i, name) in ["web-006", "web-007", "web-014"].iter().enumerate() {
        upgrade(&mut f, name, i as i64);
    }
    f.advance(at(120));
    let state = f.snapshot(at(120));
    let up: Vec<(&str, bool)> = state
        .hosts
        .iter()
        .filter(|h| h.upgraded)
        .map(|h| (h.name.as_str(), h.up))
        .collect();
    assert_eq!(
        up,
        vec![("web-006", true), ("web-007", false), ("web-014", false)]
    );
    let verify = f.control(Operation::Verify, "web-007", at(121)).unwrap();
    assert!(
        !verify.ok && verify.text.contains("down"),
        "{}",
        verify.text
    );

    assert!(
        f.control(Operation::Rollback, "web-007", at(122))
            .unwrap()
            .ok
    );
    f.advance(at(140));
    assert!(
        f.host("web-007")
            .unwrap()
            .is_up_at(at(140).timestamp_millis())
    );
    assert_eq!(f.host("web-007").unwrap().version, "6.1.0");
}

#[test]
fn fault_slow_burn_creeps_errors_up_over_ninety_seconds() {
    let mut f = fleet(2, Some(Fault::SlowBurn));
    upgrade(&mut f, "web-001", 0);
    let first = error_ratio(&mut f, "web-001", 25, 35);
    let middle = error_ratio(&mut f, "web-001", 55, 65);
    let late = error_ratio(&mut f, "web-001", 120, 720);
    assert!(first < 0.03, "first minute {first}");
    assert!((0.03..0.07).contains(&middle), "middle {middle}");
    assert!((0.09..0.11).contains(&late), "late {late}");
    let memory_fresh = f.memory_ratio(0, at(25));
    let memory_late = f.memory_ratio(0, at(920));
    assert!(
        memory_late > memory_fresh + 0.15,
        "{memory_fresh} -> {memory_late}"
    );
}

#[test]
fn fault_one_bad_host_hurts_only_the_second_upgraded_host() {
    let mut f = fleet(6, Some(Fault::OneBadHost));
    upgrade(&mut f, "web-004", 0);
    upgrade(&mut f, "web-002", 1);
    upgrade(&mut f, "web-003", 2);
    let counted = window(&mut f, 60, 660);
    let bad = ratio(&counted[index("web-002")]);
    assert!((0.27..0.33).contains(&bad), "bad {bad}");
    for name in ["web-004", "web-003", "web-001"] {
        let ratio = ratio(&counted[index(name)]);
        assert!(ratio < 0.005, "{name}: {ratio}");
    }
}

#[test]
fn a_fault_injected_at_run_time_starts_then_clears() {
    let mut f = fleet(2, None);
    upgrade(&mut f, "web-001", 0);
    assert!(error_ratio(&mut f, "web-001", 60, 660) < 0.005);
    f.inject(Some(Fault::Errors5xx), at(660));
    assert_eq!(f.fault(), Some(Fault::Errors5xx));
    assert!(error_ratio(&mut f, "web-001", 660, 1260) > 0.06);
    f.inject(None, at(1260));
    assert!(error_ratio(&mut f, "web-001", 1260, 1860) < 0.005);
}

#[test]
fn the_exposition_parses_and_has_every_family_with_its_type() {
    use prometheus_parse::{Scrape, Value};
    let mut f = fleet(3, None);
    upgrade(&mut f, "web-002", 0);
    f.advance(at(1));
    let text = exposition::render(&f, at(1));
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();

    let kind = |metric: &str| {
        let sample = scrape.samples.iter().find(|s| s.metric == metric).unwrap();
        std::mem::discriminant(&sample.value)
    };
    assert_eq!(kind("up"), std::mem::discriminant(&Value::Gauge(0.0)));
    assert_eq!(
        kind("http_requests_total"),
        std::mem::discriminant(&Value::Counter(0.0))
    );
    assert_eq!(
        kind("http_request_duration_seconds"),
        std::mem::discriminant(&Value::Histogram(vec![]))
    );
    for gauge in ["sim_cpu_ratio", "sim_memory_ratio", "sim_host_info"] {
        assert_eq!(
            kind(gauge),
            std::mem::discriminant(&Value::Gauge(0.0)),
            "{gauge}"
        );
    }
    let down = scrape
        .samples
        .iter()
        .find(|s| s.metric == "up" && s.labels.get("instance") == Some("web-002"))
        .unwrap();
    assert_eq!(down.value, Value::Gauge(0.0));

    // HELP and TYPE once per family, and no series twice.
    let mut seen = HashSet::new();
    for line in text.lines() {
        let key = if line.starts_with('#') {
            line.split(' ').take(3).collect::<Vec<_>>().join(" ")
        } else {
            line.rsplit_once(' ').unwrap().0.to_string()
        };
        assert!(seen.insert(key.clone()), "repeated: {key}");
    }
    let infs = text.lines().filter(|l| l.contains("le=\"+Inf\"")).count();
    assert_eq!(infs, 3);
}

#[test]
fn the_scrape_config_names_the_simulator_and_keeps_host_labels() {
    let config = prometheus_scrape_config("127.0.0.1:9101".parse().unwrap());
    assert!(config.contains("targets: ['127.0.0.1:9101']"));
    assert!(config.contains("honor_labels: true"));
    assert!(config.contains("metrics_path: /metrics"));
}
