//! Prometheus HTTP API client: instant and range queries and the alert list, with auth and a
//! per-request timeout; every transport failure becomes a [`FetchError`] state.

use std::collections::BTreeMap;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use super::api::{self, Alert, RangeSeries};
use super::{Answer, FetchError};
use crate::runbook::{Auth, Span};

/// Why a client could not be built (bad auth settings or headers); shown at preflight.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// A secret named in the runbook is missing.
    #[error("{0}")]
    Secret(String),
    /// A header name or value is not valid HTTP.
    #[error("header {name:?}: {why}; fix the [prometheus.headers] entry")]
    Header {
        /// The header name as written.
        name: String,
        /// What is wrong.
        why: String,
    },
    /// The HTTP stack could not start.
    #[error("cannot start the HTTP client: {0}")]
    Http(String),
}

/// A client of one Prometheus server.
#[derive(Debug, Clone)]
pub struct PromClient {
    http: reqwest::Client,
    base: String,
    timeout: Span,
}

impl PromClient {
    /// Builds a client for `url` (e.g. `http://127.0.0.1:9090`); secrets are read from the
    /// environment variables or files `auth` names, now, so a missing one is reported up front.
    pub fn new(
        url: &str,
        timeout: Span,
        auth: &Auth,
        headers: &BTreeMap<String, String>,
    ) -> Result<Self, ClientError> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let hn = HeaderName::from_bytes(name.as_bytes()).map_err(|e| ClientError::Header {
                name: name.clone(),
                why: e.to_string(),
            })?;
            let hv = HeaderValue::from_str(value).map_err(|e| ClientError::Header {
                name: name.clone(),
                why: e.to_string(),
            })?;
            map.insert(hn, hv);
        }
        if let Some(value) = authorization(auth)? {
            let mut hv = HeaderValue::from_str(&value).map_err(|_| {
                ClientError::Secret(
                    "the credential holds characters not allowed in an HTTP header".into(),
                )
            })?;
            hv.set_sensitive(true);
            map.insert(AUTHORIZATION, hv);
        }
        let http = reqwest::Client::builder()
            .default_headers(map)
            .timeout(timeout.as_std())
            .connect_timeout(timeout.as_std())
            .build()
            .map_err(|e| ClientError::Http(e.to_string()))?;
        Ok(Self {
            http,
            base: url.trim_end_matches('/').to_string(),
            timeout,
        })
    }

    /// The server's base URL with any `user:password@` removed, for messages.
    pub fn shown_url(&self) -> String {
        redact_url(&self.base)
    }

    /// Runs an instant query at `time_ms` (unix ms; `None` = the server's now).
    pub async fn query(&self, promql: &str, time_ms: Option<i64>) -> Result<Answer, FetchError> {
        let mut params = vec![("query", promql.to_string())];
        if let Some(t) = time_ms {
            params.push(("time", secs(t)));
        }
        let (status, body) = self.get("/api/v1/query", &params).await?;
        api::parse_instant(status, &body)
    }

    /// Runs a range query over `[start_ms, end_ms]` with `step`.
    pub async fn query_range(
        &self,
        promql: &str,
        start_ms: i64,
        end_ms: i64,
        step: Span,
    ) -> Result<Vec<RangeSeries>, FetchError> {
        let step_s = (step.as_millis().max(1) as f64 / 1000.0).to_string();
        let params = vec![
            ("query", promql.to_string()),
            ("start", secs(start_ms)),
            ("end", secs(end_ms)),
            ("step", step_s),
        ];
        let (status, body) = self.get("/api/v1/query_range", &params).await?;
        api::parse_range(status, &body).map(|(series, _)| series)
    }

    /// Lists the server's active alerts (pending and firing).
    pub async fn alerts(&self) -> Result<Vec<Alert>, FetchError> {
        let (status, body) = self.get("/api/v1/alerts", &[]).await?;
        api::parse_alerts(status, &body)
    }

    async fn get(
        &self,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<(u16, Vec<u8>), FetchError> {
        let url = format!("{}{path}", self.base);
        let answer = self
            .http
            .get(&url)
            .query(params)
            .send()
            .await
            .map_err(|e| self.transport(&e))?;
        let status = answer.status().as_u16();
        let body = answer.bytes().await.map_err(|e| self.transport(&e))?;
        Ok((status, body.to_vec()))
    }

    fn transport(&self, e: &reqwest::Error) -> FetchError {
        let at = self.shown_url();
        let why = if e.is_timeout() {
            format!("no answer from {at} within {}", self.timeout)
        } else if e.is_connect() {
            format!("cannot connect to {at}: {}", root_cause(e))
        } else {
            format!("request to {at} failed: {}", root_cause(e))
        };
        FetchError::SourceDown(why)
    }
}

/// The innermost error text (reqwest's own text is only "error sending request for url").
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    // The URL may carry credentials; the innermost cause never names it.
    cur.to_string()
}

fn secs(ms: i64) -> String {
    format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000))
}

/// Removes `user:password@` from a URL for display.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme && !url[scheme + 3..at].contains('/') => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// The `Authorization` value the runbook asks for, secrets read from env vars or files.
fn authorization(auth: &Auth) -> Result<Option<String>, ClientError> {
    if let Some(var) = &auth.bearer_token_env {
        let token = std::env::var(var).map_err(|_| {
            ClientError::Secret(format!(
                "bearer token: environment variable {var} is not set; export it or use bearer_token_file"
            ))
        })?;
        return Ok(Some(format!("Bearer {}", token.trim())));
    }
    if let Some(path) = &auth.bearer_token_file {
        let token = std::fs::read_to_string(path).map_err(|e| {
            ClientError::Secret(format!(
                "bearer token file {path}: {e}; check the path and its permissions"
            ))
        })?;
        return Ok(Some(format!("Bearer {}", token.trim())));
    }
    if let Some(user) = &auth.basic_user {
        let password = match &auth.basic_password_env {
            Some(var) => std::env::var(var).map_err(|_| {
                ClientError::Secret(format!(
                    "basic auth: environment variable {var} (the password of {user}) is not set"
                ))
            })?,
            None => String::new(),
        };
        return Ok(Some(format!(
            "Basic {}",
            base64(format!("{user}:{password}").as_bytes())
        )));
    }
    Ok(None)
}

/// Standard base64 (RFC 4648 with padding); a dozen lines do not earn a dependency.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("user:pa55", "dXNlcjpwYTU1"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn credentials_in_urls_are_redacted() {
        assert_eq!(
            redact_url("http://bob:s3cret@prom:9090"),
            "http://***@prom:9090"
        );
        assert_eq!(redact_url("http://prom:9090/x@y"), "http://prom:9090/x@y");
    }

    #[test]
    fn a_missing_secret_is_named() {
        let auth = Auth {
            bearer_token_env: Some("RIPCORD_TEST_SURELY_UNSET_TOKEN".into()),
            ..Auth::default()
        };
        let err = PromClient::new(
            "http://127.0.0.1:1",
            Span::from_secs(1),
            &auth,
            &BTreeMap::new(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("RIPCORD_TEST_SURELY_UNSET_TOKEN"));
    }
}
