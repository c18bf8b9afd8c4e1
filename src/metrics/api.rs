//! Parsing of Prometheus HTTP API answers (`/api/v1/query`, `query_range`, `alerts`) into
//! readings: every shape a real server sends, and every failure as a state, never a panic.

use serde::Deserialize;
use serde_json::Value;

use super::{Answer, FetchError, Labels, SeriesPoint};

/// A series over time from `query_range`.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    /// The series' labels.
    pub labels: Labels,
    /// `(unix ms, value)` in time order.
    pub points: Vec<(i64, f64)>,
}

/// A Prometheus alert as `/api/v1/alerts` lists it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Alert {
    /// The alert's labels (`alertname`, `severity`, ...).
    #[serde(default)]
    pub labels: Labels,
    /// `pending` or `firing` (`inactive` alerts are not listed).
    #[serde(default)]
    pub state: String,
    /// When it became active, RFC 3339, as sent.
    #[serde(default, rename = "activeAt")]
    pub active_at: Option<String>,
    /// The expression's value when it was last evaluated, as text.
    #[serde(default)]
    pub value: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Value,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

/// How many bytes of an unexpected body go into an error message.
const SHOWN_BYTES: usize = 120;

/// The first bytes of a body, on one line, for error messages.
pub fn first_bytes(body: &[u8]) -> String {
    let cut = &body[..body.len().min(SHOWN_BYTES)];
    let text: String = String::from_utf8_lossy(cut)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let more = if body.len() > SHOWN_BYTES { "…" } else { "" };
    format!("{:?}{more}", text.trim())
}

/// Opens the API envelope: HTTP status and body into `data` + warnings, or the failure state.
///
/// 5xx means the source is down (even with a JSON error body: Prometheus answers a query
/// timeout with 503); 4xx with a JSON error is a query error naming `errorType`; a body that is
/// not Prometheus JSON is reported with its first bytes.
fn open(status: u16, body: &[u8]) -> Result<(Value, Vec<String>), FetchError> {
    let parsed: Result<Envelope, _> = serde_json::from_slice(body);
    let env = match parsed {
        Ok(env) => env,
        Err(e) => {
            let what = format!(
                "HTTP {status} with a body that is not Prometheus API JSON ({e}); first bytes: {}",
                first_bytes(body)
            );
            return Err(if status >= 500 {
                FetchError::SourceDown(what)
            } else {
                FetchError::Query(format!(
                    "{what} — is the URL the Prometheus server itself (not a proxy or login page)?"
                ))
            });
        }
    };
    if env.status != "success" || status >= 400 {
        let kind = env.error_type.as_deref().unwrap_or("unknown");
        let text = env.error.as_deref().unwrap_or("(no error text)");
        let what = format!("HTTP {status}, {kind}: {text}");
        return Err(if status >= 500 {
            FetchError::SourceDown(what)
        } else {
            FetchError::Query(what)
        });
    }
    Ok((env.data, env.warnings))
}

/// Parses a Prometheus sample value: a string (`"1.5"`, `"NaN"`, `"+Inf"`, `"-Inf"`).
pub fn parse_value(v: &Value) -> Option<f64> {
    match v {
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "+Inf" | "Inf" => Some(f64::INFINITY),
            "-Inf" => Some(f64::NEG_INFINITY),
            other => other.parse().ok(),
        },
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// Parses a `[unix_seconds, "value"]` pair into `(unix ms, value)`.
fn parse_pair(v: &Value) -> Option<(i64, f64)> {
    let arr = v.as_array()?;
    if arr.len() != 2 {
        return None;
    }
    let secs = arr[0].as_f64()?;
    Some(((secs * 1000.0).round() as i64, parse_value(&arr[1])?))
}

fn labels_of(item: &Value) -> Labels {
    item.get("metric")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn malformed(what: &str) -> FetchError {
    FetchError::Query(format!("Prometheus answered with a malformed {what}"))
}

/// Parses an instant query answer (`/api/v1/query`).
pub fn parse_instant(status: u16, body: &[u8]) -> Result<Answer, FetchError> {
    let (data, warnings) = open(status, body)?;
    let kind = data.get("resultType").and_then(Value::as_str).unwrap_or("");
    let result = data.get("result").unwrap_or(&Value::Null);
    let series = match kind {
        "vector" => {
            let items = result.as_array().ok_or_else(|| malformed("vector"))?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let (at_ms, value) = item
                    .get("value")
                    .and_then(parse_pair)
                    .ok_or_else(|| malformed("vector sample"))?;
                out.push(SeriesPoint {
                    labels: labels_of(item),
                    at_ms,
                    value,
                });
            }
            out
        }
        "scalar" => {
            let (at_ms, value) = parse_pair(result).ok_or_else(|| malformed("scalar"))?;
            vec![SeriesPoint {
                labels: Labels::new(),
                at_ms,
                value,
            }]
        }
        // An instant query over a range selector (`x[5m]`): judge each series by its last point.
        "matrix" => parse_matrix_items(result)?
            .into_iter()
            .filter_map(|s| {
                let (at_ms, value) = *s.points.last()?;
                Some(SeriesPoint {
                    labels: s.labels,
                    at_ms,
                    value,
                })
            })
            .collect(),
        "string" => {
            return Err(FetchError::Query(
                "the query returns a string, not a number; a rule needs a numeric expression"
                    .into(),
            ));
        }
        other => {
            return Err(FetchError::Query(format!(
                "Prometheus answered with result type {other:?}; expected vector, scalar or matrix"
            )));
        }
    };
    Ok(Answer { series, warnings })
}

fn parse_matrix_items(result: &Value) -> Result<Vec<RangeSeries>, FetchError> {
    let items = result.as_array().ok_or_else(|| malformed("matrix"))?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let values = item
            .get("values")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed("matrix series"))?;
        let points = values
            .iter()
            .map(parse_pair)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| malformed("matrix sample"))?;
        out.push(RangeSeries {
            labels: labels_of(item),
            points,
        });
    }
    Ok(out)
}

/// Parses a range query answer (`/api/v1/query_range`); a scalar range is one unlabelled series.
pub fn parse_range(
    status: u16,
    body: &[u8],
) -> Result<(Vec<RangeSeries>, Vec<String>), FetchError> {
    let (data, warnings) = open(status, body)?;
    let kind = data.get("resultType").and_then(Value::as_str).unwrap_or("");
    let result = data.get("result").unwrap_or(&Value::Null);
    match kind {
        "matrix" => Ok((parse_matrix_items(result)?, warnings)),
        other => Err(FetchError::Query(format!(
            "a range query answered with result type {other:?}; expected matrix"
        ))),
    }
}

/// Parses `/api/v1/alerts`.
pub fn parse_alerts(status: u16, body: &[u8]) -> Result<Vec<Alert>, FetchError> {
    let (data, _) = open(status, body)?;
    let alerts = data
        .get("alerts")
        .cloned()
        .unwrap_or(Value::Array(Vec::new()));
    serde_json::from_value(alerts).map_err(|e| malformed(&format!("alert list ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_with_several_series_and_special_values() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"instance":"a"},"value":[1700000000.5,"0.25"]},
            {"metric":{"instance":"b"},"value":[1700000000.5,"NaN"]},
            {"metric":{"instance":"c"},"value":[1700000000.5,"+Inf"]},
            {"metric":{"instance":"d"},"value":[1700000000.5,"-Inf"]}]},
            "warnings":["query touched many series"]}"#;
        let a = parse_instant(200, body).unwrap();
        assert_eq!(a.series.len(), 4);
        assert_eq!(a.series[0].at_ms, 1_700_000_000_500);
        assert_eq!(a.series[0].value, 0.25);
        assert!(a.series[1].value.is_nan());
        assert_eq!(a.series[2].value, f64::INFINITY);
        assert_eq!(a.series[3].value, f64::NEG_INFINITY);
        assert_eq!(a.warnings, vec!["query touched many series".to_string()]);
    }

    #[test]
    fn scalar_empty_and_string_results() {
        let scalar = br#"{"status":"success","data":{"resultType":"scalar","result":[1,"3"]}}"#;
        assert_eq!(parse_instant(200, scalar).unwrap().series[0].value, 3.0);
        let empty = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(parse_instant(200, empty).unwrap().series.is_empty());
        let string = br#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#;
        assert!(matches!(
            parse_instant(200, string),
            Err(FetchError::Query(_))
        ));
    }

    #[test]
    fn errors_become_states_with_clear_text() {
        let bad = br#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#;
        match parse_instant(400, bad) {
            Err(FetchError::Query(t)) => {
                assert!(t.contains("bad_data") && t.contains("parse error"))
            }
            other => panic!("{other:?}"),
        }
        let timeout = br#"{"status":"error","errorType":"timeout","error":"query timed out"}"#;
        assert!(matches!(
            parse_instant(503, timeout),
            Err(FetchError::SourceDown(_))
        ));
        match parse_instant(502, b"<html><body>Bad Gateway</body></html>") {
            Err(FetchError::SourceDown(t)) => assert!(t.contains("<html>") && t.contains("502")),
            other => panic!("{other:?}"),
        }
        match parse_instant(200, b"{not json") {
            Err(FetchError::Query(t)) => assert!(t.contains("{not json")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn matrix_and_alerts() {
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"job":"x"},"values":[[10,"1"],[11,"2"]]}]}}"#;
        let (series, _) = parse_range(200, body).unwrap();
        assert_eq!(series[0].points, vec![(10_000, 1.0), (11_000, 2.0)]);
        assert_eq!(parse_instant(200, body).unwrap().series[0].value, 2.0);
        let alerts = br#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"Down"},
            "annotations":{},"state":"firing","activeAt":"2026-01-01T00:00:00Z","value":"1e+00"}]}}"#;
        let a = parse_alerts(200, alerts).unwrap();
        assert_eq!(a[0].state, "firing");
        assert_eq!(a[0].labels["alertname"], "Down");
    }
}
