//! The pure upgrade engine: events in, state and decisions out. No I/O, no async, no clock.
//!
//! - [`apply`] is the only way state changes; replaying a journal through it rebuilds a run.
//! - [`decide`] says what ripcord does next at a given time, as events to journal.
//! - [`intent::handle`] turns an operator's intent into events, or a refusal with the reason.

pub mod decide;
pub mod describe;
pub mod drill;
pub mod event;
pub mod evidence;
pub mod intent;
pub mod operator;
pub mod reaction;
pub mod recovery;
pub mod snapshot;
pub mod state;
pub mod steps;
#[cfg(test)]
pub mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_recovery;
pub mod transitions;

pub use decide::{decide, holding};
pub use event::{EventKind, Intent, PlanSnapshot, Scope};
pub use evidence::{Evidence, RuleState, SeriesValue};
pub use state::{HostState, RunState, State, WaveState, apply};
