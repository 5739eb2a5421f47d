"""Freeze a workspace written by the code as it stood before any stored format changed
(commit 74bba23, schema `desk.session/1`, `desk.draft/1`, store without a schema version), as
the migration tests' fixture: `tests/data/workspace_v1/`.

It holds what an editor's workspace holds: `desk.toml` as `desk init` writes it, the SQLite store
with `corpus/` ingested (lineages, reposts, signatures), the Chroma and BM25 indexes, one saved
drafting session with a draft and its undo history, and a draft exported as JSON and Markdown.

Do not re-run this on newer code: the point of the fixture is that it was written by the old
code. Kept so that a reader can see exactly how it was made:
`git checkout 74bba23 && python tests/data/make_workspace_v1.py` (takes about a minute).
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from assistant.service import DeskService
from assistant.workspace import Workspace

HERE = Path(__file__).resolve().parent
TARGET = HERE / "workspace_v1"
TOPIC = "Anchorage talks and the Ankara NATO summit"
FIXED = datetime(2026, 6, 30, 7, 0, tzinfo=UTC)


def main() -> None:
    if TARGET.exists():
        shutil.rmtree(TARGET)
    service = DeskService(Workspace.init(TARGET))
    report = service.ingest([HERE.parent.parent / "corpus"])
    assert not report.failed, report.failed
    hits = service.search(TOPIC)
    first = service.draft(TOPIC).model_copy(
        update={"id": "draft-v1", "created_at": FIXED, "updated_at": FIXED}
    )
    session = service.sessions.create(name="Anchorage desk", topic=TOPIC, hits=hits)
    session.id  # noqa: B018 - the store picked it
    session.set_draft(first, record=False)
    second = service.draft_section(first, "lede")
    session.set_draft(second)  # one undo step
    session.created_at = FIXED
    service.sessions.save(session, touch=False)
    (TARGET / "exports").mkdir(exist_ok=True)
    for fmt in ("json", "md"):
        (TARGET / "exports" / f"draft-v1.{fmt}").write_text(
            service.render(first, fmt), encoding="utf-8"
        )
    service.close()
    # Fold the WAL into the main file so the fixture is one self-contained database.
    db = sqlite3.connect(TARGET / "desk.sqlite")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA journal_mode=DELETE")
    # File paths are data the store keeps; the machine's own checkout path must not be in a
    # tracked file, so it becomes a neutral root (the tests copy the fixture, never prune it).
    root = str(HERE.parent.parent)
    for table, column in [
        ("documents", "body"),
        ("sightings", "path"),
        ("sightings", "body"),
        ("files", "path"),
        ("meta", "key"),
    ]:
        db.execute(f"UPDATE {table} SET {column} = replace({column}, ?, '/desk-fixture')", (root,))
    db.commit()
    db.execute("VACUUM")
    db.close()
    for leftover in TARGET.rglob("*"):
        if leftover.name in (".desk.lock",) or leftover.suffix in (".tmp",):
            leftover.unlink()


if __name__ == "__main__":
    main()
