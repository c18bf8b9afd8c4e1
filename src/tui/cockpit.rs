//! The cockpit as a run-loop observer: keys and engine events in, intents out, and a redraw
//! only when something changed, at most 30 frames a second.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::app::{FlashKind, UiState};
use super::input::Input;
use super::keymap::Key;
use super::panels::Panels;
use super::terminal::TerminalGuard;
use crate::engine::{EventKind, Intent, State};
use crate::journal::{Actor, Record};
use crate::run::Observer;

/// The shortest time between two frames (30 per second).
pub const FRAME: Duration = Duration::from_millis(33);

/// Wakes the run loop when the next frame may be drawn; at most one wake-up is pending.
pub struct Pacer {
    last: Option<Instant>,
    wake: mpsc::Sender<()>,
    scheduled: Arc<AtomicBool>,
}

impl Pacer {
    /// A pacer that wakes the loop through `wake`.
    pub fn new(wake: mpsc::Sender<()>) -> Self {
        Self {
            last: None,
            wake,
            scheduled: Arc::new(AtomicBool::new(false)),
        }
    }

    /// True when a frame may be drawn at `now`.
    pub fn due(&self, now: Instant) -> bool {
        self.last.is_none_or(|l| now.duration_since(l) >= FRAME)
    }

    /// Asks for a wake-up when the next frame is due.
    pub fn schedule(&self, now: Instant) {
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let delay = self.last.map_or(Duration::ZERO, |l| {
            FRAME.saturating_sub(now.duration_since(l))
        });
        let (wake, flag) = (self.wake.clone(), self.scheduled.clone());
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    tokio::time::sleep(delay).await;
                    flag.store(false, Ordering::Release);
                    let _ = wake.try_send(());
                });
            }
            // Outside the runtime the 200 ms tick draws instead.
            Err(_) => self.scheduled.store(false, Ordering::Release),
        }
    }

    /// Notes that a frame was drawn at `now`.
    pub fn drawn(&mut self, now: Instant) {
        self.last = Some(now);
    }
}

/// The cockpit while the run loop drives: it owns the screen's state and the terminal.
pub struct Cockpit {
    /// The screen's state.
    pub ui: UiState,
    /// Panels' series.
    pub panels: Panels,
    /// The terminal (None until the screen is taken).
    pub screen: Option<TerminalGuard>,
    keys: mpsc::Receiver<Input>,
    pacer: Pacer,
    actor: Actor,
    dirty: bool,
    drawn_second: i64,
    /// The state as the run ended, kept to show it until the operator leaves.
    pub last_state: Option<State>,
    /// The terminal failed; the cockpit can only leave.
    pub broken: bool,
}

impl Cockpit {
    /// A cockpit for `actor`, reading keys from `keys`, waking the loop through `wake`.
    pub fn new(
        ui: UiState,
        panels: Panels,
        actor: Actor,
        keys: mpsc::Receiver<Input>,
        wake: mpsc::Sender<()>,
    ) -> Self {
        Self {
            ui,
            panels,
            screen: None,
            keys,
            pacer: Pacer::new(wake),
            actor,
            dirty: true,
            drawn_second: 0,
            last_state: None,
            broken: false,
        }
    }

    /// Draws now if a frame is due and something changed; otherwise asks to be woken.
    pub fn frame(&mut self, state: &State) {
        self.ui.now = crate::run::now();
        let second = self.ui.now.unix_millis() / 1000;
        if second != self.drawn_second {
            // Countdowns on screen move once a second.
            self.dirty = true;
        }
        if !self.dirty || self.screen.is_none() {
            return;
        }
        let now = Instant::now();
        if !self.pacer.due(now) {
            self.pacer.schedule(now);
            return;
        }
        let (ui, panels) = (&self.ui, &self.panels);
        if let Some(screen) = self.screen.as_mut()
            && let Err(e) = screen
                .terminal
                .draw(|f| super::view::draw(f, state, ui, panels))
        {
            tracing::error!("cannot draw the cockpit: {e}");
            self.broken = true;
        }
        self.pacer.drawn(now);
        self.dirty = false;
        self.drawn_second = second;
    }

    /// Handles waiting keys; returns the intents they make.
    pub fn take_keys(&mut self, state: &State) -> Vec<Intent> {
        let mut intents = Vec::new();
        while let Ok(input) = self.keys.try_recv() {
            self.ui.now = crate::run::now();
            match input {
                Input::Key(k) => intents.extend(super::keys::handle_key(
                    &mut self.ui,
                    state,
                    Key::from_event(k),
                )),
                Input::Resize(w, h) => self.ui.size = (w, h),
            }
            self.dirty = true;
        }
        intents
    }

    /// Waits for the next key or resize (after the run loop has ended).
    pub async fn next_input(&mut self) -> Option<Input> {
        self.keys.recv().await
    }

    /// Marks the screen as needing a redraw.
    pub fn touch(&mut self) {
        self.dirty = true;
    }
}

impl Observer for Cockpit {
    fn event(&mut self, record: &Record<EventKind>, state: &State) {
        if record.actor == self.actor
            && let EventKind::IntentRefused { intent, reason } = &record.event
        {
            self.ui.now = crate::run::now();
            self.ui
                .flash(FlashKind::Refused, format!("{intent}: {reason}"));
        }
        if state.run.is_over() {
            self.last_state = Some(state.clone());
        }
        self.dirty = true;
        self.pacer.schedule(Instant::now());
    }

    fn metrics(&mut self, update: &crate::metrics::MetricUpdate) {
        self.panels.record(update);
        self.dirty = true;
        self.pacer.schedule(Instant::now());
    }

    fn tick(&mut self, state: &State) -> Vec<Intent> {
        let intents = self.take_keys(state);
        self.frame(state);
        intents
    }

    fn wants_exit(&self) -> bool {
        self.ui.quit || self.broken
    }
}
