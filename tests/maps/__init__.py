"""Tests of current- and desired-state maps, their steps, handoffs and metrics."""
