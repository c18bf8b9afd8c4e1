//! `[fleet] ansible_inventory` + `pattern`: `check` and `plan` take the fleet from the real
//! `ansible-inventory --list`, with groups and host vars as wave selectors.

use std::path::Path;

use super::Lab;
use crate::common::ripcord;

fn runbook(lab: &Lab, fleet: &str, waves: &str) -> String {
    let text = format!(
        r#"[plan]
name = "inventory fleet"
risk = "low"
environment = "test"
reviewed = 2026-11-01

[fleet]
{fleet}

{waves}

[steps.upgrade]
kind = "ansible"
playbook = "upgrade.yml"
extra_vars = {{ marker_dir = "m", ripcord_wave = "{{wave}}" }}
timeout = "5m"
"#
    );
    std::fs::write(lab.path().join("plan.toml"), text).expect("write runbook");
    lab.path().join("plan.toml").display().to_string()
}

fn cli(dir: &Path, args: &[&str], path_env: Option<&str>) -> (i32, String, String) {
    let mut cmd = ripcord();
    cmd.current_dir(dir)
        .env("RIPCORD_STATE_DIR", dir.join("state"))
        .args(args);
    if let Some(p) = path_env {
        cmd.env("PATH", p);
    }
    let out = cmd.output().expect("run ripcord");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const ZONES: &str = r#"[[wave]]
name = "canary"
select = { group = "canary" }
soak = "0s"
[[wave]]
name = "zone a"
select = { zone = "a" }
soak = "0s"
[[wave]]
name = "zone b"
select = { "group.web" = "true", zone = "b" }
soak = "0s"
"#;

#[test]
fn check_and_plan_take_the_fleet_from_the_inventory_by_group_and_zone() {
    let lab = Lab::new();
    let book = runbook(
        &lab,
        "ansible_inventory = \"inventory.ini\"\npattern = \"web\"",
        ZONES,
    );
    let (code, stdout, stderr) = cli(lab.path(), &["check", &book], None);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("(20 hosts, 3 waves"), "{stdout}");

    let (code, stdout, stderr) = cli(lab.path(), &["plan", "--json", &book], None);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("plan --json");
    let hosts = |w: usize| -> Vec<String> {
        doc["waves"][w]["hosts"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|h| h.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(hosts(0), ["web-01", "web-02"], "the Ansible group canary");
    assert_eq!(
        hosts(1),
        super::web(3..=10),
        "zone=a from host vars, canary already placed"
    );
    assert_eq!(hosts(2), super::web(11..=20));
    assert!(
        !stdout.contains("ghost"),
        "the pattern leaves the lost group out"
    );
}

#[test]
fn inventory_problems_point_at_the_key_and_say_what_to_do() {
    let lab = Lab::new();
    let rest = "[[wave]]\nsize = \"rest\"\nsoak = \"0s\"\n";

    let book = runbook(&lab, "ansible_inventory = \"nowhere.ini\"", rest);
    let (code, stdout, _) = cli(lab.path(), &["check", &book], None);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(&format!(
            "error: {book}:8:21: ansible_inventory \"nowhere.ini\" does not exist"
        )),
        "{stdout}"
    );

    let book = runbook(
        &lab,
        "ansible_inventory = \"inventory.ini\"\npattern = \"db:&web\"",
        rest,
    );
    let (code, stdout, _) = cli(lab.path(), &["check", &book], None);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(&format!(
            "error: {book}:9:11: pattern \"db:&web\" matches no host of inventory.ini"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("groups: canary, lost, web"), "{stdout}");

    let book = runbook(&lab, "ansible_inventory = \"inventory.ini\"", rest);
    let (code, stdout, _) = cli(lab.path(), &["check", &book], Some("/nonexistent"));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("ansible-inventory is not installed")
            && stdout.contains("install the Debian package ansible-core"),
        "{stdout}"
    );

    let book = runbook(&lab, "hosts = [\"a\"]\npattern = \"web\"", rest);
    let (code, stdout, _) = cli(lab.path(), &["check", &book], None);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("`pattern` in [fleet] needs ansible_inventory"),
        "{stdout}"
    );
}
