"""Drafting sessions: what an editor is working on, saved as it happens and reopened exactly.

A `Session` holds the topic, filters, pins and exclusions, the chosen generator and model, the
last retrieved passages, the draft (with its edits and paragraph locks), an undo/redo history
of the draft, and the index generation the draft was made at. `SessionStore` keeps one JSON file
per session in the workspace's `sessions/` folder; every save is atomic (temp file, fsync,
`os.replace`) so a killed terminal leaves either the old or the new file, never half of one.

`check_stale` tells whether the draft's cited passages changed in the index since it was made.
Editing the draft itself (paragraphs as text, citing, locks) lives in `assistant.draft_edits`.
No UI library is imported: the TUI and tests both use this.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.draft_edits import apply_locks, locks_of
from assistant.errors import DeskError
from assistant.migrations import FormatTooNewError
from assistant.migrations.documents import SESSION
from assistant.models import Draft, Hit, SearchFilters, utcnow

if TYPE_CHECKING:
    from assistant.store import Store
    from assistant.workspace import Workspace

log = logging.getLogger(__name__)

UNDO_LIMIT = 50
"""Drafts kept for undo (and redo); older ones are dropped so a session file stays small."""

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class SessionError(DeskError, RuntimeError):
    """A session is missing, unreadable or invalid; the message names the file and the problem."""


class Session(BaseModel):
    """One editor's drafting session, serialised whole to `sessions/<id>.json`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    schema_version: str = SESSION.version
    id: str
    name: str
    topic: str = ""
    filters: SearchFilters = Field(default_factory=SearchFilters)
    pinned: list[str] = Field(default_factory=list)
    """Passage ids always offered to the generator."""
    excluded: list[str] = Field(default_factory=list)
    """Passage ids never retrieved for this session."""
    generator: str = "extractive"
    model: str | None = None
    """Model path or name for LLM generators; `None` uses the workspace setting."""
    hits: list[Hit] = Field(default_factory=list)
    """The passages last retrieved for the topic, so a reopened session shows them at once."""
    draft: Draft | None = None
    locks: list[str] = Field(default_factory=list)
    """Locked paragraphs as `section_id/paragraph_id`; mirrored in `Paragraph.locked`."""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    index_generation: int | None = None
    """`Store.generation()` when the draft was made or last re-verified."""
    cursor: str | None = None
    """Where the editor's cursor was (`section_id/paragraph_id/sentence_index`)."""
    undo_stack: list[Draft] = Field(default_factory=list)
    redo_stack: list[Draft] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        # Older stored versions are migrated before validation; its drafts follow (`Draft`).
        return SESSION.upgrade(data)

    # --- filters used for retrieval: the editor's filters plus the exclusions ---------------
    def search_filters(self) -> SearchFilters:
        return self.filters.model_copy(update={"exclude_passages": tuple(self.excluded)})

    def toggle_pin(self, passage_id: str) -> bool:
        """Pin (or unpin) a passage; pinning also lifts an exclusion. Returns the new state."""
        if passage_id in self.pinned:
            self.pinned = [p for p in self.pinned if p != passage_id]
            return False
        self.pinned = [*self.pinned, passage_id]
        self.excluded = [p for p in self.excluded if p != passage_id]
        return True

    def toggle_exclude(self, passage_id: str) -> bool:
        if passage_id in self.excluded:
            self.excluded = [p for p in self.excluded if p != passage_id]
            return False
        self.excluded = [*self.excluded, passage_id]
        self.pinned = [p for p in self.pinned if p != passage_id]
        return True

    # --- draft history ------------------------------------------------------------------------
    def set_draft(self, draft: Draft | None, *, record: bool = True) -> None:
        """Replace the draft; with `record`, the previous one goes on the undo stack."""
        if record and self.draft is not None:
            self.undo_stack = [*self.undo_stack, self.draft][-UNDO_LIMIT:]
            self.redo_stack = []
        if draft is not None:
            draft = apply_locks(draft, self.locks)
        self.draft = draft

    def undo(self) -> bool:
        if not self.undo_stack:
            return False
        previous = self.undo_stack[-1]
        self.undo_stack = self.undo_stack[:-1]
        if self.draft is not None:
            self.redo_stack = [*self.redo_stack, self.draft][-UNDO_LIMIT:]
        self.draft = previous
        self.locks = locks_of(previous)
        return True

    def redo(self) -> bool:
        if not self.redo_stack:
            return False
        following = self.redo_stack[-1]
        self.redo_stack = self.redo_stack[:-1]
        if self.draft is not None:
            self.undo_stack = [*self.undo_stack, self.draft][-UNDO_LIMIT:]
        self.draft = following
        self.locks = locks_of(following)
        return True

    def toggle_lock(self, section_id: str, paragraph_id: str) -> bool:
        """Lock or unlock a paragraph so redrafting leaves it alone. Returns the new state."""
        key = f"{section_id}/{paragraph_id}"
        locked = key not in self.locks
        self.locks = [*self.locks, key] if locked else [k for k in self.locks if k != key]
        if self.draft is not None:
            self.draft = apply_locks(self.draft, self.locks)
        return locked


@dataclass(frozen=True)
class SessionSummary:
    """What the session list shows, read without keeping whole drafts in memory."""

    id: str
    name: str
    topic: str
    updated_at: datetime
    has_draft: bool
    path: Path


@dataclass(frozen=True)
class UnreadableSession:
    """A session file that cannot be opened, and why; shown to the editor, never skipped."""

    path: Path
    reason: str


@dataclass(frozen=True)
class SessionListing:
    """`SessionStore.scan()`: the sessions that open and the files that do not."""

    sessions: tuple[SessionSummary, ...]
    unreadable: tuple[UnreadableSession, ...] = ()


class _Unreadable(Exception):
    """Why one session file cannot be listed (becomes an `UnreadableSession`)."""


def _summary(path: Path) -> SessionSummary:
    """The list entry of one session file, read without validating whole drafts; raises
    `_Unreadable` with the reason an editor would need."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _Unreadable(f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise _Unreadable(f"not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise _Unreadable(
            f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from exc
    if not isinstance(raw, dict):
        raise _Unreadable("not a session (the file holds no JSON object)")
    try:
        SESSION.version_of(raw)
    except (FormatTooNewError, ValueError) as exc:
        raise _Unreadable(str(exc)) from exc
    for key in ("id", "updated_at"):
        if not isinstance(raw.get(key), str):
            raise _Unreadable(f"not a session (no '{key}')")
    if raw["id"] != path.stem:
        raise _Unreadable(f"its id '{raw['id']}' does not match the file name")
    try:
        updated_at = datetime.fromisoformat(raw["updated_at"])
    except ValueError as exc:
        raise _Unreadable(f"updated_at {raw['updated_at']!r} is not a date and time") from exc
    name, topic = raw.get("name", raw["id"]), raw.get("topic", "")
    return SessionSummary(
        id=raw["id"],
        name=name if isinstance(name, str) else raw["id"],
        topic=topic if isinstance(topic, str) else "",
        updated_at=updated_at,
        has_draft=raw.get("draft") is not None,
        path=path,
    )


@dataclass(frozen=True)
class ChangedCitation:
    n: int
    passage_id: str
    reason: str
    """`changed` (same passage id, different text) or `missing` (gone from the index)."""


@dataclass(frozen=True)
class Staleness:
    """How a session's draft relates to the current index."""

    generation_then: int | None
    generation_now: int
    changed: tuple[ChangedCitation, ...] = field(default=())

    @property
    def stale(self) -> bool:
        """Some cited passage differs from the text the draft was verified against."""
        return bool(self.changed)

    @property
    def index_moved(self) -> bool:
        """The index changed since drafting (new or removed passages), cited ones or not."""
        return self.generation_then is not None and self.generation_then != self.generation_now

    def describe(self) -> str:
        if self.changed:
            missing = sum(1 for c in self.changed if c.reason == "missing")
            changed = len(self.changed) - missing
            parts = []
            if changed:
                parts.append(f"{changed} cited passage(s) changed")
            if missing:
                parts.append(f"{missing} cited passage(s) no longer in the index")
            return "; ".join(parts) + " since this draft was verified"
        if self.index_moved:
            return "the index changed since this draft was made (its cited passages did not)"
        return "up to date with the index"


class SessionStore:
    """The workspace's sessions: one atomic JSON file each under `workspace.sessions_dir`."""

    def __init__(self, workspace: Workspace | Path) -> None:
        self.root = Path(
            workspace.sessions_dir if hasattr(workspace, "sessions_dir") else workspace
        )
        self.root.mkdir(parents=True, exist_ok=True)

    def path_of(self, session_id: str) -> Path:
        if not _ID.match(session_id):
            raise SessionError(f"invalid session id {session_id!r}")
        return self.root / f"{session_id}.json"

    def list(self) -> list[SessionSummary]:
        """Every readable session, most recently changed first. The unreadable ones are in
        `scan().unreadable` (and logged): callers that show sessions to an editor use `scan`."""
        return list(self.scan().sessions)

    def scan(self) -> SessionListing:
        """Every session file: the readable ones (most recently changed first) and, never
        hidden, the ones that cannot be opened with the file and the reason."""
        out: list[SessionSummary] = []
        unreadable: list[UnreadableSession] = []
        for path in sorted(self.root.glob("*.json")):
            try:
                out.append(_summary(path))
            except _Unreadable as exc:
                log.warning("session file %s cannot be read: %s", path, exc)
                unreadable.append(UnreadableSession(path, str(exc)))
        return SessionListing(
            tuple(sorted(out, key=lambda s: (s.updated_at, s.id), reverse=True)),
            tuple(unreadable),
        )

    def create(self, name: str | None = None, topic: str = "", **fields: Any) -> Session:
        session = Session(
            id=self._new_id(), name=name or self._default_name(), topic=topic, **fields
        )
        self.save(session, touch=False)
        return session

    def load(self, session_id: str) -> Session:
        path = self.path_of(session_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SessionError(f"{path}: no such session") from None
        except OSError as exc:
            raise SessionError(f"{path}: cannot read: {exc.strerror}") from exc
        try:
            return Session.model_validate_json(text)
        except FormatTooNewError as exc:
            raise SessionError(f"{path}: {exc}") from exc
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "file"
            raise SessionError(f"{path}: not a valid session ({where}: {err['msg']})") from exc

    def save(self, session: Session, *, touch: bool = True) -> Path:
        """Write atomically: a temp file in the same folder, fsync, then rename over the old."""
        if touch:
            session.updated_at = utcnow()
        path = self.path_of(session.id)
        from assistant.files import atomic_write

        return atomic_write(path, session.model_dump_json())

    def rename(self, session_id: str, name: str) -> Session:
        name = name.strip()
        if not name:
            raise SessionError("a session name cannot be empty")
        session = self.load(session_id)
        session.name = name
        self.save(session)
        return session

    def duplicate(self, session_id: str, name: str | None = None) -> Session:
        source = self.load(session_id)
        now = utcnow()
        copy = source.model_copy(
            deep=True,
            update={
                "id": self._new_id(),
                "name": name or f"{source.name} (copy)",
                "created_at": now,
                "updated_at": now,
            },
        )
        self.save(copy, touch=False)
        return copy

    def delete(self, session_id: str) -> None:
        path = self.path_of(session_id)
        if not path.exists():
            raise SessionError(f"{path}: no such session")
        path.unlink()
        from assistant.files import fsync_dir

        fsync_dir(self.root)

    def latest(self) -> Session | None:
        """The most recently written readable session, if any (by file time: no file is parsed
        but the one opened, so startup does not grow with the number of sessions)."""
        paths = sorted(self.root.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for path in paths:
            try:
                return self.load(path.stem)
            except SessionError:
                continue
        return None

    def _new_id(self) -> str:
        while True:
            candidate = f"s-{utcnow():%Y%m%d}-{secrets.token_hex(3)}"
            if not self.path_of(candidate).exists():
                return candidate

    def _default_name(self) -> str:
        taken = {s.name for s in self.list()}
        n = 1
        while f"Session {n}" in taken:
            n += 1
        return f"Session {n}"


# --- staleness ---------------------------------------------------------------------------
def check_stale(session: Session, store: Store) -> Staleness:
    """Compare the draft's cited passages (content hashes) and generation with the index now."""
    now = store.generation()
    if session.draft is None:
        return Staleness(session.index_generation, now)
    cited = session.draft.citations
    current = store.get_passages([c.passage_id for c in cited])
    changed = []
    for c in cited:
        passage = current.get(c.passage_id)
        if passage is None:
            changed.append(ChangedCitation(c.n, c.passage_id, "missing"))
        elif passage.content_hash != c.content_hash:
            changed.append(ChangedCitation(c.n, c.passage_id, "changed"))
    return Staleness(session.index_generation, now, tuple(changed))
