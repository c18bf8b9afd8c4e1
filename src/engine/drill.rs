//! How a demo or drill injects its fault: where the fault lands and what the run injects by
//! itself (carried by `run_started`).

use serde::{Deserialize, Serialize};

/// How a demo or drill injects faults; real runs have none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injection {
    /// Where an injected fault lands.
    pub target: InjectTarget,
    /// The scenarios a person may inject from the cockpit (empty: none by key).
    #[serde(default)]
    pub scenarios: Vec<String>,
    /// The fault the run injects by itself, when a wave starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<PlannedFault>,
}

/// Where an injected fault lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InjectTarget {
    /// ripcord's simulated fleet (`ripcord demo`, `ripcord drill --demo`).
    Simulator,
    /// The environment of the steps started from then on: `RIPCORD_DRILL=<scenario>`, for a
    /// staging plan whose own scripts break the host on purpose.
    Steps,
}

/// A fault a drill injects by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedFault {
    /// The scenario.
    pub scenario: String,
    /// 1-based wave whose start injects it.
    pub wave: usize,
    /// Where the choice came from: `--fault`, `[drill] fault of the runbook`.
    pub source: String,
}
