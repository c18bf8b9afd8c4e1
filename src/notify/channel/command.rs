//! The `command` channel: runs a local program (an SMS or phone gateway) with the message on
//! standard input and its facts in `RIPCORD_*` variables; exit 0 means delivered.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Message, SendError};

/// Runs `argv` in `dir` (the runbook's folder) for `msg`, killed with its whole process group
/// after `timeout`.
pub async fn run(
    argv: &[String],
    dir: &Path,
    msg: &Message,
    timeout: Duration,
) -> Result<(), SendError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(SendError::permanent("the command is empty"));
    };
    // `./page.sh` means the runbook's folder, as for step commands.
    let program = if program.contains('/') && Path::new(program).is_relative() {
        dir.join(program)
    } else {
        program.into()
    };
    let mut cmd = tokio::process::Command::new(&program);
    cmd.args(args)
        .current_dir(dir)
        .env("RIPCORD_EVENT", &msg.kind)
        .env(
            "RIPCORD_SEVERITY",
            msg.severity.map_or("minor", |s| s.as_str()),
        )
        .env("RIPCORD_RUN", &msg.run_id)
        .env("RIPCORD_NOTIFICATION_ID", &msg.id)
        .env("RIPCORD_SUBJECT", &msg.title)
        .env("RIPCORD_CHANNEL", &msg.channel)
        .env(
            "RIPCORD_AUDIENCE",
            crate::notify::context::audience_str(msg.audience),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| {
        let error = format!("cannot start {}: {e}", program.display());
        if e.kind() == std::io::ErrorKind::NotFound
            || e.kind() == std::io::ErrorKind::PermissionDenied
        {
            SendError::permanent(format!("{error}; check the channel's command"))
        } else {
            SendError::retry(error)
        }
    })?;
    let pid = child.id();
    let stdin = child.stdin.take();
    let mut stderr = child.stderr.take();
    let work = async {
        let write = async {
            if let Some(mut stdin) = stdin {
                // A gateway may exit without reading everything: a broken pipe is not a failure.
                let _ = stdin.write_all(msg.text.as_bytes()).await;
                let _ = stdin.write_all(b"\n").await;
            }
        };
        let read = async {
            let mut err = Vec::new();
            if let Some(stderr) = stderr.as_mut() {
                let _ = stderr.take(64 * 1024).read_to_end(&mut err).await;
            }
            err
        };
        let ((), err) = tokio::join!(write, read);
        (child.wait().await, err)
    };
    match tokio::time::timeout(timeout, work).await {
        Ok((Ok(status), _)) if status.success() => Ok(()),
        Ok((Ok(status), err)) => {
            let err = String::from_utf8_lossy(&err);
            let tail: String = err
                .trim()
                .lines()
                .last()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            Err(SendError::retry(format!(
                "{} exited with {status}{}",
                program.display(),
                if tail.is_empty() {
                    String::new()
                } else {
                    format!(": {tail}")
                }
            )))
        }
        Ok((Err(e), _)) => Err(SendError::retry(format!("waiting for the command: {e}"))),
        Err(_) => {
            if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
                // SAFETY: killpg only sends a signal to the group this child leads.
                unsafe {
                    libc::killpg(pid, libc::SIGKILL);
                }
            }
            Err(SendError::retry(format!(
                "{} did not finish within {}s; killed",
                program.display(),
                timeout.as_secs_f32()
            )))
        }
    }
}
