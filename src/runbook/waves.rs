//! Wave planning (DESIGN §3 rule 1): which hosts each wave takes, decided once, stably.
//!
//! Selector waves are placed first (they name hosts explicitly), then percentage and count
//! waves take the first unplaced hosts in file order, then `rest` takes what is left.
//! Percentages are of the *whole* fleet and round *up*, at least one host — unlike Ansible's
//! `serial`, which floors them.

use serde::{Deserialize, Serialize};

use super::model::{Host, WaveSize, WaveSpec};

/// A wave with its hosts decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedWave {
    /// 1-based wave number.
    pub number: usize,
    /// Display name (`canary`, `wave 2`).
    pub name: String,
    /// Host names, in fleet (file) order.
    pub hosts: Vec<String>,
}

/// Why a set of waves cannot place the fleet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WavePlanError {
    /// The fleet is empty.
    #[error("the fleet has no hosts: add hosts to [fleet] hosts or its hosts_file")]
    EmptyFleet,
    /// No waves are defined.
    #[error("no [[wave]] is defined: add at least one, e.g. [[wave]] size = \"rest\"")]
    NoWaves,
    /// A wave got no host.
    #[error("wave {wave} gets no host: {why}")]
    EmptyWave {
        /// 1-based wave number.
        wave: usize,
        /// Why.
        why: String,
    },
    /// Hosts are left unplaced.
    #[error(
        "{count} host(s) are in no wave (first: {first}): add a last wave with size = \"rest\""
    )]
    Unplaced {
        /// How many.
        count: usize,
        /// The first one.
        first: String,
    },
    /// More than one `rest` wave.
    #[error("wave {wave} is a second \"rest\" wave: only one wave can take the rest")]
    SecondRest {
        /// 1-based wave number.
        wave: usize,
    },
}

/// Hosts a percentage of the fleet stands for: rounded up, at least one.
pub fn percent_of(fleet: usize, percent: u8) -> usize {
    ((fleet * percent as usize).div_ceil(100)).max(1)
}

/// Places every host in exactly one wave, in a stable order.
pub fn plan_waves(fleet: &[Host], waves: &[WaveSpec]) -> Result<Vec<PlannedWave>, WavePlanError> {
    if fleet.is_empty() {
        return Err(WavePlanError::EmptyFleet);
    }
    if waves.is_empty() {
        return Err(WavePlanError::NoWaves);
    }
    let mut placed = vec![false; fleet.len()];
    let mut chosen: Vec<Vec<usize>> = vec![Vec::new(); waves.len()];

    // Selectors first: they name hosts by label, whatever their position.
    for (w, spec) in waves.iter().enumerate() {
        if let WaveSize::Select(labels) = &spec.size {
            for (i, host) in fleet.iter().enumerate() {
                let matches = labels.iter().all(|(k, v)| host.labels.get(k) == Some(v));
                if matches && !placed[i] {
                    placed[i] = true;
                    chosen[w].push(i);
                }
            }
        }
    }
    // Then counts and percentages, in wave order, from the first unplaced host.
    for (w, spec) in waves.iter().enumerate() {
        let want = match spec.size {
            WaveSize::Percent(p) => percent_of(fleet.len(), p),
            WaveSize::Count(n) => n as usize,
            _ => continue,
        };
        for (i, done) in placed.iter_mut().enumerate() {
            if chosen[w].len() >= want {
                break;
            }
            if !*done {
                *done = true;
                chosen[w].push(i);
            }
        }
    }
    // Then the rest.
    let mut rest_wave = None;
    for (w, spec) in waves.iter().enumerate() {
        if spec.size == WaveSize::Rest {
            if rest_wave.is_some() {
                return Err(WavePlanError::SecondRest { wave: w + 1 });
            }
            rest_wave = Some(w);
            for (i, done) in placed.iter_mut().enumerate() {
                if !*done {
                    *done = true;
                    chosen[w].push(i);
                }
            }
        }
    }
    if let Some(first) = placed.iter().position(|p| !p) {
        return Err(WavePlanError::Unplaced {
            count: placed.iter().filter(|p| !**p).count(),
            first: fleet[first].name.clone(),
        });
    }
    let mut planned = Vec::with_capacity(waves.len());
    for (w, (spec, mut idx)) in waves.iter().zip(chosen).enumerate() {
        if idx.is_empty() {
            let why = match &spec.size {
                WaveSize::Select(l) => format!(
                    "no unplaced host has the labels {}",
                    l.iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                WaveSize::Rest => "earlier waves already took every host; remove it".into(),
                _ => {
                    "earlier waves already took every host; shrink them or remove this wave".into()
                }
            };
            return Err(WavePlanError::EmptyWave { wave: w + 1, why });
        }
        idx.sort_unstable();
        planned.push(PlannedWave {
            number: w + 1,
            name: spec
                .name
                .clone()
                .unwrap_or_else(|| format!("wave {}", w + 1)),
            hosts: idx.into_iter().map(|i| fleet[i].name.clone()).collect(),
        });
    }
    Ok(planned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::duration::Span;
    use crate::runbook::model::{Approval, FailBudget, Setting};
    use std::collections::BTreeMap;

    fn fleet(n: usize) -> Vec<Host> {
        (0..n)
            .map(|i| Host {
                name: format!("web-{i:03}"),
                labels: BTreeMap::new(),
            })
            .collect()
    }
    fn wave(size: WaveSize) -> WaveSpec {
        WaveSpec {
            name: None,
            size,
            soak: Setting::default_of(Span::default()),
            max_failed: Setting::default_of(FailBudget::Count(0)),
            parallel: Setting::default_of(1),
            approval: Setting::default_of(Approval::Auto),
        }
    }

    #[test]
    fn one_percent_of_a_small_fleet_is_one_host_rounded_up() {
        let w = plan_waves(
            &fleet(30),
            &[
                wave(WaveSize::Percent(1)),
                wave(WaveSize::Percent(10)),
                wave(WaveSize::Rest),
            ],
        )
        .unwrap();
        assert_eq!(
            w.iter().map(|w| w.hosts.len()).collect::<Vec<_>>(),
            vec![1, 3, 26]
        );
        assert_eq!(w[0].hosts, vec!["web-000"]);
    }

    #[test]
    fn selector_wave_takes_labelled_hosts_first() {
        let mut f = fleet(5);
        f[3].labels.insert("group".into(), "canary".into());
        let sel = WaveSize::Select(BTreeMap::from([("group".into(), "canary".into())]));
        let w = plan_waves(
            &f,
            &[wave(sel), wave(WaveSize::Count(2)), wave(WaveSize::Rest)],
        )
        .unwrap();
        assert_eq!(w[0].hosts, vec!["web-003"]);
        assert_eq!(w[1].hosts, vec!["web-000", "web-001"]);
        assert_eq!(w[2].hosts, vec!["web-002", "web-004"]);
    }

    #[test]
    fn unplaced_hosts_are_an_error_naming_the_fix() {
        let err = plan_waves(&fleet(10), &[wave(WaveSize::Count(3))]).unwrap_err();
        assert!(err.to_string().contains("size = \"rest\""), "{err}");
    }

    #[test]
    fn overflowing_waves_leave_an_empty_wave_error() {
        let err =
            plan_waves(&fleet(3), &[wave(WaveSize::Count(3)), wave(WaveSize::Rest)]).unwrap_err();
        assert!(
            matches!(err, WavePlanError::EmptyWave { wave: 2, .. }),
            "{err}"
        );
    }
}
