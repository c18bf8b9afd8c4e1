//! A real Prometheus server for tests: Debian's `prometheus` binary on a free loopback port,
//! scraping a test exporter every second, killed when dropped.
#![allow(dead_code)] // helpers used by some scenarios only

use std::fs;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running (or deliberately stopped) Prometheus.
pub struct Prometheus {
    child: Option<Child>,
    dir: tempfile::TempDir,
    port: u16,
}

/// Alerting rules loaded by every test server: `TestGate` fires while `test_gate_on` is 1.
const RULES: &str = r#"groups:
  - name: ripcord-tests
    interval: 1s
    rules:
      - alert: TestGate
        expr: test_gate_on == 1
        for: 0s
        labels:
          severity: page
"#;

fn binary() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("prometheus"))
            .find(|p| p.is_file())
    });
    match found {
        Some(p) => p,
        None => panic!(
            "the `prometheus` binary is not installed: run .ci/run (it installs Debian's \
             `prometheus` package), or `apt-get install -y prometheus`"
        ),
    }
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    l.local_addr().expect("bound address").port()
}

impl Prometheus {
    /// Starts Prometheus scraping `target` (`host:port`, path `/metrics`) every second and
    /// waits until it is ready.
    pub async fn start(target: &str) -> Prometheus {
        let dir = tempfile::tempdir().expect("a temp dir");
        let config = format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\n\
             rule_files: [rules.yml]\n\
             scrape_configs:\n  - job_name: exporter\n    static_configs:\n      - targets: ['{target}']\n"
        );
        fs::write(dir.path().join("prometheus.yml"), config).expect("write prometheus.yml");
        fs::write(dir.path().join("rules.yml"), RULES).expect("write rules.yml");
        let mut p = Prometheus {
            child: None,
            dir,
            port: free_port(),
        };
        p.launch().await;
        p
    }

    async fn launch(&mut self) {
        let d = self.dir.path();
        let log = fs::File::create(d.join("prometheus.log")).expect("log file");
        let child = Command::new(binary())
            .arg(format!(
                "--config.file={}",
                d.join("prometheus.yml").display()
            ))
            .arg(format!("--storage.tsdb.path={}", d.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{}", self.port))
            .arg("--web.enable-lifecycle")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        self.child = Some(child);
        self.wait_ready().await;
    }

    async fn wait_ready(&mut self) {
        let url = format!("{}/-/ready", self.url());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(r) = reqwest::get(&url).await
                && r.status().is_success()
            {
                return;
            }
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "prometheus exited ({status}) before it was ready:\n{}",
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("prometheus was not ready within 30 s:\n{}", self.log());
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Prometheus's own log, for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// Kills the server (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port with the same data.
    pub async fn restart(&mut self) {
        self.kill();
        self.launch().await;
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.kill();
    }
}
