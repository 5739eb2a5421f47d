"""Verification: does every sentence say only what the passages it cites say?

`Verifier` (verifier.py) judges sentences and drafts, `compute_metrics` (metrics.py) gives a
draft's ALCE-style citation recall and precision, `Thresholds` (thresholds.py) holds the weights
and cut-offs calibrated by `bench/calibrate_verifier.py`. `Premise` (premise.py) picks the few best
sentences of all cited passages for a claim, and `EntailmentModel` (entailment.py) loads the
trained cross-encoder that judges them (torch is imported only when it is loaded).
"""

from assistant.verify.metrics import compute_metrics
from assistant.verify.thresholds import Thresholds
from assistant.verify.verifier import Verifier

__all__ = ["Verifier", "Thresholds", "compute_metrics"]
