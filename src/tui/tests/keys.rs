//! Keys to intents and dialogs.
