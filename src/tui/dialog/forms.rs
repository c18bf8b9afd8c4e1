//! The fault form (choose a level, read what it will do under this plan's risk policy) and the
//! impact form (traffic drop and failed transactions, in percent).

use crossterm::event::KeyCode;

use super::{Reply, move_focus};
use crate::engine::decide::{touched_in_fleet, wave_scope};
use crate::engine::describe::host_range;
use crate::engine::intent::permitted;
use crate::engine::{Intent, Scope, State};
use crate::runbook::{Confirmer, OnBreach, Role, Severity, Span, StepName};
use crate::tui::editor::TextArea;
use crate::tui::format::plural;
use crate::tui::keymap::{Action, Key};

/// The levels, mildest first.
pub const LEVELS: [Severity; 3] = [Severity::Minor, Severity::Functional, Severity::Severe];

/// Declare a fault: level, reason, and the consequences spelled out.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultForm {
    /// Chosen level.
    pub level: Severity,
    /// Why (one line).
    pub reason: TextArea,
    /// 0 level, 1 reason, 2 Cancel, 3 Declare.
    pub focus: usize,
    /// The operator's role (severe is the commander's).
    pub role: Role,
    /// Why the last Declare did nothing.
    pub note: Option<String>,
}

impl FaultForm {
    /// A form for `role`, starting on the mildest level.
    pub fn new(role: Role) -> Self {
        Self {
            level: Severity::Minor,
            reason: TextArea::line(""),
            focus: 0,
            role,
            note: None,
        }
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: Key, action: Option<Action>, state: &State) -> Reply {
        if action == Some(Action::Close) {
            return Reply::Close;
        }
        if move_focus(&mut self.focus, 4, key, action) {
            return Reply::Stay;
        }
        let i = LEVELS.iter().position(|l| *l == self.level).unwrap_or(0);
        match (self.focus, key.code, action) {
            (0, KeyCode::Up | KeyCode::Char('k'), _) => self.level = LEVELS[i.saturating_sub(1)],
            (0, KeyCode::Down | KeyCode::Char('j'), _) => self.level = LEVELS[(i + 1).min(2)],
            (0, KeyCode::Char(c @ '1'..='3'), _) => self.level = LEVELS[c as usize - '1' as usize],
            (0 | 1, _, Some(Action::Submit)) => self.focus += 1,
            (1, _, _) => {
                self.reason.edit(key);
            }
            (2, _, Some(Action::Submit)) => return Reply::Close,
            (3, _, Some(Action::Submit)) => {
                let intent = Intent::DeclareFault {
                    level: self.level,
                    reason: self.reason.text().trim().to_string(),
                };
                if let Err(why) = permitted(state, self.role, &intent) {
                    self.note = Some(why);
                } else if self.reason.text().trim().is_empty() {
                    self.note = Some(
                        "say why in one line (the reason goes into the journal and the updates)"
                            .into(),
                    );
                    self.focus = 1;
                } else {
                    return Reply::Submit(intent);
                }
            }
            _ => {}
        }
        Reply::Stay
    }
}

/// What declaring a fault of `level` does now, under the plan's risk policy, in sentences.
pub fn consequences(state: &State, level: Severity) -> Vec<String> {
    let Some(plan) = state.plan.as_deref() else {
        return vec!["The run has not started.".into()];
    };
    let risk = plan.risk.as_str();
    if level == Severity::Minor {
        return vec!["Recorded in the timeline and the postmortem; the run goes on.".into()];
    }
    let mut out = vec!["The run pauses: no new host step starts; running steps finish.".into()];
    if state.first_fault_at().is_none() {
        out.push(format!(
            "The plan's clocks start: rollback must start within {}, service restored within {}.",
            Span::from_millis(plan.targets.rollback_start_within_ms),
            Span::from_millis(plan.targets.restore_within_ms)
        ));
    }
    let can_roll_back = plan.steps.iter().any(|s| s.name == StepName::Rollback);
    if !can_roll_back {
        out.push("The runbook has no rollback step: the run halts for a decision by hand.".into());
        return out;
    }
    if level == Severity::Severe {
        let hosts = touched_in_fleet(state);
        out.push(format!(
            "A fleet rollback of {} ({}) is proposed; the commander confirms, and it must start within 3 minutes of confirmation.",
            plural(hosts.len(), "touched host"),
            host_range(&hosts)
        ));
        let c = &plan.contacts;
        out.push(format!(
            "Traffic switch: {}",
            c.traffic_switch
                .as_deref()
                .unwrap_or("not in the plan ([contacts] traffic_switch)")
        ));
        out.push(format!(
            "Vendor support: {}",
            c.vendor_support
                .as_deref()
                .unwrap_or("not in the plan ([contacts] vendor_support)")
        ));
        if let Some(e) = &c.escalation {
            out.push(format!("Escalation: {e}"));
        }
        return out;
    }
    let Some((scope, hosts)) = wave_scope(state).filter(|(_, h)| !h.is_empty()) else {
        out.push("No wave has touched hosts yet: nothing to roll back.".into());
        return out;
    };
    let wave = match scope {
        Scope::Wave { wave } => plan
            .waves
            .get(wave - 1)
            .map_or_else(|| format!("wave {wave}"), |w| w.name.clone()),
        other => other.describe(),
    };
    let who = match plan.policy.rollback_confirm.value {
        Confirmer::Commander => "commander",
        Confirmer::Technician => "technician (or commander)",
    };
    let hosts_words = format!("{} ({})", plural(hosts.len(), "host"), host_range(&hosts));
    out.push(match plan.policy.on_breach.value {
        OnBreach::Pause => format!(
            "{risk} risk policy: a rollback of {wave}, {hosts_words}, is proposed; the {who} confirms."
        ),
        OnBreach::RollbackWave => {
            format!("{risk} risk policy: {wave} is rolled back at once: {hosts_words}.")
        }
        OnBreach::RollbackHosts => {
            format!("{risk} risk policy: the affected {hosts_words} are rolled back at once.")
        }
    });
    out
}

/// Record business impact.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactForm {
    /// Traffic drop, percent.
    pub traffic: TextArea,
    /// Failed transactions, percent.
    pub failed: TextArea,
    /// Free text.
    pub note: TextArea,
    /// 0 traffic, 1 failed, 2 note, 3 Cancel, 4 Record.
    pub focus: usize,
    /// Why the last Record did nothing.
    pub error: Option<String>,
}

impl Default for ImpactForm {
    fn default() -> Self {
        Self {
            traffic: TextArea::line(""),
            failed: TextArea::line(""),
            note: TextArea::line(""),
            focus: 0,
            error: None,
        }
    }
}

fn percent(field: &str, text: &str) -> Result<Option<f64>, String> {
    let t = text.trim().trim_end_matches('%').trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) => Ok(Some(v)),
        _ => Err(format!(
            "{field}: \"{text}\" is not a percentage from 0 to 100"
        )),
    }
}

impl ImpactForm {
    /// The intent the fields make, or what is wrong with them.
    pub fn intent(&self) -> Result<Intent, String> {
        let traffic = percent("traffic drop", &self.traffic.text())?;
        let failed = percent("failed transactions", &self.failed.text())?;
        let note = self.note.text().trim().to_string();
        if traffic.is_none() && failed.is_none() && note.is_empty() {
            return Err("enter a figure or a note (\"no impact\" is evidence too)".into());
        }
        Ok(Intent::RecordImpact {
            traffic_drop_pct: traffic,
            failed_tx_pct: failed,
            note,
        })
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: Key, action: Option<Action>) -> Reply {
        if action == Some(Action::Close) {
            return Reply::Close;
        }
        if move_focus(&mut self.focus, 5, key, action) {
            return Reply::Stay;
        }
        match (self.focus, action) {
            (0..=2, Some(Action::Submit)) => self.focus += 1,
            (3, Some(Action::Submit)) => return Reply::Close,
            (4, Some(Action::Submit)) => match self.intent() {
                Ok(i) => return Reply::Submit(i),
                Err(e) => self.error = Some(e),
            },
            (f @ 0..=2, _) => {
                let field = [&mut self.traffic, &mut self.failed, &mut self.note];
                if field.into_iter().nth(f).is_some_and(|t| t.edit(key)) {
                    self.error = None;
                }
            }
            _ => {}
        }
        Reply::Stay
    }
}
