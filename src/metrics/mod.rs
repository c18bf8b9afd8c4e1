//! Live metrics: Prometheus HTTP API client, /metrics scraping, rule evaluation, series store.
