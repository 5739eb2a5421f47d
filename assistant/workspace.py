"""A workspace: one directory holding `desk.toml`, the document store, the indexes, sessions and
exports. `Workspace.open(path)` resolves settings for it; `Workspace.lock()` serialises writers.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Settings, load_settings, settings_as_toml
from assistant.errors import DeskError
from assistant.paths import default_workspace


class WorkspaceError(DeskError, RuntimeError):
    """The workspace is missing, unreadable, or busy; the message says which and where."""


def resolve_workspace_path(cli_value: str | Path | None = None) -> Path:
    """`--workspace` beats `DESK_WORKSPACE` beats the per-user default."""
    if cli_value:
        return Path(cli_value).expanduser().resolve()
    env = os.environ.get("DESK_WORKSPACE")
    if env:
        return Path(env).expanduser().resolve()
    return default_workspace()


@dataclass(frozen=True)
class Workspace:
    root: Path
    settings: Settings

    # --- layout: the only place that names files inside a workspace -----------------------
    @property
    def toml_path(self) -> Path:
        return self.root / "desk.toml"

    @property
    def db_path(self) -> Path:
        return self.root / "desk.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"

    @property
    def lexical_dir(self) -> Path:
        return self.index_dir / "bm25"

    @property
    def model_digests_path(self) -> Path:
        """Cached SHA-256 of the embedding model's files (see `assistant.index.model_identity`)."""
        return self.index_dir / "model_digests.json"

    @property
    def sessions_dir(self) -> Path:
        return self.root / "sessions"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def lock_path(self) -> Path:
        return self.root / ".desk.lock"

    # --- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def init(cls, root: Path) -> Workspace:
        """Create the workspace layout and a commented `desk.toml` (kept if it already exists)."""
        root = Path(root).expanduser().resolve()
        for sub in (root, root / "index", root / "sessions", root / "exports"):
            sub.mkdir(parents=True, exist_ok=True)
        toml_path = root / "desk.toml"
        if not toml_path.exists():
            toml_path.write_text(settings_as_toml(Settings()), encoding="utf-8")
        return cls.open(root)

    @classmethod
    def open(
        cls,
        root: Path,
        overrides: Mapping[str, Any] | None = None,
        create: bool = True,
    ) -> Workspace:
        root = Path(root).expanduser().resolve()
        if not root.exists():
            if not create:
                raise WorkspaceError(f"no workspace at {root}; create one with `desk init {root}`")
            cls.init(root)
        if not root.is_dir():
            raise WorkspaceError(f"{root} is not a directory")
        for sub in ("index", "sessions", "exports"):
            (root / sub).mkdir(exist_ok=True)
        settings = load_settings(root / "desk.toml", overrides)
        return cls(root, settings)

    @contextmanager
    def lock(self, what: str = "ingest") -> Iterator[None]:
        """Exclusive writer lock; a second writer fails at once with a clear message."""
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the block
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise WorkspaceError(
                    f"workspace {self.root} is busy: {holder}. Wait for it to finish and retry."
                ) from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"{what} running as pid {os.getpid()}")
            fh.flush()
            yield
        finally:
            fh.close()
