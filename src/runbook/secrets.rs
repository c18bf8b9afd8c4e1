//! Finds secrets written inline in a runbook (DESIGN §3 rule 10): webhook URLs with their
//! token, credentials in URLs, `token=` / `password=` values, bearer tokens, and secret-named
//! step environment values. The secret itself is never repeated in the message.

use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::diagnostic::Diagnostic;

/// What kind of secret a text holds, if any.
pub fn secret_in(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    const HOOKS: &[(&str, &str)] = &[
        ("hooks.slack.com/", "a Slack webhook URL"),
        (
            "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=",
            "a WeCom robot URL with its key",
        ),
        (
            "oapi.dingtalk.com/robot/send?access_token=",
            "a DingTalk robot URL with its token",
        ),
        ("discord.com/api/webhooks/", "a Discord webhook URL"),
        ("webhook.office.com/", "a Teams webhook URL"),
    ];
    if let Some((_, what)) = HOOKS.iter().find(|(needle, _)| lower.contains(needle)) {
        return Some(what);
    }
    if let Some(rest) = lower.split("://").nth(1) {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') && authority.split('@').next().is_some_and(|u| u.contains(':')) {
            return Some("a URL with a user name and password");
        }
    }
    for key in [
        "access_token=",
        "token=",
        "api_key=",
        "apikey=",
        "password=",
        "passwd=",
        "secret=",
    ] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(key) {
            let start = from + i;
            let before = lower[..start].chars().next_back();
            let value = &lower[start + key.len()..];
            // `mytoken=`, `PASSWORD=$PASSWORD` and empty values name no secret.
            let word_start = before.is_none_or(|c| !c.is_ascii_alphanumeric());
            let literal = !value.is_empty() && !value.starts_with(['$', '{', '"', '\'', ' ', '&']);
            if word_start && literal {
                return Some("a credential (`token=`, `password=` ...)");
            }
            from = start + key.len();
        }
    }
    if lower.contains("bearer ")
        && lower
            .split("bearer ")
            .nth(1)
            .is_some_and(|t| t.len() >= 8 && !t.starts_with('$'))
    {
        return Some("a bearer token");
    }
    None
}

/// True for names like `DB_PASSWORD`, `API_TOKEN`, `SECRET_KEY`.
fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "PASSWORD",
        "PASSWD",
        "TOKEN",
        "SECRET",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
    ]
    .iter()
    .any(|s| upper.contains(s))
}

/// Reports every inline secret of the runbook tree. `[[notify]] url` is left to the notify
/// check, which refuses it whatever it holds.
pub fn find_secrets(root: &DeTable<'_>, file: &Path, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    walk(root, &mut Vec::new(), file, text, &mut out);
    out
}

fn walk<'a>(
    table: &'a DeTable<'_>,
    path: &mut Vec<&'a str>,
    file: &Path,
    text: &str,
    out: &mut Vec<Diagnostic>,
) {
    for (key, value) in table.iter() {
        let key = key.get_ref().as_ref();
        path.push(key);
        check(value, path, file, text, out);
        path.pop();
    }
}

fn check<'a>(
    value: &'a toml::Spanned<DeValue<'_>>,
    path: &mut Vec<&'a str>,
    file: &Path,
    text: &str,
    out: &mut Vec<Diagnostic>,
) {
    let key = path.last().copied().unwrap_or_default();
    match value.get_ref() {
        DeValue::Table(t) => walk(t, path, file, text, out),
        DeValue::Array(items) => {
            for item in items.iter() {
                check(item, path, file, text, out);
            }
        }
        DeValue::String(s) => {
            // Keys that name where a secret lives hold names, not secrets.
            if key.ends_with("_env")
                || key.ends_with("_file")
                || path.first() == Some(&"notify") && key == "url"
            {
                return;
            }
            let in_env = path.len() >= 2 && path[path.len() - 2] == "env";
            let what = match secret_in(s) {
                Some(what) => what,
                None if in_env && secret_name(key) && !s.starts_with('$') => {
                    "a secret-named environment value"
                }
                None => return,
            };
            let place = describe(path);
            let help = if in_env {
                "steps inherit ripcord's environment: export the secret before starting ripcord, and drop it from `env`".to_string()
            } else if path.first() == Some(&"prometheus") {
                "give Prometheus credentials with bearer_token_env, bearer_token_file or basic_user + basic_password_env".to_string()
            } else {
                "runbooks are shared and copied into journals: keep the secret in an environment variable or a 0600 file, and name that here".to_string()
            };
            out.push(
                Diagnostic::error_at(
                    file,
                    text,
                    value.span().start,
                    format!("{place} holds {what}: secrets never go in the runbook"),
                )
                .with_help(help),
            );
        }
        _ => {}
    }
}

fn describe(path: &[&str]) -> String {
    match path {
        [] => "a value".into(),
        [key] => format!("`{key}`"),
        [table @ .., key] => format!("`{key}` in [{}]", table.join(".")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_webhooks_credentials_and_tokens() {
        assert!(secret_in("https://hooks.slack.com/services/T0/B0/XYZ").is_some());
        assert!(secret_in("https://user:hunter2@prom.example/").is_some());
        assert!(secret_in("https://prom.example/?token=abc123").is_some());
        assert!(secret_in("--password=hunter2").is_some());
        assert!(secret_in("--token=abc").is_some());
        assert!(secret_in("Bearer eyJhbGciOiJIUzI1NiJ9").is_some());
    }

    #[test]
    fn leaves_names_of_secrets_and_plain_text_alone() {
        assert!(secret_in("http://127.0.0.1:9090").is_none());
        assert!(secret_in("--password-file=/etc/x").is_none());
        assert!(secret_in("PASSWORD=$DB_PASSWORD").is_none());
        assert!(secret_in("Rotate the password after the run").is_none());
        assert!(secret_in("https://user@host/").is_none());
    }

    #[test]
    fn reports_the_place_but_never_the_secret() {
        let text = "[steps.upgrade]\nrun = [\"x\"]\nenv = { DB_PASSWORD = \"hunter2\" }\n[prometheus]\nurl = \"https://a:b@p\"\n";
        let (root, _) = DeTable::parse_recoverable(text);
        let d = find_secrets(root.get_ref(), Path::new("r.toml"), text);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d.iter().all(|d| !d.to_string().contains("hunter2")));
        assert!(
            d.iter()
                .any(|d| d.message.starts_with("`url` in [prometheus]") && d.line == 5)
        );
        assert!(d.iter().any(|d| {
            d.message
                .starts_with("`DB_PASSWORD` in [steps.upgrade.env]")
                && d.line == 3
        }));
    }
}
