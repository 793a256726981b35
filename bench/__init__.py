"""Benchmarks: `make bench` or `python -m bench --quick` (see bench/README.md)."""
