"""Tests of organizations, people, teams, API tokens, authentication, tenancy, audit
and idempotency."""
