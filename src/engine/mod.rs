//! The pure upgrade engine: events in, state and decisions out. No I/O, no async, no clock.

pub mod evidence;

pub use evidence::{Evidence, RuleState, SeriesValue};
