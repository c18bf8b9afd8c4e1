//! One notification's delivery: attempts with a timeout each, backoff with jitter or the
//! receiver's `Retry-After` between them, and every outcome reported back to the run loop as a
//! `notification_sent` / `notification_failed` event.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::channel::{Message, Transport};
use super::retry::RetryPolicy;
use crate::engine::EventKind;
use crate::redact::Redactor;

/// What every delivery shares.
pub struct Shared {
    /// Where outcomes go (the run loop journals them).
    pub results: mpsc::Sender<EventKind>,
    /// Attempts and waits.
    pub retry: RetryPolicy,
    /// Masks secrets in error texts.
    pub redactor: Arc<Redactor>,
    /// One HTTP client for every channel (connection reuse).
    pub client: reqwest::Client,
}

/// Delivers `msg` on `transport`; `done` is the number of attempts made before (by an earlier
/// process, before a restart).
pub async fn deliver(msg: Message, transport: Arc<Transport>, shared: Arc<Shared>, done: u32) {
    let mut attempt = done;
    // A notification resumed with its attempts already used up still gets one more try: the
    // last failure was never reported as final.
    let last_attempt = shared.retry.attempts.max(done + 1);
    loop {
        attempt += 1;
        let outcome = transport
            .send(&msg, &shared.client, shared.retry.timeout)
            .await;
        let event = match outcome {
            Ok(()) => EventKind::NotificationSent {
                id: msg.id.clone(),
                attempt,
            },
            Err(e) => {
                let last = e.permanent || attempt >= last_attempt;
                let wait = e
                    .retry_after
                    .map(|d| d.min(shared.retry.max_retry_after))
                    .unwrap_or_else(|| shared.retry.backoff(&msg.id, attempt));
                let mut error = shared.redactor.redact(&e.error).into_owned();
                if !last {
                    error.push_str(&format!("; next attempt in {:.1}s", wait.as_secs_f32()));
                }
                let failed = EventKind::NotificationFailed {
                    id: msg.id.clone(),
                    attempt,
                    error,
                    last,
                };
                if last {
                    failed
                } else {
                    if shared.results.send(failed).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
        };
        // The loop may have ended (the process is exiting): the outbox keeps it queued.
        let _ = shared.results.send(event).await;
        return;
    }
}
