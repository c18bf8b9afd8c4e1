//! The key table, its overrides and docs/keys.md.

use super::*;

#[test]
fn every_default_key_parses_and_no_two_screen_actions_share_one() {
    let (_, warnings) = Keymap::with_overrides(&toml::Table::new());
    assert!(warnings.is_empty(), "{warnings:?}");
    for e in TABLE {
        for k in e.keys {
            Key::parse(k).unwrap();
        }
    }
}

#[test]
fn overrides_rebind_by_name_and_bad_entries_warn() {
    let t: toml::Table = toml::from_str(
        "pause = \"P\"\napprove = [\"a\", \"A\"]\npuase = \"x\"\nhelp = \"ctrl-\"\n",
    )
    .unwrap();
    let (map, warnings) = Keymap::with_overrides(&t);
    assert_eq!(
        map.screen_action(&Key::parse("P").unwrap()),
        Some(Action::PauseResume)
    );
    assert_eq!(map.screen_action(&Key::parse("p").unwrap()), None);
    assert_eq!(
        map.screen_action(&Key::parse("A").unwrap()),
        Some(Action::Approve)
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("unknown action `puase`") && w.contains("`pause`"))
    );
    assert!(warnings.iter().any(|w| w.contains("`help`")));
    assert_eq!(map.label(Action::Help), "?");
}

#[test]
fn conflicting_bindings_are_reported() {
    let t: toml::Table = toml::from_str("approve = \"p\"\n").unwrap();
    let (_, warnings) = Keymap::with_overrides(&t);
    assert!(
        warnings.iter().any(|w| w.contains("bound to both")),
        "{warnings:?}"
    );
}

#[test]
fn docs_keys_md_lists_the_table_exactly() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/keys.md")).unwrap();
    assert!(
        doc.contains(&markdown_table()),
        "docs/keys.md is out of step with the key table; paste this in:\n{}",
        markdown_table()
    );
}
