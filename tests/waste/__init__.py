"""Tests of waste classification rules."""
