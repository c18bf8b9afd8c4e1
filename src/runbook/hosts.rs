//! The fleet: hosts written inline (`hosts = [...]`), in a hosts file of `name key=value ...`
//! lines with `#` comments (errors point into the file they are in), or read from an Ansible
//! inventory (`ansible_inventory`, see `inventory`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::diagnostic::Diagnostic;
use super::model::Host;
use super::raw::{RawFleet, S};
use super::values::Ctx;

/// True when `name` is a safe host name: only `[A-Za-z0-9._:-]`, not starting with `-`
/// (a step would read that as an option).
pub fn valid_host_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// A problem in one host line: byte offset within the line, message, fix.
struct LineError {
    at: usize,
    message: String,
    help: String,
}

/// Parses `web-001 zone=a group=canary` (a trailing `# comment` is ignored). `None` for a
/// blank or comment line.
fn parse_line(line: &str) -> Option<Result<(Host, usize), LineError>> {
    let content = match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    };
    let mut words = content.split_whitespace().map(|w| {
        let at = w.as_ptr() as usize - line.as_ptr() as usize;
        (at, w)
    });
    let (name_at, name) = words.next()?;
    if !valid_host_name(name) {
        return Some(Err(LineError {
            at: name_at,
            message: format!("invalid host name `{name}`"),
            help: "host names may hold only letters, digits, '.', '_', ':' and '-', and may not start with '-'".into(),
        }));
    }
    let mut labels = BTreeMap::new();
    for (at, word) in words {
        let Some((k, v)) = word.split_once('=') else {
            return Some(Err(LineError {
                at,
                message: format!("`{word}` after host `{name}` is not a label"),
                help: "write labels as key=value (e.g. zone=a group=canary); one host per line"
                    .into(),
            }));
        };
        if k.is_empty() || v.is_empty() {
            return Some(Err(LineError {
                at,
                message: format!("label `{word}` of host `{name}` needs a key and a value"),
                help: "write labels as key=value, e.g. group=canary".into(),
            }));
        }
        labels.insert(k.to_string(), v.to_string());
    }
    Some(Ok((
        Host {
            name: name.to_string(),
            labels,
        },
        name_at,
    )))
}

/// Where a host was written, to name both places of a duplicate.
struct Seen {
    line: usize,
}

/// Reads the fleet of `[fleet]`; `dir` is the runbook's folder. Errors go to `ctx`.
pub fn load_fleet(fleet: Option<&S<RawFleet>>, ctx: &mut Ctx<'_>, dir: &Path) -> Option<Vec<Host>> {
    let Some(fleet) = fleet else {
        ctx.error(
            0,
            "the runbook has no [fleet]",
            "add [fleet] with hosts = [\"web-001\", ...] or hosts_file = \"inventory/web.txt\"",
        );
        return None;
    };
    let f = fleet.get_ref();
    super::inventory::check_pattern(f, ctx);
    match (&f.hosts, &f.hosts_file) {
        (Some(_), Some(file)) => {
            ctx.error(
                file.span().start,
                "[fleet] has both `hosts` and `hosts_file`",
                "keep one of them: the hosts inline, or a hosts file",
            );
            None
        }
        (Some(hosts), None) => inline_hosts(hosts, ctx),
        (None, Some(file)) => hosts_file(file, ctx, dir),
        (None, None) if f.ansible_inventory.is_some() => f
            .ansible_inventory
            .as_ref()
            .and_then(|file| super::inventory::load_fleet(file, f.pattern.as_ref(), ctx, dir)),
        (None, None) => {
            ctx.error(
                fleet.span().start,
                "[fleet] names no hosts",
                "add hosts = [\"web-001\", ...], hosts_file = \"inventory/web.txt\" or ansible_inventory = \"inventory.ini\"",
            );
            None
        }
    }
}

fn inline_hosts(hosts: &S<Vec<S<String>>>, ctx: &mut Ctx<'_>) -> Option<Vec<Host>> {
    if hosts.get_ref().is_empty() {
        ctx.error(
            hosts.span().start,
            "the fleet is empty: `hosts` lists no host",
            "list the hosts, e.g. hosts = [\"web-001 zone=a\", \"web-002 zone=b\"]",
        );
        return None;
    }
    let before = ctx.error_count();
    let mut out: Vec<Host> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for entry in hosts.get_ref() {
        let at = entry.span().start;
        // Offsets inside the entry map onto the source when the string has no escapes.
        let src = &ctx.text[entry.span()];
        let inner = |off: usize| if src.contains('\\') { at } else { at + 1 + off };
        match parse_line(entry.get_ref()) {
            None => ctx.error(
                at,
                "empty host entry in `hosts`",
                "remove it, or write a host name",
            ),
            Some(Err(e)) => ctx.error(inner(e.at), e.message, e.help),
            Some(Ok((host, off))) => {
                if let Some(&first) = seen.get(&host.name) {
                    let (line, col) = super::diagnostic::line_col(ctx.text, first);
                    ctx.error(
                        inner(off),
                        format!(
                            "duplicate host `{}`: also listed at {line}:{col}",
                            host.name
                        ),
                        "a host can be in the fleet only once: remove one of the two",
                    );
                } else {
                    seen.insert(host.name.clone(), inner(off));
                    out.push(host);
                }
            }
        }
    }
    (ctx.error_count() == before).then_some(out)
}

fn hosts_file(file: &S<String>, ctx: &mut Ctx<'_>, dir: &Path) -> Option<Vec<Host>> {
    let path: PathBuf = dir.join(file.get_ref());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            ctx.error(
                file.span().start,
                format!(
                    "hosts_file \"{}\" cannot be read: {e} (looked at {})",
                    file.get_ref(),
                    path.display()
                ),
                "the path is relative to the runbook's folder: create the file or fix the path",
            );
            return None;
        }
    };
    let mut out = Vec::new();
    let mut seen: HashMap<String, Seen> = HashMap::new();
    let mut errors = Vec::new();
    let mut line_start = 0;
    for (n, line) in text.split('\n').enumerate() {
        let line_no = n + 1;
        match parse_line(line.trim_end_matches('\r')) {
            None => {}
            Some(Err(e)) => errors.push(
                Diagnostic::error_at(&path, &text, line_start + e.at, e.message).with_help(e.help),
            ),
            Some(Ok((host, at))) => {
                if let Some(first) = seen.get(&host.name) {
                    errors.push(
                        Diagnostic::error_at(
                            &path,
                            &text,
                            line_start + at,
                            format!(
                                "duplicate host `{}`: also on line {}",
                                host.name, first.line
                            ),
                        )
                        .with_help(
                            "a host can be in the fleet only once: remove one of the two lines",
                        ),
                    );
                } else {
                    seen.insert(host.name.clone(), Seen { line: line_no });
                    out.push(host);
                }
            }
        }
        line_start += line.len() + 1;
    }
    if out.is_empty() && errors.is_empty() {
        ctx.error(
            file.span().start,
            format!("the fleet is empty: {} lists no host", path.display()),
            "write one host per line: `web-001 zone=a group=canary`",
        );
        return None;
    }
    let ok = errors.is_empty();
    ctx.diags.extend(errors);
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_lines_carry_labels_and_skip_comments() {
        let (h, at) = parse_line("  web-001 zone=a group=canary # first")
            .unwrap()
            .ok()
            .unwrap();
        assert_eq!(h.name, "web-001");
        assert_eq!(at, 2);
        assert_eq!(h.labels.get("group").map(String::as_str), Some("canary"));
        assert!(parse_line("# only a comment").is_none());
        assert!(parse_line("   ").is_none());
    }

    #[test]
    fn bad_names_and_labels_point_at_the_word() {
        let e = parse_line("web-1 zone").unwrap().err().unwrap();
        assert_eq!(e.at, 6);
        let e = parse_line("web;rm zone=a").unwrap().err().unwrap();
        assert!(e.message.contains("invalid host name `web;rm`"));
        assert!(!valid_host_name("-rf"));
        assert!(valid_host_name("10.0.0.1:9100"));
    }
}
