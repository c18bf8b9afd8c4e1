//! Where ripcord keeps its state: `--state-dir`, then `RIPCORD_STATE_DIR`, then the platform dir.

use std::path::{Path, PathBuf};

/// The state directory: the flag, else `RIPCORD_STATE_DIR`, else the platform state dir
/// (`~/.local/state/ripcord` on Linux), else `./.ripcord`.
pub fn state_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os("RIPCORD_STATE_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("", "", "ripcord")
        .map(|p| {
            p.state_dir()
                .unwrap_or_else(|| p.data_local_dir())
                .to_path_buf()
        })
        .unwrap_or_else(|| PathBuf::from(".ripcord"))
}

/// The folder of every run: `<state-dir>/runs`.
pub fn runs_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("runs")
}

/// The folder of one run: `<state-dir>/runs/<RUN_ID>`.
pub fn run_dir(state_dir: &Path, run_id: &str) -> PathBuf {
    runs_dir(state_dir).join(run_id)
}

/// The user's config folder (`~/.config/ripcord`), for keys and themes.
pub fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("RIPCORD_CONFIG_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "ripcord").map(|p| p.config_dir().to_path_buf())
}
