"""Benchmarks: scripts that print one JSON object (see bench/README.md)."""
