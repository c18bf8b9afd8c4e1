//! The host grid's geometry, shared by the view and by key handling (so arrows move exactly
//! as the grid is drawn): hosts grouped per wave, one cell per host while they fit, else
//! the fewest hosts per cell that fit (the cell then shows the worst state among them).

use crate::engine::state::HostRec;
use crate::engine::{HostState, State};

/// Width of the wave label in front of each grid row (`12 `).
pub const LABEL: u16 = 3;

/// How the grid is laid out in a given area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// Hosts drawn in one cell.
    pub per_cell: usize,
    /// Cells per row.
    pub cols: usize,
}

/// Host indexes (into `State::hosts`) per wave, waves in order.
pub fn by_wave(state: &State) -> Vec<Vec<usize>> {
    let waves = state.waves.len().max(1);
    let mut out = vec![Vec::new(); waves];
    for (i, h) in state.hosts.iter().enumerate() {
        let w = h.wave.clamp(1, waves) - 1;
        out[w].push(i);
    }
    out
}

/// Every host index in drawing order (wave by wave).
pub fn display_order(state: &State) -> Vec<usize> {
    by_wave(state).concat()
}

/// The layout of `groups` (hosts per wave) in `width` × `height` cells.
pub fn layout(groups: &[usize], width: u16, height: u16) -> Grid {
    let cols = width.saturating_sub(LABEL).max(1) as usize;
    let rows = height.max(1) as usize;
    let total: usize = groups.iter().sum();
    let mut k = (total / (cols * rows)).max(1);
    loop {
        let needed: usize = groups
            .iter()
            .map(|&n| n.div_ceil(k).div_ceil(cols).max(1))
            .sum();
        if needed <= rows || k >= total.max(1) {
            return Grid { per_cell: k, cols };
        }
        k += 1;
    }
}

/// True when a host matches the filter: its name contains it, or its state word starts with
/// it (`failed`, `rolled back`, `pending` …). Case does not matter.
pub fn matches(h: &HostRec, filter: &str) -> bool {
    if filter.is_empty() {
        return true;
    }
    let f = filter.to_lowercase();
    h.name.to_lowercase().contains(&f) || h.state.word().starts_with(&f)
}

/// How bad a host state is, for cells that stand for several hosts (higher is worse).
pub fn badness(s: &HostState) -> u8 {
    match s {
        HostState::Pending | HostState::Skipped => 0,
        HostState::Upgraded => 1,
        HostState::RolledBack => 2,
        HostState::Between { .. } | HostState::Running { .. } => 3,
        HostState::Interrupted { .. } => 4,
        HostState::StepFailed { .. } | HostState::Failed { .. } => 5,
        HostState::RollbackFailed { .. } => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cell_per_host_while_they_fit_then_the_fewest_per_cell() {
        assert_eq!(
            layout(&[1, 10, 89], 43, 5),
            Grid {
                per_cell: 1,
                cols: 40
            }
        );
        let g = layout(&[100, 1000, 8900], 83, 20);
        assert_eq!(g.cols, 80);
        let rows: usize = [100usize, 1000, 8900]
            .iter()
            .map(|n| n.div_ceil(g.per_cell).div_ceil(80))
            .sum();
        assert!(rows <= 20 && g.per_cell > 1, "{g:?} needs {rows} rows");
        let smaller = g.per_cell - 1;
        let rows_smaller: usize = [100usize, 1000, 8900]
            .iter()
            .map(|n| n.div_ceil(smaller).div_ceil(80))
            .sum();
        assert!(rows_smaller > 20);
    }
}
