"""The draft audit (`assistant.audit`): each rule on hand-made drafts and strings, then every
rule on real drafts of the demo corpus and of an archive day."""

from __future__ import annotations

import pytest

from assistant import audit
from assistant.models import Citation, Draft, Metrics, Paragraph, Section, Sentence, Verdict


def _sent(text: str, cites: tuple[int, ...] = (1,), label: str = "supported") -> Sentence:
    return Sentence(text=text, citations=list(cites), verdict=Verdict(label=label))  # type: ignore[arg-type]


def _cit(n: int, doc: str) -> Citation:
    return Citation(
        n=n,
        passage_id=f"{doc}:0-10",
        doc_id=doc,
        lineage_id=doc,
        start=0,
        end=10,
        content_hash="x",
        text="source text",
        outlet="Financial Times",
        kind="outlet",
    )


def _draft(**sections: list[list[Sentence]]) -> Draft:
    return Draft(
        id="d",
        topic="t",
        generator="extractive",
        sections=[
            Section(
                id=sid,
                paragraphs=[
                    Paragraph(id=f"{sid}-p{i}", sentences=ps) for i, ps in enumerate(paras) if ps
                ],
            )
            for sid, paras in sections.items()
        ],
        citations=[_cit(1, "doc_a"), _cit(2, "doc_b")],
        metrics=Metrics(sentences=1, citation_recall=1.0, citation_precision=1.0),
    )


# --- one rule at a time, on hand-made drafts ----------------------------------------------------
def test_a_draft_without_a_supported_sentence_is_empty():
    assert audit.is_empty(_draft(headline=[[]], lede=[[]]))
    assert audit.is_empty(_draft(lede=[[_sent("Prices rose in May.", label="weak")]]))
    assert not audit.is_empty(_draft(lede=[[_sent("Prices rose in May.")]]))


def test_sentences_are_counted_with_headline_and_dek():
    d = _draft(headline=[[_sent("Rates cut")]], dek=[[_sent("A dek.")]], lede=[[_sent("A.")]])
    assert audit.sentence_count(d) == 3


def test_lede_sentences():
    d = _draft(lede=[[_sent("One."), _sent("Two.")], [_sent("Three.")]])
    assert audit.lede_sentences(d) == 3
    assert audit.lede_sentences(_draft(headline=[[_sent("x")]])) == 0


def test_headline_supported_and_length():
    ok = _draft(headline=[[_sent("Fed holds rates steady as inflation cools")]])
    weak = _draft(headline=[[_sent("Fed holds rates", label="weak")]])
    assert audit.headline_supported(ok) and not audit.headline_supported(weak)
    assert audit.headline_words(ok) == 7
    long = "At 18:28 UTC the OSINTdefender channel reported NATO leaders arriving in Ankara with "
    long += "concerns about deterring Russia and meeting defence commitments."
    assert audit.headline_words(_draft(headline=[[_sent(long)]])) > audit.HEADLINE_MAX_WORDS
    # Counted as an editor counts: "U.S." is one word, a dash none (read on the archive).
    us = "U.S. Gathers Air Power — the Most Since 2003"
    assert audit.headline_words(_draft(headline=[[_sent(us)]])) == 8


@pytest.mark.parametrize(
    "text",
    [
        "Opinion | The Fed has lost its nerve.",
        "Markets are calm, says myFT following.",
        "NYT > Business > Economy: prices rose.",
        "WSJ.com: Economy reports higher prices.",
        "India's stock market rallies as reforms help woo investors Markets.",
        "Prices rose &amp; fell.",
        "Exports fell &#8217; sharply.",
    ],
)
def test_feed_debris_is_found(text):
    assert audit.feed_debris(text)


@pytest.mark.parametrize(
    "text",
    [
        "India's stock market rallies as reforms help woo investors.",
        "The Bank of England cut rates in the UK.",  # a sentence about the UK, not a section tag
        "Shares rose 3% in Asia & Europe.",
        "Trump’s biggest challenge lies ahead in Xi Jinping’s China.",  # a possessive, a place
    ],
)
def test_clean_sentences_carry_no_debris(text):
    assert audit.feed_debris(text) == []


@pytest.mark.parametrize(
    ("text", "double"),
    [
        (
            "According to The Northern Review at 20:15 UTC on 29 June 2026, at 18:26 UTC the "
            "Kremlin said it was ready.",
            True,
        ),
        ("According to Reuters, according to TASS, talks resumed.", True),
        ("According to the FT at 09:00 UTC, Reuters reported that talks resumed.", True),
        ("According to the FT at 09:00 UTC, talks resumed in Geneva.", False),
        ("At 18:26 UTC the Kremlin said it was ready.", False),
    ],
)
def test_double_attribution(text, double):
    assert audit.double_attribution(text) is double


def test_attribution_glued_to_a_connective():
    assert audit.broken_attribution("According to WSJ at 10:00 UTC, but the deal collapsed.")
    assert not audit.broken_attribution("According to WSJ at 10:00 UTC, the deal collapsed.")


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("A Kremlin offer of talks makes that output look excessive.", False),
        ("That output looks excessive.", True),
        ("This came as a surprise.", True),
        ("He said so on Monday.", True),
        ("The statement came as leaders met.", True),
        ("According to the FT at 09:00 UTC, this shows a shift.", True),
        ("This week the Fed held rates.", False),
        ("The Fed held rates.", False),
        ("The ruling LDP coalition lost its majority.", False),
        ("The ruling was appealed.", True),
        ("It is unclear whether the talks resume.", False),
        ("It said the talks failed.", True),
        # read on the archive (2025-06-18), a column's standfirst after its quoted headline
        (
            "According to a commentary in The Wall Street Journal at 21:42 UTC, now he’ll have "
            "to decide what to do about it.",
            True,
        ),
        ("Now is the time to act.", False),
    ],
)
def test_pointing_back(text, points):
    assert audit.points_back(text) is points


def test_a_pointing_opener_dangles_unless_its_own_source_stands_right_before():
    first = _sent("The Fed held rates on Wednesday.", (1,))
    same = _sent("This surprised markets.", (1,))
    other = _sent("This surprised markets.", (2,))
    assert audit.dangling_openers(_draft(lede=[[first, same]])) == []
    assert audit.dangling_openers(_draft(lede=[[first, other]])) == ["This surprised markets."]
    assert audit.dangling_openers(_draft(lede=[[same]])) == ["This surprised markets."]


def test_near_duplicates_at_token_jaccard():
    a = _sent("The Fed held its key rate steady on Wednesday.")
    b = _sent("According to the FT at 09:00 UTC, the Fed held its key rate steady on Wednesday.")
    c = _sent("Inflation in the euro area eased to 2.1 per cent.")
    assert len(audit.near_duplicates(_draft(lede=[[a, b, c]]))) == 1
    assert audit.jaccard({"a", "b"}, {"a", "c"}) == pytest.approx(1 / 3)


def test_sections_filled_marked_or_empty():
    d = _draft(headline=[[_sent("Rates held")]], uncertain=[[]])
    states = audit.section_states(d, expected=["headline", "uncertain", "serious_point"])
    assert states == {"headline": "filled", "uncertain": "empty", "serious_point": "empty"}


def test_the_table_meets_its_targets_only_on_a_good_draft():
    good = _draft(
        headline=[[_sent("Fed holds rates steady as inflation cools")]],
        dek=[[_sent("The Fed held rates as inflation cooled.")]],
        lede=[[_sent("The Fed held rates on Wednesday."), _sent("Markets rose after it.")]],
        body_1=[[_sent("Powell spoke of patience.", (2,)), _sent("Bond yields fell sharply.")]],
    )
    rows = audit.AuditTable.of([audit.DraftAudit.of(good)]).rows()
    assert all(r.met for r in rows), [r for r in rows if not r.met]
    bad = _draft(headline=[[_sent("Opinion | The Fed has lost its nerve Markets.", label="weak")]])
    rows = {r.measure: r for r in audit.AuditTable.of([audit.DraftAudit.of(bad)]).rows()}
    assert not rows["empty drafts"].met
    assert not rows["feed debris"].met
    assert not rows["headlines verified supported"].met
