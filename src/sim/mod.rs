//! A simulated fleet with a loopback /metrics exporter and fault injection.
