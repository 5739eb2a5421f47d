"""Sessions: atomic saves, list/reopen/rename/duplicate/delete, undo/redo, locks, edits as text,
citing from the passage list, and stale-index detection against a real SQLite store."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.draft_edits import (
    carry_locked,
    cite_passage,
    paragraph_text,
    refresh_citations,
    sentences_from_text,
    with_paragraph_text,
)
from assistant.models import (
    Document,
    Draft,
    Paragraph,
    Passage,
    SearchFilters,
    Section,
    Sentence,
    SourceLocation,
    sha256_hex,
)
from assistant.sessions import UNDO_LIMIT, Session, SessionError, SessionStore, check_stale
from assistant.store import Store

T0 = datetime(2026, 6, 29, 9, 0, tzinfo=UTC)


def _doc_and_passages(text: str, outlet: str = "Reuters") -> tuple[Document, list[Passage]]:
    h = sha256_hex(text)
    doc = Document(
        id=f"doc_{h[:16]}",
        kind="wire",
        format="text",
        outlet=outlet,
        text=text,
        published_at=T0,
        content_hash=h,
        location=SourceLocation(path=f"/tmp/{h[:6]}.txt"),
        lineage_id=f"doc_{h[:16]}",
    )
    passage = Passage(
        id=f"{doc.id}:0-{len(text)}",
        doc_id=doc.id,
        lineage_id=doc.id,
        text=text,
        start=0,
        end=len(text),
        content_hash=h,
        outlet=outlet,
        kind="wire",
        published_at=T0,
    )
    return doc, [passage]


def _draft(*passages: Passage) -> Draft:
    draft = Draft(
        id="d1",
        topic="Ankara summit",
        generator="extractive",
        sections=[
            Section(
                id="lede",
                paragraphs=[
                    Paragraph(
                        id="p1",
                        sentences=[
                            Sentence(text="Leaders met in Ankara.", citations=[1]),
                            Sentence(text="Talks ran late.", citations=[]),
                        ],
                    )
                ],
            ),
            Section(
                id="body_1",
                title="The talks",
                paragraphs=[
                    Paragraph(
                        id="p1",
                        sentences=[
                            Sentence(
                                text="A communique followed.",
                                citations=[2] if len(passages) > 1 else [],
                            ),
                        ],
                    )
                ],
            ),
        ],
    )
    for p in passages:
        draft, _ = cite_passage(draft, p)
    return draft


@pytest.fixture
def sessions(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions")


def test_session_round_trips_exactly(sessions: SessionStore) -> None:
    _, (p1,) = _doc_and_passages("NATO leaders met in Ankara on 29 June.")
    s = sessions.create(topic="Ankara summit")
    s.filters = SearchFilters(since=T0, outlets=("Reuters",), kinds=("wire",))
    s.toggle_pin(p1.id)
    s.toggle_exclude("doc_x:0-5")
    s.generator, s.model = "llama-cpp", "/models/x.gguf"
    s.set_draft(_draft(p1))
    s.toggle_lock("lede", "p1")
    s.cursor = "lede/p1/1"
    sessions.save(s)

    again = sessions.load(s.id)
    assert again.model_dump() == s.model_dump()
    assert again.draft is not None and again.draft.section("lede").paragraphs[0].locked
    assert again.search_filters().exclude_passages == ("doc_x:0-5",)


def test_list_rename_duplicate_delete(sessions: SessionStore) -> None:
    a = sessions.create(topic="one")
    b = sessions.create(topic="two")
    assert {x.name for x in sessions.list()} == {"Session 1", "Session 2"}
    sessions.rename(a.id, "Anchorage follow-up")
    copy = sessions.duplicate(a.id)
    assert copy.id != a.id and copy.name == "Anchorage follow-up (copy)" and copy.topic == "one"
    assert sessions.list()[0].id in {a.id, copy.id}  # most recently changed first
    sessions.delete(b.id)
    assert {x.id for x in sessions.list()} == {a.id, copy.id}
    with pytest.raises(SessionError, match="no such session"):
        sessions.load(b.id)
    with pytest.raises(SessionError, match="cannot be empty"):
        sessions.rename(a.id, "  ")


def test_save_is_atomic_and_leaves_no_temp_files(sessions: SessionStore) -> None:
    s = sessions.create()
    path = sessions.path_of(s.id)
    before = path.read_bytes()
    s.topic = "x" * 10_000
    sessions.save(s)
    assert json.loads(path.read_text())["topic"] == "x" * 10_000
    assert before != path.read_bytes()
    assert [p.name for p in sessions.root.iterdir()] == [path.name]


def test_corrupt_or_foreign_files_give_clear_errors(sessions: SessionStore) -> None:
    good = sessions.create()
    (sessions.root / "s-broken.json").write_text('{"id": "s-broken", "name": ', encoding="utf-8")
    assert [x.id for x in sessions.list()] == [good.id]  # unreadable file skipped in the list
    with pytest.raises(SessionError, match=r"s-broken\.json: not a valid session"):
        sessions.load("s-broken")
    with pytest.raises(SessionError, match="invalid session id"):
        sessions.load("../../etc/passwd")


def test_undo_redo_is_bounded_and_restores_drafts(sessions: SessionStore) -> None:
    s = sessions.create()
    base = _draft()
    s.set_draft(base)
    texts = []
    for i in range(UNDO_LIMIT + 5):
        text = f"Edit number {i}."
        texts.append(text)
        s.set_draft(with_paragraph_text(s.draft, "lede", "p1", text))
    assert len(s.undo_stack) == UNDO_LIMIT
    assert s.undo() and paragraph_text(s.draft.section("lede").paragraphs[0]) == texts[-2]
    assert s.redo() and paragraph_text(s.draft.section("lede").paragraphs[0]) == texts[-1]
    assert not s.redo()
    s.undo()
    s.set_draft(with_paragraph_text(s.draft, "lede", "p1", "A new branch."))
    assert not s.redo_stack  # a new edit clears redo
    sessions.save(s)
    assert len(sessions.load(s.id).undo_stack) == UNDO_LIMIT


def test_paragraph_text_round_trip_keeps_markers() -> None:
    par = _draft().section("lede").paragraphs[0]
    text = paragraph_text(par)
    assert text == "Leaders met in Ankara [1]. Talks ran late."
    again = sentences_from_text(text)
    assert [(s.text, s.citations) for s in again] == [
        ("Leaders met in Ankara.", [1]),
        ("Talks ran late.", []),
    ]
    # markers after the full stop, or standing alone, stay with their sentence
    odd = sentences_from_text("Leaders met.[1][3] Then more talks. [2] End")
    assert [(s.text, s.citations) for s in odd] == [
        ("Leaders met.", [1, 3]),
        ("Then more talks.", [2]),
        ("End", []),
    ]


def test_a_sentence_ending_on_an_initialism_keeps_its_stop_before_the_marker() -> None:
    """Read on the archive: "… the cost of borrowing in the U.S [1]." An initialism's stop is
    the sentence's too; the marker goes after it and the text reads back the same."""
    from assistant.models import Paragraph, Sentence
    from assistant.render.renderer import _split_sentence

    par = Paragraph(
        id="p",
        sentences=[
            Sentence(
                text="Rate rises might push up the cost of borrowing in the U.S.", citations=[1]
            ),
            Sentence(text="The meeting ends at 5 p.m.", citations=[2]),
            Sentence(text="Talks ran late.", citations=[3]),
        ],
    )
    text = paragraph_text(par)
    assert text == (
        "Rate rises might push up the cost of borrowing in the U.S. [1]. "
        "The meeting ends at 5 p.m. [2]. Talks ran late [3]."
    )
    again = sentences_from_text(text)
    assert [(s.text, s.citations) for s in again] == [(s.text, s.citations) for s in par.sentences]
    # the rendered form (Markdown, HTML) places the marker the same way
    assert _split_sentence(par.sentences[0]) == (par.sentences[0].text, ".")
    assert _split_sentence(par.sentences[2]) == ("Talks ran late", ".")


def test_edit_marks_paragraph_and_clears_verdicts() -> None:
    draft = _draft()
    edited = with_paragraph_text(draft, "lede", "p1", "Russia walked out [1].")
    par = edited.section("lede").paragraphs[0]
    assert par.edited and par.sentences[0].verdict is None and par.sentences[0].citations == [1]
    assert draft.section("lede").paragraphs[0].sentences[0].text == "Leaders met in Ankara."
    with pytest.raises(KeyError):
        with_paragraph_text(draft, "lede", "p9", "x")


def test_cite_passage_reuses_numbers() -> None:
    _, (p1,) = _doc_and_passages("One passage.")
    _, (p2,) = _doc_and_passages("Another passage.")
    draft, n1 = cite_passage(_draft(), p1)
    draft, n2 = cite_passage(draft, p2)
    draft, again = cite_passage(draft, p1)
    assert (n1, n2, again) == (1, 2, 1)
    assert [c.passage_id for c in draft.citations] == [p1.id, p2.id]


def test_locked_paragraphs_survive_a_redraft() -> None:
    _, (p1,) = _doc_and_passages("Leaders met in Ankara.")
    _, (p2,) = _doc_and_passages("A communique followed.")
    _, (p3,) = _doc_and_passages("Something else entirely.")
    s = Session(id="s-1", name="x")
    s.set_draft(_draft(p1, p2))
    s.toggle_lock("lede", "p1")
    redraft, _ = cite_passage(
        Draft(
            id="d2",
            topic="t",
            generator="extractive",
            sections=[
                Section(
                    id="lede",
                    paragraphs=[
                        Paragraph(id="p1", sentences=[Sentence(text="New lede.", citations=[1])])
                    ],
                ),
            ],
        ),
        p3,
    )
    merged = carry_locked(s.draft, redraft)
    lede = merged.section("lede").paragraphs[0]
    assert lede.locked and lede.sentences[0].text == "Leaders met in Ankara."
    assert merged.citation(lede.sentences[0].citations[0]).passage_id == p1.id
    assert merged.citation(1).passage_id == p3.id  # the redraft's own numbering is kept


def test_stale_detection_and_refresh(tmp_path: Path) -> None:
    store = Store(tmp_path / "desk.sqlite")
    d1, (p1,) = _doc_and_passages("Leaders met in Ankara on 29 June.")
    d2, (p2,) = _doc_and_passages("A communique followed the summit.")
    with store.transaction():
        store.add_document(d1, [p1])
        store.add_document(d2, [p2])
    s = Session(id="s-1", name="x", draft=_draft(p1, p2), index_generation=store.generation())
    fresh = check_stale(s, store)
    assert not fresh.stale and not fresh.index_moved and "up to date" in fresh.describe()

    # Same passage id, different text (as after a re-ingest that rewrote it); another gone.
    changed = p1.model_copy(
        update={"text": "Leaders met in Istanbul.", "content_hash": sha256_hex("Istanbul")}
    )
    with store.transaction():
        store._db.execute(
            "UPDATE passages SET body=? WHERE id=?", (changed.model_dump_json(), p1.id)
        )
        store._db.execute("DELETE FROM passages WHERE id=?", (p2.id,))
        store._bump_generation()
    stale = check_stale(s, store)
    assert stale.stale and stale.index_moved
    assert {(c.n, c.reason) for c in stale.changed} == {(1, "changed"), (2, "missing")}
    assert (
        "1 cited passage(s) changed" in stale.describe()
        and "no longer in the index" in stale.describe()
    )

    refreshed = refresh_citations(s.draft, store)
    assert [c.n for c in refreshed.citations] == [1]
    assert refreshed.citation(1).text == "Leaders met in Istanbul."
    store.close()


def test_session_files_are_plain_json_readable_elsewhere(sessions: SessionStore) -> None:
    s = sessions.create(name="Desk: Ankara", topic="NATO")
    raw = json.loads(sessions.path_of(s.id).read_text(encoding="utf-8"))
    assert raw["schema_version"] == "desk.session/1" and raw["name"] == "Desk: Ankara"
    assert os.path.dirname(sessions.path_of(s.id)) == str(sessions.root)
