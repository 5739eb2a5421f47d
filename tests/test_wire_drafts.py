"""Drafts of a real archive day (`../shared/data/wire-archive/`, 2025-12-11, the day whose
drafts were read as unpublishable) and of the demo corpus, held to the draft audit's rules:
no bare section heading (filled, or flagged "not provided by the sources" with candidate
passages, in every export), and the flag kept out of the sentence metrics."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from assistant import audit
from tests.conftest import shared_data

DAY = date(2025, 12, 11)


@pytest.fixture(scope="module")
def archive_drafts(tmp_path_factory):
    shared_data()
    from bench.eval_wire import draft_day, load_day
    from bench.wire_data import LabelledDay

    wd = load_day(LabelledDay(DAY, {}, frozenset()), tmp_path_factory.mktemp("wire"))
    drafted = draft_day(wd)
    yield wd.service, drafted
    wd.service.close()  # type: ignore[attr-defined]


def _required(service) -> list[str]:
    return [s.id for s in service.drafter.house.sections if not s.optional]


def test_archive_day_drafts_leave_no_section_silently_empty(archive_drafts):
    service, drafted = archive_drafts
    drafts = [d for _, d in drafted if not isinstance(d, Exception)]
    assert len(drafts) >= 3
    marked = 0
    for d in drafts:
        states = audit.section_states(d, _required(service))
        assert "empty" not in states.values(), (d.topic, states)
        for s in d.sections:
            if s.not_provided is not None:
                marked += 1
                assert s.paragraphs == [] and s.not_provided.candidates
        # The flag is not a sentence: the metrics count only the draft's sentences.
        assert d.metrics.sentences == audit.sentence_count(d)
    assert marked, "a wire of short items leaves some section to the editor"


def test_not_provided_is_a_marked_note_in_every_export(archive_drafts):
    service, drafted = archive_drafts
    d = next(
        d
        for _, d in drafted
        if not isinstance(d, Exception) and any(s.not_provided for s in d.sections)
    )
    md = service.render(d, "md")
    html = service.render(d, "html")
    blob = json.loads(service.render(d, "json"))
    assert "> **Not provided by the sources.** Candidate passages for the editor" in md
    assert '<aside class="not-provided"><strong>Not provided by the sources.</strong>' in html
    flagged = [s for s in blob["sections"] if s["not_provided"]]
    assert flagged and flagged[0]["not_provided"]["candidates"]
    # Read back from its own Markdown, the draft keeps the flag and gains no sentence from it.
    from assistant.provenance.markdown import read_markdown

    back, _ = read_markdown(md, d)
    assert audit.sentence_count(back) == audit.sentence_count(d)
    assert {s.id for s in back.sections if s.not_provided} == {
        s.id for s in d.sections if s.not_provided
    }


def test_candidate_passages_are_escaped_as_source_text(demo_service):
    from assistant.models import CandidatePassage, Draft, NotProvided, Paragraph, Section, Sentence

    hostile = "<script>alert(1)</script> *not bold* [3] # not a heading"
    d = Draft(
        id="d",
        topic="t",
        generator="extractive",
        sections=[
            Section(id="lede", paragraphs=[Paragraph(id="p", sentences=[Sentence(text="A.")])]),
            Section(
                id="uncertain",
                title="What remains genuinely uncertain",
                not_provided=NotProvided(
                    candidates=(
                        CandidatePassage(
                            passage_id="x:0-1",
                            doc_id="x",
                            outlet="Evil *Outlet*",
                            text=hostile,
                            why="opinion item",
                        ),
                    )
                ),
            ),
        ],
    )
    md = demo_service.render(d, "md")
    html = demo_service.render(d, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "*not bold*" not in md and "\\[3\\]" in md and "Evil \\*Outlet\\*" in md


def test_a_session_saved_before_the_flag_still_loads():
    from assistant.models import Section

    old = {"id": "uncertain", "title": None, "paragraphs": [], "query": "q"}
    assert Section.model_validate(old).not_provided is None
    fixture = Path(__file__).parent / "data" / "workspace_v1"
    assert fixture.is_dir()


def _drafts(archive_drafts):
    return [d for _, d in archive_drafts[1] if not isinstance(d, Exception)]


def test_archive_headlines_are_cited_source_headlines_in_headline_form(archive_drafts):
    service, _ = archive_drafts
    for d in _drafts(archive_drafts):
        h = audit.headline_sentence(d)
        assert h is not None, d.topic
        assert audit.headline_words(d) <= audit.HEADLINE_MAX_WORDS, h.text
        assert not h.text.endswith("."), h.text
        assert ":" not in h.text.split()[0] and " UTC" not in h.text, h.text
        assert audit.headline_supported(d), (h.text, h.verdict)
        # Built from the story's own source headlines: the cited item's title.
        cited = d.citation(h.citations[0])
        assert cited is not None and cited.title
        assert h.text.casefold() in cited.title.casefold(), (h.text, cited.title)


def test_archive_drafts_pass_the_attribution_and_coherence_rules(archive_drafts):
    for d in _drafts(archive_drafts):
        a = audit.DraftAudit.of(d)
        assert a.debris == () and a.double_attributions == () and a.broken_attributions == ()
        assert a.dangling == () and a.near_duplicates == (), d.topic
        lede = d.section("lede")
        assert lede is not None
        prefixes = [
            s.text.split(",", 1)[0]
            for p in lede.paragraphs
            for s in p.sentences
            if s.text.startswith("According to ")
        ]
        outlets = [p.removeprefix("According to ").split(" at ")[0] for p in prefixes]
        assert len(outlets) == len(set(outlets)), prefixes  # each outlet named once


def test_a_lede_opens_with_the_latest_development_then_runs_in_time_order(archive_drafts):
    checked = 0
    for d in _drafts(archive_drafts):
        lede = d.section("lede")
        sents = [s for p in lede.paragraphs for s in p.sentences] if lede else []
        times = [d.citation(s.citations[0]).published_at for s in sents if s.citations]
        if len(times) >= 2 and all(times):
            checked += 1
            assert times[0] == max(times), times
            assert times[1:] == sorted(times[1:]), times
    assert checked


def test_the_demo_headline_is_in_headline_form(demo_service):
    d = demo_service.draft("Kremlin compromise signal and the Ankara summit")
    h = audit.headline_sentence(d)
    assert h is not None and audit.headline_words(d) <= audit.HEADLINE_MAX_WORDS, h
    assert audit.headline_supported(d) and not h.text.endswith(".")
    a = audit.DraftAudit.of(d)
    assert a.debris == () and a.double_attributions == () and a.dangling == ()


def test_one_outlet_is_one_independent_source(archive_drafts):
    """WSJ's news item and its opinion column on the tanker seizure are one source, not two."""
    seen_one_outlet_many_items = False
    for d in _drafts(archive_drafts):
        assert d.desk_note is not None
        used = {
            n for s in d.sections for p in s.paragraphs for x in p.sentences for n in x.citations
        }
        cited = [c for c in d.citations if c.n in used]
        outlets = {c.outlet for c in cited}
        assert d.desk_note.independent_sources == len(outlets), (d.topic, d.desk_note.text)
        if len({c.lineage_id for c in cited}) > len(outlets):
            seen_one_outlet_many_items = True
            assert f"{len(outlets)} independent source" in d.desk_note.text
    assert seen_one_outlet_many_items
