"""Feature: Moving between phases (features/moving_between_phases.feature)."""

from pytest_bdd import scenarios

scenarios("moving_between_phases.feature")
