"""The OTP service's HTTP API v1 (DESIGN.md §7)."""
