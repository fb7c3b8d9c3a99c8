"""Feature: Leaving the desired-state workshop (features/desired_state_gate.feature)."""

from pytest_bdd import scenarios

scenarios("desired_state_gate.feature")
