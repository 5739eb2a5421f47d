"""Background in batch drafts, on the real wire (`../shared/data/wire-archive/`): a day's story
is drafted with the earlier items on its event that the workspace holds, told as background and
dated, while a story whose only earlier look-alikes are other events gets none.

The workspace holds 2025-12-11 and the seven days before it, as a desk's does."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import shared_data

DAY = date(2025, 12, 11)


@pytest.fixture(scope="module")
def wire(tmp_path_factory):
    shared_data()
    from bench.eval_wire import load_day
    from bench.wire_data import LabelledDay

    wd = load_day(LabelledDay(DAY, {}, frozenset()), tmp_path_factory.mktemp("bg"), before=7)
    stories = wd.runner.cluster(wd.docs)  # type: ignore[attr-defined]
    yield wd, stories
    wd.service.close()  # type: ignore[attr-defined]


def _story(stories, words: str):
    return next(s for s in stories if words in s.title)


def _finder(wd):
    from assistant.batch.background import BackgroundFinder

    return BackgroundFinder(wd.service.store, wd.runner._doc_vectors)


def test_earlier_items_on_the_same_event_are_found_and_other_events_are_not(wire):
    wd, stories = wire
    finder = _finder(wd)
    machado = finder.earlier(_story(stories, "Nobel Peace Prize Winner Escaped Venezuela"))
    assert machado, "the WSJ's 7 and 10 December items on Machado's exit are background"
    assert all("Machado" in (d.title or "") for d in machado), [d.title for d in machado]
    assert all(d.published_at.date() < DAY for d in machado)
    # The Philippine central bank's cut looks like India's cut of 5 December (cosine 0.66) and
    # the Fed's of 10 December, but they are other events: no shared rare name.
    philippine = finder.earlier(_story(stories, "Philippine Central Bank"))
    assert not any("India" in (d.title or "") for d in philippine), [d.title for d in philippine]


def test_a_batch_draft_tells_its_background_dated_and_supported(wire):
    wd, stories = wire
    runner = wd.runner
    story = _story(stories, "Nobel Peace Prize Winner Escaped Venezuela")
    pins = runner.pins(story)
    background = runner.background[story.id]
    assert background and pins[-len(background) :] == [
        wd.service.store.passages_of(d.id)[0].id for d in background
    ]
    draft = runner.draft_story(story)
    earlier_ids = {d.id for d in background}
    cited = {c.n: c for c in draft.citations}
    told = [
        (s, c)
        for sec in draft.sections
        for p in sec.paragraphs
        for s in p.sentences
        for c in (cited[n] for n in s.citations)
        if c.doc_id in earlier_ids
    ]
    assert told, "the draft cites none of its background items"
    for sentence, citation in told:
        assert sentence.verdict is not None and sentence.verdict.label == "supported", (
            sentence.text,
            sentence.verdict,
        )
        # Dated in the sentence: "Earlier, on 7 December 2025, ..." or "... at 14:00 UTC on
        # 10 December 2025, ..."
        when = citation.published_at
        assert f"{when.day} December 2025" in sentence.text, sentence.text


def test_background_can_be_switched_off(wire):
    from dataclasses import replace

    wd, stories = wire
    story = _story(stories, "Nobel Peace Prize Winner Escaped Venezuela")
    runner = wd.runner
    saved = runner.options
    runner.options = replace(saved, background=None)
    try:
        own = runner.pins(story)
    finally:
        runner.options = saved
    members = set(story.doc_ids)
    found = wd.service.store.get_passages(own)
    assert own and all(found[pid].doc_id in members for pid in own)
