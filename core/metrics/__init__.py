"""Metrics computed from maps and delivery data: pure functions, no database access."""
