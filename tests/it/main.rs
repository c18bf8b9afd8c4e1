//! Integration tests: the real binary, real processes, real servers on loopback.
//! One test binary (one link) with a module per area.

mod ansible;
mod blast_radius;
mod common;
mod demo;
mod drill;
mod exec;
mod journal;
mod metrics;
mod notify;
mod prom;
mod report;
mod run;
mod runbook_cli;
mod sim;
mod tui;
