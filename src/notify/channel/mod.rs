//! The channels a message can go out on: chat webhooks (Slack, WeCom, DingTalk), a generic
//! signed JSON webhook, a local command (SMS / phone gateways) and SMTP email.
//!
//! Secrets (URLs, signing keys) are read once from the env vars or files the runbook names; a
//! missing one fails every delivery on that channel at once, with the fix in the message.

mod command;
mod email;
mod http;
pub mod sign;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::runbook::{Audience, ChannelKind, NotifyChannel, Severity};

/// One message, ready to send.
#[derive(Debug, Clone)]
pub struct Message {
    /// Outbox id; the idempotency key.
    pub id: String,
    /// Run id.
    pub run_id: String,
    /// Channel name.
    pub channel: String,
    /// Event type it reports.
    pub kind: String,
    /// Fault level it carries.
    pub severity: Option<Severity>,
    /// Who it is for.
    pub audience: Audience,
    /// The first line.
    pub title: String,
    /// The whole rendered text (redacted, scrubbed for external audiences).
    pub text: String,
    /// The triggering event as journaled (internal audiences) or its type and seq (external).
    pub event: Value,
    /// The run summary at queue time.
    pub summary: Value,
}

/// Why an attempt failed, and whether another may help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// For the operator (redacted before it is journaled).
    pub error: String,
    /// No further attempt can succeed (bad URL, 4xx, missing secret).
    pub permanent: bool,
    /// The receiver asked for this wait (`Retry-After`).
    pub retry_after: Option<Duration>,
}

impl SendError {
    /// A failure another attempt may fix.
    pub fn retry(error: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            permanent: false,
            retry_after: None,
        }
    }
    /// A failure no further attempt fixes.
    pub fn permanent(error: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            permanent: true,
            retry_after: None,
        }
    }
}

/// How one channel delivers.
#[derive(Debug)]
pub enum Transport {
    /// Slack incoming webhook.
    Slack { url: String },
    /// Generic JSON webhook, HMAC-signed when a secret is set.
    Webhook { url: String, secret: Option<String> },
    /// WeCom group robot.
    Wecom { url: String },
    /// DingTalk robot, URL signed when a secret is set.
    Dingtalk { url: String, secret: Option<String> },
    /// A local command; the message on stdin.
    Command { argv: Vec<String>, dir: PathBuf },
    /// SMTP relay.
    Email {
        host: String,
        port: u16,
        from: String,
        to: Vec<String>,
    },
    /// The channel cannot be used; every message to it fails with this.
    Broken(String),
}

/// The secret values a channel reads (to be redacted everywhere).
pub fn secrets_of(c: &NotifyChannel, dir: &Path) -> Vec<String> {
    [url(c, dir).ok(), secret(c).ok().flatten()]
        .into_iter()
        .flatten()
        .collect()
}

fn url(c: &NotifyChannel, dir: &Path) -> Result<String, String> {
    if let Some(var) = &c.url_env {
        return match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            _ => Err(format!(
                "channel {:?}: environment variable {var} (url_env) is not set; export it with the webhook URL and resume the run",
                c.name
            )),
        };
    }
    if let Some(file) = &c.url_file {
        let path = dir.join(file);
        return match std::fs::read_to_string(&path) {
            Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            Ok(_) => Err(format!(
                "channel {:?}: {} (url_file) is empty; write the webhook URL into it",
                c.name,
                path.display()
            )),
            Err(e) => Err(format!(
                "channel {:?}: cannot read {} (url_file): {e}",
                c.name,
                path.display()
            )),
        };
    }
    Err(format!(
        "channel {:?} has no url_env or url_file; name where its URL comes from",
        c.name
    ))
}

fn secret(c: &NotifyChannel) -> Result<Option<String>, String> {
    match &c.secret_env {
        None => Ok(None),
        Some(var) => match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Ok(Some(v.trim().to_string())),
            _ => Err(format!(
                "channel {:?}: environment variable {var} (secret_env) is not set; export the signing secret and resume the run",
                c.name
            )),
        },
    }
}

/// Splits `host:port` (port required; `[::1]:25` works too).
fn smtp_addr(text: &str) -> Option<(String, u16)> {
    let (host, port) = text.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Some((host.to_string(), port.parse().ok()?)).filter(|(h, _)| !h.is_empty())
}

impl Transport {
    /// The transport of `c`; `dir` is the runbook's folder (relative files and commands).
    pub fn of(c: &NotifyChannel, dir: &Path) -> Transport {
        let built = match c.kind {
            ChannelKind::Slack => url(c, dir).map(|url| Transport::Slack { url }),
            ChannelKind::Wecom => url(c, dir).map(|url| Transport::Wecom { url }),
            ChannelKind::Webhook => url(c, dir)
                .and_then(|url| secret(c).map(|secret| Transport::Webhook { url, secret })),
            ChannelKind::Dingtalk => url(c, dir)
                .and_then(|url| secret(c).map(|secret| Transport::Dingtalk { url, secret })),
            ChannelKind::Command if c.command.is_empty() => {
                Err(format!("channel {:?} has an empty command", c.name))
            }
            ChannelKind::Command => Ok(Transport::Command {
                argv: c.command.clone(),
                dir: dir.to_path_buf(),
            }),
            ChannelKind::Email => {
                let smtp = c.smtp.as_deref().unwrap_or_default();
                match (smtp_addr(smtp), &c.from) {
                    (Some((host, port)), Some(from)) if !c.to.is_empty() => Ok(Transport::Email {
                        host,
                        port,
                        from: from.clone(),
                        to: c.to.clone(),
                    }),
                    (None, _) => Err(format!(
                        "channel {:?}: smtp = {smtp:?} is not host:port; write e.g. smtp = \"127.0.0.1:25\"",
                        c.name
                    )),
                    _ => Err(format!("channel {:?} needs from and to", c.name)),
                }
            }
        };
        built.unwrap_or_else(Transport::Broken)
    }

    /// One attempt, within `timeout`.
    pub async fn send(
        &self,
        msg: &Message,
        client: &reqwest::Client,
        timeout: Duration,
    ) -> Result<(), SendError> {
        match self {
            Transport::Slack { url } => http::slack(client, url, msg, timeout).await,
            Transport::Webhook { url, secret } => {
                http::webhook(client, url, secret.as_deref(), msg, timeout).await
            }
            Transport::Wecom { url } => http::wecom(client, url, msg, timeout).await,
            Transport::Dingtalk { url, secret } => {
                http::dingtalk(client, url, secret.as_deref(), msg, timeout).await
            }
            Transport::Command { argv, dir } => command::run(argv, dir, msg, timeout).await,
            Transport::Email {
                host,
                port,
                from,
                to,
            } => email::send(host, *port, from, to, msg, timeout).await,
            Transport::Broken(why) => Err(SendError::permanent(why.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_addresses_need_a_port() {
        assert_eq!(
            smtp_addr("127.0.0.1:2525"),
            Some(("127.0.0.1".into(), 2525))
        );
        assert_eq!(smtp_addr("[::1]:25"), Some(("::1".into(), 25)));
        assert_eq!(smtp_addr("mail.example.com"), None);
        assert_eq!(smtp_addr(":25"), None);
    }
}
