//! Where each block goes at a given terminal size (DESIGN §4): header on top, waves and hosts
//! left, panels right, checklist and timeline below, key hints at the foot.

use ratatui::layout::Rect;

use super::grid::{self, Grid};
use crate::engine::State;
use crate::tui::app::UiState;

/// The smallest terminal the layout works in.
pub const MIN_WIDTH: u16 = 80;
/// The smallest terminal the layout works in.
pub const MIN_HEIGHT: u16 = 24;

/// The blocks' areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Status line and banners.
    pub header: Rect,
    /// Waves.
    pub waves: Rect,
    /// Host grid.
    pub hosts: Rect,
    /// Metric panels.
    pub panels: Rect,
    /// Checklists.
    pub checklist: Rect,
    /// Timeline.
    pub timeline: Rect,
    /// Key hints or the last message.
    pub footer: Rect,
}

/// Splits `area` for a header of `header_lines` and `waves` waves.
pub fn areas(area: Rect, header_lines: u16, waves: usize) -> Areas {
    let header = Rect {
        height: header_lines.min(area.height),
        ..area
    };
    let footer = Rect {
        y: area.bottom().saturating_sub(1),
        height: 1.min(area.height),
        ..area
    };
    let body_y = header.bottom();
    let body_h = footer.y.saturating_sub(body_y);
    // Charts and the grid get the larger share; the lower strip keeps at least 7 rows.
    let mut top_h = body_h * 62 / 100;
    if body_h >= 15 {
        top_h = top_h.min(body_h - 7);
    }
    let top_h = top_h.max(body_h.min(8));
    let bottom_h = body_h - top_h.min(body_h);
    let left_w = area.width * 45 / 100;
    let waves_h = (waves as u16 + 3).clamp(3, (top_h / 2).max(3)).min(top_h);
    let top_y = body_y;
    let bottom_y = top_y + top_h.min(body_h);
    Areas {
        header,
        waves: Rect::new(area.x, top_y, left_w, waves_h),
        hosts: Rect::new(
            area.x,
            top_y + waves_h,
            left_w,
            top_h.saturating_sub(waves_h),
        ),
        panels: Rect::new(
            area.x + left_w,
            top_y,
            area.width - left_w,
            top_h.min(body_h),
        ),
        checklist: Rect::new(area.x, bottom_y, left_w, bottom_h),
        timeline: Rect::new(area.x + left_w, bottom_y, area.width - left_w, bottom_h),
        footer,
    }
}

/// The areas for this state and screen (the header grows with its banners).
pub fn areas_for(area: Rect, state: &State, ui: &UiState) -> Areas {
    let lines = super::header::height(state, ui, area.height);
    areas(area, lines, state.waves.len())
}

/// The grid part of the hosts block: inside the border, below the legend line.
pub fn grid_area(hosts: Rect) -> Rect {
    let inner = Rect {
        x: hosts.x + 1,
        y: hosts.y + 1,
        width: hosts.width.saturating_sub(2),
        height: hosts.height.saturating_sub(2),
    };
    Rect {
        y: inner.y + 1.min(inner.height),
        height: inner.height.saturating_sub(1),
        ..inner
    }
}

/// The host grid's layout at the screen's current size.
pub fn host_grid(state: &State, ui: &UiState) -> Grid {
    let area = Rect::new(0, 0, ui.size.0, ui.size.1);
    let a = areas_for(area, state, ui);
    let g = grid_area(a.hosts);
    let groups: Vec<usize> = grid::by_wave(state).iter().map(Vec::len).collect();
    grid::layout(&groups, g.width, g.height)
}
