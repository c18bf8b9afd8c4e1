//! View snapshots at 80×24, 120×40 and 200×60.

use super::*;
use crate::tui::fixture;

#[test]
fn peek() {
    let run = fixture::running(100);
    let mut panels = fixture::panels();
    fixture::fill(&mut panels, run.now, 60, 3, false);
    let ui = ui(&run, Role::Commander, Theme::default_theme());
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let (text, _) = render(&run, &ui, &panels, w, h);
        println!("{text}");
    }
}
