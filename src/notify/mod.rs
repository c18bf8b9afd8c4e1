//! Stakeholder notifications: channels, templates, outbox with retries.
//!
//! The run loop calls [`Notifier`] at three points: `on_records` after every journaled batch
//! (returns `notification_queued` events to journal before any attempt), results of delivery
//! attempts come back on the channel given to `new` as `notification_sent` / `_failed` events,
//! and `pending` tells the loop how many deliveries are still in flight when it wants to end.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::engine::{EventKind, State};
use crate::journal::Record;
use crate::redact::Redactor;
use crate::runbook::Runbook;

/// The outbox: decides what to send for which event and delivers it with retries.
pub struct Notifier {
    _results: mpsc::Sender<EventKind>,
}

impl Notifier {
    /// A notifier for the runbook's `[[notify]]` channels; delivery results are sent as events
    /// on `results`.
    pub fn new(
        _runbook: &Runbook,
        _redactor: Arc<Redactor>,
        results: mpsc::Sender<EventKind>,
    ) -> Self {
        Self { _results: results }
    }

    /// Events to journal for the records just journaled (`notification_queued`), and deliveries
    /// to start for queued notifications. Called after every batch, also for its own events.
    pub fn on_records(&mut self, _records: &[Record<EventKind>], _state: &State) -> Vec<EventKind> {
        Vec::new()
    }

    /// After a restart: deliveries to start again for notifications queued but not confirmed.
    pub fn resume(&mut self, _state: &State) {}

    /// Deliveries still in flight.
    pub fn pending(&self) -> usize {
        0
    }
}
