"""Benchmarks of the service, run against the real app on a real ASGI server."""
