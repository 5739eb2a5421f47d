"""`python -m bench [name ...]`: run the benchmarks (all `bench_*.py`, or the named ones)."""

import sys

from bench._runner import run_all

sys.exit(run_all("bench_"))
