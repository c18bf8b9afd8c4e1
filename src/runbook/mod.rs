//! Runbooks: the TOML upgrade plan, parsed then validated into a checked [`Runbook`].

pub mod diagnostic;
pub mod duration;
pub mod explain;
pub mod hosts;
pub mod inventory;
pub mod load;
pub mod model;
pub mod placeholders;
pub mod plan_build;
pub mod plan_doc;
pub mod policy;
pub mod raw;
pub mod raw_watch;
pub mod schema;
pub mod secrets;
pub mod validate;
pub mod validate_people;
pub mod validate_steps;
pub mod validate_watch;
pub mod validate_waves;
pub mod values;
pub mod waves;

pub use duration::Span;
pub use load::{Loaded, load, load_with_today};
pub use model::*;
pub use waves::{PlannedWave, WavePlanError, plan_waves};

#[cfg(test)]
mod schema_sync;
#[cfg(test)]
mod waves_props;
