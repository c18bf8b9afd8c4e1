//! Verdicts from event sequences shaped like the callback's real output.

use super::*;

fn hosts(names: &[&str]) -> Vec<String> {
    names.iter().map(|h| (*h).to_owned()).collect()
}

fn feed(t: &mut Tracker, lines: &[String]) {
    for l in lines {
        assert!(t.line(l, Utc::now()), "not an event: {l}");
    }
}

fn ev(event: &str, fields: serde_json::Value) -> String {
    let mut v = fields;
    v["_event"] = serde_json::Value::String(event.into());
    v["_timestamp"] = "2026-11-24T07:58:15.592867Z".into();
    v.to_string()
}

fn play(hosts: &[&str]) -> String {
    ev(
        "v2_playbook_on_play_start",
        serde_json::json!({"name": "Upgrade", "hosts": hosts, "unknown": [], "play": 0}),
    )
}

fn start(host: &str, task: &str) -> String {
    ev(
        "v2_runner_on_start",
        serde_json::json!({"host": host, "task": task}),
    )
}

fn ok(host: &str, task: &str) -> String {
    ev(
        "v2_runner_on_ok",
        serde_json::json!({"host": host, "task": task, "changed": true}),
    )
}

fn failed(host: &str, task: &str, msg: &str, ignore: bool) -> String {
    ev(
        "v2_runner_on_failed",
        serde_json::json!({"host": host, "task": task, "msg": msg, "ignore_errors": ignore, "rc": null, "stdout": "", "stderr": ""}),
    )
}

fn stats(entries: &[(&str, u32, u32, u32)]) -> String {
    let mut map = serde_json::Map::new();
    for (h, ok, failures, unreachable) in entries {
        map.insert(
            (*h).into(),
            serde_json::json!({"ok": ok, "changed": ok, "failures": failures, "unreachable": unreachable, "skipped": 0, "rescued": 0, "ignored": 0}),
        );
    }
    ev(
        "v2_playbook_on_stats",
        serde_json::json!({ "stats": serde_json::Value::Object(map) }),
    )
}

fn by_host(v: &[Verdict], host: &str) -> (Outcome, String) {
    let v = v.iter().find(|v| v.host == host).expect("host judged");
    (v.outcome, v.reason.clone())
}

#[test]
fn a_finished_playbook_judges_each_host_from_the_recap() {
    let mut t = Tracker::new(&hosts(&["a", "b", "c", "d"]));
    feed(
        &mut t,
        &[
            play(&["a", "b", "c"]),
            start("a", "Install"),
            ok("a", "Install"),
            ok("b", "Install"),
            failed("b", "Check", "ignored problem", true),
            failed("c", "Install", "no package linux-image-6.6", false),
            ev(
                "v2_runner_on_unreachable",
                serde_json::json!({"host": "d", "task": "Install", "msg": "ssh: connect refused"}),
            ),
            stats(&[
                ("a", 1, 0, 0),
                ("b", 1, 0, 0),
                ("c", 0, 1, 0),
                ("d", 0, 0, 1),
            ]),
        ],
    );
    assert!(t.has_recap());
    let v = t.judge(&Ending::Exited(4), None, "inv.ini");
    assert_eq!(
        v.iter().map(|v| v.host.as_str()).collect::<Vec<_>>(),
        ["a", "b", "c", "d"]
    );
    assert_eq!(
        by_host(&v, "a"),
        (Outcome::Ok, "ok: 1 ok, 1 changed".into())
    );
    assert_eq!(by_host(&v, "b").0, Outcome::Ok);
    assert_eq!(
        by_host(&v, "c"),
        (
            Outcome::Failed,
            "task \"Install\" failed: no package linux-image-6.6".into()
        )
    );
    assert_eq!(
        by_host(&v, "d"),
        (
            Outcome::Unreachable,
            "unreachable at task \"Install\": ssh: connect refused".into()
        )
    );
    let b = v
        .iter()
        .find(|v| v.host == "b")
        .map(|v| v.transcript.clone())
        .unwrap_or_default();
    assert!(
        b.contains("ok       Install (changed)") && b.contains("ignored  Check: ignored problem"),
        "{b}"
    );
}

#[test]
fn hosts_failed_by_max_fail_percentage_are_failed_with_the_reason() {
    let mut t = Tracker::new(&hosts(&["a", "b", "c"]));
    feed(
        &mut t,
        &[
            play(&["a", "b", "c"]),
            failed("a", "Fail chosen", "chose to fail", false),
            ok("b", "Fail chosen"),
            ok("c", "Fail chosen"),
            ev("v2_playbook_on_no_hosts_remaining", serde_json::json!({})),
            stats(&[("a", 0, 1, 0), ("b", 1, 0, 0), ("c", 1, 0, 0)]),
        ],
    );
    let v = t.judge(&Ending::Exited(2), None, "inv.ini");
    assert_eq!(by_host(&v, "a").0, Outcome::Failed);
    for h in ["b", "c"] {
        let (o, why) = by_host(&v, h);
        assert_eq!(o, Outcome::Failed);
        assert!(
            why.contains("max_fail_percentage") && why.contains("after task \"Fail chosen\""),
            "{why}"
        );
    }
}

#[test]
fn hosts_outside_the_recap_say_why_they_never_started() {
    let mut t = Tracker::new(&hosts(&["a", "gone", "other"]));
    feed(
        &mut t,
        &[
            ev(
                "v2_playbook_on_play_start",
                serde_json::json!({"name": "p", "hosts": ["a"], "unknown": ["gone"], "play": 0}),
            ),
            ok("a", "t"),
            stats(&[("a", 1, 0, 0)]),
        ],
    );
    let v = t.judge(&Ending::Exited(0), None, "inv.ini");
    let (o, why) = by_host(&v, "gone");
    assert_eq!(o, Outcome::NotStarted);
    assert!(why.contains("not in the inventory inv.ini"), "{why}");
    let (o, why) = by_host(&v, "other");
    assert_eq!(o, Outcome::NotStarted);
    assert!(
        why.contains("no play of the playbook targets this host"),
        "{why}"
    );
}

#[test]
fn a_timed_out_playbook_keeps_finished_results_and_times_out_the_rest() {
    let mut t = Tracker::new(&hosts(&["a", "b", "c", "d"]));
    feed(
        &mut t,
        &[
            play(&["a", "b", "c", "d"]),
            failed("a", "Install", "broken", false),
            ok("b", "Install"),
            start("b", "Reboot"),
            ok("c", "Install"),
        ],
    );
    assert!(!t.has_recap());
    let v = t.judge(&Ending::TimedOut("5m".into()), None, "inv.ini");
    assert_eq!(by_host(&v, "a").0, Outcome::Failed);
    let (o, why) = by_host(&v, "b");
    assert_eq!(o, Outcome::TimedOut);
    assert!(
        why.starts_with(
            "timed out after 5m (process group killed) while this host was at task \"Reboot\""
        ),
        "{why}"
    );
    assert_eq!(by_host(&v, "c").0, Outcome::TimedOut);
    let (o, why) = by_host(&v, "d");
    assert_eq!(o, Outcome::NotStarted);
    assert!(
        why.starts_with("not started: the playbook stopped before reaching this host"),
        "{why}"
    );
}

#[test]
fn an_error_before_any_play_leaves_every_host_not_started_with_the_error() {
    let mut t = Tracker::new(&hosts(&["a", "b"]));
    assert!(!t.line(
        "[WARNING]: Could not match supplied host pattern, ignoring: a",
        Utc::now()
    ));
    assert!(!t.line("{not json", Utc::now()));
    let err = "ERROR! Specified inventory, host pattern and/or --limit leaves us with no hosts to target.";
    let v = t.judge(&Ending::Exited(1), Some(err), "inv.ini");
    for (o, why) in [by_host(&v, "a"), by_host(&v, "b")] {
        assert_eq!(o, Outcome::NotStarted);
        assert!(
            why.contains(
                "before running any task (ansible-playbook exited 1: ERROR! Specified inventory"
            ),
            "{why}"
        );
    }
}

#[test]
fn a_refused_play_starts_nothing() {
    let mut t = Tracker::new(&hosts(&["canary"]));
    feed(
        &mut t,
        &[
            play(&["web-1", "web-2"]),
            ev(
                "ripcord_refused",
                serde_json::json!({"msg": "play 'Upgrade' would also run on web-1, web-2, outside the wave", "outside": ["web-1", "web-2"]}),
            ),
        ],
    );
    let v = t.judge(&Ending::Exited(97), None, "inv.ini");
    let (o, why) = by_host(&v, "canary");
    assert_eq!(o, Outcome::NotStarted);
    assert!(
        why.starts_with("not started: the playbook stopped before reaching this host (ripcord stopped the playbook: play 'Upgrade' would also run on web-1"),
        "{why}"
    );
}

#[test]
fn a_playbook_that_ends_after_a_failed_play_leaves_later_hosts_not_started() {
    let mut t = Tracker::new(&hosts(&["ghost", "web-1"]));
    feed(
        &mut t,
        &[
            ev("v2_playbook_on_start", serde_json::json!({"plays": 2})),
            ev(
                "v2_playbook_on_play_start",
                serde_json::json!({"name": "reach", "hosts": ["ghost"], "unknown": [], "play": 0}),
            ),
            ev(
                "v2_runner_on_unreachable",
                serde_json::json!({"host": "ghost", "task": "Reach", "msg": "refused"}),
            ),
            stats(&[("ghost", 0, 0, 1)]),
        ],
    );
    let v = t.judge(&Ending::Exited(4), None, "inv.ini");
    assert_eq!(by_host(&v, "ghost").0, Outcome::Unreachable);
    let (o, why) = by_host(&v, "web-1");
    assert_eq!(o, Outcome::NotStarted);
    assert!(
        why.starts_with("not started: the playbook ended before reaching this host"),
        "{why}"
    );
}
