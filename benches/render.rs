//! Cockpit redraw speed (DESIGN §6): the real view, full frame at 200×60, with 10,000 hosts
//! and 12 panels × 720 points (3 h at 15 s), on ratatui's `TestBackend`.
//!
//! `cargo bench --bench render -- --sample-size 20`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ripcord::metrics::store::Rank;
use ripcord::runbook::{Role, Threshold, Unit};
use ripcord::tui::app::{Look, Operator, UiState, ZOOMS};
use ripcord::tui::keymap::Keymap;
use ripcord::tui::theme::Theme;
use ripcord::tui::{PanelSpec, fixture, view};

const HOSTS: usize = 10_000;
const PANELS: usize = 12;
const POINTS: usize = 720;

fn bench(c: &mut Criterion) {
    let run = fixture::running(HOSTS);
    let mut panels = fixture::panels();
    panels.specs = (0..PANELS)
        .map(|i| PanelSpec {
            name: format!("panel {i}"),
            unit: [Unit::Ratio, Unit::Seconds, Unit::Percent][i % 3],
            warn: Threshold::parse("> 0.01").ok(),
            breach: Threshold::parse("> 0.05").ok(),
            per_host: false,
            rank: Rank::High,
        })
        .collect();
    let mut ui = UiState::new(
        Operator {
            role: Role::Commander,
            name: "alice".into(),
        },
        Look {
            theme: Theme::default_theme(),
            marker: Default::default(),
            keymap: Keymap::default(),
        },
        run.now,
    );
    ui.size = (200, 60);
    // The whole history in view: every one of the 720 points is drawn.
    ui.zoom = ZOOMS
        .iter()
        .position(|(ms, _)| *ms >= 3 * 3_600_000)
        .unwrap_or(ZOOMS.len() - 1);
    let mut group = c.benchmark_group("render");
    for series in [1, 3] {
        let mut p = panels.clone();
        fixture::fill(&mut p, run.now, POINTS, series, true);
        let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
        group.bench_function(
            format!("200x60, {HOSTS} hosts, {PANELS} panels x {POINTS} points x {series} series"),
            |b| {
                b.iter(|| {
                    // A full redraw: the view builds every cell of the frame each time.
                    term.draw(|f| {
                        view::draw(f, black_box(&run.state), black_box(&ui), black_box(&p))
                    })
                    .unwrap();
                })
            },
        );
    }
    // Calibration for a busy machine: a bare frame of the same size, one bordered paragraph
    // filling every cell with text, through the same terminal and backend.
    let text: Vec<ratatui::text::Line> = (0..58)
        .map(|i| ratatui::text::Line::raw(format!("{i:03} {}", "web-0001 upgraded ■ ".repeat(10))))
        .collect();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    group.bench_function("bare frame 200x60 (calibration)", |b| {
        b.iter(|| {
            term.draw(|f| {
                let block = ratatui::widgets::Block::bordered().title("bare");
                f.render_widget(
                    ratatui::widgets::Paragraph::new(black_box(text.clone())).block(block),
                    f.area(),
                );
            })
            .unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
