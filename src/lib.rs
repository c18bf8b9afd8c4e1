//! ripcord: a terminal cockpit for staged upgrades of cloud-host fleets.
//!
//! The pure core is [`engine`]; everything else adapts the world to it.

pub mod cli;
pub mod engine;
pub mod exec;
pub mod journal;
pub mod logging;
pub mod metrics;
pub mod notify;
pub mod paths;
pub mod redact;
pub mod report;
pub mod run;
pub mod runbook;
pub mod sim;
pub mod tui;
