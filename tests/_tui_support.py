"""Helpers shared by the TUI tests: the fixed snapshot session installed into a workspace."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.models import Document, Passage, SourceLocation
from assistant.service import DeskService

DATA = Path(__file__).resolve().parent / "data"
SESSION_ID = "s-20260630-snap01"


def install_snapshot_session(service: DeskService) -> DeskService:
    """Copy `data/tui_session.json` into the workspace and put exactly its cited passages (and
    minimal documents) in the store, so the session is not stale and needs no embedding."""
    shutil.copy(DATA / "tui_session.json", service.sessions.root / f"{SESSION_ID}.json")
    session = service.sessions.load(SESSION_ID)
    assert session.draft is not None
    with service.store.transaction():
        for c in session.draft.citations:
            if not service.store.has_document(c.doc_id):
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
                    lineage_id=c.lineage_id,
                    location=SourceLocation(path=f"{c.doc_id}.txt"),
                )
                service.store.add_document(doc, [])
            put_passage(
                service,
                Passage(
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
                ),
            )
    return service


def put_passage(service: DeskService, passage: Passage) -> None:
    """Write a passage row as ingestion would (marked embedded: these tests never search)."""
    service.store._db.execute(
        "INSERT OR REPLACE INTO passages(id, doc_id, lineage_id, embedded, body) VALUES(?,?,?,1,?)",
        (passage.id, passage.doc_id, passage.lineage_id, passage.model_dump_json()),
    )
