"""The verifier with its real models, for both backends: copied sentences pass, altered facts are
flagged with the specific reason, drafts get unresolved markers removed and ALCE metrics
computed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.models import Citation, Draft, Paragraph, Section, Sentence
from assistant.text import split_sentences, words

PASSAGE = (
    "Vladimir Putin and Donald Trump met at Joint Base Elmendorf-Richardson in Anchorage on "
    "15 August 2025. The talks lasted about three hours, and 84 journalists were accredited. "
    "Putin called the meeting \u201cconstructive and useful\u201d but no ceasefire in Ukraine was "
    "agreed. Trump said there was no deal until there is a deal."
)
OTHER = (
    "NATO leaders gathered in Ankara on 29 June 2026 for a two-day summit focused on air "
    "defence and spending targets."
)


@pytest.fixture(scope="module", params=["entailment", "lexical"])
def verifier(request):
    """Both backends must behave as an editor expects: the default (the trained entailment
    model, strict so a missing artefact fails instead of silently testing the fallback) and the
    lexical fallback."""
    from assistant.verify import Verifier

    return Verifier(backend=request.param, strict=True)


def _citation(n: int, text: str, outlet: str = "Reuters", at: datetime | None = None) -> Citation:
    return Citation(
        n=n,
        passage_id=f"doc_{n}:0-{len(text)}",
        doc_id=f"doc_{n}",
        lineage_id=f"doc_{n}",
        start=0,
        end=len(text),
        content_hash="x" * 64,
        text=text,
        outlet=outlet,
        kind="wire",
        published_at=at or datetime(2025, 8, 15, 18, 26, tzinfo=UTC),
    )


def _draft(sections: dict[str, list[tuple[str, list[int]]]], citations: list[Citation]) -> Draft:
    return Draft(
        id="d1",
        topic="Anchorage talks",
        generator="extractive",
        citations=citations,
        sections=[
            Section(
                id=sid,
                paragraphs=[
                    Paragraph(
                        id=f"{sid}-p1", sentences=[Sentence(text=t, citations=c) for t, c in sents]
                    )
                ],
            )
            for sid, sents in sections.items()
        ],
    )


def test_sentences_copied_from_the_passage_are_supported(verifier):
    for sentence in split_sentences(PASSAGE):
        verdict = verifier.verify_sentence(sentence, {1: PASSAGE})
        assert verdict.label == "supported", (sentence, verdict)
        assert not verdict.reasons


def test_a_close_paraphrase_is_not_unsupported(verifier):
    verdict = verifier.verify_sentence(
        "Putin and Trump met in Anchorage on 15 August 2025 for talks that lasted three hours.",
        {1: PASSAGE},
    )
    assert verdict.label in ("supported", "weak"), verdict


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        (
            "Vladimir Putin and Donald Trump met in Anchorage on 16 August 2025.",
            "number '16' not in [1]",
        ),
        (
            "The talks lasted about three hours, and 48 journalists were accredited.",
            "number '48' not in [1]",
        ),
        ("Vladimir Putin and Donald Trump met Sergei Lavrov in Anchorage.", "'Lavrov' not in [1]"),
        (
            "Putin called the meeting useful and a ceasefire in Ukraine was agreed.",
            "negation mismatch with [1]",
        ),
    ],
)
def test_a_changed_fact_is_flagged_with_its_reason(verifier, sentence, reason):
    verdict = verifier.verify_sentence(sentence, {1: PASSAGE})
    assert verdict.label != "supported", verdict
    assert reason in verdict.reasons, verdict.reasons


def test_a_fabricated_quote_is_flagged_but_a_real_one_passes(verifier):
    fake = verifier.verify_sentence(
        'Putin called the meeting "a historic breakthrough for peace".', {1: PASSAGE}
    )
    assert fake.label == "unsupported"
    assert any(r.startswith("quote not found verbatim in [1]") for r in fake.reasons), fake.reasons
    # Straight quotes in the sentence, typographic ones in the source: still verbatim.
    real = verifier.verify_sentence(
        'Putin called the meeting "constructive and useful".', {1: PASSAGE}
    )
    assert not any("quote" in r for r in real.reasons), real.reasons


def test_an_unrelated_passage_does_not_support(verifier):
    verdict = verifier.verify_sentence(
        "The talks lasted about three hours in Anchorage.", {1: OTHER}
    )
    assert verdict.label == "unsupported", verdict


def test_no_citation_means_uncited(verifier):
    verdict = verifier.verify_sentence("Putin and Trump met in Anchorage.", {})
    assert verdict.label == "uncited" and verdict.reasons


def test_supporting_spans_point_at_the_words_the_sentence_shares(verifier):
    sentence = "Putin called the meeting constructive and useful."
    verdict = verifier.verify_sentence(sentence, {1: PASSAGE})
    spans = verdict.supporting[1]
    assert spans
    highlighted = set(words(" ".join(PASSAGE[a:b] for a, b in spans)))
    assert {"putin", "meeting", "constructive", "useful"} <= highlighted
    assert highlighted <= set(words(sentence)) | {"and", "called", "the"}


def test_verify_draft_removes_unresolved_markers_and_verifies_every_section(verifier):
    draft = _draft(
        {
            "headline": [("Putin and Trump meet in Anchorage", [1])],
            "lede": [
                (
                    "According to Reuters at 18:26 UTC, the talks lasted about three hours, and 84 "
                    "journalists were accredited.",
                    [1, 7],
                ),
                ("Nobody knows what happens next.", []),
                ("Trump said there was no deal until there is a deal [1] [9].", []),
            ],
        },
        [_citation(1, PASSAGE)],
    )
    out = verifier.verify_draft(draft)
    assert draft.sections[1].paragraphs[0].sentences[0].verdict is None  # the input is untouched
    headline = out.sections[0].paragraphs[0].sentences[0]
    first, uncited, inline = out.sections[1].paragraphs[0].sentences
    assert headline.verdict is not None and headline.verdict.label in ("supported", "weak")
    assert first.citations == [1]
    assert first.verdict.label == "supported", first.verdict
    assert "marker [7] resolves to no source; removed" in first.verdict.reasons
    assert uncited.verdict.label == "uncited"
    # Markers typed into the text are parsed, resolved and stripped.
    assert inline.text == "Trump said there was no deal until there is a deal."
    assert inline.citations == [1]
    assert "marker [9] resolves to no source; removed" in inline.verdict.reasons
    m = out.metrics
    assert m.sentences == 4 and m.uncited == 1
    assert m.citation_recall == pytest.approx(m.supported / 4)


def test_attribution_to_the_wrong_outlet_is_flagged(verifier):
    draft = _draft(
        {"lede": [("According to TASS, the talks lasted about three hours.", [1])]},
        [_citation(1, PASSAGE, outlet="Reuters")],
    )
    verdict = verifier.verify_draft(draft).sections[0].paragraphs[0].sentences[0].verdict
    assert "'TASS' not in [1]" in verdict.reasons


def test_a_needless_second_citation_lowers_precision_not_recall(verifier):
    draft = _draft(
        {"lede": [("Putin called the meeting constructive and useful.", [1, 2])]},
        [_citation(1, PASSAGE), _citation(2, OTHER)],
    )
    out = verifier.verify_draft(draft)
    verdict = out.sections[0].paragraphs[0].sentences[0].verdict
    assert verdict.label == "supported"
    assert verdict.overcited == (2,)
    assert out.metrics.citation_recall == 1.0
    assert out.metrics.citation_precision == 0.5


def test_two_citations_that_each_carry_half_the_claim_are_both_relevant(verifier):
    draft = _draft(
        {
            "lede": [
                (
                    "Putin called the meeting constructive and useful, and NATO leaders gathered "
                    "in Ankara on 29 June 2026.",
                    [1, 2],
                )
            ]
        },
        [_citation(1, PASSAGE), _citation(2, OTHER)],
    )
    out = verifier.verify_draft(draft)
    verdict = out.sections[0].paragraphs[0].sentences[0].verdict
    if verdict.label == "supported":
        assert verdict.overcited == ()
        assert out.metrics.citation_precision == 1.0
    # Either citation alone misses half the facts, so neither can be supported alone.
    alone = verifier.verify_sentence(out.sections[0].paragraphs[0].sentences[0].text, {2: OTHER})
    assert alone.label != "supported"


def test_a_draft_larger_than_the_vector_cache_is_verified_like_any_other(verifier, monkeypatch):
    """The vector cache evicts while a draft is being verified (here: a 16-vector cache and a
    draft needing ~30 vectors, some of them already cached and so the oldest): every sentence
    still gets the verdict an unbounded cache gives, instead of a `KeyError` for a vector
    evicted between being computed and being read."""
    import assistant.verify.verifier as verifier_module
    from assistant.verify import Verifier

    sentences = [(s, [1]) for s in split_sentences(PASSAGE)]
    sentences += [(s, [2]) for s in split_sentences(OTHER)]
    sentences += [(f"Trump and Putin spoke for {n} hours in Anchorage.", [1]) for n in range(20)]
    draft = _draft({"lede": sentences}, [_citation(1, PASSAGE), _citation(2, OTHER)])
    if verifier.requested != "lexical":
        pytest.skip("the vector cache is the lexical verifier's")
    expected = verifier.verify_draft(draft)

    monkeypatch.setattr(verifier_module, "_CACHE_SIZE", 1)  # 16 vectors
    small = Verifier(verifier.embedder, backend="lexical")
    # Cache the passage's sentences first: they are then the oldest entries, evicted first.
    small.verify_sentence(split_sentences(PASSAGE)[0], {1: PASSAGE})
    got = small.verify_draft(draft)

    labels = [s.verdict.label for s in got.sections[0].paragraphs[0].sentences]
    assert labels == [s.verdict.label for s in expected.sections[0].paragraphs[0].sentences]
    assert got.metrics == expected.metrics
    # A second pass over the same draft (all of it evicted or cached by now) agrees too.
    assert small.verify_draft(draft).metrics == expected.metrics
