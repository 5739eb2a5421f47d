"""Sentence splitting (`assistant.text.sentence_spans`) on a gold set of real text, against
blingfire, and on the cases that decide whether a sentence is cut or run together."""

from __future__ import annotations

import pytest

from assistant.text import sentence_spans, split_sentences
from tests.conftest import shared_data


@pytest.fixture(scope="module")
def gold():
    shared_data()
    from bench.eval_sentences import load_gold

    return load_gold


@pytest.mark.parametrize("split", ["tuning", "held-out", "fresh"])
def test_gold_boundaries_beat_blingfire(gold, split):
    from bench.eval_sentences import blingfire_spans, score

    texts = gold(split)
    assert len(texts) > 200
    ours = score(sentence_spans, texts)
    theirs = score(blingfire_spans, texts)
    assert ours.f1 >= 0.99, ours
    assert ours.f1 > theirs.f1, (ours, theirs)


def test_spans_are_exact_offsets_into_the_text(gold):
    for g in gold(None):
        spans = sentence_spans(g.text)
        assert spans == sorted(spans)
        for (_, b), (c, _) in zip(spans, spans[1:], strict=False):
            assert b <= c
        for a, b in spans:
            piece = g.text[a:b]
            assert piece and piece == piece.strip()


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ('He said "no." Then left.', ['He said "no."', "Then left."]),
        # A single letter ends a sentence when an opener follows (read on the archive), and
        # stays an initial before a name.
        (
            "A Job Is Harder Than a Revolution for Gen Z. They inspired protests.",
            ["A Job Is Harder Than a Revolution for Gen Z.", "They inspired protests."],
        ),
        ("George W. Bush spoke. Then he left.", ["George W. Bush spoke.", "Then he left."]),
        ("J. P. Morgan rose.", ["J. P. Morgan rose."]),
        ("Prices fell in the U.S. The Fed met.", ["Prices fell in the U.S.", "The Fed met."]),
        ("U.S. President Joe Biden spoke.", ["U.S. President Joe Biden spoke."]),
        (
            "Tsunami Waves Reach U.S. After Powerful Quake",
            ["Tsunami Waves Reach U.S. After Powerful Quake"],
        ),
        ("The case, Roe v. Wade, was overturned.", ["The case, Roe v. Wade, was overturned."]),
        (
            "It rose to No. 2 on the chart. Then it fell.",
            ["It rose to No. 2 on the chart.", "Then it fell."],
        ),
        ("Harvard's T.H. Chan School said so.", ["Harvard's T.H. Chan School said so."]),
        (
            "It was mean-spirited … our members enjoy it.",
            ["It was mean-spirited … our members enjoy it."],
        ),
        (
            'the job. "there\'s nothing wrong," she said.',
            ["the job.", '"there\'s nothing wrong," she said.'],
        ),
        ("A heading\n\nThe text.", ["A heading", "The text."]),
    ],
)
def test_hard_cases(text, sentences):
    assert split_sentences(text) == sentences
