//! `ripcord check` and `ripcord plan` on fixture runbooks: one bad fixture per class of bad
//! input, each asserting the exact file:line:col, message and fix; exit codes; `plan --json`.

use crate::common::{repo, ripcord};

/// Runs the real binary from the repository root; returns (exit code, stdout, stderr).
fn cli(args: &[&str]) -> (i32, String, String) {
    let state = tempfile::tempdir().expect("tempdir");
    let out = ripcord()
        .current_dir(repo())
        .env("RIPCORD_STATE_DIR", state.path())
        .args(args)
        .output()
        .expect("run ripcord");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `check` of one bad fixture: exit 1, exactly these diagnostics (each `error: ...` line with
/// its `help:` line), and the verdict line.
fn check_fails_with(fixture: &str, expected: &[&str]) {
    let path = format!("tests/fixtures/bad/{fixture}");
    let (code, stdout, stderr) = cli(&["check", &path]);
    assert_eq!(code, 1, "exit code for {fixture}\n{stdout}{stderr}");
    let body: Vec<&str> = stdout.lines().collect();
    let want: Vec<String> = expected
        .iter()
        .flat_map(|e| e.lines().map(str::to_string))
        .collect();
    let errors = expected.iter().filter(|e| e.starts_with("error:")).count();
    let plural = if errors == 1 { "" } else { "s" };
    let verdict = format!("invalid: {path} ({errors} error{plural})");
    assert_eq!(body[..body.len() - 1], want[..], "diagnostics of {fixture}");
    assert_eq!(body[body.len() - 1], verdict);
}

#[test]
fn unknown_key_names_its_position_and_the_closest_key() {
    check_fails_with(
        "unknown_key.toml",
        &[
            "error: tests/fixtures/bad/unknown_key.toml:12:1: unknown key `sok` in [[wave]]\n  help: did you mean `soak`?",
        ],
    );
}

#[test]
fn unknown_table_names_the_closest_table() {
    check_fails_with(
        "unknown_table.toml",
        &[
            "error: tests/fixtures/bad/unknown_table.toml:10:2: unknown table [step]\n  help: did you mean [steps]?",
        ],
    );
}

#[test]
fn bad_durations_are_each_reported_with_a_respelling() {
    check_fails_with(
        "bad_duration.toml",
        &[
            "error: tests/fixtures/bad/bad_duration.toml:12:8: `soak`: bad duration \"10 min\": \"10\" has no unit; add one of ms, s, m, h, d (e.g. \"10s\")\n  help: did you mean \"10m\"? durations are a number and a unit (ms, s, m, h, d) with no space",
            "error: tests/fixtures/bad/bad_duration.toml:16:11: `timeout`: bad duration \"5x\": unknown unit \"x\"; use ms, s, m, h or d\n  help: durations are a number and a unit (ms, s, m, h, d), e.g. \"90s\", \"15m\", \"1h30m\"",
        ],
    );
}

#[test]
fn percentages_over_100_or_under_0_are_refused() {
    check_fails_with(
        "percent_over_100.toml",
        &[
            "error: tests/fixtures/bad/percent_over_100.toml:11:8: `size` = \"150%\": a percentage cannot be over 100%\n  help: write a percentage from 1% to 100%, or \"rest\" / a host count",
        ],
    );
    check_fails_with(
        "percent_under_0.toml",
        &[
            "error: tests/fixtures/bad/percent_under_0.toml:8:14: `max_failed` = \"-5%\": a percentage cannot be under 0%\n  help: write a percentage from 0% to 100%",
        ],
    );
}

#[test]
fn waves_that_leave_hosts_unplaced_point_at_the_last_wave() {
    check_fails_with(
        "unplaced_hosts.toml",
        &[
            "error: tests/fixtures/bad/unplaced_hosts.toml:13:1: the waves leave 7 of 10 hosts unplaced (first: web-4)\n  help: add a last [[wave]] with size = \"rest\", or make the sizes add up",
        ],
    );
}

#[test]
fn waves_that_overflow_the_fleet_are_refused() {
    check_fails_with(
        "overflowing_waves.toml",
        &[
            "error: tests/fixtures/bad/overflowing_waves.toml:14:8: wave 2 asks for 5 hosts but only 2 are left after the waves before it\n  help: the fleet has 10 hosts: shrink this wave or the ones before it, or write size = \"rest\"",
        ],
    );
    check_fails_with(
        "empty_wave.toml",
        &[
            "error: tests/fixtures/bad/empty_wave.toml:13:1: wave 2 gets no host\n  help: earlier waves already took every host; remove it",
        ],
    );
    check_fails_with(
        "small_fleet_default_waves.toml",
        &[
            "error: tests/fixtures/bad/small_fleet_default_waves.toml:3:8: the high-risk default waves (1%, 10%, 30%, rest) leave wave 3 empty: the fleet has only 2 hosts\n  help: write [[wave]]s that fit this fleet, e.g. [[wave]] size = 1, then [[wave]] size = \"rest\"",
        ],
    );
}

#[test]
fn an_empty_fleet_is_refused_inline_or_from_a_file() {
    check_fails_with(
        "empty_fleet.toml",
        &[
            "error: tests/fixtures/bad/empty_fleet.toml:8:9: the fleet is empty: `hosts` lists no host\n  help: list the hosts, e.g. hosts = [\"web-001 zone=a\", \"web-002 zone=b\"]",
        ],
    );
    check_fails_with(
        "empty_hosts_file.toml",
        &[
            "error: tests/fixtures/bad/empty_hosts_file.toml:8:14: the fleet is empty: tests/fixtures/bad/hosts/empty.txt lists no host\n  help: write one host per line: `web-001 zone=a group=canary`",
        ],
    );
}

#[test]
fn duplicate_hosts_name_both_lines() {
    check_fails_with(
        "duplicate_host.toml",
        &[
            "error: tests/fixtures/bad/hosts/duplicate.txt:5:3: duplicate host `web-1`: also on line 2\n  help: a host can be in the fleet only once: remove one of the two lines",
        ],
    );
    check_fails_with(
        "duplicate_host_inline.toml",
        &[
            "error: tests/fixtures/bad/duplicate_host_inline.toml:11:6: duplicate host `web-1`: also listed at 9:6\n  help: a host can be in the fleet only once: remove one of the two",
        ],
    );
}

#[test]
fn invalid_host_names_and_labels_point_into_the_file_they_are_in() {
    check_fails_with(
        "invalid_host_name.toml",
        &[
            "error: tests/fixtures/bad/invalid_host_name.toml:8:20: invalid host name `web-2;reboot`\n  help: host names may hold only letters, digits, '.', '_', ':' and '-', and may not start with '-'",
        ],
    );
    check_fails_with(
        "invalid_host_in_file.toml",
        &[
            "error: tests/fixtures/bad/hosts/invalid.txt:2:1: invalid host name `-rf`\n  help: host names may hold only letters, digits, '.', '_', ':' and '-', and may not start with '-'",
            "error: tests/fixtures/bad/hosts/invalid.txt:3:7: `zone` after host `web-3` is not a label\n  help: write labels as key=value (e.g. zone=a group=canary); one host per line",
        ],
    );
}

#[test]
fn a_missing_hosts_file_names_the_resolved_path() {
    let (code, stdout, _) = cli(&["check", "tests/fixtures/bad/hosts_file_missing.toml"]);
    assert_eq!(code, 1);
    assert!(stdout.starts_with("error: tests/fixtures/bad/hosts_file_missing.toml:8:14: hosts_file \"inventory/nowhere.txt\" cannot be read: "), "{stdout}");
    assert!(
        stdout.contains("(looked at tests/fixtures/bad/inventory/nowhere.txt)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("help: the path is relative to the runbook's folder"),
        "{stdout}"
    );
}

#[test]
fn unknown_placeholders_suggest_the_closest_one() {
    check_fails_with(
        "unknown_step_placeholder.toml",
        &[
            "error: tests/fixtures/bad/unknown_step_placeholder.toml:11:34: unknown placeholder `{hots}` in [steps.upgrade]\n  help: did you mean `{host}`? placeholders here: {host} {hosts} {wave} {run} {step}; write {{ and }} for literal braces",
        ],
    );
    check_fails_with(
        "unknown_query_placeholder.toml",
        &[
            "error: tests/fixtures/bad/unknown_query_placeholder.toml:18:62: unknown placeholder `{upgarded}` in the query\n  help: did you mean `{upgraded}`? placeholders in queries: {upgraded} {wave} {pending} {host}",
        ],
    );
}

#[test]
fn host_placeholders_must_fit_how_the_step_or_rule_runs() {
    check_fails_with(
        "hosts_in_per_host_step.toml",
        &[
            "error: tests/fixtures/bad/hosts_in_per_host_step.toml:11:55: `{hosts}` in [steps.upgrade], a per = \"host\" step\n  help: a per-host step acts on one host: use {host}, or set per = \"wave\" to run once for the wave's hosts",
        ],
    );
    check_fails_with(
        "host_in_per_wave_step.toml",
        &[
            "error: tests/fixtures/bad/host_in_per_wave_step.toml:11:25: `{host}` in [steps.upgrade], a per = \"wave\" step\n  help: a per-wave step acts on all the wave's hosts: use {hosts} (comma-separated), or set per = \"host\"",
        ],
    );
    check_fails_with(
        "host_in_query_without_per_host.toml",
        &[
            "error: tests/fixtures/bad/host_in_query_without_per_host.toml:18:24: `{host}` in a query without per_host = true\n  help: add per_host = true to judge each upgraded host on its own, or use {upgraded} for all of them",
        ],
    );
}

#[test]
fn upgrade_and_rollback_steps_are_required() {
    check_fails_with(
        "missing_upgrade.toml",
        &[
            "error: tests/fixtures/bad/missing_upgrade.toml:10:2: the runbook has no [steps.upgrade]\n  help: add [steps.upgrade] with run = [\"./scripts/upgrade.sh\", \"{host}\"] and a timeout",
        ],
    );
    check_fails_with(
        "missing_rollback_high_risk.toml",
        &[
            "error: tests/fixtures/bad/missing_rollback_high_risk.toml:16:2: a high-risk plan needs [steps.rollback]\n  help: add [steps.rollback] run = [\"./scripts/rollback.sh\", \"{host}\"]: the policy offers a rollback on every failure and breach",
        ],
    );
}

#[test]
fn secrets_written_inline_are_refused_without_being_repeated() {
    check_fails_with(
        "secret_notify_url.toml",
        &[
            "error: tests/fixtures/bad/secret_notify_url.toml:16:7: `url` in [[notify]]: a webhook URL is a secret and is never written in the runbook\n  help: put the URL in an environment variable and write url_env = \"RIPCORD_SLACK_URL\", or in a 0600 file and write url_file = \"/etc/ripcord/slack.url\"",
        ],
    );
    check_fails_with(
        "secret_inline_values.toml",
        &[
            "error: tests/fixtures/bad/secret_inline_values.toml:11:34: `run` in [steps.upgrade] holds a credential (`token=`, `password=` ...): secrets never go in the runbook\n  help: runbooks are shared and copied into journals: keep the secret in an environment variable or a 0600 file, and name that here",
            "error: tests/fixtures/bad/secret_inline_values.toml:12:21: `API_TOKEN` in [steps.upgrade.env] holds a secret-named environment value: secrets never go in the runbook\n  help: steps inherit ripcord's environment: export the secret before starting ripcord, and drop it from `env`",
            "error: tests/fixtures/bad/secret_inline_values.toml:15:7: `url` in [prometheus] holds a credential (`token=`, `password=` ...): secrets never go in the runbook\n  help: give Prometheus credentials with bearer_token_env, bearer_token_file or basic_user + basic_password_env",
        ],
    );
    let (_, stdout, _) = cli(&["check", "tests/fixtures/bad/secret_inline_values.toml"]);
    for secret in ["hunter2", "s3cr3t-value", "abcdef123456"] {
        assert!(
            !stdout.contains(secret),
            "the secret {secret} was printed:\n{stdout}"
        );
    }
}

#[test]
fn a_shell_step_needs_an_explicit_acknowledgement() {
    check_fails_with(
        "shell_without_ack.toml",
        &[
            "error: tests/fixtures/bad/shell_without_ack.toml:12:9: `shell = true` in [steps.upgrade] needs shell_acknowledged = true\n  help: steps are argv arrays so a host name can never be split or run as code; if this step truly needs a shell, add shell_acknowledged = true beside shell = true",
        ],
    );
}

#[test]
fn bad_thresholds_empty_commands_and_unknown_words_are_refused() {
    check_fails_with(
        "bad_threshold.toml",
        &[
            "error: tests/fixtures/bad/bad_threshold.toml:19:10: `breach`: threshold \"above 5%\" must start with >, >=, < or <=, e.g. \"> 0.05\" or \"> 2x baseline\"\n  help: a threshold is a comparison and a number: \"> 0.05\", \"< 0.999\", \"> 5%\" or \"> 2x baseline\"",
        ],
    );
    check_fails_with(
        "empty_argv.toml",
        &[
            "error: tests/fixtures/bad/empty_argv.toml:11:7: `run` in [steps.upgrade] is an empty command\n  help: give at least the program: run = [\"./scripts/upgrade.sh\", \"{host}\"]",
        ],
    );
    check_fails_with(
        "unknown_risk.toml",
        &[
            "error: tests/fixtures/bad/unknown_risk.toml:3:8: `risk` = \"hgih\" is not a valid value\n  help: did you mean \"high\"? (one of: high, medium, low)",
        ],
    );
}

#[test]
fn a_drill_names_a_scenario_and_a_wave_the_plan_has() {
    check_fails_with(
        "bad_drill.toml",
        &[
            "error: tests/fixtures/bad/bad_drill.toml:19:9: `fault` = \"5xx; rm -rf\" is not a scenario name\n  help: use letters, digits, - and _ only, e.g. \"5xx\" or \"slow-burn\" (the simulator knows 5xx, latency, boot, slow-burn, one-bad-host)",
            "error: tests/fixtures/bad/bad_drill.toml:20:8: `wave` = 3: the plan has 2 wave(s)\n  help: name a wave from 1 to 2: the fault is injected when it starts",
        ],
    );
}

#[test]
fn syntax_and_type_errors_name_the_key_and_how_to_write_it() {
    check_fails_with(
        "syntax_error.toml",
        &[
            "error: tests/fixtures/bad/syntax_error.toml:8:26: invalid TOML: unclosed array, expected `]`\n  help: fix the TOML syntax here (strings in quotes, one key = value a line, [table] headers)",
        ],
    );
    check_fails_with(
        "wrong_types.toml",
        &[
            "error: tests/fixtures/bad/wrong_types.toml:5:12: `reviewed` in [plan]: invalid type: string \"2026-11-01\", expected a TOML datetime\n  help: write a bare TOML date, without quotes: reviewed = 2026-10-01",
            "error: tests/fixtures/bad/wrong_types.toml:12:12: `parallel` in [[wave]]: invalid type: string \"5\", expected i64\n  help: write a whole number without quotes: parallel = 5",
        ],
    );
}

#[test]
fn every_problem_of_a_file_is_reported_in_one_check() {
    check_fails_with(
        "many_errors.toml",
        &[
            "error: tests/fixtures/bad/many_errors.toml:4:15: `environment` = \"prod\" is not a valid value\n  help: did you mean \"production\"? (one of: production, staging, test)",
            "error: tests/fixtures/bad/many_errors.toml:8:8: `soak`: bad duration \"30 minutes\": \"30\" has no unit; add one of ms, s, m, h, d (e.g. \"30s\")\n  help: did you mean \"30m\"? durations are a number and a unit (ms, s, m, h, d) with no space",
            "error: tests/fixtures/bad/many_errors.toml:11:29: duplicate host `web-1`: also listed at 11:11\n  help: a host can be in the fleet only once: remove one of the two",
            "error: tests/fixtures/bad/many_errors.toml:15:1: unknown key `paralel` in [[wave]]\n  help: did you mean `parallel`?",
            "error: tests/fixtures/bad/many_errors.toml:21:25: unknown placeholder `{hots}` in [steps.upgrade]\n  help: did you mean `{host}`? placeholders here: {host} {hosts} {wave} {run} {step}; write {{ and }} for literal braces",
        ],
    );
}

#[test]
fn check_exits_0_with_warnings_and_1_when_any_file_is_invalid() {
    let (code, stdout, _) = cli(&["check", "tests/fixtures/good/warnings.toml"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains(
            "warning: tests/fixtures/good/warnings.toml:7:12: the plan was last reviewed "
        ),
        "{stdout}"
    );
    assert!(stdout.contains("warning: tests/fixtures/good/warnings.toml:12:2: a high-risk plan without [steps.verify_backup]"), "{stdout}");
    assert!(stdout.contains("warning: tests/fixtures/good/warnings.toml:21:1: watch \"connections\" has no `breach` rule"), "{stdout}");
    assert!(
        stdout.ends_with("ok: tests/fixtures/good/warnings.toml (10 hosts, 4 waves, 3 warnings)\n"),
        "{stdout}"
    );

    let (code, stdout, _) = cli(&[
        "check",
        "tests/fixtures/good/minimal.toml",
        "tests/fixtures/bad/unknown_key.toml",
    ]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("ok: tests/fixtures/good/minimal.toml (3 hosts, 2 waves, 1 warning)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("invalid: tests/fixtures/bad/unknown_key.toml (1 error)"),
        "{stdout}"
    );

    let (code, _, _) = cli(&[
        "check",
        "tests/fixtures/good/everything.toml",
        "tests/fixtures/good/minimal.toml",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn the_shipped_runbooks_pass_check() {
    let mut books: Vec<String> = std::fs::read_dir(repo().join("runbooks"))
        .expect("runbooks/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            format!(
                "runbooks/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            )
        })
        .collect();
    books.sort();
    assert!(!books.is_empty());
    let mut args = vec!["check"];
    args.extend(books.iter().map(String::as_str));
    let (code, stdout, stderr) = cli(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn a_missing_runbook_file_is_an_error_naming_it() {
    let (code, stdout, _) = cli(&["check", "tests/fixtures/bad/does-not-exist.toml"]);
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with(
            "error: tests/fixtures/bad/does-not-exist.toml: cannot read the runbook: "
        ),
        "{stdout}"
    );
}

#[test]
fn plan_of_an_invalid_runbook_exits_1_with_its_diagnostics() {
    let (code, stdout, stderr) = cli(&["plan", "tests/fixtures/bad/unknown_key.toml"]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(stderr.contains("unknown key `sok` in [[wave]]"), "{stderr}");
}

#[test]
fn plan_text_shows_waves_budgets_gates_steps_and_rounding() {
    let (code, stdout, stderr) = cli(&["plan", "tests/fixtures/good/everything.toml"]);
    assert_eq!(code, 0, "{stderr}");
    for expected in [
        "plan: every key  (tests/fixtures/good/everything.toml)",
        "  wave 1 \"canary\": 2 hosts (size select group=canary)",
        "    hosts     web.1, web.2",
        "    failures  halts on the 1st failure: 0 allowed of 2 (max_failed 0) [runbook]",
        "  wave 2: 6 hosts (size 20%)",
        "    failures  halts on the 2nd failure: 1 allowed of 6 (max_failed 1) [runbook]",
        "    gate      starts by itself after wave 2's soak [runbook]",
        "  failures in the run    3                 runbook  the run halts on the 4th failed host: 3 allowed in the whole run",
        "  rollback confirmed by  commander         runbook  only the commander confirms a proposed rollback",
        "    $ ./scripts/snapshot.sh web.1 --tag <run-id>-backup",
        "    up{instance=~\"(?:web[.]1|web[.]2):9100\"}",
        "Ansible's `serial` floors",
        "  ops-chat (slack, internal): status_update, rule_breached, rollback_started · faults from minor · URL from env RIPCORD_SLACK_URL",
        "  vendor support  Database vendor P1 line",
        "Nothing was run.",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in\n{stdout}"
        );
    }
    assert!(
        stdout.contains("  wave 4 \"the rest\": 12 hosts (size rest)"),
        "{stdout}"
    );
}

#[test]
fn plan_text_cuts_long_host_lists_short() {
    let (code, stdout, stderr) = cli(&["plan", "runbooks/demo.toml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("web-029, web-030 … and 10 more\n"),
        "{stdout}"
    );
}

#[test]
fn plan_json_is_format_1_with_full_host_lists_and_resolved_queries() {
    let (code, stdout, stderr) = cli(&["plan", "--json", "tests/fixtures/good/everything.toml"]);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("plan --json is JSON");
    assert_eq!(doc["format"], 1);
    assert_eq!(doc["waves"][3]["hosts"].as_array().map(Vec::len), Some(12));
    assert_eq!(doc["waves"][1]["allowed_failures"], 1);
    assert_eq!(doc["policy"]["on_breach"]["value"], "rollback-wave");
    assert_eq!(doc["policy"]["on_breach"]["origin"], "runbook");
    assert_eq!(doc["policy"]["reverify"]["origin"], "runbook");
    assert_eq!(doc["steps"][0]["example"][1], "web.1");
    assert_eq!(
        doc["rules"][1]["query_wave_1"],
        "up{instance=~\"(?:web[.]1|web[.]2):9100\"}"
    );
}

#[test]
fn plan_json_of_the_demo_runbook_is_stable() {
    let (code, stdout, stderr) = cli(&["plan", "--json", "runbooks/demo.toml"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("plan_json_demo", stdout);
}

#[test]
fn a_soak_shorter_than_the_slowest_rule_is_warned_about() {
    let path = "tests/fixtures/good/soak-shorter-than-for.toml";
    let (code, stdout, _) = cli(&["check", path]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains(&format!(
            "warning: {path}:11:1: wave 1 soaks 10s but rule \"errors\" needs 2m of breach to fire"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("help: soak at least 2m"), "{stdout}");
    assert!(
        !stdout.contains("wave 2 soaks"),
        "wave 2 soaks long enough: {stdout}"
    );
}
