//! Line plots straight into the frame buffer: braille (2×4 points a cell) or one dot a cell.
//! Each point costs a few integer steps — 12 panels of 720 points draw in well under a
//! millisecond — and threshold lines go only where no data is drawn.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::tui::app::ChartMarker;

/// The value and time ranges a plot maps onto its area.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Leftmost x.
    pub x0: f64,
    /// Rightmost x.
    pub x1: f64,
    /// Bottom y.
    pub lo: f64,
    /// Top y.
    pub hi: f64,
}

/// Braille dot bits by (column, row) inside a cell.
const BRAILLE: [[u8; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];

/// Draws `series` (points in x order, each with its style; the first drawn on top) into
/// `area`, then a horizontal line of `sym` at each `levels` value on cells left empty.
pub fn plot(
    buf: &mut Buffer,
    area: Rect,
    scale: Scale,
    marker: ChartMarker,
    series: &[(Style, &[(f64, f64)])],
    levels: &[(f64, char, Style)],
) {
    if area.width == 0 || area.height == 0 || scale.x1 <= scale.x0 || scale.hi <= scale.lo {
        return;
    }
    let (sx, sy) = match marker {
        ChartMarker::Braille => (2usize, 4usize),
        ChartMarker::Dot => (1, 1),
    };
    let (cols, rows) = (area.width as usize, area.height as usize);
    let (w, h) = (cols * sx, rows * sy);
    let mut mask = vec![0u8; cols * rows];
    let mut owner = vec![u8::MAX; cols * rows];
    let fx = (w - 1) as f64 / (scale.x1 - scale.x0);
    let fy = (h - 1) as f64 / (scale.hi - scale.lo);
    // The worst series is first: drawn last, so it is on top where lines cross.
    for (si, (_, points)) in series.iter().enumerate().rev() {
        let mut set = |x: usize, y: usize| {
            let cell = (y / sy) * cols + x / sx;
            mask[cell] |= match marker {
                ChartMarker::Braille => BRAILLE[x % 2][y % 4],
                ChartMarker::Dot => 1,
            };
            owner[cell] = si as u8;
        };
        let mut prev: Option<(usize, usize)> = None;
        for &(x, y) in points.iter() {
            if !(x.is_finite() && y.is_finite()) || x < scale.x0 || x > scale.x1 {
                prev = None;
                continue;
            }
            // Both are ≥ 0 here, so adding ½ and truncating rounds (and is cheaper than round()).
            let dx = ((x - scale.x0) * fx + 0.5) as usize;
            let dy = ((scale.hi - y.clamp(scale.lo, scale.hi)) * fy + 0.5) as usize;
            let (dx, dy) = (dx.min(w - 1), dy.min(h - 1));
            match prev {
                // Join to the previous point: a vertical run per column, stepping in x.
                Some((px, py)) if dx > px => {
                    let span = (dx - px) as f64;
                    let mut last = py;
                    for c in px + 1..=dx {
                        let t = (c - px) as f64 / span;
                        let y_here = (py as f64 + (dy as f64 - py as f64) * t + 0.5) as usize;
                        let (a, b) = if last <= y_here {
                            (last, y_here)
                        } else {
                            (y_here, last)
                        };
                        for r in a..=b {
                            set(c, r);
                        }
                        last = y_here;
                    }
                }
                Some((px, py)) if dx == px => {
                    let (a, b) = if py <= dy { (py, dy) } else { (dy, py) };
                    for r in a..=b {
                        set(dx, r);
                    }
                }
                _ => set(dx, dy),
            }
            prev = Some((dx, dy));
        }
    }
    for cy in 0..rows {
        for cx in 0..cols {
            let i = cy * cols + cx;
            if mask[i] == 0 {
                continue;
            }
            let ch = match marker {
                ChartMarker::Braille => char::from_u32(0x2800 + u32::from(mask[i])).unwrap_or('•'),
                ChartMarker::Dot => '•',
            };
            let style = series.get(owner[i] as usize).map_or(Style::new(), |s| s.0);
            buf[(area.x + cx as u16, area.y + cy as u16)]
                .set_char(ch)
                .set_style(style);
        }
    }
    for &(v, sym, style) in levels {
        if !(scale.lo..=scale.hi).contains(&v) {
            continue;
        }
        let row = (((scale.hi - v) * fy).round() as usize / sy).min(rows - 1);
        for cx in 0..cols {
            if mask[row * cols + cx] == 0 {
                buf[(area.x + cx as u16, area.y + row as u16)]
                    .set_char(sym)
                    .set_style(style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(buf: &Buffer) -> Vec<String> {
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_rising_line_and_a_threshold_drawn_around_it() {
        let area = Rect::new(0, 0, 4, 2);
        let mut buf = Buffer::empty(area);
        let pts = [(0.0, 0.0), (1.0, 1.0)];
        let scale = Scale {
            x0: 0.0,
            x1: 1.0,
            lo: 0.0,
            hi: 1.0,
        };
        plot(
            &mut buf,
            area,
            scale,
            ChartMarker::Dot,
            &[(Style::new(), &pts)],
            &[(0.75, '─', Style::new())],
        );
        assert_eq!(text(&buf), vec!["──••", "••• "]);
    }

    #[test]
    fn braille_packs_two_by_four_points_a_cell() {
        let area = Rect::new(0, 0, 1, 1);
        let mut buf = Buffer::empty(area);
        let pts = [(0.0, 1.0), (1.0, 1.0)];
        let scale = Scale {
            x0: 0.0,
            x1: 1.0,
            lo: 0.0,
            hi: 1.0,
        };
        plot(
            &mut buf,
            area,
            scale,
            ChartMarker::Braille,
            &[(Style::new(), &pts)],
            &[],
        );
        // Both top dots: bits 0x01 and 0x08.
        assert_eq!(text(&buf), vec!["⠉"]);
    }
}
