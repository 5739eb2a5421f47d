"""Stored formats across versions: a workspace written by the first released code
(`tests/data/workspace_v1/`) opens with today's, data newer than the code is refused and left
alone, the migration chains run their steps in order, and a session file that no longer opens is
reported with its reason (`desk sessions`, the TUI's sessions dialog), never hidden."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.migrations import FormatTooNewError, MigrationError
from assistant.migrations.documents import DocumentFormat
from assistant.migrations.store import CURRENT, STEPS, StoreMigrations
from assistant.models import Draft
from assistant.service import DeskService
from assistant.sessions import SessionError, SessionStore
from assistant.store import Store
from assistant.workspace import Workspace

FIXTURE = Path(__file__).resolve().parent / "data" / "workspace_v1"
SESSION_ID = "s-20261201-5440b6"
TOPIC = "Anchorage talks and the Ankara NATO summit"


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def old_workspace(tmp_path: Path) -> Path:
    """A copy of the v1 workspace (opening migrates, so never the fixture in place)."""
    target = tmp_path / "workspace_v1"
    shutil.copytree(FIXTURE, target)
    return target


def _user_version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


@pytest.mark.slow
def test_workspace_written_by_v1_opens_searches_and_reopens_its_session(old_workspace) -> None:
    before = _digest(FIXTURE)
    assert _user_version(old_workspace / "desk.sqlite") == 0  # written before versioning
    service = DeskService(Workspace.open(old_workspace))
    try:
        assert service.store.count_documents() == 34
        assert _user_version(old_workspace / "desk.sqlite") == CURRENT
        hits = service.search(TOPIC)
        assert len(hits) >= 5 and any("Ankara" in h.passage.text for h in hits)

        listing = service.sessions.scan()
        assert [s.id for s in listing.sessions] == [SESSION_ID] and not listing.unreadable
        session = service.sessions.load(SESSION_ID)
        assert session.name == "Anchorage desk" and session.draft is not None
        assert len(session.undo_stack) == 1 and session.hits
        assert service.staleness(session).stale is False
        latest = session.draft
        assert session.undo()  # the history came through: back to the first draft
        first = session.draft
        assert first is not None and first != latest and first.id == "draft-v1"

        exported = Draft.model_validate_json(
            (old_workspace / "exports" / "draft-v1.json").read_text(encoding="utf-8")
        )
        assert exported.id == "draft-v1" and exported.sections == first.sections
        assert exported.citations == first.citations
        markdown = service.render(exported, "md")
        assert markdown.startswith("# ") and "## Wire provenance" in markdown
        for c in exported.citations:
            assert c.outlet in markdown
        # Saving writes today's version; it loads again unchanged.
        service.sessions.save(session)
        assert service.sessions.load(SESSION_ID).draft == first
    finally:
        service.close()
    # Reopening an already migrated store is a no-op.
    again = Store(old_workspace / "desk.sqlite")
    assert again.count_documents() == 34
    again.close()
    assert _digest(FIXTURE) == before, "the fixture itself must never be migrated in place"


def test_store_newer_than_the_code_is_refused_and_left_alone(old_workspace) -> None:
    db_path = old_workspace / "desk.sqlite"
    db = sqlite3.connect(db_path)
    db.execute(f"PRAGMA user_version = {CURRENT + 1}")
    db.close()
    before = db_path.read_bytes()
    with pytest.raises(
        FormatTooNewError, match=rf"desk\.sqlite: store schema version {CURRENT + 1} is newer"
    ):
        Store(db_path)
    assert db_path.read_bytes() == before
    assert not db_path.with_name("desk.sqlite-wal").exists()


def test_store_steps_run_in_order_once_and_a_failing_one_changes_nothing(old_workspace) -> None:
    db_path = old_workspace / "desk.sqlite"

    def add_marks(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE marks (doc_id TEXT PRIMARY KEY, mark TEXT NOT NULL)")

    def fill_marks(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO marks SELECT id, 'story' FROM documents")

    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x)")
        db.execute("INSERT INTO no_such_table VALUES (1)")

    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        with pytest.raises(MigrationError, match=f"from schema version 1 to {CURRENT + 3}"):
            StoreMigrations(db_path, (*STEPS, add_marks, fill_marks, broken)).run(db)
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        assert "marks" not in names and "half_done" not in names

        migrations = StoreMigrations(db_path, (*STEPS, add_marks, fill_marks))
        assert migrations.run(db) == 1  # found the unversioned first release
        assert db.execute("PRAGMA user_version").fetchone()[0] == CURRENT + 2
        assert db.execute("SELECT COUNT(*) FROM marks").fetchone()[0] == 34
        assert migrations.run(db) == CURRENT + 2  # already there: nothing runs twice
        assert db.execute("SELECT COUNT(*) FROM marks").fetchone()[0] == 34
    finally:
        db.close()


def test_a_new_store_is_created_at_the_current_version(tmp_path) -> None:
    store = Store(tmp_path / "desk.sqlite")
    assert store.count_documents() == 0
    store.close()
    assert _user_version(tmp_path / "desk.sqlite") == CURRENT


def test_document_steps_run_in_order_from_the_stored_version() -> None:
    seen: list[str] = []

    def one_to_two(data: dict) -> dict:
        seen.append("1->2")
        return {**data, "fetch": None}

    def two_to_three(data: dict) -> dict:
        seen.append("2->3")
        return {**{k: v for k, v in data.items() if k != "fetch"}, "fetched": data["fetch"]}

    fmt = DocumentFormat("desk.thing", (one_to_two, two_to_three))
    assert fmt.version == "desk.thing/3"
    got = fmt.upgrade({"schema_version": "desk.thing/1", "text": "x"})
    assert got == {"schema_version": "desk.thing/3", "text": "x", "fetched": None}
    assert seen == ["1->2", "2->3"]
    seen.clear()
    assert fmt.upgrade({"schema_version": "desk.thing/2", "fetch": 5})["fetched"] == 5
    assert seen == ["2->3"]
    with pytest.raises(FormatTooNewError, match=r"desk\.thing/4 was written by a newer desk"):
        fmt.upgrade({"schema_version": "desk.thing/4"})
    with pytest.raises(ValueError, match="not a desk.thing version"):
        fmt.upgrade({"schema_version": "desk.other/1"})


def _v1_session(tmp_path: Path) -> SessionStore:
    sessions = SessionStore(tmp_path / "sessions")
    shutil.copy(FIXTURE / "sessions" / f"{SESSION_ID}.json", sessions.root)
    return sessions


def test_draft_or_session_newer_than_the_code_is_refused_and_left_alone(tmp_path) -> None:
    raw = json.loads((FIXTURE / "exports" / "draft-v1.json").read_text(encoding="utf-8"))
    with pytest.raises(FormatTooNewError, match=r"desk\.draft/2 was written by a newer desk"):
        Draft.model_validate({**raw, "schema_version": "desk.draft/2"})

    sessions = _v1_session(tmp_path)
    path = sessions.path_of(SESSION_ID)
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "schema_version": "desk.session/2"}), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(SessionError, match=rf"{SESSION_ID}\.json: desk\.session/2 .* newer desk"):
        sessions.load(SESSION_ID)
    listing = sessions.scan()
    assert listing.sessions == ()
    assert [(u.path.name, "newer desk" in u.reason) for u in listing.unreadable] == [
        (path.name, True)
    ]
    assert path.read_bytes() == before


def _break_sessions(sessions: SessionStore) -> dict[str, str]:
    """Three files that no longer open, each for a different reason."""
    (sessions.root / "s-cut.json").write_text('{"id": "s-cut", "name": ', encoding="utf-8")
    (sessions.root / "s-list.json").write_text("[1, 2]", encoding="utf-8")
    (sessions.root / "s-newer.json").write_text(
        json.dumps({"schema_version": "desk.session/9", "id": "s-newer"}), encoding="utf-8"
    )
    return {
        "s-cut.json": "not valid JSON",
        "s-list.json": "no JSON object",
        "s-newer.json": "newer",
    }


def test_unreadable_sessions_are_listed_with_file_and_reason(tmp_path) -> None:
    sessions = _v1_session(tmp_path)
    expected = _break_sessions(sessions)
    listing = sessions.scan()
    assert [s.id for s in listing.sessions] == [SESSION_ID]
    reasons = {u.path.name: u.reason for u in listing.unreadable}
    assert set(reasons) == set(expected)
    for name, words in expected.items():
        assert words in reasons[name], reasons[name]


def test_desk_sessions_shows_sessions_and_the_unreadable_ones(tmp_path) -> None:
    from assistant.cli import cli

    root = tmp_path / "ws"
    Workspace.init(root)
    sessions = SessionStore(root / "sessions")
    shutil.copy(FIXTURE / "sessions" / f"{SESSION_ID}.json", sessions.root)
    expected = _break_sessions(sessions)
    result = CliRunner().invoke(cli, ["--workspace", str(root), "sessions"])
    assert result.exit_code == 0, result.output
    assert SESSION_ID in result.output and "Anchorage desk" in result.output
    assert "3 session file(s) cannot be opened" in result.output
    lines = result.output.splitlines()
    for name, words in expected.items():
        line = next(ln for ln in lines if name in ln)
        assert str(sessions.root / name) in line and words in line


def test_desk_render_refuses_a_draft_newer_than_the_code(tmp_path) -> None:
    from assistant.cli import cli

    root = tmp_path / "ws"
    Workspace.init(root)
    raw = json.loads((FIXTURE / "exports" / "draft-v1.json").read_text(encoding="utf-8"))
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**raw, "schema_version": "desk.draft/2"}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--workspace", str(root), "render", str(newer)])
    assert result.exit_code != 0
    assert f"{newer}: desk.draft/2 was written by a newer desk" in result.output
