//! The cockpit screen.
