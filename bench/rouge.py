"""ROUGE-1/2 recall (and F1) on lower-cased word tokens, as in ROUGE-1.5.5 without stemming.

Small enough to own, and it avoids pulling nltk in just for evaluation.
"""

from __future__ import annotations

from collections import Counter

from assistant.text import words


def _ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_n(candidate: str, reference: str, n: int) -> dict[str, float]:
    """`{"recall", "precision", "f1"}` of n-gram overlap of `candidate` against `reference`."""
    cand, ref = _ngrams(words(candidate), n), _ngrams(words(reference), n)
    overlap = sum((cand & ref).values())
    recall = overlap / max(1, sum(ref.values()))
    precision = overlap / max(1, sum(cand.values()))
    f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    return {"recall": recall, "precision": precision, "f1": f1}
