//! A receiver that is down, erroring, throttling or silent: retries with the same idempotency
//! key, `Retry-After` honoured, the final failure kept visible, nothing doubled.

use std::time::Duration;

use ripcord::engine::EventKind;
use ripcord::journal::Actor;
use ripcord::notify::RetryPolicy;
use ripcord::sim::http::Response;

use super::{Rig, any_port, free_port, quick, receiver};

const HOOK: &str = "[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl_file = \"hook.url\"\non = [\"wave_completed\"]\n";

fn wave_completed() -> EventKind {
    EventKind::WaveCompleted {
        wave: 1,
        upgraded: 3,
        failed: 0,
        rolled_back: 0,
    }
}

/// `(attempt, last)` of every journaled failure.
fn failures(rig: &Rig) -> Vec<(u32, bool, String)> {
    rig.of_type("notification_failed")
        .into_iter()
        .map(|e| match e {
            EventKind::NotificationFailed {
                attempt,
                last,
                error,
                ..
            } => (*attempt, *last, error.clone()),
            _ => unreachable!(),
        })
        .collect()
}

fn sent_attempt(rig: &Rig) -> Option<u32> {
    rig.of_type("notification_sent").first().map(|e| match e {
        EventKind::NotificationSent { attempt, .. } => *attempt,
        _ => unreachable!(),
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_down_at_first_gets_the_message_once_when_it_comes_up() {
    let addr = free_port();
    let retry = RetryPolicy {
        attempts: 40,
        first_delay: Duration::from_millis(200),
        max_delay: Duration::from_millis(800),
        ..quick()
    };
    let mut rig = Rig::new(
        &[("hook.url", &format!("http://{addr}"))],
        HOOK,
        false,
        retry,
    );
    rig.record(Actor::ripcord(), vec![wave_completed()]);
    let up = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        receiver(addr, |_| Response::text(200, "ok")).await
    });
    rig.settle(Duration::from_secs(30)).await;
    let (_server, seen) = up.await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "delivered exactly once");
    let id = rig.outbox().keys().next().unwrap().clone();
    assert_eq!(seen[0].1.header("Idempotency-Key"), Some(id.as_str()));
    let failed = failures(&rig);
    assert!(failed.len() >= 3, "refused for about 5 s: {failed:?}");
    assert!(failed.iter().all(|(_, last, _)| !last));
    assert!(
        failed.windows(2).all(|w| w[1].0 == w[0].0 + 1),
        "attempts count up"
    );
    assert_eq!(sent_attempt(&rig), Some(failed.len() as u32 + 1));
    assert!(rig.outbox()[&id].sent_at.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_retried_with_the_same_key_until_accepted() {
    let (server, seen) = receiver(any_port(), |n| {
        if n < 2 {
            Response::text(500, "database is locked")
        } else {
            Response::text(200, "ok")
        }
    })
    .await;
    let mut rig = Rig::new(&[("hook.url", &server.url())], HOOK, false, quick());
    rig.record(Actor::ripcord(), vec![wave_completed()]);
    rig.settle(Duration::from_secs(20)).await;
    let keys: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(_, r)| r.header("Idempotency-Key").unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| *k == keys[0]));
    let failed = failures(&rig);
    assert_eq!(
        failed.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
        [(1, false), (2, false)]
    );
    assert!(
        failed[0]
            .2
            .contains("HTTP 500 from the receiver: database is locked"),
        "{failed:?}"
    );
    assert_eq!(sent_attempt(&rig), Some(3));
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_after_is_honoured_on_429() {
    let (server, seen) = receiver(any_port(), |n| {
        if n == 0 {
            Response::text(429, "slow down").with_header("Retry-After", "1")
        } else {
            Response::text(200, "ok")
        }
    })
    .await;
    // Backoff alone would retry after a few milliseconds.
    let retry = RetryPolicy {
        first_delay: Duration::from_millis(5),
        ..quick()
    };
    let mut rig = Rig::new(&[("hook.url", &server.url())], HOOK, false, retry);
    rig.record(Actor::ripcord(), vec![wave_completed()]);
    rig.settle(Duration::from_secs(20)).await;
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    let gap = seen[1].0.duration_since(seen[0].0);
    assert!(
        gap >= Duration::from_millis(950),
        "retried after {gap:?}, asked for 1 s"
    );
    let failed = failures(&rig);
    assert!(
        failed[0].2.contains("HTTP 429") && failed[0].2.contains("next attempt in 1.0s"),
        "{failed:?}"
    );
    assert_eq!(sent_attempt(&rig), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_never_answers_times_out_and_the_failure_stays_visible() {
    let server = ripcord::sim::http::HttpServer::bind(any_port(), |_req| async {
        std::future::pending::<()>().await;
        Response::text(200, "never")
    })
    .await
    .unwrap();
    let retry = RetryPolicy {
        attempts: 2,
        timeout: Duration::from_millis(400),
        ..quick()
    };
    let mut rig = Rig::new(&[("hook.url", &server.url())], HOOK, false, retry);
    rig.record(Actor::ripcord(), vec![wave_completed()]);
    rig.settle(Duration::from_secs(20)).await;
    let failed = failures(&rig);
    assert_eq!(
        failed.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
        [(1, false), (2, true)]
    );
    assert!(failed[1].2.contains("no answer within 0.4s"), "{failed:?}");
    let item = rig.outbox().values().next().unwrap();
    assert!(item.gave_up && item.sent_at.is_none() && item.attempts == 2);
    assert!(item.error.as_deref().unwrap().contains("no answer"));
    assert_eq!(
        rig.notifier.pending(),
        0,
        "a dead channel never holds the run"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_message_is_not_retried() {
    let (server, seen) = receiver(any_port(), |_| Response::text(404, "no such hook")).await;
    let mut rig = Rig::new(&[("hook.url", &server.url())], HOOK, false, quick());
    rig.record(Actor::ripcord(), vec![wave_completed()]);
    rig.settle(Duration::from_secs(20)).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
    let failed = failures(&rig);
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].1 && failed[0].2.contains("HTTP 404"),
        "{failed:?}"
    );
    assert!(failed[0].2.contains("check the channel's URL"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_url_variable_fails_at_once_and_says_what_to_set() {
    let notify = "[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl_env = \"RIPCORD_TEST_NOTIFY_SURELY_UNSET\"\non = [\"wave_completed\"]\n";
    let mut rig = Rig::new(&[], notify, false, quick());
    rig.record(Actor::ripcord(), vec![wave_completed()]);
    rig.settle(Duration::from_secs(20)).await;
    let failed = failures(&rig);
    assert_eq!(failed.len(), 1);
    assert!(failed[0].1);
    assert!(
        failed[0]
            .2
            .contains("environment variable RIPCORD_TEST_NOTIFY_SURELY_UNSET (url_env) is not set"),
        "{failed:?}"
    );
}
