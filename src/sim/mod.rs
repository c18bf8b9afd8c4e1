//! A simulated fleet with a loopback /metrics exporter and fault injection.
//!
//! The fleet ([`Fleet`]) is a pure model moved by a clock the caller passes in; [`start`] puts
//! it behind an HTTP server on 127.0.0.1 for `ripcord demo`, drills and tests. Hosts are
//! upgraded and rolled back through `POST /control/{step}/{host}` (what `ripcord sim-agent`
//! calls from the demo runbook's steps) and scraped by Prometheus from `/metrics`.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use chrono::Utc;

pub mod control;
pub mod exposition;
pub mod fault;
pub mod http;
pub mod model;
mod server;
pub mod state;
pub mod traffic;

pub use control::{Answer, Operation, UnknownHost, UnknownOperation};
pub use fault::{Fault, UnknownFault};
pub use model::{Fleet, Host, Power, SimConfig, host_name};
pub use state::{FleetState, HostState};

use http::HttpServer;
use server::SharedFleet;

/// The simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The loopback port could not be bound.
    #[error(
        "could not listen on 127.0.0.1:{port} for the simulated fleet: {source} (pick another port, or 0 for any free one)"
    )]
    Bind {
        /// The port asked for.
        port: u16,
        /// Why.
        source: io::Error,
    },
    /// A fleet needs at least one host.
    #[error("the simulated fleet needs at least one host")]
    NoHosts,
}

/// A running simulator.
#[derive(Debug)]
pub struct SimHandle {
    fleet: SharedFleet,
    server: HttpServer,
}

/// Starts the simulated fleet and its HTTP server on 127.0.0.1.
pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
    if config.hosts == 0 {
        return Err(SimError::NoHosts);
    }
    let port = config.port;
    let fleet: SharedFleet = Arc::new(Mutex::new(Fleet::new(config, Utc::now())));
    let shared = Arc::clone(&fleet);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let server = HttpServer::bind(addr, move |request| {
        let fleet = Arc::clone(&shared);
        async move { server::route(&fleet, &request) }
    })
    .await
    .map_err(|source| SimError::Bind { port, source })?;
    Ok(SimHandle { fleet, server })
}

impl SimHandle {
    /// The bound address (`127.0.0.1:PORT`): what `ripcord sim-agent --sim` takes.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:PORT/metrics`.
    pub fn metrics_url(&self) -> String {
        format!("{}/metrics", self.server.url())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.server.url()
    }

    /// Starts a fault scenario now (replacing any active one).
    pub fn inject(&self, fault: Fault) {
        server::lock(&self.fleet).inject(Some(fault), Utc::now());
    }

    /// A handle that starts fault scenarios on this fleet from another task (the run loop's
    /// effect of `fault_injected`).
    pub fn fault_switch(&self) -> FaultSwitch {
        FaultSwitch {
            fleet: Arc::clone(&self.fleet),
        }
    }

    /// Clears the active fault scenario.
    pub fn clear_fault(&self) {
        server::lock(&self.fleet).inject(None, Utc::now());
    }

    /// The hosts as they are now.
    pub fn state(&self) -> FleetState {
        let now = Utc::now();
        let mut fleet = server::lock(&self.fleet);
        fleet.advance(now);
        fleet.snapshot(now)
    }

    /// Runs a host step directly, without HTTP.
    pub fn control(&self, op: Operation, host: &str) -> Result<Answer, UnknownHost> {
        server::lock(&self.fleet).control(op, host, Utc::now())
    }

    /// Stops the server and waits until it is gone.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// Starts fault scenarios on a running simulator; cheap to clone.
#[derive(Debug, Clone)]
pub struct FaultSwitch {
    fleet: SharedFleet,
}

impl FaultSwitch {
    /// Starts the scenario named `name` now (replacing any active one).
    pub fn inject_named(&self, name: &str) -> Result<Fault, UnknownFault> {
        let fault: Fault = name.parse()?;
        server::lock(&self.fleet).inject(Some(fault), Utc::now());
        Ok(fault)
    }
}

/// A `prometheus.yml` that scrapes the simulator at `addr` every 5 s.
///
/// `honor_labels` keeps the per-host `instance` labels the simulator exports (one target
/// stands for the whole fleet) instead of renaming them `exported_instance`.
pub fn prometheus_scrape_config(addr: SocketAddr) -> String {
    format!(
        "# Prometheus configuration for the ripcord simulated fleet (ripcord demo).
# Run: prometheus --config.file=THIS_FILE
global:
  scrape_interval: 5s
  evaluation_interval: 5s
scrape_configs:
  - job_name: ripcord-sim
    honor_labels: true
    metrics_path: /metrics
    static_configs:
      - targets: ['{addr}']
"
    )
}

#[cfg(test)]
mod tests;
