//! What operators ask for: intents, validated by [`super::intent::handle`] against role and
//! policy before they become events.

use serde::{Deserialize, Serialize};

use crate::runbook::{Role, Severity};

/// What an operator asks for; validated against role and policy before it becomes events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "intent", rename_all = "snake_case")]
pub enum Intent {
    /// Stop starting new host steps.
    Pause {
        /// Why.
        reason: String,
    },
    /// Start host steps again.
    Resume,
    /// Let the waiting wave start.
    ApproveWave {
        /// 1-based wave.
        wave: usize,
    },
    /// Roll back hosts.
    RollbackHosts {
        /// The hosts.
        hosts: Vec<String>,
    },
    /// Roll back every touched host of a wave.
    RollbackWave {
        /// 1-based wave.
        wave: usize,
    },
    /// Roll back every touched host; the host count must be typed.
    RollbackFleet {
        /// The count as typed.
        typed_count: usize,
    },
    /// Confirm the rollback ripcord proposed.
    ConfirmRollback,
    /// Send a failed or interrupted host through its steps again.
    RetryHost {
        /// Host.
        host: String,
    },
    /// Take a host that has not started (or failed) out of the run.
    SkipHost {
        /// Host.
        host: String,
    },
    /// Declare a fault.
    DeclareFault {
        /// Level.
        level: Severity,
        /// Why.
        reason: String,
    },
    /// Record business impact.
    RecordImpact {
        /// Traffic drop, percent.
        traffic_drop_pct: Option<f64>,
        /// Failed transactions, percent.
        failed_tx_pct: Option<f64>,
        /// Free text.
        note: String,
    },
    /// Check a checklist item.
    CheckItem {
        /// Whose checklist.
        role: Role,
        /// 0-based item.
        item: usize,
    },
    /// Send a status update now.
    SendStatusUpdate {
        /// Audience.
        audience: crate::runbook::Audience,
        /// Text.
        text: String,
    },
    /// Hand a role to someone else.
    HandOver {
        /// Role.
        role: Role,
        /// New holder.
        to: String,
    },
    /// Inject a fault scenario into the simulated fleet (demo and drill only).
    InjectFault {
        /// The scenario.
        scenario: String,
    },
}

impl Intent {
    /// Words for the timeline and refusals: "pause", "roll back wave 2".
    pub fn describe(&self) -> String {
        match self {
            Intent::Pause { .. } => "pause".into(),
            Intent::Resume => "resume".into(),
            Intent::ApproveWave { wave } => format!("approve wave {wave}"),
            Intent::RollbackHosts { hosts } => format!("roll back {}", hosts.join(", ")),
            Intent::RollbackWave { wave } => format!("roll back wave {wave}"),
            Intent::RollbackFleet { .. } => "roll back the fleet".into(),
            Intent::ConfirmRollback => "confirm the proposed rollback".into(),
            Intent::RetryHost { host } => format!("retry {host}"),
            Intent::SkipHost { host } => format!("skip {host}"),
            Intent::DeclareFault { level, .. } => format!("declare a {} fault", level.as_str()),
            Intent::RecordImpact { .. } => "record impact".into(),
            Intent::CheckItem { role, item } => {
                format!("check {} item {}", role.as_str(), item + 1)
            }
            Intent::SendStatusUpdate { .. } => "send a status update".into(),
            Intent::HandOver { role, to } => format!("hand {} over to {to}", role.as_str()),
            Intent::InjectFault { scenario } => format!("inject the {scenario} fault"),
        }
    }
}
