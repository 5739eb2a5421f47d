"""Snapshots of the TUI's main screens at a fixed terminal size (pytest-textual-snapshot).

The drafted screens open `tests/data/tui_session.json` — a real extractive draft of the demo
corpus with fixed ids and times (regenerate it with `tests/data/make_tui_session.py`) — in a
fresh workspace whose store holds exactly the cited passages, so nothing on screen depends on
the clock, random ids or timing. Update snapshots with `pytest --snapshot-update`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from _tui_support import SESSION_ID, install_snapshot_session

from assistant.service import DeskService
from assistant.sessions import Session
from assistant.tui.app import make_app

SIZE = (140, 42)


@pytest.fixture
def drafted(service: DeskService) -> DeskService:
    """A workspace holding the snapshot session, its cited passages in the store (not stale)."""
    return install_snapshot_session(service)


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
