"""Feature: Iterating into a new cycle (features/iteration.feature)."""

from pytest_bdd import scenarios

scenarios("iteration.feature")
