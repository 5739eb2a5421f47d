"""Benchmarks (`make bench`) and evaluations on real data (`make eval`).

Each `bench_*.py` module and each `eval_*.py` module defines `run() -> None`, printing its own
table. Benchmarks print ratios against a baseline measured in the same run, never absolute
pass/fail times, because these machines are shared and noisy.
"""
