"""The desk note, computed from citations: independent sources, kinds, time span, claims resting
on one source or only on Telegram, and disagreements between sources — found in real AllSides
coverage, fed into "What remains genuinely uncertain" as cited sentences that the real verifier
then checks (`DeskService.finalize`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from _provenance_data import add, allsides_stories, cite, draft_from, make_document, store_story

from assistant.models import SourceLocation
from assistant.provenance.desk_note import (
    DISAGREEMENT_PARAGRAPH,
    build_desk_note,
    with_disagreements,
)
from assistant.provenance.disagreements import find_disagreements
from assistant.provenance.footer import utc_label
from assistant.store import Store
from assistant.text import sentence_spans


def first_sentence(text: str) -> str:
    a, b = sentence_spans(text)[0]
    return text[a:b]


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "desk.sqlite")
    yield s
    s.close()


def story_draft(store: Store, data_dir: Path, story_id: int):
    """A draft citing every opening paragraph of every outlet's coverage of one AllSides story,
    each with its own first sentence (real text)."""
    story = next(s for s in allsides_stories(data_dir) if s["id"] == story_id)
    coverage = store_story(store, story, data_dir)
    citations = []
    for passages in coverage.values():
        for p in passages:
            citations.append(cite(len(citations) + 1, p))
    layout = {
        "lede": [[(first_sentence(c.text), [c.n])] for c in citations[:2]],
        "body_1": [[(first_sentence(c.text), [c.n]) for c in citations[2:]]],
    }
    return draft_from(story["issue"], layout, citations), coverage


# --- disagreements on real coverage -----------------------------------------------------------
@pytest.mark.parametrize(
    ("story_id", "values"),
    [
        (
            5892,
            {"More than 180 people", "at least 150 people"},
        ),  # July 4th weekend deaths: NPR vs Slate
        (
            6006,
            {"at least nine people", "at least eight people"},
        ),  # San Jose shooting: Guardian vs NY Post
    ],
)
def test_different_figures_for_the_same_thing_are_found(store, data_dir, story_id, values):
    draft, _ = story_draft(store, data_dir, story_id)
    found = [
        d for d in find_disagreements(draft, store) if d.kind == "number" and d.subject == "people"
    ]
    assert found, "the two outlets' death tolls differ"
    d = found[0]
    assert {d.first.value.casefold(), d.second.value.casefold()} == {v.casefold() for v in values}
    assert d.first.citation.outlet != d.second.citation.outlet
    for m in (d.first, d.second):
        assert m.quote in m.citation.text  # quoted verbatim from the cited passage
        assert m.value.split()[-2] in m.quote


def test_approximate_and_different_counts_are_not_disagreements(store, data_dir):
    # 5694: "About 10,000 migrants" vs "10,503 migrants" (a rounding); 5628: 1,000 flights
    # *canceled* vs 1,500 flights *delayed* (two different counts).
    for story_id in (5694, 5628):
        draft, _ = story_draft(store, data_dir, story_id)
        numbers = [d for d in find_disagreements(draft, store) if d.kind == "number"]
        assert not [d for d in numbers if d.subject in ("migrants", "flights")], numbers


def test_a_different_name_in_the_same_sentence_is_a_disagreement(store):
    loc = SourceLocation(path="seeds/000_4ce8f303556d4e6f.txt")
    text = (
        "Putin is ready to continue negotiations with the United States on topics discussed during "
        "the meeting in Anchorage, Alaska."
    )
    a = add(
        store, make_document(text, "Kremlin pool", "official", "https://example.org/a", None, loc)
    )
    b = add(
        store,
        make_document(
            text.replace("Anchorage", "Helsinki"),
            "Wire",
            "wire",
            "https://example.org/b",
            None,
            loc,
        ),
    )
    c = add(
        store,
        make_document(
            text.replace("Anchorage", "Ankorage"),
            "Blog",
            "blog",
            "https://example.org/c",
            None,
            loc,
        ),
    )
    draft = draft_from(
        "t", {"lede": [[("x", [1, 2, 3])]]}, [cite(1, a[0]), cite(2, b[0]), cite(3, c[0])]
    )
    names = [d for d in find_disagreements(draft, store) if d.kind == "name"]
    pairs = {frozenset((d.first.value, d.second.value)) for d in names}
    assert frozenset(("Anchorage", "Helsinki")) in pairs
    assert frozenset(("Anchorage", "Ankorage")) not in pairs  # a misspelling is not another name


# --- the note ---------------------------------------------------------------------------------
def test_note_counts_sources_kinds_span_and_single_source_claims(store, data_dir):
    draft, coverage = story_draft(store, data_dir, 6006)
    note = build_desk_note(draft, store)

    assert note.independent_sources == len(coverage) == 3
    assert note.kinds == {"wire": 1, "outlet": 2}  # Reuters is a wire
    docs = [store.get_document(ps[0].doc_id) for ps in coverage.values()]
    assert note.span_start == min(d.published_at for d in docs)
    assert note.span_end == max(d.published_at for d in docs)
    # The span's ends are cited: Reuters' items open it, the New York Post's close it.
    assert (
        f"spans {utc_label(note.span_start)} [1][2] to {utc_label(note.span_end)} [6][7][8]."
        in note.text
    )
    # The lede's two paragraphs each rest on one source; body_1 mixes all three outlets, but
    # its sentences each cite one passage, so every cited sentence is single-source.
    cited = sum(1 for s in draft.sections for p in s.paragraphs for x in p.sentences if x.citations)
    assert len(note.single_source_claims) == cited
    assert note.single_source_claims[0].startswith("lede ¶1: “")
    assert note.telegram_only_claims == ()
    assert "3 independent sources" in note.text and "Reuters [1][2]" in note.text
    assert "at least nine people [3]" in note.text and "at least eight people [6]" in note.text


def test_telegram_only_claims_and_a_sentence_citing_two_sources(store):
    loc = SourceLocation(path="corpus/telegram/osintdefender/result.json", item="7")
    t = datetime(2026, 6, 29, 18, 28, tzinfo=UTC)
    post = add(
        store,
        make_document(
            "NATO leaders arriving in Ankara, with concerns about effectively deterring "
            "Russia and fulfilling defence commitments.",
            "OSINTdefender",
            "telegram",
            None,
            t,
            loc,
            channel="OSINTdefender",
        ),
    )
    wire = add(
        store,
        make_document(
            "NATO leaders gathered in Ankara for a summit on defence spending.",
            "Wire",
            "wire",
            "https://example.org/w",
            t,
            loc,
        ),
    )
    draft = draft_from(
        "t",
        {
            "lede": [
                [
                    ("NATO leaders arrived in Ankara.", [1]),
                    ("Leaders gathered in Ankara for the summit.", [1, 2]),
                ]
            ],
            "body_1": [[("An unsourced remark.", [])]],
        },
        [cite(1, post[0]), cite(2, wire[0])],
    )
    note = build_desk_note(draft, store)
    assert note.telegram_only_claims == ("lede ¶1: “NATO leaders arrived in Ankara.” [1]",)
    assert note.single_source_claims == note.telegram_only_claims
    assert note.kinds == {"wire": 1, "telegram": 1}
    assert "1 sentence carries no citation" in note.text
    assert "All cited material is from 2026-06-29 18:28 UTC" in note.text


def test_no_citations_says_so(store):
    note = build_desk_note(draft_from("t", {"lede": [[("Nothing cited.", [])]]}, []), store)
    assert note.independent_sources == 0 and "cites no sources" in note.text


# --- disagreements into "What remains genuinely uncertain" ------------------------------------
def test_disagreements_become_one_rewritable_paragraph_in_uncertain(store, data_dir):
    draft, _ = story_draft(store, data_dir, 5892)
    found = find_disagreements(draft, store)
    once = with_disagreements(draft, found)
    twice = with_disagreements(once, found)
    section = twice.section("uncertain")
    assert section is not None and [p.id for p in section.paragraphs] == [DISAGREEMENT_PARAGRAPH]
    sentences = section.paragraphs[0].sentences
    assert len(sentences) == len(found) and all(len(s.citations) == 2 for s in sentences)
    assert "[" not in sentences[0].text  # markers live in `citations`, not in the text

    locked = twice.model_copy(deep=True)
    locked.section("uncertain").paragraphs[0].locked = True
    assert (
        with_disagreements(locked, []).section("uncertain").paragraphs[0].locked
    )  # editor's choice kept
    assert with_disagreements(twice, []).section("uncertain").paragraphs == []


def test_finalize_verifies_disagreement_sentences_and_fills_note_and_footer(service, data_dir):
    draft, _ = story_draft(service.store, data_dir, 6006)
    done = service.finalize(draft)
    again = service.finalize(done)

    paragraph = done.section("uncertain").paragraphs[-1]
    assert paragraph.id == DISAGREEMENT_PARAGRAPH
    verdicts = [s.verdict for s in paragraph.sentences]
    # Verbatim quotations of the two cited passages: never unsupported (today they verify as
    # supported; "weak" is tolerated so a verifier recalibration cannot break this test alone).
    assert verdicts and all(v is not None and v.label in ("supported", "weak") for v in verdicts)
    assert done.metrics.sentences == sum(
        len(p.sentences) for s in done.sections for p in s.paragraphs
    )
    assert done.desk_note is not None and done.desk_note.disagreements
    assert done.provenance is not None and len(done.provenance.entries) == 3
    # Idempotent: finalising a finalised draft changes nothing but timestamps.
    assert again.section("uncertain") == done.section("uncertain")
    assert again.desk_note == done.desk_note and again.provenance == done.provenance
