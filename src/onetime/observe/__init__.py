"""What operators watch: Prometheus metrics and JSON log lines (no HTTP, no SQL, no rules)."""
