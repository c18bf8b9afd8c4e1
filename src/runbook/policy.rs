//! The risk table of DESIGN §1 as data: each risk level's default policy row.

use super::duration::Span;
use super::model::{
    Approval, BackupRule, Confirmer, FailBudget, OnBreach, OnHostFailure, Policy, Reverify, Risk,
    Setting,
};

impl Policy {
    /// The default policy row for a risk level, every item marked as a default.
    pub fn for_risk(risk: Risk) -> Self {
        fn d<T>(v: T) -> Setting<T> {
            Setting::default_of(v)
        }
        match risk {
            Risk::High => Policy {
                approve_waves: d(Approval::Commander),
                soak: d(Span::from_mins(60)),
                backups: d(BackupRule::VerifiedRestore),
                on_host_failure: d(OnHostFailure::PauseRun),
                on_breach: d(OnBreach::Pause),
                rollback_confirm: d(Confirmer::Commander),
                reverify: d(Reverify::All),
                max_failed_total: d(0),
                max_failed: d(FailBudget::Count(0)),
                parallel: d(1),
            },
            Risk::Medium => Policy {
                approve_waves: d(Approval::Auto),
                soak: d(Span::from_mins(30)),
                backups: d(BackupRule::Required),
                on_host_failure: d(OnHostFailure::PauseWave),
                on_breach: d(OnBreach::Pause),
                rollback_confirm: d(Confirmer::Technician),
                reverify: d(Reverify::Sample(10)),
                max_failed_total: d(0),
                max_failed: d(FailBudget::Count(0)),
                parallel: d(5),
            },
            Risk::Low => Policy {
                approve_waves: d(Approval::Auto),
                soak: d(Span::from_mins(10)),
                backups: d(BackupRule::Snapshot),
                on_host_failure: d(OnHostFailure::RollbackHost),
                on_breach: d(OnBreach::RollbackHosts),
                rollback_confirm: d(Confirmer::Technician),
                reverify: d(Reverify::None),
                max_failed_total: d(5),
                max_failed: d(FailBudget::Percent(10)),
                parallel: d(10),
            },
        }
    }

    /// Default waves of the risk level, as `size` strings (DESIGN §1).
    pub fn default_waves(risk: Risk) -> &'static [&'static str] {
        match risk {
            Risk::High => &["1%", "10%", "30%", "rest"],
            Risk::Medium => &["10%", "30%", "rest"],
            Risk::Low => &["50%", "rest"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_risk_waits_for_the_commander_and_soaks_an_hour() {
        let p = Policy::for_risk(Risk::High);
        assert_eq!(p.approve_waves.value, Approval::Commander);
        assert_eq!(p.soak.value, Span::from_mins(60));
        assert_eq!(p.reverify.value, Reverify::All);
    }

    #[test]
    fn low_risk_rolls_hosts_back_by_itself() {
        let p = Policy::for_risk(Risk::Low);
        assert_eq!(p.on_host_failure.value, OnHostFailure::RollbackHost);
        assert_eq!(p.on_breach.value, OnBreach::RollbackHosts);
    }
}
