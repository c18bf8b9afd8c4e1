//! The postmortem, written from a journal.
