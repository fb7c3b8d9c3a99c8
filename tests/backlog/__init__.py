"""Tests of the transformation backlog: items, RACI, dependencies, milestones, ranking."""
