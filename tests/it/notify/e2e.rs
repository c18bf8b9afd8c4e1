//! The real binary: a headless run killed between queueing and sending resends once after
//! `--resume` with the same key; signed webhook and DingTalk messages verified independently;
//! email through a real SMTP server.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use ripcord::sim::http::Response;

use super::{any_port, free_port, python_hmac_b64, python_hmac_hex, receiver, runbook_text};
use crate::common::ripcord;

const STEP: &str = "#!/bin/sh\nsleep 0.05\n";

/// A runbook folder with a no-op step and the given `[[notify]]` tables.
fn plan(notify: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let step = dir.path().join("step.sh");
    std::fs::write(&step, STEP).unwrap();
    std::fs::set_permissions(&step, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(dir.path().join("plan.toml"), runbook_text(notify)).unwrap();
    dir
}

fn run_cmd(dir: &Path, extra: &[&str], env: &[(&str, String)]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(ripcord().get_program());
    cmd.arg("run")
        .arg(dir.join("plan.toml"))
        .arg("--headless")
        .arg("--state-dir")
        .arg(dir.join("state"))
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs to the end; a run still going after 90 s is a failure, not a hang.
async fn finish(mut cmd: tokio::process::Command) -> std::process::Output {
    tokio::time::timeout(Duration::from_secs(90), cmd.output())
        .await
        .expect("ripcord run did not end within 90 s")
        .unwrap()
}

fn journal_path(dir: &Path) -> Option<PathBuf> {
    let runs = std::fs::read_dir(dir.join("state/runs")).ok()?;
    let run = runs.filter_map(|e| e.ok()).next()?;
    Some(run.path().join("journal.jsonl"))
}

fn journal(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn of_type<'a>(j: &'a [serde_json::Value], t: &str) -> Vec<&'a serde_json::Value> {
    j.iter().filter(|r| r["event"]["type"] == t).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_between_queue_and_send_sends_once_after_resume() {
    let addr = free_port();
    let dir = plan(
        "[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl_env = \"RIPCORD_E2E_HOOK_URL\"\non = [\"run_started\", \"run_completed\"]\n",
    );
    let env = [("RIPCORD_E2E_HOOK_URL", format!("http://{addr}/hook"))];
    let mut first = run_cmd(dir.path(), &[], &env).spawn().unwrap();
    // Wait for the queue line (the receiver is down, so nothing can have been delivered).
    let deadline = Instant::now() + Duration::from_secs(30);
    let path = loop {
        if let Some(p) = journal_path(dir.path())
            && !of_type(&journal(&p), "notification_queued").is_empty()
        {
            break p;
        }
        assert!(
            Instant::now() < deadline,
            "no notification_queued within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    first.start_kill().unwrap(); // SIGKILL
    first.wait().await.unwrap();
    let before = journal(&path);
    assert!(of_type(&before, "notification_sent").is_empty());
    let run_id = path
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();

    let (_server, seen) = receiver(addr, |_| Response::text(200, "ok")).await;
    let out = run_cmd(dir.path(), &["--resume", &run_id], &env)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    let after = journal(&path);
    let queued: Vec<String> = of_type(&after, "notification_queued")
        .iter()
        .map(|r| r["event"]["id"].as_str().unwrap().to_string())
        .collect();
    let started = of_type(&after, "run_started")[0]["seq"].as_u64().unwrap();
    let for_start: Vec<&String> = queued
        .iter()
        .filter(|id| id.contains(&format!("-{started}-")))
        .collect();
    assert_eq!(for_start.len(), 1, "run_started queued once: {queued:?}");
    let keys: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(_, r)| r.header("Idempotency-Key").unwrap().to_string())
        .collect();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort();
    let mut sorted_queued = queued.clone();
    sorted_queued.sort();
    assert_eq!(
        sorted_keys, sorted_queued,
        "each queued notification received exactly once"
    );
    assert!(
        keys.contains(for_start[0]),
        "resent with the key queued before the kill"
    );
    assert_eq!(of_type(&after, "notification_sent").len(), queued.len());
}

/// `%2B` and friends back to bytes.
fn percent_decode(text: &str) -> String {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_and_dingtalk_signatures_verify_with_an_independent_hmac() {
    let (server, seen) = receiver(any_port(), |n| {
        let _ = n;
        Response::json(200, &serde_json::json!({"errcode": 0}))
    })
    .await;
    let dir = plan(
        "[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl_env = \"RIPCORD_E2E_HOOK_URL\"\nsecret_env = \"RIPCORD_E2E_HOOK_SECRET\"\n\
         on = [\"run_started\", \"wave_completed\", \"run_completed\"]\n\
         [[notify]]\nname = \"ding\"\nkind = \"dingtalk\"\nurl_env = \"RIPCORD_E2E_DING_URL\"\nsecret_env = \"RIPCORD_E2E_DING_SECRET\"\non = [\"run_completed\"]\n",
    );
    let hook_secret = "whsec-e2e-5d1c";
    let ding_secret = "SECding-e2e-77aa";
    let env = [
        ("RIPCORD_E2E_HOOK_URL", format!("{}/hook", server.url())),
        ("RIPCORD_E2E_HOOK_SECRET", hook_secret.to_string()),
        (
            "RIPCORD_E2E_DING_URL",
            format!("{}/robot/send?access_token=tok-e2e-31f9", server.url()),
        ),
        ("RIPCORD_E2E_DING_SECRET", ding_secret.to_string()),
    ];
    let out = finish(run_cmd(dir.path(), &[], &env)).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = seen.lock().unwrap();
    let hooks: Vec<_> = seen.iter().filter(|(_, r)| r.path == "/hook").collect();
    assert_eq!(hooks.len(), 3, "run_started, wave_completed, run_completed");
    for (_, req) in &hooks {
        let sig = req.header("X-Ripcord-Signature").unwrap();
        assert_eq!(
            sig,
            format!("sha256={}", python_hmac_hex(hook_secret, &req.body))
        );
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(
            req.header("Idempotency-Key"),
            body["idempotency_key"].as_str()
        );
        assert_eq!(
            body["event"]["event"]["type"], body["kind"],
            "the journaled event"
        );
        assert!(body["summary"]["hosts"]["total"] == 3);
    }
    let ding: Vec<_> = seen
        .iter()
        .filter(|(_, r)| r.path == "/robot/send")
        .collect();
    assert_eq!(ding.len(), 1);
    let query = ding[0].1.query.clone().unwrap();
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_string()
    };
    assert_eq!(param("access_token"), "tok-e2e-31f9");
    let ts = param("timestamp");
    let expected = python_hmac_b64(ding_secret, format!("{ts}\n{ding_secret}").as_bytes());
    assert_eq!(percent_decode(&param("sign")), expected);
    let body: serde_json::Value = serde_json::from_slice(&ding[0].1.body).unwrap();
    assert!(
        body["markdown"]["title"]
            .as_str()
            .unwrap()
            .contains("completed")
    );

    // Secrets and URLs stay out of the journal.
    let text = std::fs::read_to_string(journal_path(dir.path()).unwrap()).unwrap();
    for secret in [hook_secret, ding_secret, "tok-e2e-31f9"] {
        assert!(!text.contains(secret), "{secret} in the journal");
    }
    assert_eq!(
        of_type(
            &journal(&journal_path(dir.path()).unwrap()),
            "notification_sent"
        )
        .len(),
        4
    );
}

/// An SMTP server (Python's aiosmtpd) storing mail in a Maildir; killed on drop.
struct Smtp(std::process::Child);

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn email_goes_through_a_real_smtp_server() {
    let addr = free_port();
    let maildir = tempfile::tempdir().unwrap();
    let child = std::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &addr.to_string(), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir.path().join("box"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 with aiosmtpd is needed (apt-get install python3-aiosmtpd, or pip install aiosmtpd)");
    let _smtp = Smtp(child);
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "aiosmtpd did not listen on {addr} (is it installed?)"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dir = plan(&format!(
        "[[notify]]\nname = \"mail\"\nkind = \"email\"\nsmtp = \"{addr}\"\nto = [\"ops@example.com\", \"cto@example.com\"]\nfrom = \"ripcord@example.com\"\non = [\"run_completed\"]\n"
    ));
    let out = finish(run_cmd(dir.path(), &[], &[])).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new = maildir.path().join("box/new");
    let mails: Vec<String> = std::fs::read_dir(&new)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let mail = &mails[0];
    let j = journal(&journal_path(dir.path()).unwrap());
    let id = of_type(&j, "notification_queued")[0]["event"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        mail.contains("Subject: [ripcord] [notify test] Run "),
        "{mail}"
    );
    assert!(
        mail.contains(&format!("Message-ID: <{id}@ripcord>")),
        "{mail}"
    );
    assert!(mail.contains("ops@example.com") && mail.contains("cto@example.com"));
    assert!(mail.contains("3 of 3 hosts upgraded"), "{mail}");
    assert_eq!(of_type(&j, "notification_sent").len(), 1);
}
