"""Verification: does every sentence say only what the passages it cites say?

`Verifier` (verifier.py) judges sentences and drafts, `compute_metrics` (metrics.py) gives a
draft's ALCE-style citation recall and precision, `Thresholds` (thresholds.py) holds the weights
and cut-offs calibrated by `bench/calibrate_verifier.py`.
"""

from assistant.verify.metrics import compute_metrics
from assistant.verify.thresholds import Thresholds
from assistant.verify.verifier import Verifier

__all__ = ["Verifier", "Thresholds", "compute_metrics"]
