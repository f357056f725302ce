"""Benchmarks: `python -m benchmarks.<name>`; JSON results in benchmarks/results/."""
