"""Feature: Leaving pre-planning (features/pre_planning_gate.feature)."""

from pytest_bdd import scenarios

scenarios("pre_planning_gate.feature")
