//! Integration tests: the real binary, real processes, real servers on loopback.
//! One test binary (one link) with a module per area.

mod common;
mod journal;
mod exec;
mod sim;
mod metrics;
mod prom;
mod run;
mod report;
mod runbook_cli;
mod demo;
