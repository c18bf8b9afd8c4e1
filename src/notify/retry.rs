//! How hard a notification is tried: attempts, per-attempt timeout, exponential backoff with
//! jitter, and the `Retry-After` a receiver asks for.

use std::time::{Duration, SystemTime};

/// Attempts and waits of one delivery. The default is for production; tests shorten it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, counting those made before a restart.
    pub attempts: u32,
    /// Wait after the first failed attempt; doubles after each further one.
    pub first_delay: Duration,
    /// Longest wait between two attempts.
    pub max_delay: Duration,
    /// One attempt (connect, send, answer) must finish within this.
    pub timeout: Duration,
    /// Longest `Retry-After` honoured; a receiver asking for more is tried again after this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 8 attempts over about four minutes (2 s, 4 s, … capped at 5 min), 10 s per attempt.
    fn default() -> Self {
        Self {
            attempts: 8,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(300),
            timeout: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (from 1) of notification `id`: exponential, capped,
    /// with "equal jitter" (half fixed, half spread) so channels failing together do not retry in
    /// lockstep. The spread comes from the id, so it is reproducible in tests.
    pub fn backoff(&self, id: &str, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let full = self
            .first_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let half = full / 2;
        let seed = super::route::fnv1a32(format!("{id}#{attempt}").as_bytes());
        let spread_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        let jitter = if spread_ms == 0 {
            0
        } else {
            u64::from(seed) % (spread_ms + 1)
        };
        half + Duration::from_millis(jitter)
    }

    /// The wait a `Retry-After` value asks for, capped by [`RetryPolicy::max_retry_after`].
    pub fn retry_after(&self, value: &str, now: SystemTime) -> Option<Duration> {
        parse_retry_after(value, now).map(|d| d.min(self.max_retry_after))
    }
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3); a date in the past means
/// now.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let when = SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(
        u64::try_from(when.timestamp_millis()).ok()?,
    ))?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_stops_at_the_cap() {
        let p = RetryPolicy::default();
        for attempt in 1..=12 {
            let full = (p.first_delay * 2u32.pow(attempt - 1)).min(p.max_delay);
            let d = p.backoff("run-7-abcd", attempt);
            assert!(
                d >= full / 2 && d <= full,
                "attempt {attempt}: {d:?} vs {full:?}"
            );
        }
        assert_eq!(p.backoff("x", 3), p.backoff("x", 3));
        assert!(p.backoff("x", 40) <= p.max_delay);
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        let p = RetryPolicy::default();
        assert_eq!(p.retry_after("86400", now), Some(p.max_retry_after));
    }
}
