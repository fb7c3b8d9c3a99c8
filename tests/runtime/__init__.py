"""Tests of transactions, concurrency, load, faults, migrations and the clock."""
