"""The document store: SQLite in the workspace, the single source of truth.

Documents, their sightings (verbatim reposts), passages, which file produced which documents,
and the near-duplicate signatures live here. The vector store (Chroma) and the BM25 index are
*derived* from it: every passage has an `embedded` flag that is set only after its vector is
stored, so an ingest killed at any point leaves the store consistent and the next run embeds
exactly what is missing. Each file's documents are written in one transaction.

Threads: the TUI runs an ingest beside drafting and verify workers on one `Store`, so each thread
gets its own connection (WAL mode, so readers see the last committed state and never wait for the
writer, and never see a writer's half-done transaction). Writers take SQLite's write lock with
`BEGIN IMMEDIATE` and wait up to `BUSY_TIMEOUT_MS` for it. Per-thread connections were chosen over
one writer thread because the store's writes already come from one place at a time (the ingest,
under the workspace lock) and its readers are many: isolation is what they lacked, not ordering.
The schema is versioned and migrated on open (`assistant.migrations.store`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from assistant.migrations.store import StoreMigrations
from assistant.models import Document, Passage, SearchFilters, Sighting, SourceLocation

_LOG_PRUNED = "passage_log.pruned"
"""Meta key: the log position up to which entries were deleted."""

BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another connection's write transaction before failing."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class Store:
    """Typed access to the workspace's SQLite database; safe to share between threads (each
    thread uses its own connection, opened on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._open: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._open_lock = threading.Lock()
        self._closed = False
        migrations = StoreMigrations(self.path)
        self._local.db = self._connect(check=migrations.check)
        migrations.run(self._db)

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def _connect(
        self, check: Callable[[sqlite3.Connection], object] | None = None
    ) -> sqlite3.Connection:
        # isolation_level=None: we manage transactions explicitly with BEGIN IMMEDIATE.
        # check_same_thread=False only so close() may close every thread's connection.
        db = sqlite3.connect(
            str(self.path),
            isolation_level=None,
            check_same_thread=False,
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        if check is not None:
            # Before the journal mode is set: that would already write to a newer file.
            try:
                check(db)
            except BaseException:
                db.close()
                raise
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS:d}")
        with self._open_lock:
            if self._closed:
                db.close()
                raise sqlite3.ProgrammingError(f"{self.path}: the store is closed")
            # Worker threads come and go; their connections go with them, not at exit.
            for _, old in [(t, c) for t, c in self._open if not t.is_alive()]:
                old.close()
            self._open = [(t, c) for t, c in self._open if t.is_alive()]
            self._open.append((threading.current_thread(), db))
        return db

    def close(self) -> None:
        with self._open_lock:
            self._closed = True
            for _, db in self._open:
                db.close()
            self._open = []

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: a crash inside leaves the database as it was before. Other threads
        see none of it until it commits."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")

    # --- generation: bumps on every change of passages, so derived indexes know they are stale
    def generation(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def _bump_generation(self) -> None:
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # --- passage change log (written by triggers; see migrations v2 -> v3) ---------------------
    def log_position(self) -> int:
        """The sequence number of the latest logged passage change (0 before any)."""
        row = self._db.execute(
            "SELECT seq FROM sqlite_sequence WHERE name='passage_log'"
        ).fetchone()
        return int(row[0]) if row else 0

    def passage_changes(self, since: int) -> tuple[set[str], int] | None:
        """Ids of passages inserted, changed or deleted after log position `since`, and the
        position they reach; None when entries after `since` were already pruned (the caller
        must then rebuild from every passage)."""
        pruned = int(self.get_meta(_LOG_PRUNED) or 0)
        if since < pruned:
            return None
        rows = self._db.execute(
            "SELECT seq, id FROM passage_log WHERE seq > ? ORDER BY seq", (since,)
        ).fetchall()
        return {r[1] for r in rows}, (rows[-1][0] if rows else since)

    def prune_passage_log(self, upto: int) -> None:
        """Forget log entries up to `upto` (an index built from every passage at that position
        needs none of them). Best effort: a busy store keeps its log a little longer."""
        try:
            with self.transaction():
                self._db.execute("DELETE FROM passage_log WHERE seq <= ?", (upto,))
                pruned = int(self.get_meta(_LOG_PRUNED) or 0)
                self.set_meta(_LOG_PRUNED, str(max(pruned, upto)))
        except sqlite3.OperationalError:
            pass

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    # --- files -------------------------------------------------------------------------------
    def file_state(self, path: str) -> tuple[str, int] | None:
        row = self._db.execute("SELECT sha256, size FROM files WHERE path=?", (path,)).fetchone()
        return (row[0], row[1]) if row else None

    def record_file(self, path: str, sha256: str, size: int, ingested_at: datetime) -> None:
        self._db.execute(
            "INSERT INTO files(path, sha256, size, ingested_at) VALUES(?,?,?,?) "
            "ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256, size=excluded.size, "
            "ingested_at=excluded.ingested_at",
            (path, sha256, size, ingested_at.isoformat()),
        )

    def known_files(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT path FROM files ORDER BY path")]

    def file_passages(self, path: str) -> list[tuple[Passage, bool]]:
        """Passages of the documents a file was seen in, with their `embedded` flag (so a changed
        file's unchanged items keep their vectors)."""
        rows = self._db.execute(
            "SELECT p.body, p.embedded FROM passages p WHERE p.doc_id IN "
            "(SELECT DISTINCT doc_id FROM sightings WHERE path=?)",
            (path,),
        )
        return [(Passage.model_validate_json(r[0]), bool(r[1])) for r in rows]

    def file_documents(self, path: str) -> list[str]:
        """Ids of the documents seen in a file."""
        return [
            r[0]
            for r in self._db.execute(
                "SELECT DISTINCT doc_id FROM sightings WHERE path=? ORDER BY doc_id", (path,)
            )
        ]

    def forget_file(self, path: str) -> list[str]:
        """Drop a file's sightings; delete documents no longer seen anywhere. Returns the ids of
        passages deleted (so the caller removes them from derived indexes)."""
        doc_ids = [
            r[0]
            for r in self._db.execute("SELECT DISTINCT doc_id FROM sightings WHERE path=?", (path,))
        ]
        self._db.execute("DELETE FROM sightings WHERE path=?", (path,))
        self._db.execute("DELETE FROM files WHERE path=?", (path,))
        removed: list[str] = []
        for doc_id in doc_ids:
            if self._db.execute(
                "SELECT 1 FROM sightings WHERE doc_id=? LIMIT 1", (doc_id,)
            ).fetchone():
                continue
            removed += [
                r[0] for r in self._db.execute("SELECT id FROM passages WHERE doc_id=?", (doc_id,))
            ]
            self._db.execute("DELETE FROM passages WHERE doc_id=?", (doc_id,))
            self._db.execute("DELETE FROM signatures WHERE doc_id=?", (doc_id,))
            self._db.execute("DELETE FROM documents WHERE id=?", (doc_id,))
        if removed:
            self._bump_generation()
        return removed

    # --- documents -----------------------------------------------------------------------------
    def has_document(self, doc_id: str) -> bool:
        return (
            self._db.execute("SELECT 1 FROM documents WHERE id=?", (doc_id,)).fetchone() is not None
        )

    def add_document(
        self,
        doc: Document,
        passages: Iterable[Passage],
        signature: bytes | None = None,
        http_status: int | None = None,
    ) -> None:
        """Insert a new document with its passages (not yet embedded) and its first sighting."""
        self._db.execute(
            "INSERT INTO documents(id, lineage_id, published_at, outlet, kind, language, body, "
            "fetched_at) VALUES(?,?,?,?,?,?,?,?)",
            (
                doc.id,
                doc.lineage_id or doc.id,
                _iso(doc.published_at),
                doc.outlet,
                doc.kind,
                doc.language,
                doc.model_dump_json(),
                _iso(doc.fetched_at),
            ),
        )
        self._db.executemany(
            "INSERT OR REPLACE INTO passages(id, doc_id, lineage_id, embedded, body) VALUES(?,?,?,0,?)",
            [(p.id, p.doc_id, p.lineage_id, p.model_dump_json()) for p in passages],
        )
        if signature is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO signatures(doc_id, signature) VALUES(?,?)",
                (doc.id, signature),
            )
        self.add_sighting(
            Sighting(
                doc_id=doc.id,
                outlet=doc.outlet,
                channel=doc.channel,
                url=doc.url,
                published_at=doc.published_at,
                location=doc.location,
                fetched_at=doc.fetched_at,
                http_status=http_status,
            )
        )
        self._bump_generation()

    def add_sighting(self, sighting: Sighting) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO sightings(doc_id, path, item, body) VALUES(?,?,?,?)",
            (
                sighting.doc_id,
                sighting.location.path,
                sighting.location.item or "",
                sighting.model_dump_json(),
            ),
        )

    def sighted_at(self, path: str, item: str | None) -> str | None:
        """The document seen at `path#item` (a feed URL and an item's GUID), if any."""
        row = self._db.execute(
            "SELECT doc_id FROM sightings WHERE path=? AND item=? LIMIT 1", (path, item or "")
        ).fetchone()
        return row[0] if row else None

    # --- conditional GET state of fetched URLs (written after their items are committed) ----
    def fetch_state(self, url: str) -> tuple[str | None, str | None] | None:
        """(ETag, Last-Modified) last stored for `url`, or `None` if never fetched."""
        row = self._db.execute(
            "SELECT etag, last_modified FROM fetch_state WHERE url=?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def set_fetch_state(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        status: int,
        fetched_at: datetime,
    ) -> None:
        self._db.execute(
            "INSERT INTO fetch_state(url, etag, last_modified, status, fetched_at) "
            "VALUES(?,?,?,?,?) ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, "
            "last_modified=excluded.last_modified, status=excluded.status, "
            "fetched_at=excluded.fetched_at",
            (url, etag, last_modified, status, fetched_at.isoformat()),
        )

    def set_lineage(self, doc_id: str, lineage_id: str) -> None:
        """Re-point a document (and its passages) to a lineage, e.g. when an earlier version arrives."""
        row = self._db.execute("SELECT body FROM documents WHERE id=?", (doc_id,)).fetchone()
        if row is None:
            return
        doc = Document.model_validate_json(row[0]).model_copy(update={"lineage_id": lineage_id})
        self._db.execute(
            "UPDATE documents SET lineage_id=?, body=? WHERE id=?",
            (lineage_id, doc.model_dump_json(), doc_id),
        )
        for pid, body in self._db.execute(
            "SELECT id, body FROM passages WHERE doc_id=?", (doc_id,)
        ).fetchall():
            p = Passage.model_validate_json(body).model_copy(update={"lineage_id": lineage_id})
            # embedded=0: the lineage id is stored as vector metadata too, so re-upsert it.
            self._db.execute(
                "UPDATE passages SET lineage_id=?, body=?, embedded=0 WHERE id=?",
                (lineage_id, p.model_dump_json(), pid),
            )
        self._bump_generation()

    def update_document(self, doc: Document) -> None:
        """Replace a stored document's metadata (same id, so same text), e.g. when an earlier
        sighting of a verbatim repost turns up; its passages' copies of the metadata follow."""
        self._db.execute(
            "UPDATE documents SET published_at=?, outlet=?, kind=?, language=?, body=? WHERE id=?",
            (
                _iso(doc.published_at),
                doc.outlet,
                doc.kind,
                doc.language,
                doc.model_dump_json(),
                doc.id,
            ),
        )
        meta = {
            "outlet": doc.outlet,
            "kind": doc.kind,
            "title": doc.title,
            "url": doc.url,
            "published_at": doc.published_at,
            "language": doc.language,
        }
        for pid, body in self._db.execute(
            "SELECT id, body FROM passages WHERE doc_id=?", (doc.id,)
        ).fetchall():
            p = Passage.model_validate_json(body).model_copy(update=meta)
            # embedded=0: the metadata is stored beside the vector too, so re-upsert it.
            self._db.execute(
                "UPDATE passages SET body=?, embedded=0 WHERE id=?", (p.model_dump_json(), pid)
            )
        self._bump_generation()

    def retire_document(self, doc_id: str, into: str) -> list[str]:
        """Move `doc_id`'s sightings to the document `into`, then delete `doc_id` with its
        passages and signature: one outlet's feeds carrying an item in two wordings become one
        document holding both (`ingest.feed_twins.merged_version`). Returns the deleted passage
        ids (the index drops their vectors at its next sync)."""
        for sighting in self.sightings(doc_id):
            self.add_sighting(sighting.model_copy(update={"doc_id": into}))
        removed = [
            r[0] for r in self._db.execute("SELECT id FROM passages WHERE doc_id=?", (doc_id,))
        ]
        self._db.execute("DELETE FROM sightings WHERE doc_id=?", (doc_id,))
        self._db.execute("DELETE FROM passages WHERE doc_id=?", (doc_id,))
        self._db.execute("DELETE FROM signatures WHERE doc_id=?", (doc_id,))
        self._db.execute("DELETE FROM documents WHERE id=?", (doc_id,))
        self._bump_generation()
        return removed

    def get_document(self, doc_id: str) -> Document | None:
        row = self._db.execute("SELECT body FROM documents WHERE id=?", (doc_id,)).fetchone()
        return Document.model_validate_json(row[0]) if row else None

    def documents(self, filters: SearchFilters | None = None) -> list[Document]:
        """All documents (optionally by published window/outlet/kind), oldest first; undated last."""
        sql, args = "SELECT body FROM documents", []
        clauses: list[str] = []
        if filters is not None:
            # An undated fetched document is placed by its fetch time (flagged in date_flag).
            if filters.since is not None:
                clauses.append("COALESCE(published_at, fetched_at) >= ?")
                args.append(filters.since.isoformat())
            if filters.until is not None:
                clauses.append("COALESCE(published_at, fetched_at) < ?")
                args.append(filters.until.isoformat())
            if filters.outlets:
                clauses.append(f"outlet IN ({','.join('?' * len(filters.outlets))})")
                args += list(filters.outlets)
            if filters.kinds:
                clauses.append(f"kind IN ({','.join('?' * len(filters.kinds))})")
                args += list(filters.kinds)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY published_at IS NULL, published_at, id"
        return [Document.model_validate_json(r[0]) for r in self._db.execute(sql, args)]

    def recent_texts(self, limit: int) -> list[str]:
        """The texts of the `limit` most recently published documents (undated ones last)."""
        rows = self._db.execute(
            "SELECT body FROM documents ORDER BY published_at IS NULL, published_at DESC, id "
            "LIMIT ?",
            (limit,),
        )
        return [Document.model_validate_json(r[0]).text for r in rows]

    def lineage_documents(self, lineage_id: str) -> list[Document]:
        rows = self._db.execute(
            "SELECT body FROM documents WHERE lineage_id=? ORDER BY published_at IS NULL, published_at, id",
            (lineage_id,),
        )
        return [Document.model_validate_json(r[0]) for r in rows]

    def lineage_sizes(self) -> dict[str, int]:
        return {
            r[0]: r[1]
            for r in self._db.execute(
                "SELECT lineage_id, COUNT(*) FROM documents GROUP BY lineage_id"
            )
        }

    def sightings(self, doc_id: str) -> list[Sighting]:
        rows = self._db.execute(
            "SELECT body FROM sightings WHERE doc_id=? ORDER BY path, item", (doc_id,)
        )
        return [Sighting.model_validate_json(r[0]) for r in rows]

    def signatures(self) -> Iterator[tuple[str, str, bytes]]:
        """(doc_id, lineage_id, signature) for near-duplicate detection."""
        yield from self._db.execute(
            "SELECT s.doc_id, d.lineage_id, s.signature FROM signatures s JOIN documents d ON d.id = s.doc_id"
        )

    def count_documents(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    # --- passages ------------------------------------------------------------------------------
    def count_passages(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]

    def passages(self) -> list[Passage]:
        return [
            Passage.model_validate_json(r[0])
            for r in self._db.execute("SELECT body FROM passages ORDER BY id")
        ]

    def passages_of(self, doc_id: str) -> list[Passage]:
        rows = self._db.execute("SELECT body FROM passages WHERE doc_id=?", (doc_id,))
        return sorted((Passage.model_validate_json(r[0]) for r in rows), key=lambda p: p.start)

    def get_passages(self, ids: Iterable[str]) -> dict[str, Passage]:
        ids = list(ids)
        out: dict[str, Passage] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self._db.execute(
                f"SELECT id, body FROM passages WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
            out.update({r[0]: Passage.model_validate_json(r[1]) for r in rows})
        return out

    def unembedded_passages(self) -> list[Passage]:
        rows = self._db.execute("SELECT body FROM passages WHERE embedded=0 ORDER BY id")
        return [Passage.model_validate_json(r[0]) for r in rows]

    def mark_embedded(self, ids: Iterable[str]) -> None:
        self._db.executemany("UPDATE passages SET embedded=1 WHERE id=?", [(i,) for i in ids])

    def passage_ids(self, embedded: bool | None = None) -> set[str]:
        """Ids of all passages (or only the embedded / not embedded ones), without parsing bodies."""
        if embedded is None:
            return {r[0] for r in self._db.execute("SELECT id FROM passages")}
        return {
            r[0]
            for r in self._db.execute("SELECT id FROM passages WHERE embedded=?", (int(embedded),))
        }


def location_key(loc: SourceLocation) -> str:
    return json.dumps([loc.path, loc.item])
