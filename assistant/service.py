"""`DeskService`: the one façade the CLI, the TUI and batch call (ingest, search, draft, verify,
render, batch). It owns the workspace's store and indexes and builds them lazily, so opening a
service is instant and the heavy libraries load only when a method needs them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.models import Draft, Hit, SearchFilters
from assistant.progress import NullProgress, Progress
from assistant.shared_part import SharedPart
from assistant.store import Store
from assistant.workspace import Workspace, resolve_workspace_path

if TYPE_CHECKING:
    from assistant.batch.runner import BatchReport
    from assistant.drafting.drafter import Drafter
    from assistant.drafting.story_set import StorySet
    from assistant.index.passage_index import PassageIndex, ReindexReport
    from assistant.ingest.pipeline import IngestReport
    from assistant.render.renderer import Renderer
    from assistant.sessions import Session, SessionStore, Staleness
    from assistant.verify.verifier import Verifier


class DeskService:
    """Everything an editor can do with a workspace, as plain method calls. One service may be
    shared by threads (the TUI's workers): its parts are built once (`SharedPart`), the store
    gives each thread its own connection, and the index and verifier lock their own caches."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.settings = workspace.settings
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls, path: str | Path | None = None, overrides: Mapping[str, Any] | None = None
    ) -> DeskService:
        return cls(Workspace.open(resolve_workspace_path(path), overrides))

    # --- shared parts, built on first use ---------------------------------------------------
    @SharedPart
    def store(self) -> Store:
        return Store(self.workspace.db_path)

    @SharedPart
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
        follow_symlinks: bool = False,
        wait: float = 0,
        since: datetime | None = None,
        max_items: int | None = None,
    ) -> IngestReport:
        """Ingest files, folders and URLs (feeds, `t.me/s/` channels back to `since` or
        `max_items`, article pages; see `assistant.intake.url_ingest`) under the writer lock,
        waiting up to `wait` seconds for another writer."""
        from assistant.ingest.pipeline import Ingestor, IngestReport
        from assistant.intake.url_ingest import looks_like_url

        urls = [str(p) for p in paths if looks_like_url(str(p))]
        files = [Path(p) for p in paths if not looks_like_url(str(p))]
        with self.workspace.lock("ingest", wait=wait):
            report = IngestReport()
            if files or prune or not urls:
                report = Ingestor(self.workspace, self.store, self.index).run(
                    files,
                    prune=prune,
                    progress=progress or NullProgress(),
                    cancel=cancel,
                    follow_symlinks=follow_symlinks,
                )
            if urls:
                report.merge(self.ingest_urls(urls, progress, cancel, since, max_items))
            return report

    def ingest_urls(
        self,
        urls: Sequence[str],
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        since: datetime | None = None,
        max_items: int | None = None,
    ) -> IngestReport:
        """Fetch and ingest `urls` (the caller holds the writer lock)."""
        from assistant.ingest.pipeline import Ingestor, IngestReport
        from assistant.intake.fetcher import Fetcher
        from assistant.intake.url_ingest import DEFAULT_MAX_ITEMS, UrlIngest
        from assistant.progress import check_cancel

        progress = progress or NullProgress()
        ingestor = Ingestor(self.workspace, self.store, self.index)
        report = IngestReport()
        with Fetcher.for_settings(self.settings) as fetcher:
            intake = UrlIngest(ingestor, fetcher, since, max_items or DEFAULT_MAX_ITEMS)
            progress.start("fetching URLs", total=len(urls))
            try:
                for url in urls:
                    check_cancel(cancel)
                    outcome = intake.ingest(url, report)
                    report.warnings += [f"{url}: {w}" for w in outcome.warnings]
                    progress.advance()
            finally:
                progress.done()
        return ingestor.finish(report, progress, cancel)

    def reindex(
        self, progress: Progress | None = None, cancel: threading.Event | None = None
    ) -> ReindexReport:
        """Drop the vector index and re-embed every stored passage with the configured
        `embedding_model`, under the workspace's writer lock. Resumable: rerun after a kill,
        it embeds only what is still missing (see `PassageIndex.reindex`)."""
        with self.workspace.lock("reindex"):
            return self.index.reindex(progress or NullProgress(), cancel)

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int | None = None,
        one_per_lineage: bool = True,
        pinned: Sequence[str] = (),
        mmr: bool = True,
    ) -> list[Hit]:
        """Hybrid search; `pinned` passage ids come first, `filters.exclude_passages` never."""
        from assistant.index.retriever import Retriever

        return Retriever(self.store, self.index, self.settings).search(
            query,
            filters or SearchFilters(),
            k or self.settings.retrieval_k,
            one_per_lineage=one_per_lineage,
            mmr=mmr,
            pinned=pinned,
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
            topic,
            filters or SearchFilters(),
            generator or self.settings.generator,
            sections=sections,
            pinned=pinned,
            on_token=on_token,
            progress=progress,
            cancel=cancel,
            model=model,
        )
        return self.finalize(draft)

    def story(self, topic: str, filters: SearchFilters | None = None) -> StorySet | None:
        """The items a draft on `topic` draws on: on short feed items the story of the
        topic's best hit, as `desk batch` clusters that day (`drafting.story_set`); `None` on
        long articles, where sections keep the relevance gate. `draft` and `draft_section`
        use the same (cached) assembly."""
        from assistant.models import Draft

        probe = Draft(
            id="story", topic=topic.strip(), filters=filters or SearchFilters(), generator=""
        )
        return self.drafter.story_for(probe)

    @SharedPart
    def verifier(self) -> Verifier:
        """One verifier per service: it caches analysed passages and their vectors."""
        from assistant.index.embedder import Embedder
        from assistant.verify.verifier import Verifier

        return Verifier(
            Embedder.for_settings(self.settings),
            backend=self.settings.verifier,
            model_dir=self.settings.verifier_model,
            runtime=self.settings.verifier_runtime,
        )

    @SharedPart
    def drafter(self) -> Drafter:
        """The drafter (keeps its generators, so an LLM loads once); also used for
        `draft_section` / `regenerate_paragraph` followed by `finalize`."""
        from assistant.drafting.drafter import Drafter
        from assistant.index.retriever import Retriever

        return Drafter(
            self.store,
            Retriever(self.store, self.index, self.settings),
            self.verifier,
            self.settings,
        )

    # --- provenance and rendering (issue: provenance footer) ---------------------------------
    def finalize(self, draft: Draft) -> Draft:
        """Recompute metrics, provenance footer and desk note from the draft's citations, with
        every sentence verified (`assistant.provenance.finalize`)."""
        from assistant.provenance.finalize import finalize

        return finalize(draft, self.store, self.verifier)

    @SharedPart
    def renderer(self) -> Renderer:
        """The renderer for the workspace's templates (`templates_dir`, else the packaged ones)."""
        from assistant.render.renderer import Renderer

        return Renderer(self.settings.templates_dir)

    def render(self, draft: Draft, fmt: str) -> str:
        """Render a draft as `md`, `html` or `json` with the configured templates. A draft that
        was never finalised gets its footer and desk note computed (not its verification)."""
        if draft.provenance is None or draft.desk_note is None:
            from assistant.provenance.desk_note import build_desk_note
            from assistant.provenance.footer import build_provenance

            draft = draft.model_copy(
                update={
                    "provenance": draft.provenance or build_provenance(draft, self.store),
                    "desk_note": draft.desk_note or build_desk_note(draft, self.store),
                }
            )
        return self.renderer.render(draft, fmt)

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
        options = BatchOptions(
            window=window,
            out_dir=Path(out_dir),
            min_sources=min_sources,
            max_stories=max_stories,
            generator=generator,
        )
        return BatchRunner(self, options, progress=progress, cancel=cancel).run()

    # --- sessions and editing (issue: the drafting TUI) --------------------------------------
    @SharedPart
    def sessions(self) -> SessionStore:
        """The workspace's saved drafting sessions."""
        from assistant.sessions import SessionStore

        return SessionStore(self.workspace)

    def verify(self, draft: Draft) -> Draft:
        """Re-verify an edited or redrafted draft: the same as `finalize` (verification,
        disagreements, desk note and provenance all follow the citations)."""
        return self.finalize(draft)

    def draft_section(
        self,
        draft: Draft,
        section_id: str,
        generator: str | None = None,
        pinned: Sequence[str] = (),
        on_token: Callable[[str, str], None] | None = None,
        cancel: threading.Event | None = None,
        model: str | None = None,
    ) -> Draft:
        """Redraft one section (its locked paragraphs kept), then verify the whole draft."""
        return self.verify(
            self.drafter.draft_section(
                draft,
                section_id,
                generator=generator,
                pinned=pinned,
                on_token=on_token,
                cancel=cancel,
                model=model,
            )
        )

    def regenerate_paragraph(
        self,
        draft: Draft,
        section_id: str,
        paragraph_id: str,
        generator: str | None = None,
        pinned: Sequence[str] = (),
        on_token: Callable[[str, str], None] | None = None,
        cancel: threading.Event | None = None,
        model: str | None = None,
    ) -> Draft:
        """Replace one paragraph (never a locked one), then verify the whole draft."""
        return self.verify(
            self.drafter.regenerate_paragraph(
                draft,
                section_id,
                paragraph_id,
                generator=generator,
                pinned=pinned,
                on_token=on_token,
                cancel=cancel,
                model=model,
            )
        )

    def edit_paragraph(
        self,
        draft: Draft,
        section_id: str,
        paragraph_id: str,
        text: str,
        cancelled: Callable[[], bool] | None = None,
    ) -> Draft:
        """The draft with one paragraph replaced by the editor's text (`[n]` markers kept),
        re-verified: unsupported or uncited sentences come back flagged. Only that paragraph
        (and any sentence without a verdict) is verified again; `cancelled` stops the run at
        its next sentence with `VerificationSuperseded` once newer typing has replaced it."""
        from assistant.draft_edits import with_paragraph_text
        from assistant.provenance.finalize import finalize

        edited = with_paragraph_text(draft, section_id, paragraph_id, text)
        return finalize(
            edited,
            self.store,
            self.verifier,
            only={(section_id, paragraph_id)},
            cancelled=cancelled,
        )

    def staleness(self, session: Session) -> Staleness:
        """Whether the session's cited passages changed in the index since it was drafted."""
        from assistant.sessions import check_stale

        return check_stale(session, self.store)

    def reverify(self, draft: Draft) -> Draft:
        """Re-read the cited passages from the index (changed text, removed passages) and verify."""
        from assistant.draft_edits import refresh_citations

        return self.verify(refresh_citations(draft, self.store))

    def warm_up(self) -> None:
        """Load the heavy parts now, e.g. while a UI is idle: the embedding model (torch), the
        verifier's entailment model and the vector store's library. Read-only, so it may run in
        a daemon thread that dies at exit."""
        import importlib

        self.verifier.embedder  # noqa: B018 - loads the embedding model
        self.verifier.backend  # noqa: B018 - asking loads the entailment model
        importlib.import_module("chromadb")

    def export(self, draft: Draft, fmt: str, name: str) -> Path:
        """Render `draft` as `fmt` into the workspace's exports folder, atomically; returns the
        path. `name` is reduced to a safe file name (it may come from a session or a topic)."""
        from assistant.files import atomic_write
        from assistant.render.renderer import safe_output_path, slugify

        if fmt not in ("md", "html", "json"):
            raise ValueError(f"unknown export format '{fmt}' (md, html or json)")
        text = self.render(draft, fmt)
        slug = slugify(name.lower(), 60) or "draft"
        return atomic_write(safe_output_path(self.workspace.exports_dir, f"{slug}.{fmt}"), text)
