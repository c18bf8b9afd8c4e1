//! The fleet under the fault: blast radius and the waves table.

use std::collections::BTreeMap;

use super::Ctx;
use super::clock::{duration, hms};
use super::doc::{Block, Doc, Inline, text};
use super::targets::blast_radius;
use crate::engine::HostState;
use crate::engine::WaveState;
use crate::engine::event::EventKind;
use crate::runbook::Approval;

/// Hosts upgraded after the fault began.
pub fn blast(doc: &mut Doc, c: &Ctx<'_>) {
    doc.h(2, "Blast radius");
    let Some(began) = &c.k.fault_began else {
        doc.p("No fault: no host was upgraded under a fault.");
        return;
    };
    let hosts = blast_radius(c.state, began.at);
    let engine = c.state.blast_radius().len();
    if hosts.is_empty() {
        doc.p(format!(
            "0 hosts: no host's upgrade started after the fault began ({}).",
            hms(began.at)
        ));
    } else {
        doc.push(Block::Para(vec![
            Inline::Text(format!(
                "{} host(s) had their upgrade started after the fault began ({}): ",
                hosts.len(),
                hms(began.at)
            )),
            Inline::Code(hosts.join(", ")),
        ]));
    }
    if engine != hosts.len() {
        doc.p(format!(
            "Counted from the fault's declaration instead (as the cockpit does): {engine} host(s)."
        ));
    }
}

/// The waves table.
pub fn waves(doc: &mut Doc, c: &Ctx<'_>) {
    doc.h(2, "Waves");
    let mut approvals: BTreeMap<usize, String> = BTreeMap::new();
    let mut soaks: BTreeMap<usize, (String, String)> = BTreeMap::new();
    for r in c.records {
        match &r.event {
            EventKind::WaveApproved { wave } => {
                approvals.insert(
                    *wave,
                    format!(
                        "{} ({}) at {}",
                        r.actor.name,
                        r.actor.role.as_str(),
                        hms(r.at)
                    ),
                );
            }
            EventKind::SoakStarted { wave, .. } => {
                soaks.insert(*wave, (hms(r.at), "—".into()));
            }
            EventKind::SoakFinished { wave, .. } => {
                if let Some(s) = soaks.get_mut(wave) {
                    s.1 = hms(r.at);
                }
            }
            _ => {}
        }
    }
    let rows = c
        .plan
        .waves
        .iter()
        .map(|w| {
            let hosts: Vec<_> = c.state.wave_hosts(w.number).collect();
            let count = |f: fn(&HostState) -> bool| hosts.iter().filter(|h| f(&h.state)).count();
            let rec = c.state.waves.get(w.number - 1);
            let state = match rec.map(|r| r.state) {
                Some(WaveState::Completed) => "completed",
                Some(WaveState::Pending) => "not started",
                Some(_) => "in progress",
                None => "—",
            };
            let soak = match soaks.get(&w.number) {
                Some((a, b)) => format!("{} planned; {a} → {b}", duration(w.soak_ms as i64)),
                None => format!("{} planned", duration(w.soak_ms as i64)),
            };
            let approval = match (w.approval, approvals.get(&w.number)) {
                (_, Some(by)) => by.clone(),
                (Approval::Auto, None) => "automatic".into(),
                (_, None) => "not approved".into(),
            };
            vec![
                text(&w.name),
                text(state),
                text(hosts.len().to_string()),
                text(count(|s| *s == HostState::Upgraded).to_string()),
                text(rec.map_or(0, |r| r.failed).to_string()),
                text(count(|s| *s == HostState::RolledBack).to_string()),
                text(count(|s| *s == HostState::Pending).to_string()),
                text(soak),
                text(approval),
            ]
        })
        .collect();
    doc.push(Block::Table(
        [
            "Wave",
            "State",
            "Hosts",
            "Upgraded",
            "Failed",
            "Rolled back",
            "Not started",
            "Soak",
            "Approved by",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    ));
}
