//! Each channel against a real receiver: what it sends, to whom, and what it leaves out.

use std::time::Duration;

use ripcord::engine::{EventKind, Scope};
use ripcord::journal::Actor;
use ripcord::runbook::{Audience, Role, Severity};
use ripcord::sim::http::Response;

use super::{HOSTS, Rig, any_port, bodies, quick, receiver};

const LIMIT: Duration = Duration::from_secs(20);

fn wave_completed() -> EventKind {
    EventKind::WaveCompleted {
        wave: 1,
        upgraded: 2,
        failed: 1,
        rolled_back: 0,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_gets_block_kit_with_a_plain_text_fallback() {
    let (server, seen) = receiver(any_port(), |_| Response::text(200, "ok")).await;
    let url = format!("{}/services/T0/B0/x", server.url());
    let mut rig = Rig::new(
        &[("slack.url", &url)],
        "[[notify]]\nname = \"ops-chat\"\nkind = \"slack\"\nurl_file = \"slack.url\"\non = [\"wave_completed\"]\n",
        false,
        quick(),
    );
    rig.record(Actor::ripcord(), vec![wave_completed()]);
    rig.settle(LIMIT).await;
    let body = &bodies(&seen)[0];
    let text = body["text"].as_str().unwrap();
    assert!(
        text.starts_with("[notify test] wave 1 completed: 2 upgraded, 1 failed"),
        "{text}"
    );
    assert_eq!(body["blocks"][0]["type"], "header");
    assert_eq!(body["blocks"][0]["text"]["type"], "plain_text");
    assert!(
        body["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("wave 1 completed")
    );
    assert_eq!(body["blocks"][1]["type"], "section");
    assert!(
        body["blocks"][1]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("Where it stands")
    );
    let item = rig.outbox().values().next().unwrap();
    assert!(item.sent_at.is_some() && item.channel == "ops-chat");
    assert_eq!(rig.of_type("notification_sent").len(), 1);
    // The URL is a secret: it is nowhere in the journal.
    let journal = serde_json::to_string(&rig.log).unwrap();
    assert!(!journal.contains("/services/T0/B0/x"));
}

#[tokio::test(flavor = "multi_thread")]
async fn wecom_and_dingtalk_get_their_markdown_messages() {
    let (server, seen) = receiver(any_port(), |_| {
        Response::json(200, &serde_json::json!({"errcode": 0, "errmsg": "ok"}))
    })
    .await;
    let wecom = format!("{}/cgi-bin/webhook/send?key=k1", server.url());
    let ding = format!("{}/robot/send?access_token=t1", server.url());
    let mut rig = Rig::new(
        &[("wecom.url", &wecom), ("ding.url", &ding)],
        "[[notify]]\nname = \"wecom\"\nkind = \"wecom\"\nurl_file = \"wecom.url\"\non = [\"rule_breached\"]\n\
         [[notify]]\nname = \"ding\"\nkind = \"dingtalk\"\nurl_file = \"ding.url\"\non = [\"rule_breached\"]\n",
        false,
        quick(),
    );
    rig.record(Actor::ripcord(), vec![breach(0.083)]);
    rig.settle(LIMIT).await;
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    for (_, req) in seen.iter() {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body["msgtype"], "markdown");
        if req.path == "/cgi-bin/webhook/send" {
            assert_eq!(req.query.as_deref(), Some("key=k1"));
            let content = body["markdown"]["content"].as_str().unwrap();
            assert!(
                content.starts_with("**[notify test] HTTP 5xx: breach"),
                "{content}"
            );
            assert!(content.contains("Value 0.0830"), "{content}");
        } else {
            assert_eq!(
                req.query.as_deref(),
                Some("access_token=t1"),
                "unsigned: no sign"
            );
            assert!(
                body["markdown"]["title"]
                    .as_str()
                    .unwrap()
                    .contains("HTTP 5xx: breach")
            );
            assert!(
                body["markdown"]["text"]
                    .as_str()
                    .unwrap()
                    .contains("threshold > 0.05")
            );
        }
    }
}

fn breach(value: f64) -> EventKind {
    EventKind::RuleBreached {
        state: ripcord::engine::RuleState::Breach,
        evidence: ripcord::engine::Evidence {
            rule: "HTTP 5xx".into(),
            query: "sum(rate(http_requests_total{code=~\"5..\"}[1m]))".into(),
            values: vec![ripcord::engine::SeriesValue {
                series: "{instance=\"web-002\"}".into(),
                value,
            }],
            threshold: ripcord::runbook::Threshold::parse("> 0.05").ok(),
            baseline: None,
            for_ms: 120_000,
            host: Some("web-002".into()),
            severity: Severity::Functional,
            error: None,
            recent: Vec::new(),
        },
    }
}

const GATEWAY: &str = r#"#!/bin/sh
# A stand-in SMS gateway: writes what it was given, one file per notification.
out="$(dirname "$0")/got.$RIPCORD_NOTIFICATION_ID"
{
  echo "EVENT=$RIPCORD_EVENT"
  echo "SEVERITY=$RIPCORD_SEVERITY"
  echo "RUN=$RIPCORD_RUN"
  echo "ID=$RIPCORD_NOTIFICATION_ID"
  echo "SUBJECT=$RIPCORD_SUBJECT"
  echo "---"
  cat
} > "$out"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_phone_gateway_gets_severe_faults_only_on_stdin_and_in_env() {
    let mut rig = Rig::new(
        &[("page.sh", GATEWAY)],
        "[[notify]]\nname = \"pager\"\nkind = \"command\"\ncommand = [\"./page.sh\"]\n\
         on = [\"fault_declared\", \"wave_completed\", \"rollback_started\"]\nmin_severity = \"severe\"\n",
        false,
        quick(),
    );
    let ana = Actor::new(Role::Commander, "ana");
    rig.record(ripcord_actor(), vec![wave_completed()]);
    rig.record(
        ana.clone(),
        vec![EventKind::FaultDeclared {
            level: Severity::Functional,
            reason: "checkout errors".into(),
            rule: None,
        }],
    );
    rig.record(
        ana.clone(),
        vec![EventKind::FaultDeclared {
            level: Severity::Severe,
            reason: "payments down in zone a".into(),
            rule: None,
        }],
    );
    rig.record(
        ana,
        vec![EventKind::RollbackStarted {
            scope: Scope::Fleet,
            hosts: HOSTS.iter().map(|h| h.to_string()).collect(),
            reason: "severe fault: payments down".into(),
        }],
    );
    rig.settle(LIMIT).await;
    let mut got: Vec<String> = std::fs::read_dir(rig.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("got."))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    got.sort();
    assert_eq!(
        got.len(),
        2,
        "the severe fault and the rollback it caused: {got:#?}"
    );
    let fault = got
        .iter()
        .find(|g| g.contains("EVENT=fault_declared"))
        .unwrap();
    assert!(
        fault.contains("SEVERITY=severe\nRUN=r-test\nID=r-test-"),
        "{fault}"
    );
    assert!(fault.contains("SUBJECT=[notify test] SEVERE fault declared by ana (commander)"));
    assert!(fault.contains("---\n[notify test] SEVERE fault declared by ana (commander)\nReason: payments down in zone a"));
    let rollback = got
        .iter()
        .find(|g| g.contains("EVENT=rollback_started"))
        .unwrap();
    assert!(rollback.contains("SEVERITY=severe"), "{rollback}");
    assert!(
        rollback.contains("Started by ana (commander)"),
        "{rollback}"
    );
}

fn ripcord_actor() -> Actor {
    Actor::ripcord()
}

#[tokio::test(flavor = "multi_thread")]
async fn external_webhooks_never_name_hosts_and_skip_internal_updates() {
    let (server, seen) = receiver(any_port(), |_| Response::text(200, "ok")).await;
    let mut rig = Rig::new(
        &[("hook.url", &server.url())],
        "[[notify]]\nname = \"status-page\"\nkind = \"webhook\"\nurl_file = \"hook.url\"\naudience = \"external\"\n\
         on = [\"wave_started\", \"rule_breached\", \"host_failed\", \"status_update\"]\n",
        false,
        quick(),
    );
    let hosts: Vec<String> = HOSTS.iter().map(|h| h.to_string()).collect();
    rig.record(
        Actor::ripcord(),
        vec![EventKind::WaveStarted { wave: 1, hosts }],
    );
    rig.record(Actor::ripcord(), vec![breach(0.2)]);
    let comms = Actor::new(Role::Communicator, "cy");
    rig.record(
        comms.clone(),
        vec![EventKind::StatusUpdateSent {
            audience: Audience::Internal,
            text: "web-002 is the culprit, fix by 10:00".into(),
        }],
    );
    rig.record(
        comms,
        vec![EventKind::StatusUpdateSent {
            audience: Audience::External,
            text: "We paused maintenance; web-002 and web-003 are being checked.".into(),
        }],
    );
    rig.settle(LIMIT).await;
    let bodies = bodies(&seen);
    assert_eq!(
        bodies.len(),
        3,
        "the internal update is not published: {bodies:#?}"
    );
    let all = serde_json::to_string(&bodies).unwrap();
    for h in HOSTS {
        assert!(!all.contains(h), "{h} in an external message: {all}");
    }
    assert!(!all.contains("10:00"));
    let update = bodies
        .iter()
        .find(|b| b["kind"] == "status_update_sent")
        .unwrap();
    assert_eq!(
        update["text"],
        "We paused maintenance; hosts are being checked."
    );
    assert_eq!(update["event"]["type"], "status_update_sent");
    assert!(
        update["event"].get("event").is_none(),
        "no raw event for external audiences"
    );
    assert_eq!(update["summary"]["hosts"]["total"], 3);
    let breach = bodies
        .iter()
        .find(|b| b["kind"] == "rule_breached")
        .unwrap();
    assert!(
        breach["text"]
            .as_str()
            .unwrap()
            .contains("HTTP 5xx outside its normal range")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn headless_runs_send_the_status_update_when_due_and_only_once() {
    let (server, seen) = receiver(any_port(), |_| Response::text(200, "ok")).await;
    let notify = "[[notify]]\nname = \"mgmt\"\nkind = \"webhook\"\nurl_file = \"hook.url\"\non = [\"status_update\"]\n";
    let mut rig = Rig::new(&[("hook.url", &server.url())], notify, true, quick());
    let due = EventKind::StatusUpdateDue {
        due_at: rig.log[0].at,
    };
    rig.record(Actor::ripcord(), vec![due]);
    rig.record(Actor::ripcord(), vec![wave_completed()]);
    rig.settle(LIMIT).await;
    let sent = rig.of_type("status_update_sent");
    assert_eq!(sent.len(), 1, "one automatic update per due time");
    let EventKind::StatusUpdateSent { audience, text } = sent[0] else {
        unreachable!()
    };
    assert_eq!(*audience, Audience::Internal);
    for part in [
        "Where it stands:",
        "What changed:",
        "Impact:",
        "What is being done:",
        "Next update:",
    ] {
        assert!(text.contains(part), "{part} missing in {text}");
    }
    assert!(!rig.state.status_due_raised, "the cadence was reset");
    let bodies = bodies(&seen);
    assert_eq!(bodies.len(), 1);
    assert!(
        bodies[0]["text"]
            .as_str()
            .unwrap()
            .contains("Status update")
    );
    assert_eq!(bodies[0]["event"]["actor"]["role"], "ripcord");

    // With a person at the screen nothing is sent by itself.
    let mut attended = Rig::new(&[("hook.url", &server.url())], notify, false, quick());
    let due = EventKind::StatusUpdateDue {
        due_at: attended.log[0].at,
    };
    attended.record(Actor::ripcord(), vec![due]);
    assert!(attended.of_type("status_update_sent").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn one_event_is_queued_once_per_channel_even_when_seen_again() {
    let (server, seen) = receiver(any_port(), |_| Response::text(200, "ok")).await;
    let mut rig = Rig::new(
        &[("hook.url", &server.url())],
        "[[notify]]\nname = \"a\"\nkind = \"webhook\"\nurl_file = \"hook.url\"\non = [\"wave_completed\"]\n\
         [[notify]]\nname = \"b\"\nkind = \"webhook\"\nurl_file = \"hook.url\"\non = [\"wave_completed\"]\n",
        false,
        quick(),
    );
    rig.record(Actor::ripcord(), vec![wave_completed()]);
    let event_record = rig
        .log
        .iter()
        .find(|r| r.event.type_name() == "wave_completed")
        .cloned()
        .unwrap();
    rig.settle(LIMIT).await;
    let again = rig.notifier.on_records(&[event_record], &rig.state);
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(rig.of_type("notification_queued").len(), 2);
    let keys: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(_, r)| r.header("Idempotency-Key").unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
    for k in &keys {
        assert!(rig.outbox().contains_key(k));
    }
}
