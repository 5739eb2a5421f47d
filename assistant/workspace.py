"""A workspace: one directory holding `desk.toml`, the document store, the indexes, sessions and
exports. `Workspace.init(path)` creates one (only `desk init` does); `Workspace.open(path)`
resolves settings for an existing one; `Workspace.lock()` serialises writers across processes.
"""

from __future__ import annotations

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

    exit_code = 2


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
        """The file `filelock` locks (its content is filelock's business)."""
        return self.root / ".desk.lock"

    @property
    def holder_path(self) -> Path:
        """Who holds the lock ("ingest running as pid 123"), for the busy message."""
        return self.root / ".desk.lock.holder"

    # --- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def init(cls, root: Path) -> Workspace:
        """Create the workspace layout and a commented `desk.toml` (kept if it already exists)."""
        root = Path(root).expanduser().resolve()
        for sub in (root, root / "index", root / "sessions", root / "exports"):
            sub.mkdir(parents=True, exist_ok=True)
        toml_path = root / "desk.toml"
        if not toml_path.exists():
            toml_path.write_text(settings_as_toml(Settings.defaults()), encoding="utf-8")
        return cls.open(root)

    @staticmethod
    def exists_at(root: Path) -> bool:
        """Is `root` a workspace? (`desk init` always writes `desk.toml`; the store marks one
        whose settings file was deleted.)"""
        return (root / "desk.toml").exists() or (root / "desk.sqlite").is_file()

    @classmethod
    def open(
        cls,
        root: Path,
        overrides: Mapping[str, Any] | None = None,
        create: bool = False,
    ) -> Workspace:
        """The workspace at `root` with its settings. A folder that is not a workspace is an
        error (so a mistyped `--workspace` never starts a new, empty one) unless `create`."""
        root = Path(root).expanduser().resolve()
        if root.exists() and not root.is_dir():
            raise WorkspaceError(f"{root} is not a directory")
        if not cls.exists_at(root):
            if not create:
                raise WorkspaceError(f"no workspace at {root}; create one with `desk init {root}`")
            cls.init(root)
        for sub in ("index", "sessions", "exports"):
            (root / sub).mkdir(exist_ok=True)
        settings = load_settings(root / "desk.toml", overrides)
        return cls(root, settings)

    @contextmanager
    def lock(self, what: str = "ingest", wait: float = 0) -> Iterator[None]:
        """Exclusive writer lock across processes. A second writer fails at once with a clear
        message naming the holder, or after waiting up to `wait` seconds for it to finish."""
        from filelock import FileLock, Timeout

        lock = FileLock(self.lock_path, timeout=wait)
        try:
            lock.acquire()
        except Timeout:
            try:
                holder = self.holder_path.read_text(encoding="utf-8").strip()
            except OSError:
                holder = ""
            waited = f" (waited {wait:g} s)" if wait > 0 else ""
            raise WorkspaceError(
                f"workspace {self.root} is busy: {holder or 'another process'}{waited}. "
                "Wait for it to finish and retry."
            ) from None
        try:
            self.holder_path.write_text(f"{what} running as pid {os.getpid()}", encoding="utf-8")
            yield
        finally:
            # Cleared while still holding the lock, so it never erases the next holder's line.
            self.holder_path.unlink(missing_ok=True)
            lock.release()
