//! Stakeholder notifications: channels, templates, outbox with retries.
