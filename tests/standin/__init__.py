"""Test stand-ins for external services, served on loopback for tests and benchmarks."""
