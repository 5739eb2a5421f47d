"""`bench/rouge.py` scores the way published ROUGE figures are scored (rouge-score, Porter
stemmer), so the evals' ROUGE columns compare with the papers behind their data sets."""

from __future__ import annotations

import pytest

from bench.rouge import rouge_n


def test_inflected_forms_match_as_in_rouge_1_5_5_with_stemming():
    # ROUGE-1.5.5 -m / rouge-score use_stemmer=True: "arrests" and "arrested" are one word.
    score = rouge_n("Police arrests protesters", "police arrested the protesters", 1)
    assert score["recall"] == pytest.approx(3 / 4)
    assert score["precision"] == pytest.approx(1.0)


def test_bigram_recall_counts_clipped_overlaps():
    score = rouge_n("the talks ended the talks ended", "the talks ended early", 2)
    assert score["recall"] == pytest.approx(2 / 3)


def test_empty_candidate_scores_zero_and_other_orders_are_refused():
    assert rouge_n("", "NATO leaders met", 1)["recall"] == 0.0
    with pytest.raises(ValueError, match="ROUGE-3"):
        rouge_n("a b c", "a b c", 3)
