//! Property tests of wave planning (DESIGN §3 rule 1): every host in exactly one wave, a
//! non-empty first wave, percentages rounded up of the whole fleet, selectors honoured, and
//! the same answer every time.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::duration::Span;
use super::model::{Approval, FailBudget, Host, Setting, WaveSize, WaveSpec};
use super::waves::{percent_of, plan_waves};

fn spec(size: WaveSize) -> WaveSpec {
    WaveSpec {
        name: None,
        size,
        soak: Setting::default_of(Span::default()),
        max_failed: Setting::default_of(FailBudget::Count(0)),
        parallel: Setting::default_of(1),
        approval: Setting::default_of(Approval::Auto),
    }
}

/// A fleet of `n` hosts, each in group a, b or c (by the seed) and zone x or y.
fn fleet(groups: &[u8]) -> Vec<Host> {
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| Host {
            name: format!("h-{i:04}"),
            labels: BTreeMap::from([
                (
                    "group".to_string(),
                    ["a", "b", "c"][usize::from(*g % 3)].to_string(),
                ),
                ("zone".to_string(), ["x", "y"][i % 2].to_string()),
            ]),
        })
        .collect()
}

fn size() -> impl Strategy<Value = WaveSize> {
    prop_oneof![
        (1u8..=100).prop_map(WaveSize::Percent),
        (1u32..40).prop_map(WaveSize::Count),
        prop_oneof![Just("a"), Just("b"), Just("c")]
            .prop_map(|g| WaveSize::Select(BTreeMap::from([("group".to_string(), g.to_string())]))),
    ]
}

proptest! {
    #[test]
    fn every_host_is_in_exactly_one_wave_in_file_order(
        groups in prop::collection::vec(any::<u8>(), 1..300),
        sizes in prop::collection::vec(size(), 0..5),
    ) {
        let hosts = fleet(&groups);
        let mut specs: Vec<WaveSpec> = sizes.into_iter().map(spec).collect();
        specs.push(spec(WaveSize::Rest));
        // Some size lists cannot place the fleet (a wave left empty); those must be refused.
        let Ok(waves) = plan_waves(&hosts, &specs) else { return Ok(()) };
        let mut seen = BTreeSet::new();
        for w in &waves {
            prop_assert!(!w.hosts.is_empty(), "wave {} is empty", w.number);
            for h in &w.hosts {
                prop_assert!(seen.insert(h.clone()), "{h} placed twice");
            }
            let mut sorted = w.hosts.clone();
            sorted.sort();
            prop_assert_eq!(&sorted, &w.hosts, "hosts of a wave keep file order");
        }
        prop_assert_eq!(seen.len(), hosts.len());
        prop_assert!(!waves[0].hosts.is_empty());
    }

    #[test]
    fn a_percentage_wave_takes_the_rounded_up_share_of_the_whole_fleet(
        n in 1usize..500,
        first in 1u8..=100,
        second in 1u8..=100,
    ) {
        let hosts = fleet(&vec![0; n]);
        let specs = [spec(WaveSize::Percent(first)), spec(WaveSize::Percent(second)), spec(WaveSize::Rest)];
        let want1 = (n * usize::from(first)).div_ceil(100).max(1);
        prop_assert_eq!(percent_of(n, first), want1);
        let want2 = (n * usize::from(second)).div_ceil(100).max(1);
        let planned = plan_waves(&hosts, &specs);
        // The "rest" wave gets nobody exactly when the two percentages cover the fleet.
        prop_assert_eq!(planned.is_ok(), want1 + want2 < n);
        if let Ok(waves) = planned {
            prop_assert_eq!(waves[0].hosts.len(), want1);
            prop_assert_eq!(waves[1].hosts.len(), want2);
            prop_assert_eq!(waves[2].hosts.len(), n - want1 - want2);
        }
    }

    #[test]
    fn selector_waves_take_exactly_their_labelled_hosts(
        groups in prop::collection::vec(any::<u8>(), 1..200),
    ) {
        let hosts = fleet(&groups);
        let canary = BTreeMap::from([("group".to_string(), "a".to_string())]);
        let specs = [spec(WaveSize::Select(canary)), spec(WaveSize::Rest)];
        let labelled: Vec<String> = hosts.iter()
            .filter(|h| h.labels.get("group").is_some_and(|g| g == "a"))
            .map(|h| h.name.clone())
            .collect();
        match plan_waves(&hosts, &specs) {
            Ok(waves) => prop_assert_eq!(&waves[0].hosts, &labelled),
            Err(_) => prop_assert!(labelled.is_empty() || labelled.len() == hosts.len()),
        }
    }

    #[test]
    fn planning_is_deterministic(
        groups in prop::collection::vec(any::<u8>(), 1..200),
        sizes in prop::collection::vec(size(), 0..4),
    ) {
        let hosts = fleet(&groups);
        let mut specs: Vec<WaveSpec> = sizes.into_iter().map(spec).collect();
        specs.push(spec(WaveSize::Rest));
        prop_assert_eq!(plan_waves(&hosts, &specs), plan_waves(&hosts, &specs));
    }
}
