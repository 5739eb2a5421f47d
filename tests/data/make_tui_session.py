"""Regenerate `tui_session.json`, the session the TUI snapshot tests open: the demo corpus
ingested, a search and an extractive draft on it, with fixed ids and times so the screens are
deterministic. Run: `python tests/data/make_tui_session.py` (takes a minute)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from assistant.service import DeskService
from assistant.sessions import Session
from assistant.workspace import Workspace

HERE = Path(__file__).resolve().parent
TOPIC = "Ankara NATO summit"
FIXED = datetime(2026, 6, 30, 7, 0, tzinfo=UTC)


def main() -> None:
    service = DeskService(Workspace.init(Path(tempfile.mkdtemp()) / "ws"))
    service.ingest([HERE.parent.parent / "corpus"])
    hits = service.search(TOPIC)
    draft = service.draft(TOPIC).model_copy(
        update={"id": "draft-snapshot", "created_at": FIXED, "updated_at": FIXED}
    )
    lede = draft.section("lede")
    cursor = f"lede/{lede.paragraphs[0].id}/0" if lede and lede.paragraphs else None
    session = Session(
        id="s-20260630-snap01",
        name="Ankara desk",
        topic=TOPIC,
        hits=hits,
        draft=draft,
        cursor=cursor,
        created_at=FIXED,
        updated_at=FIXED,
    )
    (HERE / "tui_session.json").write_text(
        session.model_dump_json(indent=1) + "\n", encoding="utf-8"
    )
    service.close()


if __name__ == "__main__":
    main()
