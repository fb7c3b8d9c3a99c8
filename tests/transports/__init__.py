"""Tests of what only the transports do: GraphQL and REST parsing, limits and documents."""
