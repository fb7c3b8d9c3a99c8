"""Tests of phases, gates, the playbook and the portfolio."""
