//! Inventory parsing, patterns and labels against `ansible-inventory --list` output.

use super::*;

/// `ansible-inventory --list` of:
/// ```ini
/// [web]
/// web-003 zone=a
/// web-001 zone=a
/// web-002 zone=b rack=r1
/// [canary]
/// web-002
/// [db]
/// db-001 ansible_password=hunter2 db_token=t0k
/// [zone_a:children]
/// web
/// [zone_a:vars]
/// tier=front
/// ```
const LIST: &str = r#"{
    "_meta": {"hostvars": {
        "db-001": {"ansible_password": "hunter2", "db_token": "t0k", "motd": "two words", "ports": [1, 2]},
        "web-001": {"tier": "front", "zone": "a"},
        "web-002": {"rack": "r1", "tier": "front", "zone": "b", "weight": 3, "primary": true},
        "web-003": {"tier": "front", "zone": "a"}
    }},
    "all": {"children": ["ungrouped", "canary", "db", "zone_a"]},
    "canary": {"hosts": ["web-002"]},
    "db": {"hosts": ["db-001"]},
    "web": {"hosts": ["web-003", "web-001", "web-002"]},
    "zone_a": {"children": ["web"]}
}"#;

fn inv() -> Inventory {
    Inventory::from_json(LIST).unwrap_or_default()
}

fn sel(p: &str) -> Vec<String> {
    inv().select(p).unwrap_or_default()
}

#[test]
fn hosts_come_in_listing_order_once_each() {
    assert_eq!(inv().hosts(), ["web-002", "db-001", "web-003", "web-001"]);
    assert_eq!(inv().group_names(), ["canary", "db", "web", "zone_a"]);
}

#[test]
fn patterns_follow_ansible_union_intersection_and_exclusion() {
    assert_eq!(sel("web"), ["web-002", "web-003", "web-001"]);
    assert_eq!(sel("zone_a"), sel("web"));
    assert_eq!(sel("web:!canary"), ["web-003", "web-001"]);
    assert_eq!(sel("web,!canary"), ["web-003", "web-001"]);
    assert_eq!(sel("db,canary"), ["web-002", "db-001"]);
    assert_eq!(sel("web:&canary"), ["web-002"]);
    assert_eq!(sel("!db"), ["web-002", "web-003", "web-001"]);
    assert_eq!(sel("all"), inv().hosts());
    assert_eq!(sel("web-00*"), ["web-002", "web-003", "web-001"]);
    assert_eq!(sel("~web-00[12]"), ["web-002", "web-001"]);
    assert_eq!(sel("web-001"), ["web-001"]);
    assert!(sel("nothing").is_empty());
    assert_eq!(
        inv().select("web[0:1]"),
        Err(PatternError::Subscript("web[0:1]".into()))
    );
    assert!(matches!(
        inv().select("~web("),
        Err(PatternError::BadRegex(..))
    ));
}

#[test]
fn groups_and_plain_host_vars_become_labels() {
    let l = inv().labels("web-002");
    let get = |k: &str| l.get(k).map(String::as_str);
    assert_eq!(get("group"), Some("canary"), "the smallest group: {l:?}");
    for g in ["canary", "web", "zone_a"] {
        assert_eq!(get(&format!("group.{g}")), Some("true"), "{l:?}");
    }
    assert_eq!(get("group.db"), None);
    assert_eq!(get("zone"), Some("b"));
    assert_eq!(get("weight"), Some("3"));
    assert_eq!(get("primary"), Some("true"));
    // A child group is more specific than its parent with the same hosts.
    assert_eq!(
        inv().labels("web-001").get("group").map(String::as_str),
        Some("web")
    );
}

#[test]
fn connection_settings_secrets_and_odd_values_are_not_labels() {
    let l = inv().labels("db-001");
    assert_eq!(l.get("group").map(String::as_str), Some("db"));
    for k in ["ansible_password", "db_token", "motd", "ports"] {
        assert!(!l.contains_key(k), "{k} in {l:?}");
    }
}

#[test]
fn a_cycle_or_an_unknown_child_does_not_hang() {
    let text = r#"{"all": {"children": ["a"]}, "a": {"hosts": ["h1"], "children": ["b", "ghost"]},
                  "b": {"hosts": ["h2"], "children": ["a"]}}"#;
    let inv = Inventory::from_json(text).unwrap_or_default();
    assert_eq!(inv.hosts(), ["h1", "h2"]);
    assert_eq!(inv.select("a").unwrap_or_default(), ["h1", "h2"]);
}

#[test]
fn bad_json_is_an_error() {
    assert!(Inventory::from_json("[WARNING]: nope").is_err());
}
