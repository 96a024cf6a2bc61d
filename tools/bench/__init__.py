"""Benchmarks (run through `python -m tools.bench_policies` and `python -m tools.bench_forms`)."""
