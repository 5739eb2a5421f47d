"""`StoreMigrations`: the versions of the workspace's SQLite schema and the steps between them.

The version lives in `PRAGMA user_version`. Version 1 is the schema as first released (it never
set `user_version`, so a database at 0 that already has the `documents` table *is* version 1); a
new, empty database is created at version 1 and brought forward like any other. Opening runs the
missing steps in one `BEGIN IMMEDIATE` transaction (SQLite's DDL is transactional), after reading
the version again inside it, so two processes opening the same old workspace migrate it once and
a crash leaves it at the old version. A database newer than `CURRENT` is refused, untouched.

Adding a version: write `_v1_to_v2(db)` (plain `db.execute` calls, no `executescript`, which would
commit), append it to `STEPS` and the tests' fixture keeps proving an old workspace opens.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.migrations import FormatTooNewError, MigrationError

Step = Callable[[sqlite3.Connection], None]

_V1_TABLES = (
    """CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    lineage_id TEXT NOT NULL,
    published_at TEXT,
    outlet TEXT NOT NULL,
    kind TEXT NOT NULL,
    language TEXT,
    body TEXT NOT NULL            -- Document as JSON
)""",
    "CREATE INDEX IF NOT EXISTS documents_lineage ON documents(lineage_id)",
    "CREATE INDEX IF NOT EXISTS documents_published ON documents(published_at)",
    """CREATE TABLE IF NOT EXISTS sightings (
    doc_id TEXT NOT NULL,
    path TEXT NOT NULL,
    item TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,           -- Sighting as JSON
    PRIMARY KEY (doc_id, path, item)
)""",
    "CREATE INDEX IF NOT EXISTS sightings_path ON sightings(path)",
    """CREATE TABLE IF NOT EXISTS passages (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    lineage_id TEXT NOT NULL,
    embedded INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL            -- Passage as JSON
)""",
    "CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id)",
    "CREATE INDEX IF NOT EXISTS passages_embedded ON passages(embedded)",
    """CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    ingested_at TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS signatures (
    doc_id TEXT PRIMARY KEY,
    signature BLOB NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
)""",
)


def _create_v1(db: sqlite3.Connection) -> None:
    for statement in _V1_TABLES:
        db.execute(statement)


def _v1_to_v2(db: sqlite3.Connection) -> None:
    """Live intake: a fetched document's fetch time (the batch window's stand-in for a missing
    date), and each URL's conditional-GET state (ETag, Last-Modified)."""
    db.execute("ALTER TABLE documents ADD COLUMN fetched_at TEXT")
    db.execute(
        """CREATE TABLE IF NOT EXISTS fetch_state (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    status INTEGER NOT NULL,
    fetched_at TEXT NOT NULL
)"""
    )


def _v2_to_v3(db: sqlite3.Connection) -> None:
    """A log of passage changes, so that BM25 and the vector copy can take in what changed
    since they were built instead of being rebuilt from every passage (minutes at a million).

    Triggers write it, so no code path that changes a passage can forget to: an insert, a
    delete, or an update of anything the index reads (`embedded` flips are not changes).
    `INSERT OR REPLACE` fires the insert trigger. Existing passages are not logged: an index
    built before this version records no log position and is rebuilt once in full."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS passage_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL
)"""
    )
    for name, event, body in (
        ("insert", "INSERT", "INSERT INTO passage_log(id) VALUES (NEW.id);"),
        (
            "update",
            "UPDATE OF id, doc_id, lineage_id, body",
            "INSERT INTO passage_log(id) VALUES (NEW.id); "
            "INSERT INTO passage_log(id) SELECT OLD.id WHERE OLD.id != NEW.id;",
        ),
        ("delete", "DELETE", "INSERT INTO passage_log(id) VALUES (OLD.id);"),
    ):
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS passage_log_{name} AFTER {event} ON passages "
            f"BEGIN {body} END"
        )


STEPS: tuple[Step, ...] = (_create_v1, _v1_to_v2, _v2_to_v3)
"""`STEPS[n]` takes the schema from version n to n+1 (step 0 creates version 1)."""

CURRENT = len(STEPS)


class StoreMigrations:
    """Brings one SQLite database to the schema version this code knows."""

    def __init__(self, path: Path, steps: Sequence[Step] = STEPS) -> None:
        self.path = path
        self.steps = tuple(steps)

    @property
    def current(self) -> int:
        return len(self.steps)

    def version(self, db: sqlite3.Connection) -> int:
        """The schema version, with the unversioned first release read as 1."""
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if (
            version == 0
            and db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='documents'"
            ).fetchone()
        ):
            return 1
        return version

    def check(self, db: sqlite3.Connection) -> int:
        """The version, read without writing anything; raises `FormatTooNewError` if newer."""
        return self._check(self.version(db))

    def run(self, db: sqlite3.Connection) -> int:
        """Migrate `db` (a connection in autocommit mode) to `current`; returns the version it
        was at. Raises `FormatTooNewError` for a newer schema, `MigrationError` if a step fails
        (the database is then left exactly as it was)."""
        found = self._check(self.version(db))
        if found == self.current and db.execute("PRAGMA user_version").fetchone()[0] == found:
            return found
        db.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated meanwhile.
            found = self._check(self.version(db))
            for n in range(found, self.current):
                self.steps[n](db)
            db.execute(f"PRAGMA user_version = {self.current:d}")
        except FormatTooNewError:
            db.execute("ROLLBACK")
            raise
        except sqlite3.Error as exc:
            db.execute("ROLLBACK")
            raise MigrationError(
                f"{self.path}: could not migrate the store from schema version {found} to "
                f"{self.current} ({exc}); it was left unchanged"
            ) from exc
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return found

    def _check(self, version: int) -> int:
        if version > self.current:
            raise FormatTooNewError(
                f"{self.path}: store schema version {version} is newer than this desk knows "
                f"({self.current}); upgrade desk-assistant to open this workspace"
            )
        return version
