//! Run ids (`YYYYMMDD-HHMMSS-xxxx`, sortable by start time) and finding the runs of a state dir.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;

use super::{JOURNAL_FILE, JournalError, Timestamp};
use crate::paths;

/// A new run id for a run started at `now`: `20261124-071203-3fa9`. The four hex digits keep
/// two runs started in the same second apart.
pub fn new_run_id(now: Timestamp) -> String {
    let stamp = now.to_datetime().map_or_else(
        || "00000000-000000".to_owned(),
        |dt| dt.format("%Y%m%d-%H%M%S").to_string(),
    );
    format!("{stamp}-{:04x}", random_u16())
}

/// Cheap randomness without a dependency: std seeds every `RandomState` from the OS, and the
/// pid and clock add to it. Not for secrets; only to keep ids apart.
fn random_u16() -> u16 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    hasher.write_u32(nanos);
    (hasher.finish() >> 48) as u16
}

/// The ids of the runs in `state_dir` that have a journal, newest first (run ids sort by start
/// time). A state dir without runs yet gives an empty list.
pub fn run_ids(state_dir: &Path) -> Result<Vec<String>, JournalError> {
    let runs = paths::runs_dir(state_dir);
    let entries = match std::fs::read_dir(&runs) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(JournalError::io("list the runs in", &runs, e)),
    };
    let mut ids = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| JournalError::io("list the runs in", &runs, e))?;
        let Ok(id) = entry.file_name().into_string() else {
            continue;
        };
        if entry.path().join(JOURNAL_FILE).is_file() {
            ids.push(id);
        }
    }
    ids.sort_unstable_by(|a, b| b.cmp(a));
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_id_is_time_then_four_hex_digits() {
        let now = Timestamp::parse("2026-11-24T07:12:03.481Z").unwrap();
        let id = new_run_id(now);
        assert_eq!(id.len(), "20261124-071203-xxxx".len(), "{id}");
        assert!(id.starts_with("20261124-071203-"), "{id}");
        assert!(
            id[16..]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "{id}"
        );
        let ids: std::collections::HashSet<_> = (0..50).map(|_| new_run_id(now)).collect();
        assert!(ids.len() > 40, "ids should rarely collide: {ids:?}");
    }

    #[test]
    fn run_ids_lists_runs_with_a_journal_newest_first() {
        let state = tempfile::tempdir().unwrap();
        assert!(run_ids(state.path()).unwrap().is_empty());
        for id in [
            "20261124-071203-aaaa",
            "20261125-000000-0001",
            "20261123-235959-ffff",
        ] {
            let dir = paths::run_dir(state.path(), id);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(JOURNAL_FILE), "").unwrap();
        }
        std::fs::create_dir_all(paths::run_dir(state.path(), "20261126-000000-dead")).unwrap();
        assert_eq!(
            run_ids(state.path()).unwrap(),
            [
                "20261125-000000-0001",
                "20261124-071203-aaaa",
                "20261123-235959-ffff"
            ]
        );
    }
}
