//! Deterministic traffic of one simulated host for one second: requests, errors and a
//! latency histogram, drawn from a seeded PRNG so a seed and a time always give the same numbers.

/// Upper bounds (seconds) of the latency histogram buckets, `+Inf` excluded.
///
/// Prometheus' default bounds plus a few between 50 ms and 1 s, where a p95 of 100 ms and
/// its ×3 fault land, so `histogram_quantile` can tell them apart.
pub const BUCKETS: [f64; 16] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0,
];

/// Median request latency of a healthy host at average load.
const BASE_MEDIAN_SECS: f64 = 0.045;
/// Spread of the log-normal latency (p95 ≈ 2.1 × median).
const LATENCY_SIGMA: f64 = 0.45;
/// How far the daily cycle moves traffic above and below its mean.
const DAILY_SWING: f64 = 0.35;
/// Hour (UTC) of the daily traffic peak.
const PEAK_HOUR: f64 = 14.0;

/// SplitMix64: a tiny, well-mixed PRNG step (Steele, Lea, Flood 2014).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stream of pseudo-random numbers for one (seed, host, second): the same inputs give the
/// same stream, whatever order seconds are simulated in.
#[derive(Debug, Clone)]
pub struct Noise {
    state: u64,
}

impl Noise {
    /// The stream of `host` (0-based) at unix second `second`, under `seed`.
    pub fn at(seed: u64, host: usize, second: i64) -> Noise {
        let mixed = splitmix64(seed ^ splitmix64((host as u64) ^ splitmix64(second as u64)));
        Noise { state: mixed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix64(self.state)
    }

    /// A uniform number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform number in `[-1, 1)`.
    pub fn signed(&mut self) -> f64 {
        self.unit() * 2.0 - 1.0
    }
}

/// Traffic multiplier for the time of day: a smooth daily cycle peaking at 14:00 UTC.
pub fn daily_load(unix_secs: i64) -> f64 {
    let hour = unix_secs.rem_euclid(86_400) as f64 / 3600.0;
    1.0 + DAILY_SWING * ((hour - PEAK_HOUR) / 24.0 * std::f64::consts::TAU).cos()
}

/// What shapes one host's traffic during one second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conditions {
    /// Mean requests per second at this moment (daily cycle and host size included).
    pub rps: f64,
    /// Ratio of requests answered 500.
    pub error_500: f64,
    /// Ratio of requests answered 503 (warming up after a boot).
    pub error_503: f64,
    /// Multiplier of every latency quantile.
    pub latency_factor: f64,
}

/// One host's traffic during one second.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Second {
    /// Requests answered 200.
    pub ok: u64,
    /// Requests answered 500.
    pub e500: u64,
    /// Requests answered 503.
    pub e503: u64,
    /// Requests per latency bucket, not cumulative; the last slot is above the largest bound.
    pub buckets: [u64; BUCKETS.len() + 1],
    /// Total latency of the requests, in seconds.
    pub latency_sum: f64,
}

/// Draws one second of traffic.
pub fn one_second(noise: &mut Noise, c: &Conditions) -> Second {
    let wobble = 1.0 + 0.1 * noise.signed();
    let requests = (c.rps.max(0.0) * wobble + noise.unit()).floor() as u64;
    let e500 = draw_count(noise, requests, c.error_500);
    let e503 = draw_count(noise, requests - e500, c.error_503);
    let ok = requests - e500 - e503;

    let median = BASE_MEDIAN_SECS * c.latency_factor;
    let mut buckets = [0u64; BUCKETS.len() + 1];
    let mut below = 0u64;
    for (slot, bound) in BUCKETS.iter().enumerate() {
        // Rounding the cumulative count keeps buckets monotone and the total exact.
        let cumulative = ((requests as f64) * lognormal_cdf(*bound, median)).round() as u64;
        let cumulative = cumulative.clamp(below, requests);
        buckets[slot] = cumulative - below;
        below = cumulative;
    }
    buckets[BUCKETS.len()] = requests - below;
    let mean = median * (LATENCY_SIGMA * LATENCY_SIGMA / 2.0).exp();
    let latency_sum = requests as f64 * mean * (1.0 + 0.05 * noise.signed());

    Second {
        ok,
        e500,
        e503,
        buckets,
        latency_sum,
    }
}

/// `requests × ratio` as a whole number whose expected value is exact.
fn draw_count(noise: &mut Noise, requests: u64, ratio: f64) -> u64 {
    let expected = requests as f64 * ratio.clamp(0.0, 1.0);
    ((expected + noise.unit()).floor() as u64).min(requests)
}

/// Share of requests faster than `x` seconds for a log-normal latency with this median.
fn lognormal_cdf(x: f64, median: f64) -> f64 {
    if x <= 0.0 || median <= 0.0 {
        return 0.0;
    }
    let z = (x.ln() - median.ln()) / LATENCY_SIGMA;
    0.5 * (1.0 + erf(z / std::f64::consts::SQRT_2))
}

/// Error function, Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
fn erf(x: f64) -> f64 {
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    sign * (1.0 - poly * (-x * x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calm(rps: f64) -> Conditions {
        Conditions {
            rps,
            error_500: 0.0,
            error_503: 0.0,
            latency_factor: 1.0,
        }
    }

    #[test]
    fn the_same_seed_and_second_give_the_same_traffic() {
        let a = one_second(&mut Noise::at(7, 3, 1_000), &calm(40.0));
        let b = one_second(&mut Noise::at(7, 3, 1_000), &calm(40.0));
        let c = one_second(&mut Noise::at(8, 3, 1_000), &calm(40.0));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn buckets_add_up_to_the_requests() {
        for second in 0..200 {
            let s = one_second(&mut Noise::at(1, 0, second), &calm(40.0));
            let total: u64 = s.buckets.iter().sum();
            assert_eq!(total, s.ok + s.e500 + s.e503);
        }
    }

    #[test]
    fn error_counts_follow_the_ratio_on_average() {
        let mut requests = 0;
        let mut errors = 0;
        let conditions = Conditions {
            error_500: 0.08,
            ..calm(50.0)
        };
        for second in 0..2_000 {
            let s = one_second(&mut Noise::at(1, 0, second), &conditions);
            requests += s.ok + s.e500 + s.e503;
            errors += s.e500;
        }
        let ratio = errors as f64 / requests as f64;
        assert!((0.07..0.09).contains(&ratio), "ratio {ratio}");
    }

    #[test]
    fn daily_cycle_peaks_in_the_afternoon_and_dips_at_night() {
        let day = 20_000 * 86_400;
        assert!(daily_load(day + 14 * 3600) > 1.3);
        assert!(daily_load(day + 2 * 3600) < 0.7);
    }

    #[test]
    fn erf_matches_known_values() {
        assert!(erf(0.0).abs() < 1e-7);
        assert!((erf(1.0) - 0.842_700_79).abs() < 1e-6);
        assert!((erf(-2.0) + 0.995_322_27).abs() < 1e-6);
    }
}
