//! The run lock: one controller per run (DESIGN §3 rule 8), held as long as the journal is open.
//!
//! `File::try_lock` is `flock(2)` on Linux, so the lock belongs to the open file and the kernel
//! drops it when the process dies, however it dies; `flock -n <run>/lock true` sees it too.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use super::JournalError;

/// Name of the lock file inside a run folder. It says who holds the lock: "<pid> <host>".
pub const LOCK_FILE: &str = "lock";

/// How long a lock held under an empty lock file may take to be let go. Such a lock is not held
/// by a controller (one writes its pid at once) but by a process between fork and exec that
/// inherited the descriptor of a journal just closed, or by a controller about to write its pid.
const RELEASE_GRACE: Duration = Duration::from_secs(2);

/// A held run lock; released on drop.
#[derive(Debug)]
pub(crate) struct RunLock {
    file: File,
}

impl RunLock {
    /// Takes the lock of the run in `run_dir`, or says who has it.
    pub(crate) fn acquire(run_dir: &Path) -> Result<Self, JournalError> {
        let path = run_dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| JournalError::io("open the run lock", &path, e))?;
        let deadline = Instant::now() + RELEASE_GRACE;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let holder = holder(&path);
                    if holder.is_none() && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    }
                    return Err(JournalError::Locked {
                        run: run_id(run_dir),
                        holder: holder.unwrap_or_else(|| "pid unknown".to_owned()),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(JournalError::io("lock", &path, e)),
            }
        }
        let mut lock = Self { file };
        let who = format!("{} {}\n", std::process::id(), hostname());
        lock.file
            .set_len(0)
            .and_then(|()| lock.file.write_all(who.as_bytes()))
            .map_err(|e| JournalError::io("write the run lock", &path, e))?;
        Ok(lock)
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // An empty file tells `acquire` that the lock is being let go: a child process this one
        // forks keeps a copy of the descriptor, and with it the flock, until it execs.
        let _ = self.file.set_len(0);
    }
}

/// The run id is the run folder's name.
pub(crate) fn run_id(run_dir: &Path) -> String {
    run_dir.file_name().map_or_else(
        || run_dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// "pid N, on HOST" from the lock file; `None` when it names nobody (being released or taken).
fn holder(path: &Path) -> Option<String> {
    let mut text = String::new();
    let _ = File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    let mut words = text.split_whitespace();
    match (
        words.next().and_then(|p| p.parse::<u32>().ok()),
        words.next(),
    ) {
        (Some(pid), Some(host)) => Some(format!("pid {pid}, on {host}")),
        (Some(pid), None) => Some(format!("pid {pid}")),
        _ => None,
    }
}

/// This machine's name, for telling operators where the lock holder runs.
fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the pointer and length describe `buf`, which outlives the call; gethostname writes
    // at most `len` bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    match (rc, std::str::from_utf8(&buf[..len])) {
        (0, Ok(name)) if !name.is_empty() && !name.contains(char::is_whitespace) => name.to_owned(),
        _ => "unknown-host".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_names_the_holder_and_drop_releases_it() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("20261124-071203-ab12");
        std::fs::create_dir(&run).unwrap();
        let first = RunLock::acquire(&run).unwrap();
        let err = RunLock::acquire(&run).unwrap_err().to_string();
        let expected = format!(
            "run 20261124-071203-ab12 is already open by another ripcord (pid {}, on {})",
            std::process::id(),
            hostname()
        );
        assert!(err.starts_with(&expected), "{err}");
        drop(first);
        RunLock::acquire(&run).unwrap();
    }

    #[test]
    fn lock_being_let_go_under_an_empty_file_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        drop(RunLock::acquire(dir.path()).unwrap());
        // Like a forked child's inherited copy of a closed journal's descriptor.
        let inherited = File::open(dir.path().join(LOCK_FILE)).unwrap();
        inherited.try_lock().unwrap();
        let exec = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            drop(inherited);
        });
        RunLock::acquire(dir.path()).unwrap();
        exec.join().unwrap();
    }
}
