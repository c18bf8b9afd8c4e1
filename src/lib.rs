//! ripcord: a terminal cockpit for staged upgrades of cloud-host fleets.
//!
//! The pure core is [`engine`]; everything else adapts the world to it.

pub mod engine;
pub mod runbook;
