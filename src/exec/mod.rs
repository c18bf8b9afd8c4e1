//! Runs the runbook's steps: argv templates, timeouts, process groups, output capture.
