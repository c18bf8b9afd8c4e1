//! Fault scenarios the simulated fleet can play, and what each does to an upgraded host.

use std::fmt;
use std::str::FromStr;

/// A fault scenario, named on the command line (`ripcord demo --fault slow-burn`).
///
/// Every scenario hurts only hosts that run the new version, so a gate comparing
/// canaries with the rest has something to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// `5xx`: upgraded hosts answer 8 % of requests with HTTP 500.
    Errors5xx,
    /// `latency`: upgraded hosts answer three times slower (p95 × 3).
    Latency,
    /// `boot`: every 7th host (web-007, web-014, ...) does not come back from the
    /// upgrade reboot; it stays down and fails verify until rolled back.
    Boot,
    /// `slow-burn`: errors on upgraded hosts creep from 0 % to 10 % over a minute and a half.
    SlowBurn,
    /// `one-bad-host`: the second host to be upgraded answers 30 % of requests with 500.
    OneBadHost,
}

/// Error ratio the `5xx` scenario adds on an upgraded host.
pub const ERRORS_5XX_RATIO: f64 = 0.08;
/// Latency multiplier of the `latency` scenario.
pub const LATENCY_FACTOR: f64 = 3.0;
/// Every host whose number is a multiple of this fails to boot in the `boot` scenario.
pub const BOOT_FAILS_EVERY: usize = 7;
/// Final error ratio of the `slow-burn` scenario.
pub const SLOW_BURN_MAX_RATIO: f64 = 0.10;
/// Seconds the `slow-burn` scenario takes to reach its final error ratio.
pub const SLOW_BURN_RAMP_SECS: f64 = 90.0;
/// Error ratio of the bad host in `one-bad-host`.
pub const ONE_BAD_HOST_RATIO: f64 = 0.30;
/// Which upgraded host (by upgrade order, 1-based) is the bad one in `one-bad-host`.
pub const ONE_BAD_HOST_RANK: u32 = 2;

impl Fault {
    /// Every scenario, in the order the help text lists them.
    pub const ALL: [Fault; 5] = [
        Fault::Errors5xx,
        Fault::Latency,
        Fault::Boot,
        Fault::SlowBurn,
        Fault::OneBadHost,
    ];

    /// The name used on the command line and in the control API.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Errors5xx => "5xx",
            Fault::Latency => "latency",
            Fault::Boot => "boot",
            Fault::SlowBurn => "slow-burn",
            Fault::OneBadHost => "one-bad-host",
        }
    }

    /// What the scenario does to the fleet, in a sentence for the cockpit.
    pub fn describe(self) -> &'static str {
        match self {
            Fault::Errors5xx => "hosts on the new version answer 8% of requests with HTTP 500",
            Fault::Latency => "hosts on the new version answer three times slower",
            Fault::Boot => "every 7th host upgraded from now on does not come back from its reboot",
            Fault::SlowBurn => {
                "errors on hosts on the new version creep up from 0% to 10% over 90 seconds"
            }
            Fault::OneBadHost => {
                "the second host to be upgraded answers 30% of requests with HTTP 500"
            }
        }
    }

    /// Extra error ratio (HTTP 500) of an upgraded, running host.
    ///
    /// `burn_secs` is how long the fault has been hurting this host (since the later of
    /// the injection and the host's boot on the new version); `upgrade_rank` is the
    /// host's place in the order of first upgrades.
    pub fn error_ratio(self, burn_secs: f64, upgrade_rank: Option<u32>) -> f64 {
        match self {
            Fault::Errors5xx => ERRORS_5XX_RATIO,
            Fault::SlowBurn => {
                SLOW_BURN_MAX_RATIO * (burn_secs / SLOW_BURN_RAMP_SECS).clamp(0.0, 1.0)
            }
            Fault::OneBadHost if upgrade_rank == Some(ONE_BAD_HOST_RANK) => ONE_BAD_HOST_RATIO,
            Fault::OneBadHost | Fault::Latency | Fault::Boot => 0.0,
        }
    }

    /// Latency multiplier of an upgraded, running host.
    pub fn latency_factor(self) -> f64 {
        match self {
            Fault::Latency => LATENCY_FACTOR,
            _ => 1.0,
        }
    }

    /// Whether host number `number` (web-007 is 7) fails to boot after an upgrade.
    pub fn fails_boot(self, number: usize) -> bool {
        self == Fault::Boot && number.is_multiple_of(BOOT_FAILS_EVERY)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault name that is not one of the scenarios.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault scenario `{0}`: use one of 5xx, latency, boot, slow-burn, one-bad-host")]
pub struct UnknownFault(pub String);

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Fault::ALL
            .into_iter()
            .find(|fault| fault.name() == wanted)
            .ok_or_else(|| UnknownFault(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_parses_from_its_own_name() {
        for fault in Fault::ALL {
            assert_eq!(fault.name().parse::<Fault>(), Ok(fault));
        }
        assert_eq!("Slow_Burn".parse::<Fault>(), Ok(Fault::SlowBurn));
    }

    #[test]
    fn an_unknown_name_lists_the_valid_ones() {
        let err = "meteor".parse::<Fault>().unwrap_err();
        assert!(err.to_string().contains("meteor"));
        assert!(err.to_string().contains("one-bad-host"));
    }

    #[test]
    fn slow_burn_creeps_up_to_ten_percent_in_ninety_seconds() {
        assert_eq!(Fault::SlowBurn.error_ratio(0.0, Some(1)), 0.0);
        assert!((Fault::SlowBurn.error_ratio(45.0, Some(1)) - 0.05).abs() < 1e-9);
        assert!((Fault::SlowBurn.error_ratio(3600.0, Some(1)) - 0.10).abs() < 1e-9);
    }

    #[test]
    fn only_the_second_upgraded_host_is_bad() {
        assert_eq!(Fault::OneBadHost.error_ratio(0.0, Some(1)), 0.0);
        assert_eq!(Fault::OneBadHost.error_ratio(0.0, Some(2)), 0.30);
        assert_eq!(Fault::OneBadHost.error_ratio(0.0, Some(3)), 0.0);
    }

    #[test]
    fn boot_fails_every_seventh_host() {
        let failing: Vec<usize> = (1..=21).filter(|n| Fault::Boot.fails_boot(*n)).collect();
        assert_eq!(failing, vec![7, 14, 21]);
        assert!(!Fault::Errors5xx.fails_boot(7));
    }
}
