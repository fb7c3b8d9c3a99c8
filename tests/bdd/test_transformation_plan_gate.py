"""Feature: Leaving the transformation plan (features/transformation_plan_gate.feature)."""

from pytest_bdd import scenarios

scenarios("transformation_plan_gate.feature")
