//! `ripcord sim-agent ACTION HOST`: one host step against the simulated fleet, behaving like
//! a real step script (prints what it did, exit 0 on success, 1 with a reason on failure).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

use super::SimAgentArgs;
use crate::sim::{FleetState, Operation};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const IO_TIMEOUT: Duration = Duration::from_secs(10);
const POLL_EVERY: Duration = Duration::from_millis(200);
/// Used when the simulator does not say how long a reboot may take.
const DEFAULT_BOOT_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs one host step; the exit code is the step's result.
pub fn run(args: &SimAgentArgs) -> anyhow::Result<ExitCode> {
    let op: Operation = match args.action.parse() {
        Ok(op) => op,
        Err(err) => return Ok(fail(&err.to_string())),
    };
    if !valid_host(&args.host) {
        return Ok(fail(&format!(
            "`{}` is not a host name: use letters, digits, '.', '-' and '_' (e.g. web-001)",
            args.host
        )));
    }
    let sim = Sim::locate(&args.sim)?;
    let (status, body) = match sim.request("POST", &format!("/control/{op}/{}", args.host)) {
        Ok(answer) => answer,
        Err(err) => return Ok(fail(&err.to_string())),
    };
    if status != 200 {
        return Ok(fail(body.trim()));
    }
    println!("{}", body.trim());
    if matches!(op, Operation::Upgrade | Operation::Rollback) && !body.contains("nothing to do") {
        // Like a real upgrade script, return only once the host is back from its reboot.
        match sim.wait_until_up(&args.host) {
            Ok(message) => println!("{message}"),
            Err(err) => return Ok(fail(&format!("{err:#}"))),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn fail(reason: &str) -> ExitCode {
    eprintln!("ripcord sim-agent: {reason}");
    ExitCode::from(super::exit::ERROR)
}

fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// The simulator's control endpoint.
struct Sim {
    shown: String,
    addr: SocketAddr,
}

impl Sim {
    /// Accepts `127.0.0.1:PORT` or `http://127.0.0.1:PORT/`.
    fn locate(given: &str) -> anyhow::Result<Sim> {
        let shown = given
            .trim()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let addr = shown
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .ok_or_else(|| {
                anyhow!(
                    "`{given}` is not a simulator address: pass --sim 127.0.0.1:PORT or set RIPCORD_SIM"
                )
            })?;
        Ok(Sim { shown, addr })
    }

    /// One HTTP/1.1 request without a body; returns the status and the body text.
    fn request(&self, method: &str, path: &str) -> anyhow::Result<(u16, String)> {
        let not_answering = || {
            format!(
                "simulator at {} is not answering: is `ripcord demo` running?",
                self.shown
            )
        };
        let mut stream =
            TcpStream::connect_timeout(&self.addr, CONNECT_TIMEOUT).with_context(not_answering)?;
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.shown
        );
        stream
            .write_all(head.as_bytes())
            .with_context(not_answering)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).with_context(not_answering)?;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or_else(|| {
                anyhow!(
                    "{} answered something that is not HTTP: is it the ripcord simulator?",
                    self.shown
                )
            })?;
        Ok((status, body.to_string()))
    }

    fn state(&self) -> anyhow::Result<FleetState> {
        let (status, body) = self.request("GET", "/state")?;
        if status != 200 {
            bail!(
                "simulator at {} answered {status} to GET /state",
                self.shown
            );
        }
        serde_json::from_str(&body).with_context(|| {
            format!(
                "simulator at {} sent a /state this ripcord does not understand",
                self.shown
            )
        })
    }

    /// Polls `/state` until `host` answers again, within the simulator's boot timeout.
    fn wait_until_up(&self, host: &str) -> anyhow::Result<String> {
        let started = Instant::now();
        let mut limit = DEFAULT_BOOT_TIMEOUT;
        loop {
            let state = self.state()?;
            if let Ok(secs) = Duration::try_from_secs_f64(state.boot_timeout_secs) {
                limit = secs;
            }
            let found = state.hosts.iter().find(|h| h.name == host);
            let Some(found) = found else {
                bail!("{host} disappeared from the simulated fleet while rebooting");
            };
            if found.up {
                return Ok(format!(
                    "{host}: back up on {} after {:.1}s",
                    found.version,
                    started.elapsed().as_secs_f64()
                ));
            }
            if started.elapsed() >= limit {
                bail!(
                    "{host} did not come back within {:.0}s of its reboot: check its console, or roll it back",
                    limit.as_secs_f64()
                );
            }
            thread::sleep(POLL_EVERY);
        }
    }
}
