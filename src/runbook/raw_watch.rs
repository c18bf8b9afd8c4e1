//! The metric side of the raw runbook: `[prometheus]`, `[scrape]`, `[[watch]]`, `[[alerts]]`
//! as written (see `raw` for why values stay text until validation).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::raw::S;

/// `[prometheus]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrometheus {
    /// Base URL.
    pub url: Option<S<String>>,
    /// Duration text.
    pub interval: Option<S<String>>,
    /// Duration text.
    pub timeout: Option<S<String>>,
    /// Env var with a bearer token.
    pub bearer_token_env: Option<S<String>>,
    /// File with a bearer token.
    pub bearer_token_file: Option<S<String>>,
    /// Basic auth user.
    pub basic_user: Option<S<String>>,
    /// Env var with the basic auth password.
    pub basic_password_env: Option<S<String>>,
    /// Extra headers (no secrets).
    pub headers: Option<BTreeMap<String, S<String>>>,
}

/// `[scrape]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScrape {
    /// `/metrics` URLs.
    pub targets: Option<S<Vec<S<String>>>>,
    /// Duration text.
    pub interval: Option<S<String>>,
    /// Duration text.
    pub timeout: Option<S<String>>,
}

/// `[[watch]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWatch {
    /// Panel title and rule name.
    pub name: Option<S<String>>,
    /// PromQL with placeholders.
    pub query: Option<S<String>>,
    /// Display unit.
    pub unit: Option<S<String>>,
    /// Threshold text.
    pub warn: Option<S<String>>,
    /// Threshold text.
    pub breach: Option<S<String>>,
    /// Duration text.
    #[serde(rename = "for")]
    pub for_: Option<S<String>>,
    /// minor | functional | severe.
    pub severity: Option<S<String>>,
    /// breach | hold | ignore.
    pub no_data: Option<S<String>>,
    /// Judge each upgraded host on its own.
    pub per_host: Option<S<bool>>,
    /// Duration text.
    pub baseline_window: Option<S<String>>,
}

/// `[[alerts]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlert {
    /// Display name.
    pub name: Option<S<String>>,
    /// Label matchers.
    #[serde(rename = "match")]
    pub matchers: Option<S<BTreeMap<String, String>>>,
    /// minor | functional | severe.
    pub severity: Option<S<String>>,
}
