"""Metrics, logs and health (issue 13 points 1-3)."""
