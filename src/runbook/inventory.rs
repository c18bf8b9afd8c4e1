//! The fleet from an Ansible inventory: `[fleet] ansible_inventory` (and `pattern`) read with
//! `ansible-inventory --list`, each host's groups and host vars turned into labels.
//!
//! Labels of an inventory host, so waves can select by group or zone:
//! - `group.<name> = "true"` for every group the host is in (parents included, not `all` or
//!   `ungrouped`): `select = { "group.zone_a" = "true" }` takes exactly that group;
//! - `group = <name>`: its most specific group, the one with the fewest hosts (then the
//!   deepest, then the first listed): in the usual layout (`[web]` with every host, `[canary]`
//!   with two) `select = { group = "canary" }` takes the canary hosts;
//! - each host var with a plain value (`zone=a`, `rack=r1`), group vars included, except
//!   `ansible_*` connection settings, names that look like secrets (password, token, key ...)
//!   and values with spaces; a host var `group` wins over the computed one.
//!
//! Hosts are in the order `ansible-inventory --list` shows them (each group's hosts, then its
//! children, from `all`), which is the order percentages and counts take them in.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use thiserror::Error;

pub use pattern::PatternError;

use super::hosts::valid_host_name;
use super::model::{AnsibleInventory, Host, StepName, StepRunner, StepSpec};
use super::raw::{RawFleet, S};
use super::values::Ctx;

/// The program that reads an inventory.
pub const INVENTORY_PROGRAM: &str = "ansible-inventory";

/// Why an inventory could not be read.
#[derive(Debug, Error)]
pub enum InventoryError {
    /// `ansible-inventory` is not on PATH.
    #[error("{INVENTORY_PROGRAM} is not installed (it reads ansible_inventory)")]
    NotInstalled,
    /// It could not be started for another reason.
    #[error("{INVENTORY_PROGRAM} could not be started: {0}")]
    Spawn(String),
    /// It ran and failed; the text is its error output.
    #[error("{INVENTORY_PROGRAM} could not read the inventory: {0}")]
    Failed(String),
    /// Its output was not the JSON of `--list`.
    #[error("{INVENTORY_PROGRAM} --list printed no inventory JSON: {0}")]
    BadJson(String),
}

#[derive(Debug, Default)]
struct Group {
    hosts: Vec<String>,
    children: Vec<String>,
}

/// The document `ansible-inventory --list` prints.
#[derive(Debug, Default)]
pub struct Inventory {
    groups: BTreeMap<String, Group>,
    hostvars: BTreeMap<String, serde_json::Map<String, Value>>,
    /// Every host, in listing order.
    order: Vec<String>,
    /// Group → every host in it or its children.
    members: BTreeMap<String, BTreeSet<String>>,
    /// Group → distance from `all`.
    depth: BTreeMap<String, usize>,
    /// Group → listing position of its first host.
    first: BTreeMap<String, usize>,
    seen: HashSet<String>,
}

impl Inventory {
    /// Runs `ansible-inventory -i PATH --list` in `dir` (the runbook's folder, so its
    /// `ansible.cfg` applies) and parses the result.
    pub fn read(dir: &Path, path: &str) -> Result<Self, InventoryError> {
        let out = Command::new(INVENTORY_PROGRAM)
            .args(["-i", path, "--list"])
            .current_dir(dir)
            .env("ANSIBLE_INVENTORY_UNPARSED_FAILED", "True")
            .env("ANSIBLE_NOCOLOR", "True")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => InventoryError::NotInstalled,
                _ => InventoryError::Spawn(e.to_string()),
            })?;
        if !out.status.success() {
            return Err(InventoryError::Failed(gist(&String::from_utf8_lossy(
                &out.stderr,
            ))));
        }
        Self::from_json(&String::from_utf8_lossy(&out.stdout)).map_err(InventoryError::BadJson)
    }

    /// Parses the `--list` JSON.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let doc: serde_json::Map<String, Value> =
            serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut inv = Inventory::default();
        for (name, value) in &doc {
            if name == "_meta" {
                let vars = value.get("hostvars").and_then(Value::as_object);
                for (host, v) in vars.into_iter().flatten() {
                    let map = v.as_object().cloned().unwrap_or_default();
                    inv.hostvars.insert(host.clone(), map);
                }
                continue;
            }
            let list = |key: &str| -> Vec<String> {
                let items = value.get(key).and_then(Value::as_array);
                items
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            };
            let group = Group {
                hosts: list("hosts"),
                children: list("children"),
            };
            inv.groups.insert(name.clone(), group);
        }
        inv.walk("all", 0, &mut Vec::new());
        // Hosts only in _meta (no group lists them) still belong to the fleet.
        let extra: Vec<String> = inv.hostvars.keys().cloned().collect();
        for host in extra {
            if inv.seen.insert(host.clone()) {
                inv.order.push(host);
            }
        }
        let at: std::collections::HashMap<&str, usize> = inv
            .order
            .iter()
            .enumerate()
            .map(|(i, h)| (h.as_str(), i))
            .collect();
        for (group, members) in &inv.members {
            let first = members.iter().filter_map(|h| at.get(h.as_str())).min();
            inv.first
                .insert(group.clone(), first.copied().unwrap_or(usize::MAX));
        }
        Ok(inv)
    }

    /// Depth-first from `all`, recording listing order, depths and members.
    fn walk(&mut self, name: &str, depth: usize, path: &mut Vec<String>) -> BTreeSet<String> {
        if path.iter().any(|p| p == name) {
            return BTreeSet::new();
        }
        let d = self.depth.entry(name.to_owned()).or_insert(depth);
        *d = (*d).max(depth);
        let (hosts, children) = match self.groups.get(name) {
            Some(g) => (g.hosts.clone(), g.children.clone()),
            None => return BTreeSet::new(),
        };
        let mut members: BTreeSet<String> = BTreeSet::new();
        for h in hosts {
            if self.seen.insert(h.clone()) {
                self.order.push(h.clone());
            }
            members.insert(h);
        }
        path.push(name.to_owned());
        for child in children {
            members.extend(self.walk(&child, depth + 1, path));
        }
        path.pop();
        self.members
            .entry(name.to_owned())
            .or_default()
            .extend(members.iter().cloned());
        members
    }

    /// Every host, in listing order.
    pub fn hosts(&self) -> &[String] {
        &self.order
    }

    /// Group names (not `all` or `ungrouped`), sorted.
    pub fn group_names(&self) -> Vec<&str> {
        self.members
            .keys()
            .map(String::as_str)
            .filter(|g| !matches!(*g, "all" | "ungrouped"))
            .collect()
    }

    /// The labels of `host` (see the module docs).
    pub fn labels(&self, host: &str) -> BTreeMap<String, String> {
        let mut labels = BTreeMap::new();
        let groups: Vec<&str> = self
            .group_names()
            .into_iter()
            .filter(|g| self.members[*g].contains(host))
            .collect();
        let rank = |g: &&str| {
            let depth = self.depth.get(*g).copied().unwrap_or(0);
            let first = self.first.get(*g).copied().unwrap_or(usize::MAX);
            (self.members[*g].len(), usize::MAX - depth, first)
        };
        if let Some(best) = groups.iter().copied().min_by_key(rank) {
            labels.insert("group".to_owned(), best.to_owned());
        }
        for g in &groups {
            labels.insert(format!("group.{g}"), "true".to_owned());
        }
        for (key, value) in self.hostvars.get(host).into_iter().flatten() {
            if let Some(v) = label_value(value).filter(|_| label_key(key)) {
                labels.insert(key.clone(), v);
            }
        }
        labels
    }
}

fn label_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let secret = [
        "pass",
        "secret",
        "token",
        "key",
        "credential",
        "private",
        "auth",
    ];
    !k.starts_with("ansible_") && !secret.iter().any(|s| k.contains(s))
}

fn label_value(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let plain = !text.is_empty()
        && text.len() <= 128
        && !text.chars().any(|c| c.is_whitespace() || c.is_control());
    plain.then_some(text)
}

/// The gist of an error output: its non-empty lines, joined, at most 600 characters.
fn gist(stderr: &str) -> String {
    let text = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    match text.char_indices().nth(600) {
        Some((i, _)) => format!("{} …", &text[..i]),
        None if text.is_empty() => "no error output".to_owned(),
        None => text,
    }
}

/// The fleet of `[fleet] ansible_inventory = ...` (with no `hosts` / `hosts_file`), errors at
/// the key that caused them.
pub fn load_fleet(
    file: &S<String>,
    pattern: Option<&S<String>>,
    ctx: &mut Ctx<'_>,
    dir: &Path,
) -> Option<Vec<Host>> {
    let at = file.span().start;
    let name = file.get_ref();
    let path = dir.join(name);
    if !path.exists() {
        ctx.error(
            at,
            format!("ansible_inventory \"{name}\" does not exist (looked at {})", path.display()),
            "the path is relative to the runbook's folder: fix it, or list the hosts with hosts_file",
        );
        return None;
    }
    let inventory = match Inventory::read(dir, name) {
        Ok(inv) => inv,
        Err(e @ InventoryError::NotInstalled) => {
            ctx.error(at, e.to_string(), "install the Debian package ansible-core (apt-get install ansible-core), or list the hosts with hosts_file");
            return None;
        }
        Err(e) => {
            let help = format!(
                "run `{INVENTORY_PROGRAM} -i {name} --list` in {} to see the whole error",
                dir.display()
            );
            ctx.error(at, format!("ansible_inventory \"{name}\": {e}"), help);
            return None;
        }
    };
    let names = match pattern {
        Some(p) => {
            match inventory.select(p.get_ref()) {
                Ok(names) if names.is_empty() => {
                    let groups = inventory.group_names().join(", ");
                    ctx.error(
                    p.span().start,
                    format!("pattern \"{}\" matches no host of {name}", p.get_ref()),
                    format!("name a group or host of the inventory (groups: {groups}); `,` joins, `&` intersects, `!` excludes"),
                );
                    return None;
                }
                Ok(names) => names,
                Err(e) => {
                    ctx.error(p.span().start, format!("pattern: {e}"), "write an Ansible pattern such as \"web\", \"web:&zone_a\" or \"web,!canary\"");
                    return None;
                }
            }
        }
        None => inventory.hosts().to_vec(),
    };
    if names.is_empty() {
        ctx.error(
            at,
            format!("the fleet is empty: the inventory {name} has no host"),
            "add hosts to the inventory, or fix the path",
        );
        return None;
    }
    if let Some(bad) = names.iter().find(|h| !valid_host_name(h)) {
        ctx.error(at, format!("host name `{bad}` in {name} is refused"), "host names may hold only letters, digits, '.', '_', ':' and '-', and may not start with '-'");
        return None;
    }
    Some(
        names
            .into_iter()
            .map(|name| Host {
                labels: inventory.labels(&name),
                name,
            })
            .collect(),
    )
}

/// Warns about a `pattern` that selects nothing because the fleet is not the inventory, and
/// errors on one with no inventory at all.
pub fn check_pattern(f: &RawFleet, ctx: &mut Ctx<'_>) {
    let Some(p) = &f.pattern else { return };
    if f.ansible_inventory.is_none() {
        ctx.error(p.span().start, "`pattern` in [fleet] needs ansible_inventory", "add ansible_inventory = \"inventory.ini\" (the pattern selects its hosts), or remove pattern");
    } else if f.hosts.is_some() || f.hosts_file.is_some() {
        ctx.warn(p.span().start, "`pattern` is not used: the fleet comes from hosts / hosts_file, not from ansible_inventory", "remove hosts / hosts_file to take the fleet from the inventory, or remove pattern");
    }
}

/// The inventory `[fleet]` names, if any.
pub fn declared(fleet: Option<&S<RawFleet>>) -> Option<AnsibleInventory> {
    let f = fleet?.get_ref();
    Some(AnsibleInventory {
        path: f.ansible_inventory.as_ref()?.get_ref().clone(),
        pattern: f.pattern.as_ref().map(|p| p.get_ref().clone()),
        fleet: f.hosts.is_none() && f.hosts_file.is_none(),
    })
}

/// Ansible steps with no `inventory` of their own use the fleet's.
pub fn inherit(steps: &mut BTreeMap<StepName, StepSpec>, inventory: Option<&AnsibleInventory>) {
    let Some(inv) = inventory else { return };
    for step in steps.values_mut() {
        if let StepRunner::Ansible {
            inventory: i @ None,
            ..
        } = &mut step.runner
        {
            *i = Some(inv.path.clone());
        }
    }
}

mod pattern;

#[cfg(test)]
#[path = "inventory_tests.rs"]
mod tests;
