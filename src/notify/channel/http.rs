//! The HTTP channels: Slack (Block Kit), the generic signed webhook, WeCom and DingTalk robots.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::sign::{dingtalk_url, hmac_sha256_hex};
use super::{Message, SendError};
use crate::notify::retry::parse_retry_after;

/// Slack: a header block with the title, a section with the rest, a context line, and the whole
/// text as the plain `text` fallback (notifications and clients without blocks).
pub async fn slack(
    client: &reqwest::Client,
    url: &str,
    msg: &Message,
    timeout: Duration,
) -> Result<(), SendError> {
    post(
        client,
        url,
        slack_body(msg).to_string().into_bytes(),
        &[],
        timeout,
    )
    .await
    .map(drop)
}

/// The Slack payload of `msg`.
pub fn slack_body(msg: &Message) -> Value {
    let rest = msg.text.split_once('\n').map_or("", |(_, r)| r.trim());
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": clip(&msg.title, 150), "emoji": true },
    })];
    if !rest.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": clip(&slack_escape(rest), 3000) },
        }));
    }
    let mut context = format!("ripcord · run {}", msg.run_id);
    if let Some(s) = msg.severity {
        context.push_str(&format!(" · {} fault", s.as_str()));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{ "type": "mrkdwn", "text": slack_escape(&context) }],
    }));
    json!({ "text": slack_escape(&msg.text), "blocks": blocks })
}

/// The generic webhook: the event, the run summary and the idempotency key as JSON; the key also
/// as `Idempotency-Key`, and `X-Ripcord-Signature: sha256=<hex>` when a secret is set.
pub async fn webhook(
    client: &reqwest::Client,
    url: &str,
    secret: Option<&str>,
    msg: &Message,
    timeout: Duration,
) -> Result<(), SendError> {
    let body = webhook_body(msg).to_string().into_bytes();
    let mut headers = vec![
        ("Idempotency-Key", msg.id.clone()),
        ("X-Ripcord-Event", msg.kind.clone()),
    ];
    if let Some(secret) = secret {
        headers.push((
            "X-Ripcord-Signature",
            format!("sha256={}", hmac_sha256_hex(secret, &body)),
        ));
    }
    post(client, url, body, &headers, timeout).await.map(drop)
}

/// The generic webhook payload of `msg`.
pub fn webhook_body(msg: &Message) -> Value {
    json!({
        "idempotency_key": msg.id,
        "run_id": msg.run_id,
        "channel": msg.channel,
        "kind": msg.kind,
        "severity": msg.severity.map(|s| s.as_str()),
        "audience": crate::notify::context::audience_str(msg.audience),
        "title": msg.title,
        "text": msg.text,
        "event": msg.event,
        "summary": msg.summary,
    })
}

/// WeCom group robot: a markdown message.
pub async fn wecom(
    client: &reqwest::Client,
    url: &str,
    msg: &Message,
    timeout: Duration,
) -> Result<(), SendError> {
    let rest = msg.text.split_once('\n').map_or("", |(_, r)| r.trim());
    let content = format!("**{}**\n{rest}", msg.title);
    let body = json!({ "msgtype": "markdown", "markdown": { "content": content } });
    let answer = post(client, url, body.to_string().into_bytes(), &[], timeout).await?;
    robot_answer("WeCom", &answer, &[45009, -1])
}

/// DingTalk robot: a markdown message; the URL signed (`timestamp`, `sign`) when a secret is set.
pub async fn dingtalk(
    client: &reqwest::Client,
    url: &str,
    secret: Option<&str>,
    msg: &Message,
    timeout: Duration,
) -> Result<(), SendError> {
    let rest: Vec<&str> = msg.text.lines().skip(1).map(str::trim_end).collect();
    // DingTalk's markdown needs an explicit break (two spaces) to keep single newlines.
    let text = format!("#### {}\n\n{}", msg.title, rest.join("  \n"));
    let body = json!({ "msgtype": "markdown", "markdown": { "title": msg.title, "text": text } });
    let url = match secret {
        Some(s) => {
            let ms = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            dingtalk_url(url, s, ms)
        }
        None => url.to_string(),
    };
    let answer = post(client, &url, body.to_string().into_bytes(), &[], timeout).await?;
    robot_answer("DingTalk", &answer, &[130_101, -1])
}

/// Robots answer 200 with `{"errcode":0}`; other codes are failures, some worth retrying.
fn robot_answer(who: &str, answer: &str, retryable: &[i64]) -> Result<(), SendError> {
    let code = serde_json::from_str::<Value>(answer)
        .ok()
        .and_then(|v| v.get("errcode").and_then(Value::as_i64));
    match code {
        None | Some(0) => Ok(()),
        Some(c) => {
            let error = format!("{who} answered errcode {c}: {}", clip(answer.trim(), 200));
            if retryable.contains(&c) {
                Err(SendError::retry(error))
            } else {
                Err(SendError::permanent(error))
            }
        }
    }
}

/// POSTs JSON; the answer body on 2xx. 408, 425, 429 and 5xx may be retried (429 and 503 with
/// the receiver's `Retry-After`); other statuses are final.
async fn post(
    client: &reqwest::Client,
    url: &str,
    body: Vec<u8>,
    headers: &[(&str, String)],
    timeout: Duration,
) -> Result<String, SendError> {
    let mut req = client
        .post(url)
        .timeout(timeout)
        .header("Content-Type", "application/json; charset=utf-8")
        .body(body);
    for (name, value) in headers {
        req = req.header(*name, value.as_str());
    }
    let resp = req.send().await.map_err(|e| request_error(e, timeout))?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    let text = resp.text().await.unwrap_or_default();
    if (200..300).contains(&status) {
        return Ok(text);
    }
    let error = format!(
        "HTTP {status} from the receiver: {}",
        clip(text.trim(), 200)
    );
    match status {
        429 | 503 => Err(SendError {
            retry_after,
            ..SendError::retry(error)
        }),
        408 | 425 | 500..=599 => Err(SendError::retry(error)),
        _ => Err(SendError::permanent(format!(
            "{error}; check the channel's URL and the receiver's configuration"
        ))),
    }
}

/// The error of a request that got no answer, without the URL (a secret) in it.
fn request_error(e: reqwest::Error, timeout: Duration) -> SendError {
    if e.is_builder() {
        return SendError::permanent(format!(
            "the channel's URL is not usable: {}",
            chain(&e.without_url())
        ));
    }
    if e.is_timeout() {
        return SendError::retry(format!("no answer within {}s", timeout.as_secs_f32()));
    }
    SendError::retry(chain(&e.without_url()))
}

/// An error and its causes, `: `-joined (reqwest's own text alone says little).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// Slack's mrkdwn needs `&`, `<`, `>` escaped.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
