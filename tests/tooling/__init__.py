"""Tests of the command line, the documentation and `make test` itself."""
