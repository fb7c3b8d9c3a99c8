"""Feature: Timeboxes (features/timeboxes.feature)."""

from pytest_bdd import scenarios

scenarios("timeboxes.feature")
