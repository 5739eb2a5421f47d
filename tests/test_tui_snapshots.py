"""Snapshots of the TUI's main screens at a fixed terminal size (pytest-textual-snapshot).

The drafted screens open `tests/data/tui_session.json` — a real extractive draft of the demo
corpus with fixed ids and times (regenerate it with `tests/data/make_tui_session.py`) — in a
fresh workspace whose store holds exactly the cited passages, so nothing on screen depends on
the clock, random ids or timing. Update snapshots with `pytest --snapshot-update`.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.models import Document, Passage, SourceLocation
from assistant.service import DeskService
from assistant.sessions import Session
from assistant.tui.app import make_app

SIZE = (140, 42)
DATA = Path(__file__).resolve().parent / "data"
SESSION_ID = "s-20260630-snap01"


@pytest.fixture
def drafted(service: DeskService) -> DeskService:
    """A workspace holding the snapshot session, its cited passages in the store (not stale)."""
    shutil.copy(DATA / "tui_session.json", service.sessions.root / f"{SESSION_ID}.json")
    session = service.sessions.load(SESSION_ID)
    assert session.draft is not None
    with service.store.transaction():
        for c in session.draft.citations:
            doc = Document(
                id=c.doc_id,
                kind=c.kind,
                format="text",
                outlet=c.outlet,
                text=c.text,
                title=c.title,
                url=c.url,
                published_at=c.published_at,
                content_hash=c.content_hash,
                location=SourceLocation(path=f"{c.doc_id}.txt"),
                lineage_id=c.lineage_id,
            )
            if not service.store.has_document(c.doc_id):
                service.store.add_document(doc, [])
            passage = Passage(
                id=c.passage_id,
                doc_id=c.doc_id,
                lineage_id=c.lineage_id,
                text=c.text,
                start=c.start,
                end=c.end,
                content_hash=c.content_hash,
                outlet=c.outlet,
                kind=c.kind,
                title=c.title,
                url=c.url,
                published_at=c.published_at,
            )
            service.store._db.execute(
                "INSERT OR REPLACE INTO passages(id, doc_id, lineage_id, embedded, body) "
                "VALUES(?,?,?,1,?)",
                (passage.id, passage.doc_id, passage.lineage_id, passage.model_dump_json()),
            )
    return service


def _app(service: DeskService, session_id: str | None = None):  # type: ignore[no-untyped-def]
    return make_app(service, session_id, new_session=session_id is None, warm_up=False)


class TestDraftingScreen:
    def test_new_session(self, service: DeskService, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(_app(service), terminal_size=SIZE)

    def test_drafted_with_cursor_on_a_sentence(self, drafted: DeskService, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(_app(drafted, SESSION_ID), terminal_size=SIZE, press=["down", "down"])

    def test_editing_a_paragraph(self, drafted: DeskService, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(_app(drafted, SESSION_ID), terminal_size=SIZE, press=["e"])

    def test_provenance_tab(self, drafted: DeskService, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(_app(drafted, SESSION_ID), terminal_size=SIZE, press=["f7"])

    def test_desk_note_tab(self, drafted: DeskService, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(_app(drafted, SESSION_ID), terminal_size=SIZE, press=["f8"])


class TestDialogs:
    def test_help(self, service: DeskService, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(_app(service), terminal_size=SIZE, press=["f1"])

    def test_sessions(self, drafted: DeskService, snap_compare) -> None:  # type: ignore[no-untyped-def]
        when = datetime(2026, 6, 28, 12, 0, tzinfo=UTC)
        older = Session(
            id="s-20260628-older1",
            name="Anchorage follow-up",
            topic="Anchorage talks",
            created_at=when,
            updated_at=when,
        )
        drafted.sessions.save(older, touch=False)
        assert snap_compare(_app(drafted, SESSION_ID), terminal_size=SIZE, press=["ctrl+o"])

    def test_export(self, drafted: DeskService, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(_app(drafted, SESSION_ID), terminal_size=SIZE, press=["f3"])

    def test_ingest(self, service: DeskService, snap_compare) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(_app(service), terminal_size=SIZE, press=["f2"])
