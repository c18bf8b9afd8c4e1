//! Reading a journal back: every record in order, checked, with a torn last line set apart.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::error::Category;

use super::{JournalError, Record};

/// Read buffer size: large reads keep a 200 MB replay at disk speed.
const READ_BUFFER: usize = 1 << 20;
/// How much of a dropped line a warning quotes.
const HEAD_BYTES: usize = 48;

/// Every record of a journal, oldest first, and what was noticed while reading it.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay<E> {
    /// The records, `seq` 1, 2, 3, ... without gaps.
    pub records: Vec<Record<E>>,
    /// Things the operator should hear about, e.g. a torn last line that was repaired.
    pub warnings: Vec<String>,
}

/// A last line that a crash (or a writer still at work) left incomplete.
#[derive(Debug)]
pub(crate) struct TornTail {
    /// Where it starts; the journal's intact part is exactly this long.
    pub offset: u64,
    /// How long it is.
    pub len: u64,
    /// Its first bytes, for the warning.
    pub head: String,
}

/// What a scan found.
#[derive(Debug)]
pub(crate) struct Scan<E> {
    pub records: Vec<Record<E>>,
    pub torn: Option<TornTail>,
    /// Bytes of whole records: the file's length once a torn tail is cut.
    pub len: u64,
}

/// Reads all of `file` (opened at `path`) from its start.
///
/// A line that cannot be read is corruption (an error naming it), except the last line when it
/// has no newline or is broken JSON: `append` writes a line and its newline in one call and
/// returns only after fsync, so such a line was never acknowledged and its effect never started.
/// A last line that is whole JSON but not a valid record is an error too, not a torn tail: it
/// may be a newer ripcord's event, and cutting it would lose it.
pub(crate) fn scan<E: DeserializeOwned>(file: &File, path: &Path) -> Result<Scan<E>, JournalError> {
    let size = file
        .metadata()
        .map_err(|e| JournalError::io("read", path, e))?
        .len();
    // Lines are about 200 bytes; a close guess spares most of the reallocation of a big Vec.
    let guess = usize::try_from(size / 224).unwrap_or(0).min(1 << 22);
    let mut records: Vec<Record<E>> = Vec::with_capacity(guess);
    let mut reader = BufReader::with_capacity(READ_BUFFER, file);
    let mut line = Vec::with_capacity(1024);
    let mut offset = 0u64;
    let mut line_no = 0u64;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| JournalError::io("read", path, e))?;
        if n == 0 {
            return Ok(Scan {
                records,
                torn: None,
                len: offset,
            });
        }
        line_no += 1;
        let torn = || TornTail {
            offset,
            len: n as u64,
            head: head(&line),
        };
        if line.last() != Some(&b'\n') {
            return Ok(Scan {
                records,
                torn: Some(torn()),
                len: offset,
            });
        }
        match serde_json::from_slice::<Record<E>>(&line) {
            Ok(record) => {
                let expected = records.len() as u64 + 1;
                if record.seq != expected {
                    let kind = if record.seq < expected {
                        "a duplicate"
                    } else {
                        "a gap"
                    };
                    let reason =
                        format!("seq {} where {expected} was expected ({kind})", record.seq);
                    return Err(JournalError::Corrupt {
                        path: path.into(),
                        line: line_no,
                        offset,
                        reason,
                    });
                }
                records.push(record);
            }
            Err(e) => {
                let at_end = reader
                    .fill_buf()
                    .map_err(|e| JournalError::io("read", path, e))?
                    .is_empty();
                if at_end && matches!(e.classify(), Category::Syntax | Category::Eof) {
                    return Ok(Scan {
                        records,
                        torn: Some(torn()),
                        len: offset,
                    });
                }
                let reason = format!("{} ({e})", describe(e.classify()));
                return Err(JournalError::Corrupt {
                    path: path.into(),
                    line: line_no,
                    offset,
                    reason,
                });
            }
        }
        offset += n as u64;
    }
}

/// Reads the journal at `path` without locking it or changing it: for reports, the runs listing
/// and watching a run another ripcord is writing. A torn last line is left out with a warning.
pub fn read<E: DeserializeOwned>(path: &Path) -> Result<Replay<E>, JournalError> {
    let file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => JournalError::NotFound { path: path.into() },
        _ => JournalError::io("open", path, e),
    })?;
    let scan = scan(&file, path)?;
    let warnings = scan
        .torn
        .map(|t| {
            format!(
                "journal {}: left out an incomplete last line at byte {} ({} bytes, starting {:?}); \
                 a ripcord may still be writing it, or stopped while writing it; the file was not changed",
                path.display(),
                t.offset,
                t.len,
                t.head
            )
        })
        .into_iter()
        .collect();
    Ok(Replay {
        records: scan.records,
        warnings,
    })
}

fn describe(category: Category) -> &'static str {
    match category {
        Category::Data => {
            "the line is JSON but not a journal record ripcord knows; was it written by a newer ripcord?"
        }
        Category::Syntax | Category::Eof => "the line is not valid JSON",
        Category::Io => "the line could not be read",
    }
}

fn head(line: &[u8]) -> String {
    let cut = &line[..line.len().min(HEAD_BYTES)];
    String::from_utf8_lossy(cut).into_owned()
}
