"""Tests of flow targets, measurements and their units."""
