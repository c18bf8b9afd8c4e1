//! Integration tests: the real binary, real processes, real servers on loopback.
//! One test binary (one link) with a module per area.

mod common;
mod ansible;
mod demo;
mod exec;
mod journal;
mod metrics;
mod prom;
mod report;
mod run;
mod runbook_cli;
mod sim;
mod tui;
mod drill;
