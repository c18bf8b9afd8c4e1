//! One rule's (or one host's) state over time: the `for` clocks, the way back from blindness,
//! and the recent worst values kept for evidence.

use crate::engine::RuleState;
use crate::metrics::SeriesPoint;
use crate::runbook::{Cmp, Threshold, Watch};

/// A fixed ring of the last `N` worst values, `(unix ms, value)`.
#[derive(Debug, Clone, Copy)]
pub struct Recent<const N: usize> {
    buf: [(i64, f64); N],
    start: u8,
    len: u8,
}

impl<const N: usize> Recent<N> {
    fn new() -> Self {
        Self {
            buf: [(0, 0.0); N],
            start: 0,
            len: 0,
        }
    }
    fn push(&mut self, p: (i64, f64)) {
        let idx = (self.start as usize + self.len as usize) % N;
        self.buf[idx] = p;
        if (self.len as usize) < N {
            self.len += 1;
        } else {
            self.start = ((self.start as usize + 1) % N) as u8;
        }
    }
    /// Oldest first.
    pub fn points(&self) -> Vec<(i64, f64)> {
        (0..self.len as usize)
            .map(|i| self.buf[(self.start as usize + i) % N])
            .collect()
    }
}

/// The outcome of judging values: the new state and what the evidence should say.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The state the track is now in.
    pub state: RuleState,
    /// How long the condition behind `state` has held (breach / warn), else the rule's `for`.
    pub held_ms: u64,
    /// The threshold that explains the state.
    pub threshold: Option<Threshold>,
    /// Why the track is blind, if it is.
    pub error: Option<String>,
}

/// State of one rule, or of one host under a per-host rule.
#[derive(Debug, Clone, Copy)]
pub struct Track<const N: usize> {
    /// The current state.
    pub state: RuleState,
    breach_since: Option<i64>,
    warn_since: Option<i64>,
    /// Was in breach when it went blind: it has not been seen to clear.
    resume_breach: bool,
    /// Worst value per judged poll.
    pub recent: Recent<N>,
}

impl<const N: usize> Track<N> {
    /// A track that has not been judged yet: no data, so a gate stays closed until it has.
    pub fn new() -> Self {
        Self {
            state: RuleState::NoData,
            breach_since: None,
            warn_since: None,
            resume_breach: false,
            recent: Recent::new(),
        }
    }

    /// The track cannot see. The `for` clocks restart (like a Prometheus alert whose expression
    /// stops returning), but a breach is remembered: it was never seen to clear, so it comes back
    /// at once if the condition still holds when the data returns.
    pub fn go_blind(&mut self, state: RuleState, watch: &Watch, error: Option<String>) -> Verdict {
        if self.state == RuleState::Breach {
            self.resume_breach = true;
        }
        self.breach_since = None;
        self.warn_since = None;
        self.state = state;
        Verdict {
            state,
            held_ms: watch.for_.as_millis(),
            threshold: watch.breach.or(watch.warn),
            error,
        }
    }

    /// Judges a non-empty set of series at `now_ms`.
    pub fn judge(
        &mut self,
        watch: &Watch,
        baseline: Option<f64>,
        values: &[&SeriesPoint],
        now_ms: i64,
        stale_after_ms: i64,
    ) -> Verdict {
        let is_fresh = |p: &SeriesPoint| now_ms - p.at_ms <= stale_after_ms;
        let fresh = || {
            values
                .iter()
                .filter(|p| !p.value.is_nan() && is_fresh(p))
                .map(|p| p.value)
        };
        let stale = values.iter().any(|p| !p.value.is_nan() && !is_fresh(p));
        if fresh().next().is_none() {
            let (state, why) = if stale {
                (
                    RuleState::Stale,
                    format!("no sample newer than {} s", stale_after_ms / 1000),
                )
            } else {
                (
                    RuleState::NoData,
                    "every series is NaN (e.g. 0/0: no traffic to divide by)".to_string(),
                )
            };
            return self.go_blind(state, watch, Some(why));
        }
        let needs_baseline =
            watch.breach.is_some_and(|t| t.baseline) || watch.warn.is_some_and(|t| t.baseline);
        if needs_baseline && baseline.is_none() {
            let why = "no baseline recorded for this rule (the baseline query returned no data)";
            return self.go_blind(RuleState::NoData, watch, Some(why.to_string()));
        }
        let for_ms = watch.for_.as_millis() as i64;
        let worst = |t: &Threshold| match t.cmp {
            Cmp::Gt | Cmp::Ge => fresh().fold(f64::NEG_INFINITY, f64::max),
            Cmp::Lt | Cmp::Le => fresh().fold(f64::INFINITY, f64::min),
        };
        let holds = |t: &Threshold| {
            let limit = if t.baseline {
                t.value * baseline.unwrap_or(f64::NAN)
            } else {
                t.value
            };
            t.cmp.holds(worst(t), limit)
        };
        let shown = watch.breach.or(watch.warn);
        if let Some(t) = &shown {
            self.recent.push((now_ms, worst(t)));
        } else {
            self.recent
                .push((now_ms, fresh().fold(f64::NEG_INFINITY, f64::max)));
        }

        let breach_cond = watch.breach.as_ref().is_some_and(holds);
        let warn_cond = watch.warn.as_ref().is_some_and(holds);
        if breach_cond && self.resume_breach {
            self.breach_since = Some(self.breach_since.unwrap_or(now_ms - for_ms));
        }
        self.resume_breach = false;
        self.breach_since = if breach_cond {
            Some(self.breach_since.unwrap_or(now_ms))
        } else {
            None
        };
        self.warn_since = if warn_cond {
            Some(self.warn_since.unwrap_or(now_ms))
        } else {
            None
        };
        let firing = |since: Option<i64>| since.is_some_and(|s| now_ms - s >= for_ms);

        let (state, held, threshold) = if firing(self.breach_since) {
            (
                RuleState::Breach,
                self.breach_since.map(|s| now_ms - s),
                watch.breach,
            )
        } else if stale {
            (RuleState::Stale, None, shown)
        } else if firing(self.warn_since) {
            (
                RuleState::Warn,
                self.warn_since.map(|s| now_ms - s),
                watch.warn,
            )
        } else {
            (RuleState::Ok, None, shown)
        };
        self.state = state;
        let error = (state == RuleState::Stale).then(|| {
            format!(
                "some series have no sample newer than {} s",
                stale_after_ms / 1000
            )
        });
        Verdict {
            state,
            held_ms: held.map_or(watch.for_.as_millis(), |h| h.max(0) as u64),
            threshold,
            error,
        }
    }
}

impl<const N: usize> Default for Track<N> {
    fn default() -> Self {
        Self::new()
    }
}
