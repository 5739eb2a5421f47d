"""`DeskService`: the one façade the CLI, the TUI and batch call (ingest, search, draft, verify,
render, batch). It owns the workspace's store and indexes and builds them lazily, so opening a
service is instant and the heavy libraries load only when a method needs them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.models import Draft, Hit, SearchFilters
from assistant.progress import NullProgress, Progress
from assistant.store import Store
from assistant.workspace import Workspace, resolve_workspace_path

if TYPE_CHECKING:
    from assistant.batch.runner import BatchReport
    from assistant.drafting.drafter import Drafter
    from assistant.index.passage_index import PassageIndex
    from assistant.ingest.pipeline import IngestReport
    from assistant.verify.verifier import Verifier


class DeskService:
    """Everything an editor can do with a workspace, as plain method calls."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.settings = workspace.settings
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> DeskService:
        return cls(Workspace.open(resolve_workspace_path(path), overrides))

    # --- shared parts, built on first use ---------------------------------------------------
    @cached_property
    def store(self) -> Store:
        return Store(self.workspace.db_path)

    @cached_property
    def index(self) -> PassageIndex:
        from assistant.index.passage_index import PassageIndex

        return PassageIndex(self.workspace, self.store)

    def close(self) -> None:
        if "index" in self.__dict__:
            self.index.close()
        if "store" in self.__dict__:
            self.store.close()

    # --- ingest and search (issue: the spine) -----------------------------------------------
    def ingest(
        self,
        paths: Sequence[str | Path],
        prune: bool = False,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> IngestReport:
        from assistant.ingest.pipeline import Ingestor

        with self.workspace.lock("ingest"):
            return Ingestor(self.workspace, self.store, self.index).run(
                [Path(p) for p in paths], prune=prune, progress=progress or NullProgress(), cancel=cancel
            )

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int | None = None,
        one_per_lineage: bool = True,
    ) -> list[Hit]:
        from assistant.index.retriever import Retriever

        return Retriever(self.store, self.index, self.settings).search(
            query, filters or SearchFilters(), k or self.settings.retrieval_k, one_per_lineage=one_per_lineage
        )

    # --- drafting and verification (issue: grounded drafting) -------------------------------
    def draft(
        self,
        topic: str,
        filters: SearchFilters | None = None,
        generator: str | None = None,
        sections: Sequence[str] | None = None,
        pinned: Sequence[str] = (),
        on_token: Callable[[str, str], None] | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        model: str | None = None,
    ) -> Draft:
        """Draft a full synthesis (or only `sections`), verified, with provenance and desk note.

        `model` is a GGUF path (llama-cpp) or a model name (openai); `None` uses the settings."""
        draft = self.drafter.draft(
            topic, filters or SearchFilters(), generator or self.settings.generator, sections=sections,
            pinned=pinned, on_token=on_token, progress=progress, cancel=cancel, model=model,
        )
        try:
            return self.finalize(draft)
        except NotImplementedError:  # until the provenance work lands: verification only
            return self.verifier.verify_draft(draft)

    @cached_property
    def verifier(self) -> Verifier:
        """One verifier per service: it caches analysed passages and their vectors."""
        from assistant.index.embedder import Embedder
        from assistant.verify.verifier import Verifier

        return Verifier(Embedder.for_settings(self.settings))

    @cached_property
    def drafter(self) -> Drafter:
        """The drafter (keeps its generators, so an LLM loads once); also used for
        `draft_section` / `regenerate_paragraph` followed by `finalize`."""
        from assistant.drafting.drafter import Drafter
        from assistant.index.retriever import Retriever

        return Drafter(self.store, Retriever(self.store, self.index, self.settings), self.verifier, self.settings)

    # --- provenance and rendering (issue: provenance footer) ---------------------------------
    def finalize(self, draft: Draft) -> Draft:
        """Recompute metrics, provenance footer and desk note from the draft's citations."""
        raise NotImplementedError("PROVENANCE: implemented by the provenance work")

    def render(self, draft: Draft, fmt: str) -> str:
        """Render a draft as `md`, `html` or `json` with the configured templates."""
        raise NotImplementedError("RENDER: implemented by the provenance work")

    # --- batch (issue: batch) ----------------------------------------------------------------
    def batch(
        self,
        day: str | None = None,
        since: str | None = None,
        until: str | None = None,
        tz: str | None = None,
        min_sources: int = 2,
        max_stories: int = 10,
        generator: str | None = None,
        out_dir: str | Path | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> BatchReport:
        """Cluster a window's documents into stories, draft/verify/render the top ones and a
        digest into `out_dir` (default `<workspace>/exports/batch/<window>`). Resumable and
        idempotent; see `assistant.batch.runner`. Raises `BatchConfigError` on bad options and
        `BatchInterrupted` (with the partial report) when `cancel` is set."""
        from assistant.batch import BatchOptions, BatchRunner, BatchWindow

        window = BatchWindow.resolve(day, since, until, tz or self.settings.timezone)
        if out_dir is None:
            name = window.label.replace(":", "").replace("..", "_")
            out_dir = self.workspace.exports_dir / "batch" / name
        options = BatchOptions(window=window, out_dir=Path(out_dir), min_sources=min_sources,
                               max_stories=max_stories, generator=generator)
        return BatchRunner(self, options, progress=progress, cancel=cancel).run()
