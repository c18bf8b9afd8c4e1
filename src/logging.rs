//! Logs go to a file in the state dir, never onto the screen.

use std::path::Path;
use std::sync::Mutex;

/// Sends `tracing` output to `<state-dir>/ripcord.log` (level from `RIPCORD_LOG`, default info).
/// Failing to open the log is not fatal: ripcord runs without a log rather than not at all.
pub fn init(state_dir: &Path) {
    if std::fs::create_dir_all(state_dir).is_err() {
        return;
    }
    let path = state_dir.join("ripcord.log");
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RIPCORD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
}
