//! Append-only JSONL event log (DESIGN §8): fsync, replay, torn-tail repair, file lock.
//!
//! One run is one folder, `<state-dir>/runs/<RUN_ID>/`, holding `journal.jsonl` (one [`Record`]
//! a line) and `lock`. The log is generic over the event type so it does not depend on the
//! engine; any `Serialize + DeserializeOwned` type will do.

mod error;
mod lock;
#[cfg(test)]
mod proptests;
mod record;
mod replay;
mod run_id;
#[cfg(test)]
mod tests;

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::Write;
use std::marker::PhantomData;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use error::JournalError;
pub use lock::LOCK_FILE;
pub use record::{Actor, ActorRole, Record, Timestamp};
pub use replay::{Replay, read};
pub use run_id::{new_run_id, run_ids};

/// Name of the journal inside a run folder.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// The journal of the run in `run_dir`: `<run_dir>/journal.jsonl`.
pub fn journal_path(run_dir: &Path) -> PathBuf {
    run_dir.join(JOURNAL_FILE)
}

/// The open journal of one run, held by exactly one controller (the lock is released on drop).
///
/// Every `append` is on disk (fdatasync) before it returns, so an effect started after it can
/// never be missing from the log (DESIGN §3 rule 8).
pub struct Journal<E> {
    file: File,
    path: PathBuf,
    next_seq: u64,
    /// Bytes of whole, acknowledged records: what a failed write is cut back to.
    len: u64,
    /// Set when a write or fsync failed: what is on disk is then unknown.
    poisoned: bool,
    /// Reused encoding buffer.
    buf: Vec<u8>,
    _lock: lock::RunLock,
    _event: PhantomData<fn() -> E>,
}

impl<E: Serialize + DeserializeOwned + Send> Journal<E> {
    /// Starts the journal of a new run: creates `run_dir` (0700, with missing parents) and an
    /// empty `journal.jsonl` (0600), and takes the run's lock.
    pub fn create(run_dir: &Path) -> Result<Self, JournalError> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(run_dir)
            .map_err(|e| JournalError::io("create the run folder", run_dir, e))?;
        let lock = lock::RunLock::acquire(run_dir)?;
        let path = journal_path(run_dir);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => JournalError::AlreadyExists {
                    run: lock::run_id(run_dir),
                    path: path.clone(),
                },
                _ => JournalError::io("create", &path, e),
            })?;
        // The new names must survive a crash too, not only the data written under them.
        sync_dir(run_dir)?;
        if let Some(parent) = run_dir.parent() {
            sync_dir(parent)?;
        }
        Ok(Self::with(file, path, lock, 1, 0))
    }

    /// Starts a new run in `state_dir` with a fresh id for a run starting at `now`; returns the
    /// id and the journal. Tries another id in the unlikely case the first is taken.
    pub fn create_run(state_dir: &Path, now: Timestamp) -> Result<(String, Self), JournalError> {
        let mut attempt = 0;
        loop {
            let id = new_run_id(now);
            match Self::create(&crate::paths::run_dir(state_dir, &id)) {
                Ok(journal) => return Ok((id, journal)),
                Err(JournalError::AlreadyExists { .. } | JournalError::Locked { .. })
                    if attempt < 8 =>
                {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Reopens the journal of an existing run to resume it: takes the lock, reads every record,
    /// and cuts away a torn last line (left by a crash mid-write) with a warning that says so.
    pub fn open(run_dir: &Path) -> Result<(Self, Replay<E>), JournalError> {
        let path = journal_path(run_dir);
        if !path.is_file() {
            return Err(JournalError::NotFound { path });
        }
        let lock = lock::RunLock::acquire(run_dir)?;
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| JournalError::io("open", &path, e))?;
        let scan = replay::scan::<E>(&file, &path)?;
        let mut warnings = Vec::new();
        if let Some(torn) = &scan.torn {
            file.set_len(torn.offset)
                .and_then(|()| file.sync_all())
                .map_err(|e| JournalError::io("cut the torn last line of", &path, e))?;
            warnings.push(format!(
                "journal {}: removed a torn last line at byte {} ({} bytes, starting {:?}); \
                 ripcord stopped while writing it, so its event never took effect",
                path.display(),
                torn.offset,
                torn.len,
                torn.head
            ));
        }
        let next_seq = scan.records.len() as u64 + 1;
        let journal = Self::with(file, path, lock, next_seq, scan.len);
        Ok((
            journal,
            Replay {
                records: scan.records,
                warnings,
            },
        ))
    }

    fn with(file: File, path: PathBuf, lock: lock::RunLock, next_seq: u64, len: u64) -> Self {
        Self {
            file,
            path,
            next_seq,
            len,
            poisoned: false,
            buf: Vec::with_capacity(4096),
            _lock: lock,
            _event: PhantomData,
        }
    }

    /// Records one event: gives it the next `seq`, writes its line and syncs it to disk before
    /// returning it.
    pub fn append(
        &mut self,
        at: Timestamp,
        actor: Actor,
        event: E,
    ) -> Result<Record<E>, JournalError> {
        let record = Record {
            seq: self.next_seq,
            at,
            actor,
            event,
        };
        self.write(std::slice::from_ref(&record))?;
        Ok(record)
    }

    /// Records several events with one write and one fsync (a 1,000-host wave start). After a
    /// crash during the call, a prefix of the batch may be on disk; none of it was acknowledged.
    pub fn append_batch<I>(&mut self, events: I) -> Result<Vec<Record<E>>, JournalError>
    where
        I: IntoIterator<Item = (Timestamp, Actor, E)>,
    {
        let records: Vec<Record<E>> = events
            .into_iter()
            .zip(self.next_seq..)
            .map(|((at, actor, event), seq)| Record {
                seq,
                at,
                actor,
                event,
            })
            .collect();
        self.write(&records)?;
        Ok(records)
    }

    fn write(&mut self, records: &[Record<E>]) -> Result<(), JournalError> {
        if self.poisoned {
            return Err(JournalError::Poisoned {
                path: self.path.clone(),
            });
        }
        if records.is_empty() {
            return Ok(());
        }
        // Encode everything first, so an event that cannot be encoded writes nothing.
        self.buf.clear();
        for record in records {
            serde_json::to_writer(&mut self.buf, record).map_err(JournalError::Encode)?;
            self.buf.push(b'\n');
        }
        let written = (&self.file)
            .write_all(&self.buf)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            // After a failed fsync Linux may have dropped the dirty pages and a retry can report
            // success falsely, so stop writing. Cutting back keeps unacknowledged lines out of a
            // later replay when the disk still allows it.
            self.poisoned = true;
            let _ = self.file.set_len(self.len);
            return Err(JournalError::io("append to", &self.path, e));
        }
        self.len += self.buf.len() as u64;
        self.next_seq += records.len() as u64;
        Ok(())
    }
}

impl<E> Journal<E> {
    /// Where the journal file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `seq` the next appended event will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }
}

/// Makes the names created in `dir` durable. Some file systems cannot sync a folder and say so
/// with EINVAL; there is nothing better to do on them.
fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    let synced = File::open(dir).and_then(|d| d.sync_all());
    match synced {
        Err(e) if e.kind() != std::io::ErrorKind::InvalidInput => {
            Err(JournalError::io("sync the folder", dir, e))
        }
        _ => Ok(()),
    }
}
