"""Feature: Leaving planning (features/planning_gate.feature)."""

from pytest_bdd import scenarios

scenarios("planning_gate.feature")
