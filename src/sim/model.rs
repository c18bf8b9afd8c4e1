//! The simulated fleet as a pure model: hosts, versions, reboots, counters and gauges,
//! moved forward by a clock the caller passes in (the server uses the wall clock, tests a fake one).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::fault::Fault;
use super::traffic::{self, BUCKETS, Conditions, Noise, Second};

/// Baseline error ratio of a healthy host, split evenly between 500 and 503.
const BASELINE_ERROR_RATIO: f64 = 0.001;
/// 503 ratio right after a boot, fading to nothing over the warm-up.
const WARMUP_ERROR_RATIO: f64 = 0.15;
/// Longest stretch of traffic simulated at once; a longer gap (a suspended laptop) is skipped.
const MAX_CATCHUP_SECS: i64 = 3600;
/// Salt of the gauge noise stream, so gauges do not echo the traffic numbers.
const GAUGE_SALT: u64 = 0x6761_7567_6573;

/// How the simulated fleet is set up.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Number of hosts, named `web-001`, `web-002`, ...
    pub hosts: usize,
    /// Fault scenario active from the start.
    pub fault: Option<Fault>,
    /// Seed of all traffic noise: the same seed gives the same numbers.
    pub seed: u64,
    /// How long an upgrade or rollback reboot keeps a host down.
    pub restart: Duration,
    /// How long a freshly booted host answers some requests with 503.
    pub warmup: Duration,
    /// How long `sim-agent upgrade` / `rollback` wait for a reboot before giving up, like an
    /// upgrade script's boot timeout (published in `/state`).
    pub boot_timeout: Duration,
    /// Version every host runs at the start.
    pub old_version: String,
    /// Version an upgrade installs.
    pub new_version: String,
    /// Mean requests per second of an average host at average load.
    pub base_rps: f64,
    /// Error ratio above which `verify` fails (the smoke test sees a broken service).
    pub verify_max_error_ratio: f64,
    /// Loopback port of the server; 0 picks a free one.
    pub port: u16,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            hosts: 100,
            fault: None,
            seed: 1,
            restart: Duration::from_secs(3),
            warmup: Duration::from_secs(20),
            boot_timeout: Duration::from_secs(20),
            old_version: "6.1.0".to_string(),
            new_version: "6.6.0".to_string(),
            base_rps: 40.0,
            verify_max_error_ratio: 0.5,
            port: 0,
        }
    }
}

/// Whether a host is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    /// Running since this time (unix milliseconds).
    Up {
        /// Boot time, unix milliseconds.
        since_ms: i64,
    },
    /// Rebooting; up again at this time (unix milliseconds).
    Restarting {
        /// When the host answers again, unix milliseconds.
        until_ms: i64,
    },
    /// Did not come back from a reboot; stays down until upgraded or rolled back again.
    Down,
}

/// A host's exporter counters; like a real exporter's, they start from zero at every boot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Counters {
    /// Requests answered 200.
    pub ok: u64,
    /// Requests answered 500.
    pub e500: u64,
    /// Requests answered 503.
    pub e503: u64,
    /// Requests per latency bucket, not cumulative; the last slot is above the largest bound.
    pub buckets: [u64; BUCKETS.len() + 1],
    /// Total latency in seconds.
    pub latency_sum: f64,
}

impl Counters {
    fn add(&mut self, s: &Second) {
        self.ok += s.ok;
        self.e500 += s.e500;
        self.e503 += s.e503;
        for (total, n) in self.buckets.iter_mut().zip(s.buckets) {
            *total += n;
        }
        self.latency_sum += s.latency_sum;
    }

    /// All requests counted since boot.
    pub fn requests(&self) -> u64 {
        self.ok + self.e500 + self.e503
    }
}

/// One simulated host.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// `web-001` ...
    pub name: String,
    /// 1-based number (web-007 is 7).
    pub number: usize,
    /// Installed version (the one it boots into).
    pub version: String,
    /// Running, rebooting or down.
    pub power: Power,
    /// Exporter counters since the last boot.
    pub counters: Counters,
    /// Whether a backup was taken.
    pub backed_up: bool,
    /// Place in the order of first upgrades (1 = first host ever upgraded).
    pub upgrade_rank: Option<u32>,
    /// Relative size: share of traffic compared with an average host.
    size: f64,
    /// Traffic is simulated up to (not including) this unix second.
    counted_until: i64,
}

impl Host {
    /// Whether the host answers at `at_ms` (unix milliseconds).
    pub fn is_up_at(&self, at_ms: i64) -> bool {
        match self.power {
            Power::Up { since_ms } => at_ms >= since_ms,
            Power::Restarting { until_ms } => at_ms >= until_ms,
            Power::Down => false,
        }
    }

    /// Boot time if the host is up at `at_ms`.
    pub fn up_since(&self, at_ms: i64) -> Option<i64> {
        match self.power {
            Power::Up { since_ms } if at_ms >= since_ms => Some(since_ms),
            Power::Restarting { until_ms } if at_ms >= until_ms => Some(until_ms),
            _ => None,
        }
    }

    fn settle(&mut self, at_ms: i64) {
        if let Power::Restarting { until_ms } = self.power
            && at_ms >= until_ms
        {
            self.power = Power::Up { since_ms: until_ms };
        }
    }

    /// Starts a reboot into `version` at `now_ms`: the process dies, so its counters reset.
    pub(super) fn reboot(
        &mut self,
        version: &str,
        now_ms: i64,
        restart: Duration,
        comes_back: bool,
    ) {
        self.version = version.to_string();
        self.counters = Counters::default();
        self.power = if comes_back {
            let restart_ms = i64::try_from(restart.as_millis()).unwrap_or(i64::MAX / 2);
            Power::Restarting {
                until_ms: now_ms.saturating_add(restart_ms),
            }
        } else {
            Power::Down
        };
    }
}

/// The simulated fleet.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub(super) config: SimConfig,
    pub(super) hosts: Vec<Host>,
    /// Active fault and when it was injected (unix milliseconds).
    pub(super) fault: Option<(Fault, i64)>,
    pub(super) upgrades: u32,
}

/// The name of host number `number` (1-based).
pub fn host_name(number: usize) -> String {
    format!("web-{number:03}")
}

/// Unix milliseconds of a time.
pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

impl Fleet {
    /// A fleet of healthy hosts on the old version, all up for days, at `now`.
    pub fn new(config: SimConfig, now: DateTime<Utc>) -> Fleet {
        let now_ms = millis(now);
        let hosts = (1..=config.hosts)
            .map(|number| Host {
                name: host_name(number),
                number,
                version: config.old_version.clone(),
                power: Power::Up {
                    since_ms: now_ms - 3 * 86_400_000,
                },
                counters: Counters::default(),
                backed_up: false,
                upgrade_rank: None,
                size: 0.8 + 0.4 * Noise::at(config.seed, number, -1).unit(),
                counted_until: now.timestamp(),
            })
            .collect();
        let fault = config.fault.map(|f| (f, now_ms));
        Fleet {
            config,
            hosts,
            fault,
            upgrades: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// All hosts, in name order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// A host by name.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// The active fault scenario.
    pub fn fault(&self) -> Option<Fault> {
        self.fault.map(|(f, _)| f)
    }

    /// Starts (or, with `None`, clears) a fault scenario at `now`.
    pub fn inject(&mut self, fault: Option<Fault>, now: DateTime<Utc>) {
        self.advance(now);
        self.fault = fault.map(|f| (f, millis(now)));
    }

    /// Whether a host runs the new version.
    pub fn is_upgraded(&self, host: &Host) -> bool {
        host.version == self.config.new_version
    }

    /// Simulates traffic up to `now`; counters only grow, except at a reboot.
    pub fn advance(&mut self, now: DateTime<Utc>) {
        let end = now.timestamp();
        for index in 0..self.hosts.len() {
            let start = self.hosts[index].counted_until.max(end - MAX_CATCHUP_SECS);
            for second in start..end {
                let at_ms = second * 1000;
                self.hosts[index].settle(at_ms);
                if let Some(conditions) = self.conditions(&self.hosts[index], at_ms) {
                    let mut noise = Noise::at(self.config.seed, index, second);
                    let drawn = traffic::one_second(&mut noise, &conditions);
                    self.hosts[index].counters.add(&drawn);
                }
            }
            let host = &mut self.hosts[index];
            host.counted_until = host.counted_until.max(end);
            host.settle(millis(now));
        }
    }

    /// What shapes a host's traffic at `at_ms`; `None` while it is down.
    fn conditions(&self, host: &Host, at_ms: i64) -> Option<Conditions> {
        let since = host.up_since(at_ms)?;
        let warm = self.warmup_left(since, at_ms);
        let (fault_500, fault_latency) = self.fault_effect(host, since, at_ms);
        Some(Conditions {
            rps: self.config.base_rps * host.size * traffic::daily_load(at_ms.div_euclid(1000)),
            error_500: BASELINE_ERROR_RATIO / 2.0 + fault_500,
            error_503: BASELINE_ERROR_RATIO / 2.0 + WARMUP_ERROR_RATIO * warm,
            latency_factor: fault_latency * (1.0 + 0.5 * warm),
        })
    }

    /// Share of the warm-up still ahead of a host booted at `since_ms` (1 at boot, 0 when warm).
    fn warmup_left(&self, since_ms: i64, at_ms: i64) -> f64 {
        let warmup_ms = self.config.warmup.as_millis() as f64;
        if warmup_ms <= 0.0 {
            return 0.0;
        }
        (1.0 - (at_ms - since_ms) as f64 / warmup_ms).clamp(0.0, 1.0)
    }

    /// Extra 500 ratio and latency factor the active fault puts on a host.
    fn fault_effect(&self, host: &Host, since_ms: i64, at_ms: i64) -> (f64, f64) {
        match self.fault {
            Some((fault, injected_ms)) if self.is_upgraded(host) => {
                let burn_secs = (at_ms - since_ms.max(injected_ms)) as f64 / 1000.0;
                (
                    fault.error_ratio(burn_secs, host.upgrade_rank),
                    fault.latency_factor(),
                )
            }
            _ => (0.0, 1.0),
        }
    }

    /// The error ratio a smoke test would see on a running host once warm (None while down).
    pub fn steady_error_ratio(&self, host: &Host, now: DateTime<Utc>) -> Option<f64> {
        let at_ms = millis(now);
        let since = host.up_since(at_ms)?;
        Some(BASELINE_ERROR_RATIO + self.fault_effect(host, since, at_ms).0)
    }

    /// CPU busy ratio of a host at `now` (0 while down).
    pub fn cpu_ratio(&self, index: usize, now: DateTime<Utc>) -> f64 {
        let host = &self.hosts[index];
        let Some(c) = self.conditions(host, millis(now)) else {
            return 0.0;
        };
        let warm = host
            .up_since(millis(now))
            .map_or(0.0, |since| self.warmup_left(since, millis(now)));
        let mut noise = Noise::at(self.config.seed ^ GAUGE_SALT, index, now.timestamp());
        let busy = 0.2 + 0.0045 * c.rps + 0.08 * (c.latency_factor - 1.0) + 0.25 * warm;
        (busy + 0.03 * noise.signed()).clamp(0.0, 1.0)
    }

    /// Memory used ratio of a host at `now` (0 while down): grows slowly with uptime, and
    /// leaks under `slow-burn`.
    pub fn memory_ratio(&self, index: usize, now: DateTime<Utc>) -> f64 {
        let host = &self.hosts[index];
        let at_ms = millis(now);
        let Some(since) = host.up_since(at_ms) else {
            return 0.0;
        };
        let uptime_hours = (at_ms - since) as f64 / 3_600_000.0;
        let leak = match self.fault {
            Some((Fault::SlowBurn, _)) if self.is_upgraded(host) => {
                let (errors, _) = self.fault_effect(host, since, at_ms);
                errors / super::fault::SLOW_BURN_MAX_RATIO * 0.25
            }
            _ => 0.0,
        };
        let mut noise = Noise::at(self.config.seed ^ GAUGE_SALT, index, -now.timestamp());
        let used = 0.4 + 0.1 * host.size + 0.06 * uptime_hours.min(1.0) + leak;
        (used + 0.01 * noise.signed()).clamp(0.0, 1.0)
    }
}
