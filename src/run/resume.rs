//! Picking a run up again after a stop or a crash, and stopping cleanly on a signal.

use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::engine::{EventKind, HostState, RunState, State};

/// Start of the pause reason journaled when ripcord itself stops (SIGINT / SIGTERM).
pub const STOPPED: &str = "ripcord stopped";

/// How long a stopping ripcord waits for running steps to end and be journaled.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// Events that open a resumed run: in-flight hosts marked interrupted (they are verified
/// before anything else happens to them), and a pause left by a stop lifted.
pub fn resume_events(state: &State) -> Vec<EventKind> {
    let mut events = Vec::new();
    let mut interrupted = Vec::new();
    for h in &state.hosts {
        if let HostState::Running { step, .. } = h.state {
            interrupted.push(h.name.clone());
            events.push(EventKind::HostInterrupted {
                host: h.name.clone(),
                step,
            });
        }
    }
    events.insert(0, EventKind::RunResumed { interrupted });
    if let RunState::Paused { reason, .. } = &state.run
        && reason.starts_with(STOPPED)
        && state.halted.is_none()
    {
        events.push(EventKind::Resumed {});
    }
    events
}

/// SIGINT, SIGTERM and SIGHUP as one stream of signal names.
pub struct Signals {
    int: Option<tokio::signal::unix::Signal>,
    term: Option<tokio::signal::unix::Signal>,
    hup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Installs the handlers (a handler that cannot be installed is skipped).
    pub fn new() -> Self {
        Self {
            int: signal(SignalKind::interrupt()).ok(),
            term: signal(SignalKind::terminate()).ok(),
            hup: signal(SignalKind::hangup()).ok(),
        }
    }

    /// The next signal's name.
    pub async fn recv(&mut self) -> &'static str {
        async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        tokio::select! {
            _ = next(&mut self.int) => "SIGINT",
            _ = next(&mut self.term) => "SIGTERM",
            _ = next(&mut self.hup) => "SIGHUP",
        }
    }
}

impl Default for Signals {
    fn default() -> Self {
        Self::new()
    }
}
