"""ROUGE-1/2 through Google's `rouge-score` (the reimplementation of ROUGE-1.5.5 that most
published summarisation figures use), so the evals' figures compare with published ones.

Porter stemming is on (`use_stemmer=True`): both references we compare with stem. NeuS
(HLTCHKUST/framing-bias-metric, the AllSides roundups) scores with `rouge_score` and
`use_stemmer=True`; LiveBlogSummary (the BBC liveblogs) runs ROUGE-1.5.5 through pyrouge, which
always passes `-m` (Porter stemmer). Neither removes stop words. rouge-score's tokeniser lower-
cases and keeps `[a-z0-9]` runs only, so accented letters and non-Latin scripts are dropped: fine
for these English sets, wrong for others.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _scorer() -> Any:
    from rouge_score import rouge_scorer  # type: ignore[import-untyped]

    return rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)


def rouge_n(candidate: str, reference: str, n: int) -> dict[str, float]:
    """`{"recall", "precision", "f1"}` of `candidate`'s n-gram overlap (n = 1 or 2) with
    `reference`."""
    if n not in (1, 2):
        raise ValueError(f"ROUGE-{n} is not computed here (1 or 2)")
    score = _scorer().score(reference, candidate)[f"rouge{n}"]
    return {"recall": score.recall, "precision": score.precision, "f1": score.fmeasure}
