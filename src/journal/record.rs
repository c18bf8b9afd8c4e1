//! What one journal line holds: its sequence number, wall time, actor and event. Plain data, no I/O,
//! so the pure engine can use these types.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::runbook::{Role, Span};

/// A wall-clock instant in UTC with millisecond precision, written as `2026-11-24T07:12:03.481Z`.
///
/// The engine never reads a clock: the shell makes one from `chrono::Utc::now()` and passes it in.
/// Meaningful for the years 0000 to 9999, the range RFC 3339 can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// 1970-01-01T00:00:00.000Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp(0);

    /// The instant `ms` milliseconds after 1970-01-01T00:00:00Z (negative: before it).
    pub const fn from_unix_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// This instant moved by `ms` milliseconds (negative: earlier), saturating at the ends.
    pub const fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// This instant moved later by a runbook span, saturating at the end.
    pub fn plus(self, span: Span) -> Self {
        let ms = i64::try_from(span.as_millis()).unwrap_or(i64::MAX);
        self.plus_millis(ms)
    }

    /// Milliseconds from `earlier` to this instant; negative when `earlier` is in fact later.
    pub const fn millis_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// The same instant as a chrono date-time, `None` outside chrono's range.
    pub fn to_datetime(self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(self.0)
    }

    /// Parses RFC 3339 (`2026-11-24T07:12:03.481Z`, or any offset and precision, kept to the
    /// millisecond).
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(ts) = parse_exact_millis_z(text.as_bytes()) {
            return Ok(ts);
        }
        DateTime::parse_from_rfc3339(text)
            .map(|dt| Self(dt.timestamp_millis()))
            .map_err(|e| {
                format!(
                    "bad time \"{text}\": {e}; expected UTC RFC 3339 like 2026-11-24T07:12:03.481Z"
                )
            })
    }
}

/// The fast path for the only form ripcord writes, `YYYY-MM-DDTHH:MM:SS.mmmZ`: replaying a
/// million lines spends noticeable time here, and chrono's general parser is several times slower.
fn parse_exact_millis_z(b: &[u8]) -> Option<Timestamp> {
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, min, sec, milli) = (num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 23)?);
    // A leap second (sec = 60) goes to chrono's parser, which knows what to do with it.
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let days = i64::from(date.to_epoch_days());
    let secs = days * 86_400 + i64::from(hour * 3600 + min * 60 + sec);
    Some(Timestamp(secs * 1000 + i64::from(milli)))
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_datetime() {
            Some(dt) => f.write_str(&dt.to_rfc3339_opts(SecondsFormat::Millis, true)),
            None => write!(f, "{} ms after 1970 (out of range)", self.0),
        }
    }
}

impl FromStr for Timestamp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(dt: DateTime<Utc>) -> Self {
        Self(dt.timestamp_millis())
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        let ms = match t.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
        };
        Self(ms)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.to_datetime() {
            Some(dt) => serializer.serialize_str(&dt.to_rfc3339_opts(SecondsFormat::Millis, true)),
            None => Err(serde::ser::Error::custom(format!(
                "time {} ms after 1970 cannot be written as RFC 3339",
                self.0
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;
        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a UTC RFC 3339 time like \"2026-11-24T07:12:03.481Z\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(TimestampVisitor)
    }
}

/// Who caused an event: one of the plan's roles, or ripcord itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorRole {
    /// Decides.
    Commander,
    /// Executes.
    Technician,
    /// Assesses business impact.
    Impact,
    /// Keeps stakeholders informed.
    Communicator,
    /// The engine's own decisions (automatic pause, rollback per policy, timers).
    Ripcord,
}

impl ActorRole {
    /// Lower-case name, as written in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorRole::Commander => "commander",
            ActorRole::Technician => "technician",
            ActorRole::Impact => "impact",
            ActorRole::Communicator => "communicator",
            ActorRole::Ripcord => "ripcord",
        }
    }

    /// The plan role of a human actor; `None` for ripcord itself.
    pub fn plan_role(self) -> Option<Role> {
        match self {
            ActorRole::Commander => Some(Role::Commander),
            ActorRole::Technician => Some(Role::Technician),
            ActorRole::Impact => Some(Role::Impact),
            ActorRole::Communicator => Some(Role::Communicator),
            ActorRole::Ripcord => None,
        }
    }
}

impl From<Role> for ActorRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Commander => ActorRole::Commander,
            Role::Technician => ActorRole::Technician,
            Role::Impact => ActorRole::Impact,
            Role::Communicator => ActorRole::Communicator,
        }
    }
}

impl fmt::Display for ActorRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The role and name of whoever caused an event, e.g. technician "bo".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// The role they acted in.
    pub role: ActorRole,
    /// Their name as given with `--name` (for ripcord itself: "ripcord").
    pub name: String,
}

impl Actor {
    /// A person acting in a role.
    pub fn new(role: impl Into<ActorRole>, name: impl Into<String>) -> Self {
        Self {
            role: role.into(),
            name: name.into(),
        }
    }

    /// Ripcord itself, for the engine's own decisions.
    pub fn ripcord() -> Self {
        Self {
            role: ActorRole::Ripcord,
            name: "ripcord".to_owned(),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.role == ActorRole::Ripcord {
            f.write_str("ripcord")
        } else {
            write!(f, "{} ({})", self.name, self.role)
        }
    }
}

/// One journal line: `{"seq":17,"at":"…","actor":{…},"event":{…}}` (DESIGN §8).
///
/// Unknown fields are ignored when reading, so newer writers stay readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record<E> {
    /// Position in the run, from 1, without gaps.
    pub seq: u64,
    /// Wall time the event was recorded.
    pub at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// What happened.
    pub event: E,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_is_written_with_exactly_milliseconds_and_z() {
        let ts = Timestamp::parse("2026-11-24T07:12:03.481Z").unwrap();
        assert_eq!(ts.to_string(), "2026-11-24T07:12:03.481Z");
        assert_eq!(
            serde_json::to_string(&ts).unwrap(),
            "\"2026-11-24T07:12:03.481Z\""
        );
        let whole = Timestamp::from_unix_millis(ts.unix_millis() - 481);
        assert_eq!(whole.to_string(), "2026-11-24T07:12:03.000Z");
    }

    #[test]
    fn fast_parser_agrees_with_chrono() {
        for ms in [
            0,
            1,
            999,
            86_399_999,
            951_782_400_123,
            1_795_590_723_481,
            -1,
            -86_400_001,
        ] {
            let text = Timestamp::from_unix_millis(ms).to_string();
            let chrono_ms = DateTime::parse_from_rfc3339(&text)
                .unwrap()
                .timestamp_millis();
            assert_eq!(
                parse_exact_millis_z(text.as_bytes()),
                Some(Timestamp(chrono_ms)),
                "{text}"
            );
            assert_eq!(chrono_ms, ms, "{text}");
        }
    }

    #[test]
    fn other_rfc3339_forms_are_read_too() {
        let z = Timestamp::parse("2026-11-24T07:12:03.481Z").unwrap();
        assert_eq!(
            Timestamp::parse("2026-11-24T08:12:03.481+01:00").unwrap(),
            z
        );
        assert_eq!(Timestamp::parse("2026-11-24T07:12:03.481999Z").unwrap(), z);
        assert!(Timestamp::parse("2026-02-30T07:12:03.481Z").is_err());
        assert!(
            Timestamp::parse("yesterday")
                .unwrap_err()
                .contains("RFC 3339")
        );
    }

    #[test]
    fn timestamp_arithmetic() {
        let t = Timestamp::from_unix_millis(1_000);
        assert_eq!(t.plus_millis(500).millis_since(t), 500);
        assert_eq!(t.plus(Span::from_secs(2)).unix_millis(), 3_000);
        assert_eq!(t.millis_since(t.plus_millis(10)), -10);
        assert_eq!(
            Timestamp::from_unix_millis(i64::MAX)
                .plus_millis(1)
                .unix_millis(),
            i64::MAX
        );
    }

    #[test]
    fn record_has_the_journal_shape_and_ignores_unknown_fields() {
        let rec = Record {
            seq: 17,
            at: Timestamp::parse("2026-11-24T07:12:03.481Z").unwrap(),
            actor: Actor::new(Role::Technician, "bo"),
            event: serde_json::json!({"type": "host_step_finished", "ok": false}),
        };
        let line = serde_json::to_string(&rec).unwrap();
        assert_eq!(
            line,
            r#"{"seq":17,"at":"2026-11-24T07:12:03.481Z","actor":{"role":"technician","name":"bo"},"event":{"ok":false,"type":"host_step_finished"}}"#
        );
        let newer = r#"{"seq":17,"v":2,"at":"2026-11-24T07:12:03.481Z","actor":{"role":"technician","name":"bo","tty":"pts/3"},"event":{"ok":false,"type":"host_step_finished"}}"#;
        assert_eq!(
            serde_json::from_str::<Record<serde_json::Value>>(newer).unwrap(),
            rec
        );
    }

    #[test]
    fn ripcord_actor_role_is_lowercase() {
        let json = serde_json::to_string(&Actor::ripcord()).unwrap();
        assert_eq!(json, r#"{"role":"ripcord","name":"ripcord"}"#);
        assert_eq!(
            ActorRole::from(Role::Impact).plan_role(),
            Some(Role::Impact)
        );
    }
}
