//! How one host's step ended: plain data shared by the executor, the engine and the journal.

use serde::{Deserialize, Serialize};

/// How a step ended for one host. Everything but [`Outcome::Ok`] counts as a failure against
/// the wave's `max_failed` budget (DESIGN §3 rule 2), including timeouts and unreachable hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The step exited 0.
    Ok,
    /// The step exited non-zero, or could not be started, or was refused (bad host name,
    /// bad placeholder).
    Failed,
    /// The step ran past its timeout; its whole process group was killed.
    TimedOut,
    /// The host could not be reached (reported by runners that can tell, e.g. Ansible).
    Unreachable,
    /// Nothing was run for this host (e.g. a runner that is not available yet).
    NotStarted,
    /// The step was ended by a signal ripcord did not send (OOM killer, an operator's `kill`).
    Killed,
}

impl Outcome {
    /// True only for [`Outcome::Ok`].
    pub fn is_ok(self) -> bool {
        self == Outcome::Ok
    }

    /// snake_case name, as in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::TimedOut => "timed_out",
            Outcome::Unreachable => "unreachable",
            Outcome::NotStarted => "not_started",
            Outcome::Killed => "killed",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_match_as_str() {
        for o in [
            Outcome::Ok,
            Outcome::Failed,
            Outcome::TimedOut,
            Outcome::Unreachable,
            Outcome::NotStarted,
            Outcome::Killed,
        ] {
            let json = serde_json::to_string(&o).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", o.as_str()));
            assert_eq!(serde_json::from_str::<Outcome>(&json).ok(), Some(o));
        }
    }
}
