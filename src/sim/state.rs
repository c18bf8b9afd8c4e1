//! The fleet as `GET /state` shows it: which host runs which version, and which are up.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{Fleet, Power, millis};

impl Fleet {
    /// What `GET /state` answers.
    pub fn snapshot(&self, now: DateTime<Utc>) -> FleetState {
        let at_ms = millis(now);
        FleetState {
            old_version: self.config.old_version.clone(),
            new_version: self.config.new_version.clone(),
            fault: self.fault().map(|f| f.name().to_string()),
            restart_secs: self.config.restart.as_secs_f64(),
            boot_timeout_secs: self.config.boot_timeout.as_secs_f64(),
            hosts: self
                .hosts
                .iter()
                .map(|h| HostState {
                    name: h.name.clone(),
                    version: h.version.clone(),
                    up: h.is_up_at(at_ms),
                    upgraded: self.is_upgraded(h),
                    restarting: matches!(h.power, Power::Restarting { until_ms } if at_ms < until_ms),
                })
                .collect(),
        }
    }
}

/// The fleet as `GET /state` shows it (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetState {
    /// Version before the upgrade.
    pub old_version: String,
    /// Version the upgrade installs.
    pub new_version: String,
    /// Active fault scenario, if any.
    pub fault: Option<String>,
    /// How long a reboot takes.
    pub restart_secs: f64,
    /// How long an upgrade script should wait for a reboot before giving up.
    pub boot_timeout_secs: f64,
    /// Every host.
    pub hosts: Vec<HostState>,
}

/// One host in [`FleetState`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostState {
    /// `web-001` ...
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Answers requests.
    pub up: bool,
    /// Runs the new version.
    pub upgraded: bool,
    /// Rebooting and expected back.
    pub restarting: bool,
}
