//! How the report writes times and durations: UTC always, local beside it, durations in words.

use chrono::{FixedOffset, Local, Offset, TimeZone, Utc};

use crate::journal::Timestamp;

/// Which local time the report shows beside UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// The report process's time zone (`TZ`, else the system's), per instant so DST is right.
    System,
    /// A fixed offset (tests, or a reader far from the writer).
    Fixed(FixedOffset),
}

impl Zone {
    /// UTC itself, for reports that must not depend on where they were written.
    pub fn utc() -> Self {
        Zone::Fixed(Utc.fix())
    }

    fn offset_at(self, t: Timestamp) -> FixedOffset {
        match (self, t.to_datetime()) {
            (Zone::Fixed(off), _) => off,
            (Zone::System, Some(dt)) => Local.offset_from_utc_datetime(&dt.naive_utc()).fix(),
            (Zone::System, None) => Utc.fix(),
        }
    }
}

/// `2026-11-24 07:12:03 UTC`.
pub fn utc(t: Timestamp) -> String {
    t.to_datetime().map_or_else(
        || format!("{} ms after 1970", t.unix_millis()),
        |d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// `2026-11-24 08:12:03 +01:00` in `zone`.
pub fn local(t: Timestamp, zone: Zone) -> String {
    let off = zone.offset_at(t);
    t.to_datetime().map_or_else(
        || "—".to_string(),
        |d| {
            d.with_timezone(&off)
                .format("%Y-%m-%d %H:%M:%S %:z")
                .to_string()
        },
    )
}

/// `07:12:03` in UTC: for long lists where the date is in the heading.
pub fn hms(t: Timestamp) -> String {
    t.to_datetime()
        .map_or_else(|| "??:??:??".into(), |d| d.format("%H:%M:%S").to_string())
}

/// `2 h 05 min`, `3 min 20 s`, `12 s`, `0.4 s`: a duration for people, never negative.
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1000 {
        return format!("{ms} ms");
    }
    if ms < 10_000 && ms % 1000 != 0 {
        return format!("{}.{} s", ms / 1000, (ms % 1000) / 100);
    }
    let s = ms / 1000;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sec} s"),
        (0, 0, _) => format!("{m} min {sec:02} s"),
        (0, _, _) => format!("{h} h {m:02} min"),
        _ => format!("{d} d {h:02} h {m:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_person_wrote_them() {
        assert_eq!(duration(0), "0 ms");
        assert_eq!(duration(400), "400 ms");
        assert_eq!(duration(2_400), "2.4 s");
        assert_eq!(duration(12_000), "12 s");
        assert_eq!(duration(200_000), "3 min 20 s");
        assert_eq!(duration(7_500_000), "2 h 05 min");
        assert_eq!(duration(-5), "0 ms");
    }

    #[test]
    fn local_time_follows_the_zone_given() {
        let t = Timestamp::parse("2026-11-24T07:12:03.481Z").unwrap();
        assert_eq!(utc(t), "2026-11-24 07:12:03 UTC");
        let cet = Zone::Fixed(FixedOffset::east_opt(3600).unwrap());
        assert_eq!(local(t, cet), "2026-11-24 08:12:03 +01:00");
        assert_eq!(local(t, Zone::utc()), "2026-11-24 07:12:03 +00:00");
    }
}
