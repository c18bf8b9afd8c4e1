//! What can go wrong with a journal, in words an operator can act on.

use std::path::PathBuf;

/// A journal could not be created, opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// A file-system call failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What ripcord was doing, e.g. "create the run folder".
        action: &'static str,
        /// The file or folder concerned.
        path: PathBuf,
        /// The operating system's answer.
        source: std::io::Error,
    },

    /// Another controller holds the run's lock (DESIGN §3 rule 8).
    #[error(
        "run {run} is already open by another ripcord ({holder}); stop that one first, or watch it with `ripcord attach {run}`"
    )]
    Locked {
        /// The run id (the run folder's name).
        run: String,
        /// Who holds it, e.g. "pid 4242, on bastion-1".
        holder: String,
    },

    /// `create` found a journal already there.
    #[error(
        "a journal already exists at {}; resume that run with `--resume {run}` instead of starting it again",
        path.display()
    )]
    AlreadyExists {
        /// The run id.
        run: String,
        /// The existing journal.
        path: PathBuf,
    },

    /// `open` or `read` found no journal.
    #[error("no journal at {}: check the run id (`ripcord runs` lists the runs) or the --state-dir", path.display())]
    NotFound {
        /// Where it was looked for.
        path: PathBuf,
    },

    /// A line other than a torn last one cannot be read, or the sequence numbers jump.
    #[error(
        "journal {} is damaged at line {line} (byte {offset}): {reason}. The lines before it are intact; \
         keep a copy of the file, then cut it at byte {offset} (`truncate -s {offset} FILE`) to resume from there",
        path.display()
    )]
    Corrupt {
        /// The journal.
        path: PathBuf,
        /// Line number, from 1.
        line: u64,
        /// Byte offset where that line starts.
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },

    /// An event could not be turned into JSON (a bug in the event type, not an operator error).
    #[error("cannot write the event to the journal as JSON: {0}")]
    Encode(#[source] serde_json::Error),

    /// An earlier write or fsync failed, so what is on disk is no longer known.
    #[error(
        "journal {} is unusable after an earlier write error; nothing more is recorded. Restart ripcord with `--resume` to continue from what is on disk",
        path.display()
    )]
    Poisoned {
        /// The journal.
        path: PathBuf,
    },
}

impl JournalError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        JournalError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
