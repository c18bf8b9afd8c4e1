//! Terminal input on its own thread: crossterm events into a bounded channel, plus a wake-up
//! for the run loop so a key is handled at once rather than on the next tick.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossterm::event::{self, Event, KeyEventKind};
use tokio::sync::mpsc;

/// What the screen hears from the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A key press.
    Key(crossterm::event::KeyEvent),
    /// The terminal's new size.
    Resize(u16, u16),
}

/// The reader thread; stops when dropped.
pub struct InputThread {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

/// Keys waiting to be handled; a slow screen makes the reader wait, not memory grow.
pub const INPUT_QUEUE: usize = 64;

impl InputThread {
    /// Starts reading; events go to `tx`, and each one pings `wake` (coalesced).
    pub fn start(tx: mpsc::Sender<Input>, wake: mpsc::Sender<()>) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name("ripcord-keys".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    // Poll with a timeout so the thread notices `stop` and can be joined.
                    match event::poll(Duration::from_millis(100)) {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(e) => {
                            tracing::error!("terminal input failed: {e}");
                            break;
                        }
                    }
                    let input = match event::read() {
                        Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Input::Key(k),
                        Ok(Event::Resize(w, h)) => Input::Resize(w, h),
                        Ok(_) => continue,
                        Err(e) => {
                            tracing::error!("terminal input failed: {e}");
                            break;
                        }
                    };
                    if tx.blocking_send(input).is_err() {
                        break;
                    }
                    let _ = wake.try_send(());
                }
            })?;
        Ok(Self {
            stop,
            handle: Some(handle),
        })
    }
}

impl Drop for InputThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
