//! The simulated fleet end to end: its HTTP endpoints on loopback, and the real
//! `ripcord sim-agent` binary driving it as the demo runbook's steps do.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Output;
use std::time::Duration;

use prometheus_parse::{Scrape, Value};
use ripcord::sim::http::{HttpServer, MAX_BODY, Response};
use ripcord::sim::{self, Fault, FleetState, SimConfig, SimHandle};

use crate::common;

/// A small fleet with quick reboots, so tests do not wait on the default 3 s.
async fn start(hosts: usize, fault: Option<Fault>) -> SimHandle {
    sim::start(SimConfig {
        hosts,
        fault,
        restart: Duration::from_millis(300),
        boot_timeout: Duration::from_secs(2),
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts on loopback")
}

/// Runs `ripcord sim-agent ARGS` with the simulator's address in RIPCORD_SIM.
async fn agent(sim_addr: &str, args: &[&str]) -> Output {
    let state = tempfile::tempdir().unwrap();
    let mut cmd = common::ripcord();
    cmd.arg("sim-agent")
        .args(args)
        .env("RIPCORD_SIM", sim_addr)
        .env("RIPCORD_STATE_DIR", state.path());
    tokio::process::Command::from(cmd).output().await.unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn state(sim: &SimHandle) -> FleetState {
    let url = format!("{}/state", sim.base_url());
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_page_is_a_valid_prometheus_exposition() {
    let sim = start(4, None).await;
    let response = reqwest::get(sim.metrics_url()).await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(content_type.contains("version=0.0.4"), "{content_type}");
    let body = response.text().await.unwrap();
    let scrape = Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).unwrap();

    for family in [
        "up",
        "http_requests_total",
        "http_request_duration_seconds",
        "sim_cpu_ratio",
        "sim_memory_ratio",
        "sim_host_info",
    ] {
        let hosts = scrape.samples.iter().filter(|s| s.metric == family).count();
        assert!(hosts >= 4, "{family}: {hosts} samples");
        assert!(scrape.docs.contains_key(family), "{family} has no HELP");
    }
    let histogram = scrape
        .samples
        .iter()
        .find(|s| s.metric == "http_request_duration_seconds")
        .unwrap();
    let Value::Histogram(buckets) = &histogram.value else {
        panic!("not a histogram: {:?}", histogram.value);
    };
    assert!(buckets.iter().any(|b| b.less_than.is_infinite()));
    let info = scrape
        .samples
        .iter()
        .find(|s| s.metric == "sim_host_info" && s.labels.get("instance") == Some("web-003"))
        .unwrap();
    assert_eq!(info.labels.get("version"), Some("6.1.0"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_agent_upgrade_waits_for_the_reboot_and_the_host_runs_the_new_version() {
    let sim = start(3, None).await;
    let addr = sim.addr().to_string();

    let upgrade = agent(&addr, &["upgrade", "web-001"]).await;
    assert!(upgrade.status.success(), "{}", text(&upgrade.stderr));
    let out = text(&upgrade.stdout);
    assert!(
        out.contains("installed 6.6.0") && out.contains("back up on 6.6.0"),
        "{out}"
    );

    let fleet = state(&sim).await;
    let host = &fleet.hosts[0];
    assert!(
        host.up && host.upgraded && host.version == "6.6.0",
        "{host:?}"
    );
    assert!(!fleet.hosts[1].upgraded);

    let verify = agent(&addr, &["verify", "web-001"]).await;
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    let not_upgraded = agent(&addr, &["verify", "web-002"]).await;
    assert_eq!(not_upgraded.status.code(), Some(1));
    assert!(text(&not_upgraded.stderr).contains("expected 6.6.0"));

    let rollback = agent(&addr, &["rollback", "web-001"]).await;
    assert!(rollback.status.success(), "{}", text(&rollback.stderr));
    assert_eq!(state(&sim).await.hosts[0].version, "6.1.0");
    let verify_rollback = agent(&addr, &["verify_rollback", "web-001"]).await;
    assert!(verify_rollback.status.success());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_agent_reports_a_host_that_does_not_come_back_from_its_reboot() {
    let sim = start(7, Some(Fault::Boot)).await;
    let addr = sim.addr().to_string();
    let upgrade = agent(&addr, &["upgrade", "web-007"]).await;
    assert_eq!(upgrade.status.code(), Some(1));
    assert!(
        text(&upgrade.stderr).contains("did not come back"),
        "{}",
        text(&upgrade.stderr)
    );
    let verify = agent(&addr, &["verify", "web-007"]).await;
    assert_eq!(verify.status.code(), Some(1));
    assert!(
        text(&verify.stderr).contains("web-007 is down"),
        "{}",
        text(&verify.stderr)
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_agent_against_nothing_says_the_simulator_is_not_answering() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let addr = format!("127.0.0.1:{port}");
    let out = agent(&addr, &["precheck", "web-001"]).await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("simulator at {addr} is not answering"))
            && stderr.contains("ripcord demo"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_agent_takes_the_address_from_the_flag_and_refuses_unknown_steps() {
    let sim = start(2, None).await;
    let state_dir = tempfile::tempdir().unwrap();
    let flagged = common::ripcord()
        .args(["sim-agent", "backup", "web-002", "--sim"])
        .arg(sim.addr().to_string())
        .env_remove("RIPCORD_SIM")
        .env("RIPCORD_STATE_DIR", state_dir.path())
        .output()
        .unwrap();
    assert!(flagged.status.success(), "{}", text(&flagged.stderr));
    assert!(text(&flagged.stdout).contains("snapshot"));

    let unknown = agent(&sim.addr().to_string(), &["reboot", "web-002"]).await;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown.stderr).contains("verify_backup"));
    let no_host = agent(&sim.addr().to_string(), &["precheck", "web-042"]).await;
    assert_eq!(no_host.status.code(), Some(1));
    assert!(text(&no_host.stderr).contains("no host `web-042`"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_injected_and_cleared_at_run_time_over_http() {
    let sim = start(2, None).await;
    let client = reqwest::Client::new();
    let base = sim.base_url();

    let injected = client
        .post(format!("{base}/fault/slow-burn"))
        .send()
        .await
        .unwrap();
    assert_eq!(injected.status(), 200);
    assert_eq!(state(&sim).await.fault.as_deref(), Some("slow-burn"));

    let bogus = client
        .post(format!("{base}/fault/meteor"))
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), 400);
    assert!(bogus.text().await.unwrap().contains("one-bad-host"));

    let cleared = client.delete(format!("{base}/fault")).send().await.unwrap();
    assert_eq!(cleared.status(), 200);
    assert_eq!(state(&sim).await.fault, None);

    sim.inject(Fault::Latency);
    assert_eq!(state(&sim).await.fault.as_deref(), Some("latency"));
    let wrong_method = client
        .get(format!("{base}/control/upgrade/web-001"))
        .send()
        .await;
    assert_eq!(wrong_method.unwrap().status(), 405);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_server_serves_as_a_loopback_receiver_and_bounds_bodies() {
    let server = HttpServer::bind("127.0.0.1:0".parse().unwrap(), |request| async move {
        let reply = format!(
            "{} {} got {} bytes",
            request.method,
            request.path,
            request.body.len()
        );
        Response::text(202, reply)
    })
    .await
    .unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/hook?x=1", server.url());

    let small = client
        .post(&url)
        .body("{\"text\":\"hi\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(small.status(), 202);
    assert_eq!(small.text().await.unwrap(), "POST /hook got 13 bytes\n");

    // A client announcing a body over the limit is refused before it sends a byte of it.
    let mut raw = std::net::TcpStream::connect(server.addr()).unwrap();
    let head = format!(
        "POST /hook HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY + 1
    );
    raw.write_all(head.as_bytes()).unwrap();
    let mut answer = String::new();
    raw.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");

    let after = client.post(&url).body("ok").send().await.unwrap();
    assert_eq!(
        after.status(),
        202,
        "the server still serves after a refusal"
    );
    server.shutdown().await;
}
