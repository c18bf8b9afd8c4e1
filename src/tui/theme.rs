//! Colour themes by meaning (ok, warn, breach, muted, focus …): views ask `theme.breach()`,
//! never for a colour. Built-in themes live in `themes/*.toml`; a user's own go in
//! `<config dir>/themes/NAME.toml`. A bad theme falls back to the default with a warning.

use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// What a colour means on screen. Every view colour is one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// Ordinary text.
    Text,
    /// Secondary text, dimmed keys, pending hosts.
    Muted,
    /// Block borders.
    Border,
    /// The focused block and the selection.
    Focus,
    /// Block titles.
    Title,
    /// Key names in hints and help.
    Key,
    /// Healthy: rule ok, host upgraded, run running.
    Ok,
    /// Needs attention: warn level, paused.
    Warn,
    /// Broken: breach, failed host, overdue.
    Breach,
    /// Blind: no data, stale.
    Blind,
    /// The source failed: query error, source down.
    Error,
    /// Work in flight: a step running.
    Running,
    /// Back on the old version.
    RolledBack,
    /// Highlights that are none of the above.
    Accent,
}

impl Meaning {
    /// Every meaning, in the order of the theme file.
    pub const ALL: [Meaning; 14] = [
        Meaning::Text,
        Meaning::Muted,
        Meaning::Border,
        Meaning::Focus,
        Meaning::Title,
        Meaning::Key,
        Meaning::Ok,
        Meaning::Warn,
        Meaning::Breach,
        Meaning::Blind,
        Meaning::Error,
        Meaning::Running,
        Meaning::RolledBack,
        Meaning::Accent,
    ];

    /// The key in a theme file.
    pub fn key(self) -> &'static str {
        match self {
            Meaning::Text => "text",
            Meaning::Muted => "muted",
            Meaning::Border => "border",
            Meaning::Focus => "focus",
            Meaning::Title => "title",
            Meaning::Key => "key",
            Meaning::Ok => "ok",
            Meaning::Warn => "warn",
            Meaning::Breach => "breach",
            Meaning::Blind => "blind",
            Meaning::Error => "error",
            Meaning::Running => "running",
            Meaning::RolledBack => "rolled_back",
            Meaning::Accent => "accent",
        }
    }

    /// The related meaning a theme file may lean on when it leaves this one out.
    fn fallback(self) -> Option<Meaning> {
        match self {
            Meaning::Title => Some(Meaning::Text),
            Meaning::Key | Meaning::Running | Meaning::Accent => Some(Meaning::Focus),
            Meaning::Error => Some(Meaning::Breach),
            Meaning::Blind => Some(Meaning::Warn),
            Meaning::RolledBack | Meaning::Border => Some(Meaning::Muted),
            _ => None,
        }
    }
}

/// The built-in themes: name and file text.
const BUILT_IN: [(&str, &str); 4] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    (
        "colour-blind",
        include_str!("../../themes/colour-blind.toml"),
    ),
];

/// The default theme's name.
pub const DEFAULT: &str = "dark";

/// A resolved theme: one colour per meaning (or none at all under `NO_COLOR`).
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The theme's name.
    pub name: String,
    colors: [Color; Meaning::ALL.len()],
    series: Vec<Color>,
    no_color: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    colors: toml::Table,
}

impl Theme {
    /// The default theme, built in (cannot fail: its file is part of the binary and tested).
    pub fn default_theme() -> Theme {
        Self::parse(DEFAULT, BUILT_IN[0].1, None).unwrap_or_else(|_| Theme {
            name: DEFAULT.into(),
            colors: [Color::Reset; Meaning::ALL.len()],
            series: vec![Color::Reset],
            no_color: false,
        })
    }

    /// A theme without any colour (`NO_COLOR`): meaning is carried by words, symbols and
    /// bold / reverse / dim only.
    pub fn no_color() -> Theme {
        Theme {
            name: "no-color".into(),
            colors: [Color::Reset; Meaning::ALL.len()],
            series: vec![Color::Reset],
            no_color: true,
        }
    }

    /// Parses a theme file; meanings it leaves out come from related meanings, then `base`.
    pub fn parse(name: &str, text: &str, base: Option<&Theme>) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut colors: [Option<Color>; Meaning::ALL.len()] = [None; Meaning::ALL.len()];
        let mut series = Vec::new();
        for (key, value) in &file.colors {
            if key == "series" {
                let list = value
                    .as_array()
                    .ok_or("`series` must be a list of colours")?;
                for v in list {
                    series.push(color_of(v).map_err(|e| format!("series: {e}"))?);
                }
                continue;
            }
            let Some(i) = Meaning::ALL.iter().position(|m| m.key() == key) else {
                let known: Vec<&str> = Meaning::ALL.iter().map(|m| m.key()).collect();
                return Err(format!(
                    "unknown colour `{key}`; the meanings are {} and series",
                    known.join(", ")
                ));
            };
            colors[i] = Some(color_of(value).map_err(|e| format!("{key}: {e}"))?);
        }
        let fallback_theme;
        let base = match base {
            Some(b) => b,
            None if name == DEFAULT => {
                // The default theme must name every meaning itself.
                if let Some(m) = Meaning::ALL.iter().zip(&colors).find(|(_, c)| c.is_none()) {
                    return Err(format!("the default theme must set `{}`", m.0.key()));
                }
                fallback_theme = Theme::no_color();
                &fallback_theme
            }
            None => {
                fallback_theme = Theme::default_theme();
                &fallback_theme
            }
        };
        let mut resolved = [Color::Reset; Meaning::ALL.len()];
        for (i, m) in Meaning::ALL.iter().enumerate() {
            let mut pick = colors[i];
            let mut next = m.fallback();
            while pick.is_none() {
                let Some(f) = next else { break };
                pick = colors[f as usize];
                next = f.fallback();
            }
            resolved[i] = pick.unwrap_or(base.colors[i]);
        }
        if series.is_empty() {
            series = base.series.clone();
        }
        Ok(Theme {
            name: file.name.unwrap_or_else(|| name.to_string()),
            colors: resolved,
            series,
            no_color: false,
        })
    }

    /// The style of a meaning.
    pub fn style(&self, m: Meaning) -> Style {
        if self.no_color {
            return match m {
                Meaning::Breach | Meaning::Error | Meaning::Focus | Meaning::Title => {
                    Style::new().add_modifier(Modifier::BOLD)
                }
                Meaning::Key => Style::new().add_modifier(Modifier::BOLD),
                Meaning::Muted | Meaning::Border => Style::new().add_modifier(Modifier::DIM),
                _ => Style::new(),
            };
        }
        Style::new().fg(self.colors[m as usize])
    }

    /// True when the theme draws no colour at all.
    pub fn is_no_color(&self) -> bool {
        self.no_color
    }

    /// Ordinary text.
    pub fn text(&self) -> Style {
        self.style(Meaning::Text)
    }
    /// Secondary text.
    pub fn muted(&self) -> Style {
        self.style(Meaning::Muted)
    }
    /// Healthy.
    pub fn ok(&self) -> Style {
        self.style(Meaning::Ok)
    }
    /// Needs attention.
    pub fn warn(&self) -> Style {
        self.style(Meaning::Warn)
    }
    /// Broken.
    pub fn breach(&self) -> Style {
        self.style(Meaning::Breach)
    }
    /// Focused border or selection.
    pub fn focus(&self) -> Style {
        self.style(Meaning::Focus)
    }
    /// Key names.
    pub fn key(&self) -> Style {
        self.style(Meaning::Key)
    }
    /// A selected item: reverse video, readable in every theme and under `NO_COLOR`.
    pub fn selected(&self) -> Style {
        self.focus().add_modifier(Modifier::REVERSED)
    }
    /// A key the current role may not use.
    pub fn dimmed(&self) -> Style {
        self.muted().add_modifier(Modifier::DIM)
    }
    /// The colour of the `i`-th series of a chart.
    pub fn series(&self, i: usize) -> Style {
        if self.no_color {
            return Style::new();
        }
        Style::new().fg(self.series[i % self.series.len().max(1)])
    }
}

fn color_of(v: &toml::Value) -> Result<Color, String> {
    let text = v.as_str().ok_or_else(|| {
        format!("{v} is not a colour: write a name, an index like \"244\" or \"#rrggbb\"")
    })?;
    text.parse::<Color>().map_err(|_| {
        format!("\"{text}\" is not a colour: write a name, an index like \"244\" or \"#rrggbb\"")
    })
}

/// The built-in theme names, for messages and docs.
pub fn built_in_names() -> Vec<&'static str> {
    BUILT_IN.iter().map(|(n, _)| *n).collect()
}

/// Picks the theme: `NO_COLOR` wins; then `name` (a file in `<config_dir>/themes/`, else a
/// built-in); unknown or broken themes fall back to the default, with a warning to show.
pub fn load(name: Option<&str>, config_dir: Option<&Path>, no_color: bool) -> (Theme, Vec<String>) {
    if no_color {
        return (Theme::no_color(), Vec::new());
    }
    let Some(name) = name else {
        return (Theme::default_theme(), Vec::new());
    };
    let wanted = match name {
        "color-blind" | "colorblind" | "colourblind" => "colour-blind",
        other => other,
    };
    let default = Theme::default_theme();
    if let Some(dir) = config_dir {
        let path = dir.join("themes").join(format!("{wanted}.toml"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            return match Theme::parse(wanted, &text, Some(&default)) {
                Ok(t) => (t, Vec::new()),
                Err(e) => (
                    default,
                    vec![format!(
                        "theme {}: {e}; using the default theme ({DEFAULT})",
                        path.display()
                    )],
                ),
            };
        }
    }
    match BUILT_IN.iter().find(|(n, _)| *n == wanted) {
        Some((n, text)) => match Theme::parse(n, text, Some(&default)) {
            Ok(t) => (t, Vec::new()),
            Err(e) => (default, vec![format!("built-in theme {n}: {e}")]),
        },
        None => (
            default,
            vec![format!(
                "no theme named `{name}` (built in: {}; or put {name}.toml in the config dir's themes/); using {DEFAULT}",
                built_in_names().join(", ")
            )],
        ),
    }
}

/// True when the `NO_COLOR` convention asks for no colour (set and not empty).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses_and_names_every_meaning() {
        for (name, text) in BUILT_IN {
            let file: ThemeFile = toml::from_str(text).unwrap();
            for m in Meaning::ALL {
                assert!(
                    file.colors.contains_key(m.key()),
                    "{name} lacks {}",
                    m.key()
                );
            }
            let t = Theme::parse(name, text, Some(&Theme::default_theme())).unwrap();
            assert_eq!(t.name, name);
        }
    }

    #[test]
    fn a_missing_meaning_falls_back_to_its_relative_then_the_default() {
        let t = Theme::parse("mine", "[colors]\nbreach = \"#010203\"\n", None).unwrap();
        assert_eq!(t.style(Meaning::Error).fg, Some(Color::Rgb(1, 2, 3)));
        assert_eq!(t.ok(), Theme::default_theme().ok());
    }

    #[test]
    fn a_bad_theme_file_falls_back_to_the_default_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("themes")).unwrap();
        std::fs::write(
            dir.path().join("themes/mine.toml"),
            "[colors]\nok = \"not-a-colour\"\n",
        )
        .unwrap();
        let (t, warnings) = load(Some("mine"), Some(dir.path()), false);
        assert_eq!(t, Theme::default_theme());
        assert!(
            warnings[0].contains("\"not-a-colour\" is not a colour"),
            "{warnings:?}"
        );
        let (t, warnings) = load(Some("nope"), None, false);
        assert_eq!(t.name, "dark");
        assert!(warnings[0].contains("no theme named `nope`"));
    }

    #[test]
    fn no_color_draws_no_colour_at_all() {
        let (t, _) = load(Some("light"), None, true);
        for m in Meaning::ALL {
            assert_eq!(t.style(m).fg, None);
            assert_eq!(t.style(m).bg, None);
        }
    }
}
