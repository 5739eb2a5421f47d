"""Headlinese standfirsts ("Donald Trump to raise tariffs on India ...") are told in prose with
the auxiliary put back, and nothing else changes: checked on every title and standfirst of the
real wire archive, and through the composer and the real verifier."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import shared_data

from assistant.config import Settings
from assistant.drafting.generators.base import NumberedPassage, SectionRequest
from assistant.drafting.generators.extractive import ExtractiveGenerator
from assistant.drafting.headlinese import mend_headlinese
from assistant.drafting.house_format import HouseFormat
from assistant.drafting.repair import parse_paragraph
from assistant.models import Citation, Draft, Paragraph, Passage, Section, Sentence, sha256_hex
from assistant.text import sentence_spans


def _archive_sentences() -> list[str]:
    path = shared_data() / "wire-archive" / "items.jsonl"
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            for key in ("title", "description"):
                text = re.sub(r"<[^>]+>", " ", html.unescape(item.get(key) or "")).strip()
                out += [text[a:b] for a, b in sentence_spans(text)]
    return out


def test_on_the_archive_only_an_auxiliary_is_ever_added() -> None:
    sentences = _archive_sentences()
    assert len(sentences) > 10_000
    mended = [(s, mend_headlinese(s)) for s in sentences]
    changed = [(s, m) for s, m in mended if m != s]
    # The FT writes dozens of its titles this way; a handful is not the shape at all.
    assert 30 <= len(changed) <= 0.01 * len(sentences)
    for before, after in changed:
        added = after.split()
        for word in before.split():
            added.remove(word)
        assert added in (["is"], ["are"]), (before, after)
    examples = dict(changed)
    assert (
        examples["Donald Trump to raise tariffs on India over Russian oil purchases"]
        == "Donald Trump is to raise tariffs on India over Russian oil purchases"
    )
    assert any(m.startswith("Negotiators are to meet in Oman") for m in examples.values())


@pytest.mark.parametrize(
    "sentence",
    [
        # The infinitive belongs to a noun: the clause's verb comes later (all from the archive).
        "Deal to buy Chart Industries is a bet on the commodity’s future",
        "Failure to tap the assets would be devastating for Ukraine on the battlefield and at "
        "the negotiating table.",
        "Permission to offer credit cards to 11mn British customers still pending as fintech "
        "nears 1st anniversary of becoming a bank",
        "Road to recovery looks long.",
        "Thanks to strong demand, shares rose.",
        "Trump wants to raise tariffs.",
        "Time to add crypto to your Sipp or Isa?",
        "Changes to bank capital rules are a short-term fix to the long term US debt problem",
    ],
)
def test_sentences_that_are_not_headlinese_are_left_alone(sentence: str) -> None:
    assert mend_headlinese(sentence) == sentence
    assert mend_headlinese(sentence, past=True) == sentence


def test_tense_number_and_names() -> None:
    assert mend_headlinese("EU to set 2027 deadline.", past=True) == "EU was to set 2027 deadline."
    assert (
        mend_headlinese("Carmakers to win reprieve.", past=True)
        == "Carmakers were to win reprieve."
    )
    assert (
        mend_headlinese("Rachel Reeves to cut Isa limit.") == "Rachel Reeves is to cut Isa limit."
    )
    assert mend_headlinese("Royal London and M&G to enter ETF market.").startswith(
        "Royal London and M&G are"
    )
    assert mend_headlinese("European Commission set to propose a levy.") == (
        "European Commission is set to propose a levy."
    )
    # A one-word subject is mended only when the sources write it as a name.
    assert mend_headlinese("Walmart to shift listing.") == "Walmart to shift listing."
    assert mend_headlinese("Walmart to shift listing.", names={"walmart"}) == (
        "Walmart is to shift listing."
    )


T0 = datetime(2025, 8, 6, 9, 0, tzinfo=UTC)


def _passage(i: int, text: str, outlet: str, when: datetime) -> Passage:
    return Passage(
        id=f"doc_{i}:0-{len(text)}",
        doc_id=f"doc_{i}",
        lineage_id=f"doc_{i}",
        text=text,
        start=0,
        end=len(text),
        content_hash=sha256_hex(text),
        outlet=outlet,
        kind="outlet",
        published_at=when,
    )


def test_the_composer_tells_an_earlier_headlinese_item_in_prose_and_it_verifies() -> None:
    """Archive, 6 August 2025: "Earlier, on 4 August 2025, Donald Trump to raise tariffs on
    India over Russian oil purchases." was broken English in a draft."""
    from assistant.index.embedder import Embedder
    from assistant.verify.verifier import Verifier

    settings = Settings()
    passages = [
        _passage(
            1,
            "President Donald Trump said he would double the tariff on Indian goods to 50% over "
            "India's purchases of Russian oil.",
            "The Wall Street Journal",
            T0,
        ),
        _passage(
            2,
            "Donald Trump to raise tariffs on India over Russian oil purchases.",
            "Financial Times",
            T0 - timedelta(days=2),
        ),
    ]
    numbered = [NumberedPassage(i + 1, p) for i, p in enumerate(passages)]
    spec = HouseFormat.load().section("lede")
    paragraphs = ExtractiveGenerator(settings).compose(
        SectionRequest(topic="Trump doubles India tariff", section=spec, passages=numbered)
    )
    sentences = [d for p in paragraphs for d in parse_paragraph(p)]
    told = [d.text for d in sentences if d.markers == [2]]
    assert told == [
        "Earlier, on 4 August 2025, Donald Trump was to raise tariffs on India over Russian oil "
        "purchases."
    ]
    draft = Draft(
        id="d",
        topic="Trump doubles India tariff",
        generator="extractive",
        sections=[
            Section(
                id="lede",
                paragraphs=[
                    Paragraph(
                        id="lede-p1",
                        sentences=[Sentence(text=d.text, citations=d.markers) for d in sentences],
                    )
                ],
            )
        ],
        citations=[Citation.from_passage(p, n) for n, p in enumerate(passages, start=1)],
    )
    out = Verifier(Embedder.for_settings(settings)).verify_draft(draft)
    verdicts = {s.text: s.verdict for s in out.sections[0].paragraphs[0].sentences}
    assert verdicts[told[0]].label == "supported", verdicts[told[0]].reasons
