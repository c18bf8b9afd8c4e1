//! Stakeholder notifications: channels, templates, outbox with retries.
//!
//! The run loop calls [`Notifier`] at three points: `on_records` after every journaled batch
//! (returns `notification_queued` events to journal before any attempt), results of delivery
//! attempts come back on the channel given to `new` as `notification_sent` / `_failed` events,
//! and `pending` tells the loop how many deliveries are still in flight when it wants to end.
//!
//! A notification's id is derived from (run id, triggering event's seq, channel), so replay and
//! resume never queue one twice, and a resend after a restart carries the same idempotency key.

pub mod channel;
pub mod context;
mod defaults;
mod deliver;
#[cfg(test)]
mod golden;
mod payload;
mod resume;
pub mod retry;
pub mod route;
pub mod scrub;
pub mod status;
pub mod template;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::engine::{EventKind, State};
use crate::journal::{ActorRole, Record, Timestamp};
use crate::redact::Redactor;
use crate::runbook::{Audience, NotifyChannel, Runbook, Severity};
use channel::{Message, Transport};
use deliver::Shared;
use payload::{event_json, fallback, summary};
pub use retry::RetryPolicy;
pub use template::template_problems;

/// A `[[notify]]` channel and how it delivers.
struct Channel {
    spec: NotifyChannel,
    transport: Arc<Transport>,
}

/// The outbox: decides what to send for which event and delivers it with retries.
pub struct Notifier {
    channels: Vec<Channel>,
    templates: template::Templates,
    hosts: scrub::HostNames,
    redactor: Arc<Redactor>,
    shared: Arc<Shared>,
    headless: bool,
    journal: Option<PathBuf>,
    /// Queued events handed to the loop, by id: delivery starts once they are journaled.
    prepared: HashMap<String, (usize, Message)>,
    /// Announced and not yet finally answered (sent, or failed for the last time) in the journal.
    in_flight: HashSet<String>,
    /// The due time the automatic status update was composed for.
    answered_due: Option<Timestamp>,
    /// Each channel's own text of the automatic update just composed, by channel name.
    auto_texts: HashMap<String, String>,
    /// Delivery tasks; dropping the notifier stops them (the outbox keeps what is unsent).
    tasks: tokio::task::JoinSet<()>,
}

impl Notifier {
    /// A notifier for the runbook's `[[notify]]` channels; delivery results are sent as events
    /// on `results`. `headless`: no person attends the run, so status updates go out
    /// automatically when due.
    pub fn new(
        runbook: &Runbook,
        redactor: Arc<Redactor>,
        results: mpsc::Sender<EventKind>,
        headless: bool,
    ) -> Self {
        let mut own = (*redactor).clone();
        for c in &runbook.notify {
            for secret in channel::secrets_of(c, &runbook.dir) {
                own.add(&secret);
            }
        }
        let redactor = Arc::new(own);
        let channels = runbook
            .notify
            .iter()
            .map(|c| Channel {
                spec: c.clone(),
                transport: Arc::new(Transport::of(c, &runbook.dir)),
            })
            .collect();
        let client = reqwest::Client::builder()
            .user_agent(concat!("ripcord/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self {
            channels,
            templates: template::Templates::new(&runbook.notify),
            hosts: scrub::HostNames::new(runbook.fleet.iter().map(|h| h.name.as_str())),
            shared: Arc::new(Shared {
                results,
                retry: RetryPolicy::default(),
                redactor: redactor.clone(),
                client,
            }),
            redactor,
            headless,
            journal: None,
            prepared: HashMap::new(),
            in_flight: HashSet::new(),
            answered_due: None,
            auto_texts: HashMap::new(),
            tasks: tokio::task::JoinSet::new(),
        }
    }

    /// Uses `policy` for attempts and waits (tests shorten them; the default is for production).
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.shared = Arc::new(Shared {
            results: self.shared.results.clone(),
            retry: policy,
            redactor: self.shared.redactor.clone(),
            client: self.shared.client.clone(),
        });
        self
    }

    /// The run's journal, read on [`Notifier::resume`] to resend with the original event.
    pub fn with_journal(mut self, path: &Path) -> Self {
        self.journal = Some(path.to_path_buf());
        self
    }

    /// Template overrides that were refused (the shipped template is used instead).
    pub fn problems(&self) -> &[String] {
        &self.templates.problems
    }

    /// Events to journal for the records just journaled (`notification_queued`, and in a
    /// headless run the automatic `status_update_sent` when one is due), and deliveries to start
    /// for queued notifications. Called after every batch, also for its own events.
    pub fn on_records(&mut self, records: &[Record<EventKind>], state: &State) -> Vec<EventKind> {
        let mut out = Vec::new();
        for r in records {
            match &r.event {
                EventKind::NotificationQueued { id, .. } => {
                    if let Some((i, msg)) = self.prepared.remove(id) {
                        self.start(i, msg, 0);
                    }
                }
                EventKind::NotificationSent { id, .. }
                | EventKind::NotificationFailed { id, last: true, .. } => {
                    self.in_flight.remove(id);
                }
                _ => {}
            }
            self.queue(r, state, &mut out);
        }
        if let Some(update) = records.last().and_then(|r| self.automatic_update(r, state)) {
            out.push(update);
        }
        out
    }

    /// After a restart: deliveries to start again for notifications queued but not confirmed,
    /// with their original ids (idempotency keys).
    pub fn resume(&mut self, state: &State) {
        resume::resume(self, state);
    }

    /// Deliveries still in flight.
    pub fn pending(&self) -> usize {
        self.in_flight.len()
    }

    /// A status update composed from `state` at `now` for `audience` with the shipped template:
    /// the automatic update of headless runs, and the cockpit's pre-filled dialog.
    pub fn compose_status_update(
        &self,
        state: &State,
        audience: Audience,
        now: Timestamp,
    ) -> String {
        self.compose(state, audience, now, None)
    }

    fn compose(
        &self,
        state: &State,
        audience: Audience,
        now: Timestamp,
        channel: Option<&str>,
    ) -> String {
        let due = Record {
            seq: state.seq,
            at: now,
            actor: crate::journal::Actor::ripcord(),
            event: EventKind::StatusUpdateDue { due_at: now },
        };
        let ctx = context::context(&due, state, audience, None);
        let text = self
            .templates
            .render(channel, audience, "status_update", &ctx)
            .unwrap_or_else(|e| {
                tracing::warn!("status update template: {e}");
                format!(
                    "Status update: {}",
                    status::status(state, now, audience).stands
                )
            });
        self.finish(text, audience)
    }

    /// Redacted, and for external audiences without host names.
    fn finish(&self, text: String, audience: Audience) -> String {
        let text = self.redactor.redact(&text).into_owned();
        match audience {
            Audience::Internal => text,
            Audience::External => self.hosts.scrub(&text),
        }
    }

    /// In a headless run, the automatic status update once per due time.
    fn automatic_update(&mut self, last: &Record<EventKind>, state: &State) -> Option<EventKind> {
        if !self.headless || !state.status_due_raised || state.run.is_over() {
            return None;
        }
        if self.answered_due.is_some() && self.answered_due == state.status_due_at {
            return None;
        }
        self.answered_due = state.status_due_at;
        self.auto_texts.clear();
        for c in &self.channels {
            if route::wants(&c.spec, "status_update_sent", Severity::Minor) {
                let text = self.compose(state, c.spec.audience, last.at, Some(&c.spec.name));
                self.auto_texts.insert(c.spec.name.clone(), text);
            }
        }
        Some(EventKind::StatusUpdateSent {
            audience: Audience::Internal,
            text: self.compose(state, Audience::Internal, last.at, None),
        })
    }

    /// Queues the notifications `r` calls for, each once.
    fn queue(&mut self, r: &Record<EventKind>, state: &State, out: &mut Vec<EventKind>) {
        let kind = r.event.type_name();
        let severity = route::severity_of(&r.event, state);
        let level = severity.unwrap_or(Severity::Minor);
        for i in 0..self.channels.len() {
            let spec = &self.channels[i].spec;
            if !route::wants(spec, kind, level) {
                continue;
            }
            let id = route::notification_id(&state.run_id, r.seq, &spec.name);
            if state.outbox.contains_key(&id)
                || self.prepared.contains_key(&id)
                || self.in_flight.contains(&id)
            {
                continue;
            }
            let Some(text) = self.text_for(i, r, state, severity) else {
                continue;
            };
            let msg = self.message(i, id.clone(), r, state, severity, text.clone());
            out.push(EventKind::NotificationQueued {
                id: id.clone(),
                channel: spec.name.clone(),
                kind: kind.to_string(),
                text,
            });
            self.prepared.insert(id, (i, msg));
        }
    }

    /// The text channel `i` gets for `r`; None when the event is not for its audience (a
    /// person's internal status update is not published externally).
    fn text_for(
        &self,
        i: usize,
        r: &Record<EventKind>,
        state: &State,
        severity: Option<Severity>,
    ) -> Option<String> {
        let spec = &self.channels[i].spec;
        let audience = spec.audience;
        if let EventKind::StatusUpdateSent {
            audience: sent,
            text,
        } = &r.event
        {
            if r.actor.role == ActorRole::Ripcord {
                if let Some(t) = self.auto_texts.get(&spec.name) {
                    return Some(t.clone());
                }
                if audience == Audience::Internal {
                    return Some(self.finish(text.clone(), audience));
                }
                return Some(self.compose(state, audience, r.at, Some(&spec.name)));
            }
            return match (audience, sent) {
                (a, s) if a == *s => Some(self.finish(text.clone(), audience)),
                (Audience::Internal, _) => Some(self.finish(
                    format!("External update published by {}\n{text}", r.actor),
                    audience,
                )),
                (Audience::External, _) => None,
            };
        }
        let ctx = context::context(r, state, audience, severity);
        let text = self
            .templates
            .render(Some(&spec.name), audience, r.event.type_name(), &ctx)
            .unwrap_or_else(|e| {
                tracing::warn!("notify {:?}: {e}; sending a plain line instead", spec.name);
                fallback(r, state, audience)
            });
        Some(self.finish(text, audience))
    }

    /// The message channel `i` sends for `r`.
    fn message(
        &self,
        i: usize,
        id: String,
        r: &Record<EventKind>,
        state: &State,
        severity: Option<Severity>,
        text: String,
    ) -> Message {
        let spec = &self.channels[i].spec;
        Message {
            id,
            run_id: state.run_id.clone(),
            channel: spec.name.clone(),
            kind: r.event.type_name().to_string(),
            severity,
            audience: spec.audience,
            title: template::title(&text).to_string(),
            event: event_json(
                Some(r),
                spec.audience,
                r.event.type_name(),
                r.seq,
                &self.redactor,
            ),
            summary: summary(state),
            text,
        }
    }

    /// Starts delivering `msg` on channel `i`; `done` attempts were made before a restart.
    fn start(&mut self, i: usize, msg: Message, done: u32) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::error!("notification {} not sent: no async runtime", msg.id);
            return;
        };
        self.in_flight.insert(msg.id.clone());
        while self.tasks.try_join_next().is_some() {}
        self.tasks.spawn_on(
            deliver::deliver(
                msg,
                self.channels[i].transport.clone(),
                self.shared.clone(),
                done,
            ),
            &handle,
        );
    }
}
