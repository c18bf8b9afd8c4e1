//! Reading a journal back: every record in order, checked, with a torn last line set apart.
//!
//! Parsing dominates replay time (DESIGN §6: a million events in ≤ 1.5 s), so the file is read
//! in large blocks cut at line ends and the blocks are parsed on several threads, then checked
//! and joined in file order.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::error::Category;

use super::{JournalError, Record};

/// Bytes parsed by one thread at a time.
const BLOCK: usize = 8 << 20;
/// Below this size one thread parses everything: starting threads would cost more than it saves.
const PARALLEL_FROM: u64 = 2 * BLOCK as u64;
/// At most this many threads parse.
const MAX_THREADS: usize = 4;
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
pub(crate) fn scan<E>(file: &File, path: &Path) -> Result<Scan<E>, JournalError>
where
    E: DeserializeOwned + Send,
{
    let size = file
        .metadata()
        .map_err(|e| JournalError::io("read", path, e))?
        .len();
    let threads = if size < PARALLEL_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
    };
    scan_in_blocks(file, path, size, BLOCK, threads)
}

/// [`scan`] with the block size and thread count given (tests use tiny blocks).
pub(crate) fn scan_in_blocks<E>(
    file: &File,
    path: &Path,
    size: u64,
    block: usize,
    threads: usize,
) -> Result<Scan<E>, JournalError>
where
    E: DeserializeOwned + Send,
{
    // Lines are about 200 bytes; a close guess spares most of the reallocation of a big Vec.
    let guess = usize::try_from(size / 224).unwrap_or(0).min(1 << 22);
    let mut records: Vec<Record<E>> = Vec::with_capacity(guess);
    let mut blocks = Blocks {
        file,
        path,
        block: block.max(1),
        carry: Vec::new(),
        offset: 0,
        eof: false,
    };
    let threads = threads.max(1);
    loop {
        let mut round = Vec::with_capacity(threads);
        while round.len() < threads {
            match blocks.next()? {
                Some(block) => round.push(block),
                None => break,
            }
        }
        if round.is_empty() {
            return Ok(Scan {
                records,
                torn: None,
                len: blocks.offset,
            });
        }
        for (block, parsed) in round.iter().zip(parse_round::<E>(&round)) {
            let lines_before = records.len() as u64;
            let stop = check_and_join(&mut records, parsed, block, path)?;
            match stop {
                None => {}
                Some(Stop::Torn { pos }) => {
                    let rest = &block.bytes[pos..];
                    let offset = block.offset + pos as u64;
                    let torn = TornTail {
                        offset,
                        len: rest.len() as u64,
                        head: head(rest),
                    };
                    return Ok(Scan {
                        records,
                        torn: Some(torn),
                        len: offset,
                    });
                }
                Some(Stop::Bad { index, pos, error }) => {
                    return Err(JournalError::Corrupt {
                        path: path.into(),
                        line: lines_before + index as u64 + 1,
                        offset: block.offset + pos as u64,
                        reason: format!("{} ({error})", describe(error.classify())),
                    });
                }
            }
        }
    }
}

/// Reads the journal at `path` without locking it or changing it: for reports, the runs listing
/// and watching a run another ripcord is writing. A torn last line is left out with a warning.
pub fn read<E>(path: &Path) -> Result<Replay<E>, JournalError>
where
    E: DeserializeOwned + Send,
{
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

/// Whole lines of the file, a block at a time.
struct Blocks<'a> {
    file: &'a File,
    path: &'a Path,
    /// Bytes a block holds at least (unless it is the last).
    block: usize,
    /// The start of a line that the previous block cut off.
    carry: Vec<u8>,
    /// File offset of the next block.
    offset: u64,
    eof: bool,
}

struct Block {
    bytes: Vec<u8>,
    /// File offset of `bytes[0]`.
    offset: u64,
    /// True for the last block: its last line may be torn.
    last: bool,
}

impl Blocks<'_> {
    fn next(&mut self) -> Result<Option<Block>, JournalError> {
        let mut bytes = std::mem::take(&mut self.carry);
        let step = self.block / 8 + 1;
        bytes.reserve(self.block.saturating_sub(bytes.len()) + step);
        while !self.eof && (bytes.len() < self.block || memchr::memrchr(b'\n', &bytes).is_none()) {
            let want = self.block.saturating_sub(bytes.len()).max(step) as u64;
            let n = self.read(want, &mut bytes)?;
            self.eof = n < want;
        }
        if bytes.is_empty() {
            return Ok(None);
        }
        if !self.eof {
            // The loop above only stops early with a newline in `bytes`.
            let cut = memchr::memrchr(b'\n', &bytes).map_or(bytes.len(), |i| i + 1);
            self.carry = bytes.split_off(cut);
            if self.carry.is_empty() {
                // Look ahead, so that a block ending exactly at the end of the file is known
                // as the last one (its last line may be torn).
                let mut ahead = Vec::new();
                self.eof = self.read(step as u64, &mut ahead)? == 0;
                self.carry = ahead;
            }
        }
        let last = self.eof && self.carry.is_empty();
        let block = Block {
            offset: self.offset,
            last,
            bytes,
        };
        self.offset += block.bytes.len() as u64;
        Ok(Some(block))
    }

    /// Appends up to `want` bytes to `bytes`; fewer only at the end of the file.
    fn read(&self, want: u64, bytes: &mut Vec<u8>) -> Result<u64, JournalError> {
        let n = self
            .file
            .take(want)
            .read_to_end(bytes)
            .map_err(|e| JournalError::io("read", self.path, e))?;
        Ok(n as u64)
    }
}

/// What stopped the parse of a block before its end.
enum Stop {
    /// The last line of the file, unfinished, starts at `pos`.
    Torn { pos: usize },
    /// Line `index` (from 0, within the block), at `pos`, cannot be read.
    Bad {
        index: usize,
        pos: usize,
        error: serde_json::Error,
    },
}

struct Parsed<E> {
    records: Vec<Record<E>>,
    stop: Option<Stop>,
}

/// Parses the blocks of one round, the first on this thread and the others on their own.
fn parse_round<E: DeserializeOwned + Send>(round: &[Block]) -> Vec<Parsed<E>> {
    let Some((first, others)) = round.split_first() else {
        return Vec::new();
    };
    std::thread::scope(|scope| {
        let spawned: Vec<_> = others
            .iter()
            .map(|b| {
                let work = move || parse_block::<E>(&b.bytes, b.last);
                // A thread that cannot start leaves its block to be parsed here, in order.
                std::thread::Builder::new()
                    .name("journal-replay".into())
                    .spawn_scoped(scope, work)
                    .map_err(|_| b)
            })
            .collect();
        let mut parsed = vec![parse_block(&first.bytes, first.last)];
        for handle in spawned {
            parsed.push(match handle {
                Ok(h) => h
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(b) => parse_block(&b.bytes, b.last),
            });
        }
        parsed
    })
}

fn parse_block<E: DeserializeOwned>(bytes: &[u8], last: bool) -> Parsed<E> {
    let mut records = Vec::with_capacity(bytes.len() / 224);
    let mut pos = 0;
    while pos < bytes.len() {
        let Some(newline) = memchr::memchr(b'\n', &bytes[pos..]) else {
            return Parsed {
                records,
                stop: Some(Stop::Torn { pos }),
            };
        };
        let end = pos + newline + 1;
        match serde_json::from_slice::<Record<E>>(&bytes[pos..end]) {
            Ok(record) => records.push(record),
            Err(error) => {
                let stop = if last
                    && end == bytes.len()
                    && matches!(error.classify(), Category::Syntax | Category::Eof)
                {
                    Stop::Torn { pos }
                } else {
                    Stop::Bad {
                        index: records.len(),
                        pos,
                        error,
                    }
                };
                return Parsed {
                    records,
                    stop: Some(stop),
                };
            }
        }
        pos = end;
    }
    Parsed {
        records,
        stop: None,
    }
}

/// Checks that the block's records continue the sequence, then moves them to `records`.
fn check_and_join<E>(
    records: &mut Vec<Record<E>>,
    parsed: Parsed<E>,
    block: &Block,
    path: &Path,
) -> Result<Option<Stop>, JournalError> {
    let before = records.len() as u64;
    for (i, record) in parsed.records.iter().enumerate() {
        let expected = before + i as u64 + 1;
        if record.seq != expected {
            let kind = if record.seq < expected {
                "a duplicate"
            } else {
                "a gap"
            };
            let start = match i {
                0 => 0,
                _ => memchr::memchr_iter(b'\n', &block.bytes)
                    .nth(i - 1)
                    .map_or(0, |p| p + 1),
            };
            return Err(JournalError::Corrupt {
                path: path.into(),
                line: expected,
                offset: block.offset + start as u64,
                reason: format!("seq {} where {expected} was expected ({kind})", record.seq),
            });
        }
    }
    records.extend(parsed.records);
    Ok(parsed.stop)
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
