//! Shared helpers for integration tests.
#![allow(dead_code)] // each helper is used by some test modules only

use std::path::PathBuf;
use std::process::Command;

/// The built `ripcord` binary.
pub fn ripcord() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ripcord"))
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
