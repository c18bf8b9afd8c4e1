//! The runbook's key tree, used to report every unknown key at once with the closest valid one.
//!
//! serde's `deny_unknown_fields` stops at the first unknown key; this walk finds all of them,
//! reports each at its own line and column, and removes them so the rest of the file can
//! still be checked in the same pass. A unit test keeps this tree and `raw` in step.

use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diagnostic, closest};

/// What a key holds, as far as key checking cares.
#[derive(Debug)]
pub enum Shape {
    /// A plain value (string, number, array of values ...); serde checks its type.
    Value,
    /// A table whose keys the operator chooses (`env`, `headers`, `select`, `match`).
    Free,
    /// A table with these keys.
    Table(&'static [(&'static str, Shape)]),
    /// An array whose table elements have this shape (`[[wave]]`, checklist items).
    Array(&'static Shape),
}

use Shape::{Array, Free, Table, Value};

pub(super) const PLAN: &[(&str, Shape)] = &[
    ("name", Value),
    ("risk", Value),
    ("environment", Value),
    ("host_kind", Value),
    ("host_kinds", Value),
    ("upgrade_kind", Value),
    ("downtime_budget", Value),
    ("rollback_start_within", Value),
    ("restore_within", Value),
    ("status_update_every", Value),
    ("reviewed", Value),
];

pub(super) const POLICY: &[(&str, Shape)] = &[
    ("max_failed_total", Value),
    ("max_failed", Value),
    ("approve_waves", Value),
    ("on_breach", Value),
    ("on_host_failure", Value),
    ("rollback_confirm", Value),
    ("reverify", Value),
    ("soak", Value),
    ("parallel", Value),
    ("backups", Value),
];

pub(super) const FLEET: &[(&str, Shape)] = &[
    ("hosts", Value),
    ("hosts_file", Value),
    ("ansible_inventory", Value),
    ("pattern", Value),
];

pub(super) const WAVE: &[(&str, Shape)] = &[
    ("name", Value),
    ("size", Value),
    ("select", Free),
    ("soak", Value),
    ("max_failed", Value),
    ("parallel", Value),
    ("approval", Value),
];

pub(super) const STEP: &[(&str, Shape)] = &[
    ("run", Value),
    ("timeout", Value),
    ("per", Value),
    ("env", Free),
    ("shell", Value),
    ("shell_acknowledged", Value),
    ("kind", Value),
    ("playbook", Value),
    ("inventory", Value),
    ("extra_vars", Free),
    ("tags", Value),
    ("forks", Value),
];

pub(super) const STEPS: &[(&str, Shape)] = &[
    ("backup", Table(STEP)),
    ("verify_backup", Table(STEP)),
    ("precheck", Table(STEP)),
    ("upgrade", Table(STEP)),
    ("verify", Table(STEP)),
    ("rollback", Table(STEP)),
    ("verify_rollback", Table(STEP)),
];

pub(super) const PROMETHEUS: &[(&str, Shape)] = &[
    ("url", Value),
    ("interval", Value),
    ("timeout", Value),
    ("bearer_token_env", Value),
    ("bearer_token_file", Value),
    ("basic_user", Value),
    ("basic_password_env", Value),
    ("headers", Free),
];

pub(super) const SCRAPE: &[(&str, Shape)] =
    &[("targets", Value), ("interval", Value), ("timeout", Value)];

pub(super) const WATCH: &[(&str, Shape)] = &[
    ("name", Value),
    ("query", Value),
    ("unit", Value),
    ("warn", Value),
    ("breach", Value),
    ("for", Value),
    ("severity", Value),
    ("no_data", Value),
    ("per_host", Value),
    ("baseline_window", Value),
];

pub(super) const ALERT: &[(&str, Shape)] = &[("name", Value), ("match", Free), ("severity", Value)];

pub(super) const ITEM: &[(&str, Shape)] = &[("text", Value), ("phase", Value)];

pub(super) const ROLE: &[(&str, Shape)] = &[("checklist", Array(&Table(ITEM)))];

pub(super) const ROLES: &[(&str, Shape)] = &[
    ("commander", Table(ROLE)),
    ("technician", Table(ROLE)),
    ("impact", Table(ROLE)),
    ("communicator", Table(ROLE)),
];

pub(super) const NOTIFY: &[(&str, Shape)] = &[
    ("name", Value),
    ("kind", Value),
    ("url", Value),
    ("url_env", Value),
    ("url_file", Value),
    ("secret_env", Value),
    ("command", Value),
    ("smtp", Value),
    ("to", Value),
    ("from", Value),
    ("on", Value),
    ("min_severity", Value),
    ("audience", Value),
    ("templates", Free),
];

pub(super) const CONTACTS: &[(&str, Shape)] = &[
    ("vendor_support", Value),
    ("escalation", Value),
    ("traffic_switch", Value),
];

pub(super) const DRILL: &[(&str, Shape)] = &[("fault", Value), ("wave", Value)];

/// The top level of a runbook.
pub const ROOT: &[(&str, Shape)] = &[
    ("plan", Table(PLAN)),
    ("policy", Table(POLICY)),
    ("fleet", Table(FLEET)),
    ("wave", Array(&Table(WAVE))),
    ("steps", Table(STEPS)),
    ("prometheus", Table(PROMETHEUS)),
    ("scrape", Table(SCRAPE)),
    ("watch", Array(&Table(WATCH))),
    ("alerts", Array(&Table(ALERT))),
    ("roles", Table(ROLES)),
    ("notify", Array(&Table(NOTIFY))),
    ("contacts", Table(CONTACTS)),
    ("drill", Table(DRILL)),
];

/// Reports every unknown key of `root` (at its position, with the closest valid name) and
/// removes it, so the rest of the runbook can still be deserialized and checked.
pub fn strip_unknown_keys(root: &mut DeTable<'_>, file: &Path, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    walk(root, ROOT, &Place::Root, file, text, &mut out);
    out
}

/// Where a table sits, for messages: `[plan]`, `[steps.upgrade]`, `[[wave]]`.
enum Place {
    Root,
    Table(String),
    ArrayItem { key: String, parent: Option<String> },
}

impl Place {
    fn describe(&self) -> String {
        match self {
            Place::Root => "at the top level".into(),
            Place::Table(path) => format!("in [{path}]"),
            Place::ArrayItem { key, parent: None } => format!("in [[{key}]]"),
            Place::ArrayItem {
                key,
                parent: Some(p),
            } => format!("in a `{key}` item of [{p}]"),
        }
    }
    fn path(&self) -> Option<String> {
        match self {
            Place::Root => None,
            Place::Table(p) => Some(p.clone()),
            Place::ArrayItem { key, parent } => Some(
                parent
                    .as_ref()
                    .map_or(key.clone(), |p| format!("{p}.{key}")),
            ),
        }
    }
    fn child(&self, key: &str) -> String {
        self.path()
            .map_or(key.to_string(), |p| format!("{p}.{key}"))
    }
}

fn walk(
    table: &mut DeTable<'_>,
    fields: &'static [(&'static str, Shape)],
    place: &Place,
    file: &Path,
    text: &str,
    out: &mut Vec<Diagnostic>,
) {
    let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    let mut unknown = Vec::new();
    for (key, value) in table.iter_mut() {
        let name = key.get_ref().as_ref();
        let Some((_, shape)) = fields.iter().find(|(k, _)| *k == name) else {
            unknown.push(key.get_ref().to_string());
            let is_table = matches!(value.get_ref(), DeValue::Table(_));
            let near = closest(name, names.iter().copied());
            let (message, help) = if is_table {
                (
                    format!("unknown table [{}]", place.child(name)),
                    near.map(|n| format!("did you mean [{}]?", place.child(n))),
                )
            } else {
                (
                    format!("unknown key `{name}` {}", place.describe()),
                    near.map(|n| format!("did you mean `{n}`?")),
                )
            };
            let help = help.unwrap_or_else(|| format!("valid here: {}", names.join(", ")));
            out.push(Diagnostic::error_at(file, text, key.span().start, message).with_help(help));
            continue;
        };
        match (shape, value.get_mut()) {
            (Table(sub), DeValue::Table(t)) => {
                walk(t, sub, &Place::Table(place.child(name)), file, text, out)
            }
            (Array(Table(sub)), DeValue::Array(items)) => {
                let item_place = Place::ArrayItem {
                    key: name.to_string(),
                    parent: place.path(),
                };
                for item in items.iter_mut() {
                    if let DeValue::Table(t) = item.get_mut() {
                        walk(t, sub, &item_place, file, text, out);
                    }
                }
            }
            _ => {}
        }
    }
    for key in &unknown {
        table.remove(key.as_str());
    }
}

/// The key whose value (or name) covers byte `at`, and where it sits (`in [[wave]]`): used to
/// say which key a serde type error is about.
pub fn locate(root: &DeTable<'_>, at: usize) -> Option<(String, String)> {
    locate_in(root, at, &Place::Root)
}

fn locate_in(table: &DeTable<'_>, at: usize, place: &Place) -> Option<(String, String)> {
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        let covers = value.span().contains(&at) || key.span().contains(&at);
        match value.get_ref() {
            DeValue::Table(t) => {
                if let Some(found) = locate_in(t, at, &Place::Table(place.child(name))) {
                    return Some(found);
                }
            }
            DeValue::Array(items) => {
                let item_place = Place::ArrayItem {
                    key: name.to_string(),
                    parent: place.path(),
                };
                for item in items.iter() {
                    if let DeValue::Table(t) = item.get_ref()
                        && let Some(found) = locate_in(t, at, &item_place)
                    {
                        return Some(found);
                    }
                }
            }
            _ => {}
        }
        if covers {
            return Some((name.to_string(), place.describe()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Vec<String> {
        let (mut root, errs) = DeTable::parse_recoverable(text);
        assert!(errs.is_empty(), "{errs:?}");
        strip_unknown_keys(root.get_mut(), Path::new("r.toml"), text)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort_by_key(|d| {
            let pos: Vec<usize> = d
                .split(':')
                .skip(2)
                .take(2)
                .filter_map(|n| n.parse().ok())
                .collect();
            pos
        });
        v
    }

    #[test]
    fn every_unknown_key_is_reported_with_its_place_and_closest_name() {
        let got = sorted(check(
            "[plan]\nnmae = \"x\"\n[[wave]]\nsize = \"rest\"\nsok = \"1h\"\n[steps.upgrade]\nrun = []\ntimout = \"1m\"\n[roles.commander]\nchecklist = [{ txt = \"a\" }]\n",
        ));
        assert_eq!(
            got,
            vec![
                "error: r.toml:2:1: unknown key `nmae` in [plan]\n  help: did you mean `name`?",
                "error: r.toml:5:1: unknown key `sok` in [[wave]]\n  help: did you mean `soak`?",
                "error: r.toml:8:1: unknown key `timout` in [steps.upgrade]\n  help: did you mean `timeout`?",
                "error: r.toml:10:16: unknown key `txt` in a `checklist` item of [roles.commander]\n  help: did you mean `text`?",
            ]
        );
    }

    #[test]
    fn unknown_tables_and_steps_name_the_closest_section() {
        let got = sorted(check(
            "[step.upgrade]\nrun = []\n[steps.upgarde]\nrun = []\n",
        ));
        assert_eq!(
            got[0],
            "error: r.toml:1:2: unknown table [step]\n  help: did you mean [steps]?"
        );
        assert_eq!(
            got[1],
            "error: r.toml:3:8: unknown table [steps.upgarde]\n  help: did you mean [steps.upgrade]?"
        );
    }

    #[test]
    fn free_tables_accept_any_key() {
        assert!(
            check(
                "[[wave]]\nselect = { anything = \"x\" }\n[steps.backup]\nenv = { FOO = \"1\" }\n"
            )
            .is_empty()
        );
    }
}
