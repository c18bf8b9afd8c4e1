//! Metric rules end to end: a real Prometheus scraping a test exporter, a hand-written server
//! for malformed answers, and scrape mode against the exporter directly.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ripcord::engine::RuleState;
use ripcord::metrics::preflight::wave_one_sets;
use ripcord::metrics::{
    FetchError, HostSets, MetricUpdate, PollerConfig, PromClient, RuleBook, RuleChange, preflight,
    spawn_poller,
};
use ripcord::runbook::{
    AlertGate, Auth, MetricSource, NoData, Severity, Span, Threshold, Unit, Watch,
};
use ripcord::sim::http::{HttpServer, Response};
use tokio::sync::{mpsc, watch};

use crate::prom::Prometheus;

/// A `/metrics` page whose text the test rewrites as time goes on.
struct Exporter {
    body: Arc<Mutex<String>>,
    server: HttpServer,
}

impl Exporter {
    async fn start(body: &str) -> Exporter {
        let shared = Arc::new(Mutex::new(body.to_string()));
        let page = Arc::clone(&shared);
        let server = HttpServer::bind(loopback(), move |_req| {
            let text = page.lock().unwrap().clone();
            async move { Response::new(200, "text/plain; version=0.0.4", text) }
        })
        .await
        .unwrap();
        Exporter {
            body: shared,
            server,
        }
    }
    fn set(&self, body: &str) {
        *self.body.lock().unwrap() = body.to_string();
    }
    fn target(&self) -> String {
        self.server.addr().to_string()
    }
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn rule(name: &str, query: &str, breach: &str, for_s: u64) -> Watch {
    Watch {
        name: name.into(),
        query: query.into(),
        unit: Unit::Ratio,
        warn: None,
        breach: Some(Threshold::parse(breach).unwrap()),
        for_: Span::from_secs(for_s),
        severity: Severity::Functional,
        no_data: NoData::Hold,
        per_host: false,
        baseline_window: Span::from_mins(5),
    }
}

fn prometheus_source(url: &str, timeout_s: u64) -> MetricSource {
    MetricSource::Prometheus {
        url: url.into(),
        interval: Span::from_secs(1),
        timeout: Span::from_secs(timeout_s),
        auth: Auth::default(),
        headers: BTreeMap::new(),
    }
}

/// A running poller and everything it has reported so far.
struct Watching {
    rx: mpsc::Receiver<MetricUpdate>,
    hosts: watch::Sender<HostSets>,
    _stop: watch::Sender<bool>,
    changes: Vec<RuleChange>,
    cursor: std::collections::HashMap<(String, Option<String>), usize>,
}

impl Watching {
    fn start(
        source: MetricSource,
        watches: Vec<Watch>,
        alerts: Vec<AlertGate>,
        sets: HostSets,
    ) -> Watching {
        let (hosts, hosts_rx) = watch::channel(sets);
        let (stop, stop_rx) = watch::channel(false);
        let (tx, rx) = mpsc::channel(16);
        let config = PollerConfig {
            source,
            watches,
            alerts,
            fleet: Vec::new(),
            baselines: BTreeMap::new(),
        };
        spawn_poller(config, hosts_rx, tx, stop_rx);
        Watching {
            rx,
            hosts,
            _stop: stop,
            changes: Vec::new(),
            cursor: Default::default(),
        }
    }

    /// Waits until `rule` (and `host`) goes `to` after the change last waited for on it, or
    /// panics after `within`.
    async fn until(
        &mut self,
        rule: &str,
        host: Option<&str>,
        to: RuleState,
        within: Duration,
    ) -> RuleChange {
        let deadline = Instant::now() + within;
        let key = (rule.to_string(), host.map(str::to_string));
        loop {
            let from = self.cursor.get(&key).copied().unwrap_or(0);
            let hit = self.changes[from..]
                .iter()
                .position(|c| c.rule == rule && c.host.as_deref() == host && c.to == to);
            if let Some(i) = hit {
                self.cursor.insert(key, from + i + 1);
                return self.changes[from + i].clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(update)) => self.changes.extend(update.changes),
                _ => panic!(
                    "{rule} {host:?} did not become {to:?} within {within:?}; changes: {:#?}",
                    self.changes
                ),
            }
        }
    }

    /// Collects changes for `d`.
    async fn for_a_while(&mut self, d: Duration) {
        let deadline = Instant::now() + d;
        while let Ok(Some(update)) = tokio::time::timeout(
            deadline.saturating_duration_since(Instant::now()),
            self.rx.recv(),
        )
        .await
        {
            self.changes.extend(update.changes);
        }
    }

    fn reached(&self, rule: &str, to: RuleState) -> bool {
        self.changes.iter().any(|c| c.rule == rule && c.to == to)
    }
}

const SECS: fn(u64) -> Duration = Duration::from_secs;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_breach_past_for_fires_with_evidence_and_a_short_spike_never_does() {
    let exporter = Exporter::start("sustained 0.1\nspike 0.1\n").await;
    let prom = Prometheus::start(&exporter.target()).await;
    let watches = vec![
        rule("sustained", "max(sustained)", "> 0.5", 4),
        rule("spike", "max(spike)", "> 0.5", 4),
    ];
    let mut w = Watching::start(
        prometheus_source(&prom.url(), 2),
        watches,
        Vec::new(),
        HostSets::default(),
    );
    w.until("sustained", None, RuleState::Ok, SECS(20)).await;
    w.until("spike", None, RuleState::Ok, SECS(10)).await;

    exporter.set("sustained 0.9\nspike 0.9\n");
    tokio::time::sleep(SECS(1)).await;
    exporter.set("sustained 0.9\nspike 0.1\n");
    let breach = w
        .until("sustained", None, RuleState::Breach, SECS(15))
        .await;
    exporter.set("sustained 0.1\nspike 0.1\n");
    w.until("sustained", None, RuleState::Ok, SECS(10)).await;
    w.for_a_while(SECS(2)).await;

    assert!(
        !w.reached("spike", RuleState::Breach),
        "a 1 s spike under a 4 s `for` breached: {:#?}",
        w.changes
    );
    let e = &breach.evidence;
    assert_eq!(
        (breach.from, e.query.as_str()),
        (RuleState::Ok, "max(sustained)")
    );
    assert_eq!(e.values.len(), 1);
    assert_eq!(e.values[0].value, 0.9);
    assert_eq!(e.threshold, Threshold::parse("> 0.5").ok());
    assert!(e.for_ms >= 4_000, "held {} ms", e.for_ms);
    assert_eq!(e.severity, Severity::Functional);
    assert!(e.recent.iter().any(|&(_, v)| v == 0.9), "{:?}", e.recent);
    assert!(e.error.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vanished_series_per_host_breaches_alert_gates_and_preflight_against_prometheus() {
    let page = |bad: f64, gate: u8| {
        format!(
            "lat{{host=\"web.1\"}} 0.1\nlat{{host=\"web-2\"}} {bad}\nlat{{host=\"webx1\"}} 9\ntest_gate_on {gate}\ngone 1\n"
        )
    };
    let exporter = Exporter::start(&page(0.1, 0)).await;
    let prom = Prometheus::start(&exporter.target()).await;
    let upgraded: Vec<String> = vec!["web.1".into(), "web-2".into()];
    let sets = wave_one_sets(&upgraded, &["web.1".into(), "web-2".into(), "webx1".into()]);

    // Preflight: every problem at once, each naming its rule and the query as sent.
    let mut per_host = rule("latency", r#"lat{host=~"{host}"}"#, "> 1", 0);
    per_host.per_host = true;
    let checks = vec![
        per_host.clone(),
        rule("typo", r#"lat_typo{host=~"{upgraded}"}"#, "> 1", 0),
        rule("syntax", "sum(lat", "> 1", 0),
    ];
    let deadline = Instant::now() + SECS(15);
    let problems = loop {
        let p = preflight(&prometheus_source(&prom.url(), 2), &checks, &[], &sets).await;
        if p.len() == 2 || Instant::now() > deadline {
            break p;
        }
        tokio::time::sleep(Duration::from_millis(500)).await; // until the first scrape landed
    };
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert_eq!(problems[0].rule, "typo");
    assert_eq!(problems[0].query, r#"lat_typo{host=~"(?:web[.]1|web-2)"}"#);
    assert!(problems[0].problem.contains("no series"), "{}", problems[0]);
    assert!(problems[1].problem.contains("bad_data"), "{}", problems[1]);
    // The expansions as real Prometheus reads them: `.` only matches a dot, `.^` nothing.
    let client = PromClient::new(
        &prom.url(),
        Span::from_secs(2),
        &Auth::default(),
        &BTreeMap::new(),
    )
    .unwrap();
    let count = |q: &str| {
        let c = client.clone();
        let q = q.to_string();
        async move { c.query(&q, None).await.unwrap().series.len() }
    };
    assert_eq!(count(r#"lat{host=~"(?:web[.]1)"}"#).await, 1);
    assert_eq!(count(r#"lat{host=~".^"}"#).await, 0);

    // The same preflight through `ripcord check --online`, good queries pass and a typo fails.
    let good = r#"[[watch]]
name = "latency"
query = 'lat{host=~"{upgraded}"}'
breach = "> 1"
"#;
    let out = check_online(&prom.url(), good).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let typo = format!(
        "{good}\n[[watch]]\nname = \"typo\"\nquery = 'lat_typo{{host=~\"{{wave}}\"}}'\nbreach = \"> 1\"\n"
    );
    let out = check_online(&prom.url(), &typo).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("preflight: typo: the query returned no series"),
        "{text}"
    );
    assert!(
        text.contains(r#"query: lat_typo{host=~"(?:web[.]1)"}"#),
        "{text}"
    );

    let gate = AlertGate {
        name: "test gate".into(),
        matchers: [("alertname".to_string(), "TestGate".to_string())].into(),
        severity: Severity::Severe,
    };
    let watches = vec![per_host, rule("gone", "gone", "> 5", 0)];
    let mut w = Watching::start(prometheus_source(&prom.url(), 2), watches, vec![gate], sets);
    w.until("latency", Some("web-2"), RuleState::Ok, SECS(15))
        .await;
    w.until("gone", None, RuleState::Ok, SECS(5)).await;
    w.until("test gate", None, RuleState::Ok, SECS(5)).await;

    exporter.set(&page(3.0, 1).replace("gone 1\n", ""));
    let bad = w
        .until("latency", Some("web-2"), RuleState::Breach, SECS(10))
        .await;
    assert_eq!(
        bad.evidence.values[0].series,
        r#"lat{host="web-2",instance="TARGET",job="exporter"}"#
            .replace("TARGET", &exporter.target())
    );
    assert!(
        bad.evidence.query.contains("(?:web[.]1|web-2)"),
        "{}",
        bad.evidence.query
    );
    let no_data = w.until("gone", None, RuleState::NoData, SECS(10)).await;
    assert!(
        no_data
            .evidence
            .error
            .as_deref()
            .unwrap_or("")
            .contains("no series")
    );
    let fired = w
        .until("test gate", None, RuleState::Breach, SECS(15))
        .await;
    assert_eq!(fired.evidence.severity, Severity::Severe);
    assert!(fired.evidence.values[0].series.contains("TestGate"));
    assert!(
        !w.changes
            .iter()
            .any(|c| c.host.as_deref() == Some("web.1") && c.to == RuleState::Breach)
    );

    exporter.set(&page(0.1, 0));
    w.until("gone", None, RuleState::Ok, SECS(10)).await;
    w.until("latency", Some("web-2"), RuleState::Ok, SECS(10))
        .await;
    // Rolling web-2 back takes it out of the judged set.
    w.hosts.send_replace(HostSets {
        upgraded: vec!["web.1".into()],
        ..HostSets::default()
    });
    w.for_a_while(SECS(2)).await;
}

/// Runs `ripcord check --online` on a small runbook whose metrics come from `url`.
async fn check_online(url: &str, watches: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let runbook = format!(
        r#"[plan]
name = "preflight test"
risk = "low"
environment = "test"
host_kind = "linux"
upgrade_kind = "patch"
downtime_budget = "5m"
rollback_start_within = "3m"
restore_within = "15m"
status_update_every = "15m"
reviewed = 2026-11-20

[fleet]
hosts = ["web.1", "web-2", "webx1"]

[[wave]]
size = 1

[[wave]]
size = "rest"

[steps.upgrade]
run = ["true", "{{host}}"]
timeout = "1m"

[steps.rollback]
run = ["true", "{{host}}"]
timeout = "1m"

[prometheus]
url = "{url}"
interval = "1s"
timeout = "2s"

{watches}"#
    );
    let path = dir.path().join("online.toml");
    std::fs::write(&path, runbook).unwrap();
    let mut cmd = crate::common::ripcord();
    cmd.args(["check", "--online"])
        .arg(&path)
        .env("RIPCORD_STATE_DIR", dir.path());
    tokio::process::Command::from(cmd).output().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_killed_mid_run_is_source_down_and_recovers_after_restart() {
    let exporter = Exporter::start("up_ratio 0.2\n").await;
    let mut prom = Prometheus::start(&exporter.target()).await;
    let watches = vec![rule("ratio", "max(up_ratio)", "> 0.5", 0)];
    let mut w = Watching::start(
        prometheus_source(&prom.url(), 1),
        watches,
        Vec::new(),
        HostSets::default(),
    );
    w.until("ratio", None, RuleState::Ok, SECS(20)).await;

    prom.kill();
    let down = w
        .until("ratio", None, RuleState::SourceDown, SECS(10))
        .await;
    let why = down.evidence.error.clone().unwrap_or_default();
    assert!(
        why.contains(&prom.url()),
        "the error names the server: {why}"
    );
    assert!(
        !w.reached("ratio", RuleState::Breach),
        "an outage is never a breach"
    );

    prom.restart().await;
    let back = w.until("ratio", None, RuleState::Ok, SECS(20)).await;
    assert_eq!(back.from, RuleState::SourceDown);
}

/// A server answering like a broken Prometheus, one way per path prefix.
async fn broken_server() -> HttpServer {
    HttpServer::bind(loopback(), |req| async move {
        let vector = |v: &str| {
            format!(r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{"i":"a"}},"value":[1,"{v}"]}}]}}}}"#)
        };
        match req.segments().first().copied().unwrap_or("") {
            "html" => Response::new(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
            "garbage" => Response::new(200, "application/json", "{\"status\":\"succ"),
            "bad" => Response::new(400, "application/json", r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"}"#),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(10)).await;
                Response::new(200, "application/json", vector("1"))
            }
            "nan" => Response::new(200, "application/json", vector("NaN")),
            "inf" => Response::new(200, "application/json", vector("+Inf")),
            "auth" => match req.header("authorization") {
                Some("Bearer s3cret") => Response::new(200, "application/json", vector("0")),
                _ => Response::new(401, "text/plain", "unauthorized"),
            },
            _ => Response::text(404, "no such path"),
        }
    })
    .await
    .unwrap()
}

async fn ask(
    base: &str,
    timeout: Span,
    auth: &Auth,
) -> Result<ripcord::metrics::Answer, FetchError> {
    let client = PromClient::new(base, timeout, auth, &BTreeMap::new()).unwrap();
    client.query("up", None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_answers_become_states_never_values() {
    let server = broken_server().await;
    let base = |p: &str| format!("{}/{p}", server.url());
    let none = Auth::default();
    let one_s = Span::from_secs(1);

    match ask(&base("html"), one_s, &none).await {
        Err(FetchError::SourceDown(t)) => assert!(t.contains("502") && t.contains("<html>"), "{t}"),
        other => panic!("{other:?}"),
    }
    match ask(&base("garbage"), one_s, &none).await {
        Err(FetchError::Query(t)) => assert!(
            t.contains("not Prometheus API JSON") && t.contains("succ"),
            "{t}"
        ),
        other => panic!("{other:?}"),
    }
    match ask(&base("bad"), one_s, &none).await {
        Err(FetchError::Query(t)) => {
            assert!(t.contains("bad_data") && t.contains("unclosed"), "{t}")
        }
        other => panic!("{other:?}"),
    }
    match ask(&base("slow"), one_s, &none).await {
        Err(FetchError::SourceDown(t)) => assert!(t.contains("within 1s"), "{t}"),
        other => panic!("{other:?}"),
    }
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    match ask(&format!("http://{refused}"), one_s, &none).await {
        Err(FetchError::SourceDown(t)) => assert!(t.contains("cannot connect"), "{t}"),
        other => panic!("{other:?}"),
    }

    let token = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token.path(), "s3cret\n").unwrap();
    let bearer = Auth {
        bearer_token_file: Some(token.path().display().to_string()),
        ..Auth::default()
    };
    assert_eq!(
        ask(&base("auth"), one_s, &bearer).await.unwrap().series[0].value,
        0.0
    );
    assert!(
        matches!(ask(&base("auth"), one_s, &none).await, Err(FetchError::Query(t)) if t.contains("401"))
    );

    // NaN says nothing (no data); +Inf is a number past any threshold.
    let mut book = RuleBook::new(&[rule("r", "up", "> 0.05", 0)], &[], Span::from_secs(30));
    let nan = ask(&base("nan"), one_s, &none).await;
    assert!(nan.as_ref().unwrap().series[0].value.is_nan());
    let now = 1_000; // the answers are stamped at unix second 1
    assert!(
        book.observe(0, "up", &nan, &[], now).is_empty(),
        "NaN keeps the rule in no data"
    );
    let inf = ask(&base("inf"), one_s, &none).await;
    assert_eq!(
        book.observe(0, "up", &inf, &[], now)[0].to,
        RuleState::Breach
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrape_mode_rates_baselines_and_a_silent_target() {
    let counters = |ok: u64, err: u64| {
        format!(
            "# TYPE req_total counter\nreq_total{{code=\"200\"}} {ok}\nreq_total{{code=\"500\"}} {err}\n"
        )
    };
    let exporter = Exporter::start(&counters(0, 0)).await;
    let second = Exporter::start("temp 1\n").await;
    let source = MetricSource::Scrape {
        targets: vec![
            format!("http://{}/metrics", exporter.target()),
            format!("http://{}/metrics", second.target()),
        ],
        interval: Span::from_secs(1),
        timeout: Span::from_secs(1),
    };
    let ratio = r#"sum(rate(req_total{code=~"5.."}[1m])) / sum(rate(req_total[1m]))"#;
    let mut five_xx = rule("5xx", ratio, "> 0.05", 0);
    five_xx.no_data = NoData::Hold;
    let mut vs_base = rule("5xx vs baseline", ratio, "> 3x baseline", 0);
    vs_base.baseline_window = Span::from_secs(3);
    let problems = preflight(
        &source,
        &[
            five_xx.clone(),
            rule("bad", "histogram_quantile(0.9, x)", "> 1", 0),
        ],
        &[],
        &HostSets::default(),
    )
    .await;
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].problem.contains("histogram_quantile"),
        "{}",
        problems[0]
    );

    // A background task makes traffic: 100 requests a second, 2 % errors, then 50 %.
    let body = Arc::clone(&exporter.body);
    let errors_pct = Arc::new(Mutex::new(2u64));
    let pct = Arc::clone(&errors_pct);
    let traffic = tokio::spawn(async move {
        let (mut ok, mut err) = (0u64, 0u64);
        loop {
            let p = *pct.lock().unwrap();
            ok += 100 - p;
            err += p;
            *body.lock().unwrap() = counters(ok, err);
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
    let watches = vec![five_xx, vs_base, rule("temp", "max(temp)", "> 5", 0)];
    let mut w = Watching::start(source, watches, Vec::new(), HostSets::default());
    w.until("temp", None, RuleState::Ok, SECS(10)).await;
    w.until("5xx", None, RuleState::Ok, SECS(10)).await;
    w.until("5xx vs baseline", None, RuleState::Ok, SECS(10))
        .await;
    *errors_pct.lock().unwrap() = 50;
    let b = w
        .until("5xx vs baseline", None, RuleState::Breach, SECS(10))
        .await;
    let base = b.evidence.baseline.expect("a baseline recorded");
    assert!((0.01..0.04).contains(&base), "baseline {base}");
    w.until("5xx", None, RuleState::Breach, SECS(10)).await;

    // One target stops answering while the other still does: its last value goes stale.
    second.server.shutdown().await;
    let stale = w.until("temp", None, RuleState::Stale, SECS(10)).await;
    assert!(
        stale
            .evidence
            .error
            .as_deref()
            .unwrap_or("")
            .contains("no sample newer"),
        "{stale:?}"
    );
    traffic.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_gets_merged_updates_and_loses_no_change() {
    let exporter = Exporter::start("v 1\n").await;
    let source = MetricSource::Scrape {
        targets: vec![format!("http://{}/metrics", exporter.target())],
        interval: Span::from_millis(200),
        timeout: Span::from_secs(1),
    };
    let (_hosts, hosts_rx) = watch::channel(HostSets::default());
    let (stop, stop_rx) = watch::channel(false);
    let (tx, mut rx) = mpsc::channel(1);
    let config = PollerConfig {
        source,
        watches: vec![rule("v", "v", "> 5", 0)],
        alerts: Vec::new(),
        fleet: Vec::new(),
        baselines: BTreeMap::new(),
    };
    let task = spawn_poller(config, hosts_rx, tx, stop_rx);
    tokio::time::sleep(Duration::from_millis(600)).await;
    exporter.set("v 9\n");
    tokio::time::sleep(Duration::from_millis(1_500)).await; // nobody reads: the channel is full
    let (mut changes, mut merged) = (Vec::new(), 0);
    while !changes
        .iter()
        .any(|c: &RuleChange| c.to == RuleState::Breach)
    {
        let u = tokio::time::timeout(SECS(3), rx.recv())
            .await
            .expect("an update")
            .expect("poller alive");
        merged += u.merged_polls;
        changes.extend(u.changes);
    }
    assert!(merged > 0, "the full channel made the poller merge polls");
    let states: Vec<RuleState> = changes.iter().map(|c| c.to).collect();
    assert_eq!(
        states,
        vec![RuleState::Ok, RuleState::Breach],
        "no change lost, none doubled"
    );
    stop.send_replace(true);
    tokio::time::timeout(SECS(5), task)
        .await
        .expect("the poller stops on shutdown")
        .unwrap();
}
