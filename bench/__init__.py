"""Benchmarks against the limits (issue #7): run them all with `python bench/run.py`."""
