//! The terminal while the cockpit is up: raw mode and the alternate screen, always given back —
//! on return, on error, on panic (a hook restores it before the message prints) — and panics
//! of background tasks go to the log, never onto the screen.

use std::io::{self, Stdout};
use std::sync::{Arc, Mutex};

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

type Hook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// Owns the screen; dropping it gives the terminal back.
pub struct TerminalGuard {
    /// The ratatui terminal.
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
    previous_hook: Arc<Mutex<Option<Hook>>>,
}

/// Gives the terminal back: leave the alternate screen, show the cursor, cooked mode.
/// Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
}

impl TerminalGuard {
    /// Takes the screen: alternate screen, raw mode, hidden cursor, and the panic hook.
    pub fn enter() -> io::Result<Self> {
        let previous: Arc<Mutex<Option<Hook>>> =
            Arc::new(Mutex::new(Some(std::panic::take_hook())));
        let main = std::thread::current().id();
        let prev = previous.clone();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().id() == main {
                // The screen is going away with this thread: give the terminal back first so
                // the message is readable.
                restore();
                if let Ok(guard) = prev.lock()
                    && let Some(h) = guard.as_ref()
                {
                    h(info);
                }
            } else {
                // A background task panicked; the cockpit goes on. Printing would scribble
                // over the screen, so the message goes to the log.
                tracing::error!("background task panicked: {info}");
            }
        }));
        enable_raw_mode()?;
        let mut stdout = io::stdout();
        if let Err(e) = execute!(stdout, EnterAlternateScreen, Hide) {
            restore();
            return Err(e);
        }
        let terminal = match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(Self {
            terminal,
            previous_hook: previous,
        })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        // Put the process's own panic hook back for whatever runs after the cockpit.
        if let Ok(mut slot) = self.previous_hook.lock()
            && let Some(h) = slot.take()
        {
            let _ = std::panic::take_hook();
            std::panic::set_hook(h);
        }
    }
}
