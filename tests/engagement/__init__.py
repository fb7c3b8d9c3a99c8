"""Tests of value streams and the engagement's records: participants, deliverables,
risks, actions and sign-offs."""
