//! Notifications as the journal tells them: queued, delivered or failed, and how late.

use crate::engine::event::EventKind;
use crate::journal::{Record, Timestamp};

/// One notification of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Channel name.
    pub channel: String,
    /// Event kind it reports (`rule_breached`, `status_update` ...).
    pub kind: String,
    /// When the event it reports happened: the last such event before it was queued.
    pub event_at: Timestamp,
    /// Queued at.
    pub queued_at: Timestamp,
    /// Delivered at.
    pub sent_at: Option<Timestamp>,
    /// Attempts made.
    pub attempts: u32,
    /// Last error.
    pub error: Option<String>,
    /// No more attempts will be made.
    pub gave_up: bool,
}

impl Delivery {
    /// Milliseconds from the event to the delivery.
    pub fn delay_ms(&self) -> Option<i64> {
        self.sent_at.map(|s| s.millis_since(self.event_at))
    }
}

fn reports(kind: &str, event: &EventKind) -> bool {
    let name = event.type_name();
    name == kind || (kind == "status_update" && name == "status_update_sent")
}

/// Every notification in the journal, in the order queued.
pub fn deliveries(records: &[Record<EventKind>]) -> Vec<Delivery> {
    let mut out: Vec<(String, Delivery)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        match &r.event {
            EventKind::NotificationQueued {
                id, channel, kind, ..
            } => {
                let event_at = records[..i]
                    .iter()
                    .rev()
                    .find(|p| reports(kind, &p.event))
                    .map_or(r.at, |p| p.at);
                out.push((
                    id.clone(),
                    Delivery {
                        channel: channel.clone(),
                        kind: kind.clone(),
                        event_at,
                        queued_at: r.at,
                        sent_at: None,
                        attempts: 0,
                        error: None,
                        gave_up: false,
                    },
                ));
            }
            EventKind::NotificationSent { id, attempt } => {
                if let Some((_, d)) = out.iter_mut().find(|(i, _)| i == id) {
                    d.sent_at = Some(r.at);
                    d.attempts = *attempt;
                }
            }
            EventKind::NotificationFailed {
                id,
                attempt,
                error,
                last,
            } => {
                if let Some((_, d)) = out.iter_mut().find(|(i, _)| i == id) {
                    d.attempts = *attempt;
                    d.error = Some(error.clone());
                    d.gave_up = *last;
                }
            }
            _ => {}
        }
    }
    out.into_iter().map(|(_, d)| d).collect()
}
