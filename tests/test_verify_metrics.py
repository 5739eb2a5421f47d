"""ALCE-style citation metrics computed from the verdicts on a hand-built draft (pure logic)."""

from __future__ import annotations

import pytest

from assistant.models import Draft, Paragraph, Section, Sentence, Verdict
from assistant.verify.metrics import compute_metrics


def _s(citations: list[int], label: str | None, overcited: tuple[int, ...] = ()) -> Sentence:
    verdict = None if label is None else Verdict(label=label, overcited=overcited)  # type: ignore[arg-type]
    return Sentence(text="x", citations=citations, verdict=verdict)


def test_recall_and_precision_follow_the_alce_definitions():
    draft = Draft(
        id="d",
        topic="t",
        generator="extractive",
        sections=[
            Section(
                id="headline", paragraphs=[Paragraph(id="h", sentences=[_s([1], "supported")])]
            ),
            Section(
                id="lede",
                paragraphs=[
                    Paragraph(
                        id="l",
                        sentences=[
                            _s([1, 2], "supported", overcited=(2,)),  # 1 of 2 citations relevant
                            _s([3], "weak"),  # not supported: its citation earns nothing
                            _s([], "uncited"),
                            _s([2, 3], "supported"),  # both needed
                            _s([4], None),  # never verified: counts as unsupported
                        ],
                    )
                ],
            ),
        ],
    )
    m = compute_metrics(draft)
    assert m.sentences == 6
    assert (m.supported, m.weak, m.unsupported, m.uncited) == (3, 1, 1, 1)
    assert m.citation_recall == pytest.approx(3 / 6)
    # Citations: 1 + 2 + 1 + 0 + 2 + 1 = 7; relevant: 1 + 1 + 0 + 2 + 0 = 4.
    assert m.citation_precision == pytest.approx(4 / 7)


def test_an_empty_draft_has_zero_metrics():
    m = compute_metrics(Draft(id="d", topic="t", generator="extractive"))
    assert m.sentences == 0 and m.citation_recall == 0.0 and m.citation_precision == 0.0
