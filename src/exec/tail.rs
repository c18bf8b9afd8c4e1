//! Output capture: reads a step's stdout and stderr together into a bounded ring, so a chatty
//! step can neither deadlock on a full pipe nor grow ripcord's memory.

use std::collections::VecDeque;

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::redact::Redactor;

/// How much of a step's combined output is kept: the last 64 KiB.
pub const TAIL_BYTES: usize = 64 * 1024;

/// Extra bytes kept in front of the tail so that a secret or `Bearer` token cut by the tail's
/// start is still seen whole by the redactor before the tail is trimmed.
const REDACT_MARGIN: usize = 4 * 1024;

/// A cut first line shorter than this is dropped so the tail starts on a whole line.
const PARTIAL_LINE_MAX: usize = 512;

/// The last bytes of a process's output.
#[derive(Debug)]
pub struct Tail {
    buf: VecDeque<u8>,
    keep: usize,
    dropped: u64,
}

impl Tail {
    /// A ring big enough for [`TAIL_BYTES`] plus a redaction margin of at least `longest_secret`.
    pub fn for_redactor(redactor: &Redactor) -> Self {
        Self::with_capacity(TAIL_BYTES + REDACT_MARGIN.max(redactor.longest_secret()))
    }

    /// A ring keeping the last `keep` bytes.
    pub fn with_capacity(keep: usize) -> Self {
        Self {
            buf: VecDeque::with_capacity(keep.min(TAIL_BYTES)),
            keep,
            dropped: 0,
        }
    }

    /// Appends output, forgetting the oldest bytes beyond the capacity.
    pub fn push(&mut self, chunk: &[u8]) {
        if chunk.len() >= self.keep {
            self.dropped += (self.buf.len() + chunk.len() - self.keep) as u64;
            self.buf.clear();
            self.buf.extend(&chunk[chunk.len() - self.keep..]);
            return;
        }
        let over = (self.buf.len() + chunk.len()).saturating_sub(self.keep);
        self.buf.drain(..over);
        self.dropped += over as u64;
        self.buf.extend(chunk);
    }

    /// The kept output as text: lossy UTF-8, secrets redacted, at most [`TAIL_BYTES`] bytes.
    /// When earlier output was dropped, the text starts with a line saying how much.
    pub fn into_text(mut self, redactor: &Redactor) -> String {
        let bytes = self.buf.make_contiguous();
        let text = String::from_utf8_lossy(bytes);
        let text = redactor.redact(&text);
        let kept = last_bytes(&text, TAIL_BYTES);
        let total = self.dropped + bytes.len() as u64;
        if kept.len() == text.len() && self.dropped == 0 {
            return kept.to_owned();
        }
        let omitted = total.saturating_sub(kept.len() as u64);
        let note = format!("[ripcord: {omitted} earlier bytes of output not kept]\n");
        // Trim again so the note fits inside the promised size.
        let kept = last_bytes(kept, TAIL_BYTES.saturating_sub(note.len()));
        // Start on a whole line when one begins soon; a cut line reads like garbage.
        let kept = match kept.find('\n') {
            Some(nl) if nl < PARTIAL_LINE_MAX => &kept[nl + 1..],
            _ => kept,
        };
        format!("{note}{kept}")
    }
}

/// The longest suffix of `text` of at most `max` bytes that starts on a char boundary.
fn last_bytes(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Reads both pipes until both are closed, appending whatever arrives to `tail`. Reading them
/// together is what keeps a process that fills stderr while we wait on stdout from blocking.
pub async fn read_both<O, E>(stdout: Option<O>, stderr: Option<E>, tail: &mut Tail)
where
    O: AsyncRead + Unpin,
    E: AsyncRead + Unpin,
{
    let (mut out, mut err) = (stdout, stderr);
    let mut out_buf = vec![0u8; 8192];
    let mut err_buf = vec![0u8; 8192];
    loop {
        let (out_open, err_open) = (out.is_some(), err.is_some());
        if !out_open && !err_open {
            return;
        }
        tokio::select! {
            n = read_some(&mut out, &mut out_buf), if out_open => match n {
                Some(n) => tail.push(&out_buf[..n]),
                None => out = None,
            },
            n = read_some(&mut err, &mut err_buf), if err_open => match n {
                Some(n) => tail.push(&err_buf[..n]),
                None => err = None,
            },
        }
    }
}

/// One read; `None` at end of file or on a read error (the pipe is then done either way).
async fn read_some<R: AsyncRead + Unpin>(pipe: &mut Option<R>, buf: &mut [u8]) -> Option<usize> {
    let reader = pipe.as_mut()?;
    match reader.read(buf).await {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_output_is_kept_whole() {
        let mut t = Tail::with_capacity(TAIL_BYTES);
        t.push(b"hello ");
        t.push(b"world\n");
        assert_eq!(t.into_text(&Redactor::default()), "hello world\n");
    }

    #[test]
    fn ring_keeps_only_the_last_bytes() {
        let mut t = Tail::with_capacity(10);
        t.push(b"0123456");
        t.push(b"789abc");
        assert_eq!(t.buf.iter().copied().collect::<Vec<_>>(), b"3456789abc");
        assert_eq!(t.dropped, 3);
        t.push(b"ABCDEFGHIJKLMNOP");
        assert_eq!(t.buf.iter().copied().collect::<Vec<_>>(), b"GHIJKLMNOP");
        assert_eq!(t.dropped, 19);
    }

    #[test]
    fn long_output_is_cut_to_the_promised_size_with_a_note() {
        let mut t = Tail::for_redactor(&Redactor::default());
        for i in 0..20_000 {
            t.push(format!("line {i:05}\n").as_bytes());
        }
        let text = t.into_text(&Redactor::default());
        assert!(text.len() <= TAIL_BYTES, "{}", text.len());
        assert!(
            text.starts_with("[ripcord: ") && text.contains("earlier bytes of output not kept]\n")
        );
        assert!(text.ends_with("line 19999\n"));
        let first_kept = text.lines().nth(1).unwrap_or_default();
        assert!(
            first_kept.starts_with("line ") && first_kept.len() == 10,
            "{first_kept}"
        );
    }

    #[test]
    fn a_cut_multibyte_char_does_not_leave_garbage() {
        let mut t = Tail::with_capacity(TAIL_BYTES);
        let big = "ü".repeat(TAIL_BYTES);
        t.push(big.as_bytes());
        let text = t.into_text(&Redactor::default());
        assert!(text.len() <= TAIL_BYTES);
        assert!(!text.contains('\u{FFFD}'));
    }

    #[test]
    fn a_secret_straddling_the_cut_is_still_masked() {
        let secret = "S3CRET-VALUE-XYZ";
        let r = Redactor::new([secret]);
        let mut t = Tail::for_redactor(&r);
        t.push(&vec![b'a'; 3 * TAIL_BYTES]);
        t.push(secret.as_bytes());
        // Put the secret's start just outside the last TAIL_BYTES of raw output.
        t.push(&vec![b'b'; TAIL_BYTES - 4]);
        let text = t.into_text(&r);
        assert!(
            !text.contains("XYZ") && !text.contains("VALUE"),
            "secret leaked"
        );
    }
}
