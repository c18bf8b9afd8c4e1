//! After a restart: notifications queued but never confirmed go out again with their original
//! ids, and events journaled just before a crash whose notifications were never queued get
//! them now.

use std::collections::HashMap;

use super::channel::Message;
use super::payload::{event_json, summary};
use super::{Notifier, route, template};
use crate::engine::{EventKind, State};
use crate::journal::Record;
use crate::runbook::Severity;

/// See [`Notifier::resume`].
pub fn resume(n: &mut Notifier, state: &State) {
    let records = n
        .journal
        .as_ref()
        .and_then(|path| match crate::journal::read::<EventKind>(path) {
            Ok(replay) => Some(replay.records),
            Err(e) => {
                tracing::warn!("notify: cannot read the journal to resend notifications: {e}");
                None
            }
        })
        .unwrap_or_default();
    let by_seq: HashMap<u64, &Record<EventKind>> = records.iter().map(|r| (r.seq, r)).collect();
    resend(n, state, &by_seq);
    catch_up(n, state, &records);
}

/// Starts again every delivery not confirmed and not given up.
fn resend(n: &mut Notifier, state: &State, by_seq: &HashMap<u64, &Record<EventKind>>) {
    for (id, item) in &state.outbox {
        if item.sent_at.is_some() || item.gave_up || n.in_flight.contains(id) {
            continue;
        }
        let Some(i) = n.channels.iter().position(|c| c.spec.name == item.channel) else {
            // The channel left the runbook: say so once, finally, so the outbox stops waiting.
            let failed = EventKind::NotificationFailed {
                id: id.clone(),
                attempt: item.attempts + 1,
                error: format!(
                    "channel {:?} is no longer in the runbook; not sent",
                    item.channel
                ),
                last: true,
            };
            if n.shared.results.try_send(failed).is_ok() {
                n.in_flight.insert(id.clone());
            }
            continue;
        };
        let audience = n.channels[i].spec.audience;
        let seq = route::seq_of(id).unwrap_or(0);
        let record = by_seq.get(&seq).copied();
        let msg = Message {
            id: id.clone(),
            run_id: state.run_id.clone(),
            channel: item.channel.clone(),
            kind: item.kind.clone(),
            severity: record.and_then(|r| route::severity_of(&r.event, state)),
            audience,
            title: template::title(&item.text).to_string(),
            text: item.text.clone(),
            event: event_json(record, audience, &item.kind, seq, &n.redactor),
            summary: summary(state),
        };
        n.start(i, msg, item.attempts);
    }
}

/// Queues (through the results channel, so they are journaled before any attempt) the
/// notifications of events after the last `notification_queued`: a crash between journaling
/// an event and journaling its notifications would lose them otherwise. Only channels the run
/// started with are considered, so a channel added to the runbook later does not get old news.
fn catch_up(n: &mut Notifier, state: &State, records: &[Record<EventKind>]) {
    let after = records
        .iter()
        .rev()
        .find(|r| matches!(r.event, EventKind::NotificationQueued { .. }))
        .map_or(0, |r| r.seq);
    let started_with: Vec<String> = state
        .plan
        .as_ref()
        .map(|p| p.channels.clone())
        .unwrap_or_default();
    let mut queued = Vec::new();
    for r in records.iter().filter(|r| r.seq > after) {
        let kind = r.event.type_name();
        let severity = route::severity_of(&r.event, state);
        let level = severity.unwrap_or(Severity::Minor);
        for i in 0..n.channels.len() {
            let spec = &n.channels[i].spec;
            if !started_with.contains(&spec.name) || !route::wants(spec, kind, level) {
                continue;
            }
            let id = route::notification_id(&state.run_id, r.seq, &spec.name);
            if state.outbox.contains_key(&id) || n.prepared.contains_key(&id) {
                continue;
            }
            let Some(text) = n.text_for(i, r, state, severity) else {
                continue;
            };
            let msg = n.message(i, id.clone(), r, state, severity, text.clone());
            queued.push((
                EventKind::NotificationQueued {
                    id: id.clone(),
                    channel: spec.name.clone(),
                    kind: kind.to_string(),
                    text,
                },
                i,
                msg,
            ));
        }
    }
    for (event, i, msg) in queued {
        let id = msg.id.clone();
        if n.shared.results.try_send(event).is_ok() {
            n.prepared.insert(id.clone(), (i, msg));
            // Counted as in flight from now: the loop must journal it before it may end.
            n.in_flight.insert(id);
        }
    }
}
