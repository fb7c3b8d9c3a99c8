"""Feature: Leaving the current-state workshop (features/current_state_gate.feature)."""

from pytest_bdd import scenarios

scenarios("current_state_gate.feature")
