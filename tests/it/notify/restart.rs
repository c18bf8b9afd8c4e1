//! A new process picking the run up: unconfirmed notifications go out again with their keys,
//! an event journaled just before a crash still gets its notification, nothing is doubled.

use std::time::Duration;

use ripcord::engine::EventKind;
use ripcord::journal::Actor;
use ripcord::notify::RetryPolicy;
use ripcord::notify::route::notification_id;
use ripcord::sim::http::Response;

use super::{Rig, any_port, quick, receiver};

const HOOK: &str = "[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl_file = \"hook.url\"\non = [\"wave_completed\"]\n";
const LIMIT: Duration = Duration::from_secs(20);

fn wave_completed() -> EventKind {
    EventKind::WaveCompleted {
        wave: 1,
        upgraded: 3,
        failed: 0,
        rolled_back: 0,
    }
}

fn keys(seen: &super::Seen) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|(_, r)| r.header("Idempotency-Key").unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_restart_an_unconfirmed_notification_goes_out_again_with_its_key() {
    let (server, seen) = receiver(any_port(), |n| {
        if n == 0 {
            Response::text(503, "starting up")
        } else {
            Response::text(200, "ok")
        }
    })
    .await;
    // The old process would wait a minute before its next attempt; it is gone long before.
    let retry = RetryPolicy {
        first_delay: Duration::from_secs(60),
        max_delay: Duration::from_secs(60),
        ..quick()
    };
    let mut rig = Rig::new(&[("hook.url", &server.url())], HOOK, false, retry);
    rig.record(Actor::ripcord(), vec![wave_completed()]);
    let first = rig.next_result(LIMIT).await;
    assert!(matches!(
        first,
        EventKind::NotificationFailed {
            attempt: 1,
            last: false,
            ..
        }
    ));
    rig.restart();
    rig.settle(LIMIT).await;
    let keys = keys(&seen);
    assert_eq!(keys.len(), 2, "one refused, one accepted");
    assert_eq!(
        keys[0], keys[1],
        "the same idempotency key after the restart"
    );
    let bodies = super::bodies(&seen);
    assert_eq!(
        bodies[0]["event"], bodies[1]["event"],
        "the same event, read back from the journal"
    );
    assert_eq!(bodies[0]["text"], bodies[1]["text"]);
    let sent = rig.of_type("notification_sent");
    assert!(
        matches!(sent[..], [EventKind::NotificationSent { attempt: 2, .. }]),
        "{sent:?}"
    );
    assert_eq!(rig.of_type("notification_queued").len(), 1);
    // Confirmed: a further restart sends nothing.
    rig.restart();
    assert_eq!(rig.notifier.pending(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_journaled_just_before_a_crash_still_gets_its_notification() {
    let (server, seen) = receiver(any_port(), |_| Response::text(200, "ok")).await;
    let mut rig = Rig::new(&[("hook.url", &server.url())], HOOK, false, quick());
    let records = rig.journal_only(Actor::ripcord(), vec![wave_completed()]);
    rig.restart();
    rig.settle(LIMIT).await;
    let expected = notification_id("r-test", records[0].seq, "hook");
    assert_eq!(keys(&seen), std::slice::from_ref(&expected));
    assert!(rig.state.outbox[&expected].sent_at.is_some());
    rig.restart();
    assert_eq!(rig.notifier.pending(), 0, "nothing queued twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notification_given_up_on_is_not_retried_after_a_restart() {
    let (server, seen) = receiver(any_port(), |_| Response::text(410, "gone")).await;
    let mut rig = Rig::new(&[("hook.url", &server.url())], HOOK, false, quick());
    rig.record(Actor::ripcord(), vec![wave_completed()]);
    rig.settle(LIMIT).await;
    assert!(rig.state.outbox.values().all(|n| n.gave_up));
    rig.restart();
    assert_eq!(rig.notifier.pending(), 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
}
