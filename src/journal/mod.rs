//! Append-only JSONL event log (DESIGN §8): fsync, replay, torn-tail repair, file lock.
