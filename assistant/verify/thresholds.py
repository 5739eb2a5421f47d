"""`Thresholds`: the calibrated weights and cut-offs of the verifier, stored in `thresholds.json`
beside this module and written by `bench/calibrate_verifier.py` (reproducible: fixed seed, the
split and the figures it reached are recorded in the file).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import VerdictLabel
from assistant.verify.evidence import FEATURES

THRESHOLDS_PATH = Path(__file__).resolve().parent / "thresholds.json"

_LABEL_RANK = {"unsupported": 0, "weak": 1, "supported": 2}


class EntailmentCuts(BaseModel):
    """The entailment verifier's cut-offs on the model's probability of support, calibrated by
    `bench/calibrate_verifier.py` on the same calibration halves as the lexical weights."""

    model_config = ConfigDict(extra="forbid")

    supported: float = 0.5
    """Probability at or above which a sentence is `supported`."""
    unsupported: float = 0.2
    """Probability below which a sentence is `unsupported`; between the two it is `weak`."""
    caps: dict[str, VerdictLabel] = Field(
        default_factory=lambda: {  # type: ignore[arg-type,return-value]
            "missing_numbers": "unsupported",
            "quote_missing": "unsupported",
            "missing_names": "weak",
            "negation_mismatch": "weak",
        }
    )
    """The hard checks kept from the lexical verifier. Low word coverage is not among them: a
    paraphrase is exactly what the model is there to accept."""
    calibration: dict[str, Any] = Field(default_factory=dict)

    def label(self, prob: float, failed_checks: list[str], verbatim: bool = False) -> VerdictLabel:
        return _capped(
            "supported"
            if verbatim or prob >= self.supported
            else "weak"
            if prob >= self.unsupported
            else "unsupported",
            failed_checks,
            self.caps,
        )


def _capped(
    label: VerdictLabel, failed_checks: list[str], caps: dict[str, VerdictLabel]
) -> VerdictLabel:
    for check in failed_checks:
        cap = caps.get(check)
        if cap is not None and _LABEL_RANK[cap] < _LABEL_RANK[label]:
            label = cap
    return label


class Thresholds(BaseModel):
    """Support score = sigmoid(bias + Σ weights·features); the cut-offs turn it into a label."""

    model_config = ConfigDict(extra="forbid")

    features: tuple[str, ...] = FEATURES
    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "sim_window": 4.0,
            "sim_passage": 1.0,
            "coverage": 3.0,
            "window_coverage": 2.0,
            "bigram_coverage": 1.0,
            "missing_numbers": -3.0,
            "missing_names": -2.0,
            "negation_mismatch": -2.0,
            "novel_words": -0.5,
        }
    )
    bias: float = -6.0
    supported: float = 0.6
    """Score at or above which a sentence is `supported`."""
    unsupported: float = 0.35
    """Score below which a sentence is `unsupported`; between the two it is `weak`."""
    caps: dict[str, VerdictLabel] = Field(
        default_factory=lambda: {  # type: ignore[arg-type,return-value]
            "missing_numbers": "unsupported",
            "quote_missing": "unsupported",
            "missing_names": "weak",
            "negation_mismatch": "weak",
            "low_coverage": "weak",
        }
    )
    """The best label a sentence can get when the hard check named by the key fails."""
    min_coverage: float = 0.6
    """Below this share of its content words found in the cited passages, a sentence is at best
    `weak` (`low_coverage`), however similar it reads: half a claim is not a supported claim."""
    max_window_sentences: int = 2
    """Long sources are judged by their best window of up to this many consecutive sentences."""
    calibration: dict[str, Any] = Field(default_factory=dict)
    """How these were fitted: data, split seed, sizes, and the figures reached (informational)."""
    entailment: EntailmentCuts = Field(default_factory=EntailmentCuts)
    """The entailment verifier's cut-offs (the lexical fields above are its fallback's)."""

    @classmethod
    def load(cls, path: Path | None = None) -> Thresholds:
        """The calibrated thresholds (defaults when the file is absent, e.g. before calibration)."""
        path = path or THRESHOLDS_PATH
        if not path.is_file():
            return cls()
        try:
            return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, OSError) as exc:
            raise ValueError(f"{path}: not a valid verifier thresholds file ({exc})") from exc

    def save(self, path: Path | None = None) -> Path:
        path = path or THRESHOLDS_PATH
        path.write_text(
            json.dumps(self.model_dump(), indent=2, sort_keys=False) + "\n", encoding="utf-8"
        )
        return path

    def score(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(f, 0.0) * features.get(f, 0.0) for f in self.features)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def label(self, score: float, failed_checks: list[str], verbatim: bool = False) -> VerdictLabel:
        """Cut the score into a label, then cap it by the hard checks that failed."""
        if verbatim or score >= self.supported:
            label: VerdictLabel = "supported"
        elif score >= self.unsupported:
            label = "weak"
        else:
            label = "unsupported"
        return _capped(label, failed_checks, self.caps)
