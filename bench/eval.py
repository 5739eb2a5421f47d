"""`python -m bench.eval [name ...]`: run the evaluations on real data (all `eval_*.py`)."""

import sys

from bench._runner import run_all

if __name__ == "__main__":
    sys.exit(run_all("eval_"))
