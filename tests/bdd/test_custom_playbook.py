"""Feature: An organization's own playbook (features/custom_playbook.feature)."""

from pytest_bdd import scenarios

scenarios("custom_playbook.feature")
