//! Runbooks: the TOML upgrade plan, parsed then validated into a checked [`Runbook`].

pub mod duration;
pub mod model;
pub mod policy;
pub mod waves;

pub use duration::Span;
pub use model::*;
pub use waves::{PlannedWave, WavePlanError, plan_waves};
