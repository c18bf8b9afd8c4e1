//! The screen's own state — focus, selections, zoom, the open overlay, the last message —
//! kept apart from the run's state, which only the engine changes.

use super::dialog::Dialog;
use super::keymap::Keymap;
use super::theme::Theme;
use crate::journal::Timestamp;
use crate::runbook::Role;

/// The blocks focus moves between, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// Waves.
    Waves,
    /// The host grid.
    Hosts,
    /// Metric panels.
    Panels,
    /// Role checklists.
    Checklist,
    /// The timeline.
    Timeline,
}

impl Focus {
    const ORDER: [Focus; 5] = [
        Focus::Waves,
        Focus::Hosts,
        Focus::Panels,
        Focus::Checklist,
        Focus::Timeline,
    ];

    /// The next block (`forward`) or the previous one.
    pub fn cycle(self, forward: bool) -> Focus {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        let n = Self::ORDER.len();
        Self::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// Who sits at this screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// Their role.
    pub role: Role,
    /// Their name.
    pub name: String,
}

/// How charts draw their points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartMarker {
    /// Braille: 2×4 points per cell.
    #[default]
    Braille,
    /// Plain dots, for fonts without braille.
    Dot,
}

/// Look and keys: fixed for a session, set from flags and the config dir.
#[derive(Debug, Clone)]
pub struct Look {
    /// Colours by meaning.
    pub theme: Theme,
    /// Chart points.
    pub marker: ChartMarker,
    /// Key bindings.
    pub keymap: Keymap,
}

/// What is selected in each block (indexes; the view clamps them to what exists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Wave, 0-based.
    pub wave: usize,
    /// Host, index into `State::hosts`.
    pub host: usize,
    /// Panel, 0-based.
    pub panel: usize,
    /// Checklist tab.
    pub tab: Role,
    /// Checklist item, 0-based.
    pub item: usize,
    /// Timeline lines scrolled past (0 = newest on top).
    pub timeline: usize,
}

/// Chart time ranges, shortest first, in milliseconds.
pub const ZOOMS: [(i64, &str); 5] = [
    (5 * 60_000, "5m"),
    (15 * 60_000, "15m"),
    (3_600_000, "1h"),
    (6 * 3_600_000, "6h"),
    (24 * 3_600_000, "24h"),
];

/// How a message at the foot of the screen reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashKind {
    /// Something happened.
    Info,
    /// A key or intent was refused; the text says why.
    Refused,
    /// A configuration problem (bad theme, bad keys.toml).
    Warning,
}

/// A message shown in the footer until the next key (or for a few seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// The words.
    pub text: String,
    /// How they read.
    pub kind: FlashKind,
    /// When they appeared.
    pub at: Timestamp,
}

/// How long a message stays in the footer.
pub const FLASH_MS: i64 = 8_000;

/// A layer over the main screen.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// The key help.
    Help {
        /// Lines scrolled.
        scroll: u16,
    },
    /// One host's steps.
    HostDetails {
        /// The host.
        host: String,
        /// Lines scrolled.
        scroll: u16,
    },
    /// One panel's rule and evidence.
    PanelDetails {
        /// Panel index.
        panel: usize,
        /// Lines scrolled.
        scroll: u16,
    },
    /// A dialog.
    Dialog(Box<Dialog>),
}

/// The screen's state. The view reads it with the run's state; only key handling writes it.
#[derive(Debug, Clone)]
pub struct UiState {
    /// Who is at the screen.
    pub who: Operator,
    /// Theme, chart marker, keys.
    pub look: Look,
    /// The focused block.
    pub focus: Focus,
    /// Selections.
    pub sel: Selection,
    /// Host filter (name or state word); empty: none.
    pub filter: String,
    /// Index into [`ZOOMS`].
    pub zoom: usize,
    /// The layer on top, if any.
    pub overlay: Option<Overlay>,
    /// The footer message, if any.
    pub flash: Option<Flash>,
    /// The time the view shows (the shell's clock; tests pin it).
    pub now: Timestamp,
    /// The terminal size, for key handling that depends on the layout (grid rows).
    pub size: (u16, u16),
    /// The operator asked to leave.
    pub quit: bool,
    /// How status updates are pre-filled (the notify templates), when the shell has them.
    pub status_text: Option<super::dialog::StatusText>,
}

impl UiState {
    /// A fresh screen for `who`.
    pub fn new(who: Operator, look: Look, now: Timestamp) -> Self {
        let tab = who.role;
        Self {
            who,
            look,
            focus: Focus::Hosts,
            sel: Selection {
                wave: 0,
                host: 0,
                panel: 0,
                tab,
                item: 0,
                timeline: 0,
            },
            filter: String::new(),
            zoom: 1,
            overlay: None,
            flash: None,
            now,
            size: (80, 24),
            quit: false,
            status_text: None,
        }
    }

    /// The chart range in milliseconds and its label.
    pub fn zoom_range(&self) -> (i64, &'static str) {
        ZOOMS[self.zoom.min(ZOOMS.len() - 1)]
    }

    /// Puts a message in the footer.
    pub fn flash(&mut self, kind: FlashKind, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            kind,
            at: self.now,
        });
    }

    /// The footer message if it is still fresh at `now`.
    pub fn live_flash(&self) -> Option<&Flash> {
        self.flash
            .as_ref()
            .filter(|f| self.now.millis_since(f.at) < FLASH_MS)
    }

    /// The open dialog, if any.
    pub fn dialog(&self) -> Option<&Dialog> {
        match &self.overlay {
            Some(Overlay::Dialog(d)) => Some(d),
            _ => None,
        }
    }
}
