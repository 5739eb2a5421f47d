"""`BatchRunner`: a window of the wire in, ranked stories, grounded syntheses and a digest out.

Stages, each timed into `run.json`: select (documents published in the window), cluster (embed
title+lead, group lineages into stories, rank), then per selected story draft (the drafter's
retrieval and composition), verify (every verifier call, the drafter's own included, and
`assistant.provenance.finalize`: verification, provenance footer, desk note) and render
(Markdown, HTML, JSON), and finally the digest. The run reads the workspace's parts through
`BatchCore` (the service provides them) and builds its own drafter around a `TimedVerifier`,
so stages are timed without replacing anything on the service.

Unattended by design: no prompts; a story that fails is recorded with its reason and the
others go on (`exit_code` 1); a story whose outputs are already complete is not redone, so an
interrupted run resumes where it stopped; the same corpus and options give the same files.
Drafts are made deterministic where the drafter leaves a choice (the draft id is the story id);
the only run-dependent values are the drafts' `created_at`/`updated_at` and the `run` block
of `run.json` (timestamps, timings, which stories were reused).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.batch.background import BackgroundFinder, BackgroundParams, background_of
from assistant.batch.clock import StageClock, TimedVerifier
from assistant.batch.clustering import (
    WIRE,
    ClusterParams,
    DocVectors,
    Story,
    StoryClusterer,
    passage_vectors,
    title_lead_vectors,
)
from assistant.batch.digest import DigestBuilder, link_html, link_markdown
from assistant.batch.outputs import FORMATS, BatchOutputs, dumps
from assistant.batch.ranking import RankWeights, StoryRanker, StorySignals
from assistant.batch.window import BatchConfigError, BatchWindow
from assistant.models import Document, Draft, SearchFilters, utcnow
from assistant.progress import Cancelled, NullProgress, Progress, check_cancel

if TYPE_CHECKING:
    from assistant.batch.core import BatchCore
    from assistant.drafting.drafter import Drafter

log = logging.getLogger("assistant.batch")

STAGES = ("select", "cluster", "draft", "verify", "render")
RUN_SCHEMA = "desk.batch-run/1"


@dataclass(frozen=True)
class BatchOptions:
    """What a batch run covers and how much it drafts."""

    window: BatchWindow
    out_dir: Path
    min_sources: int = 2
    """Only stories with at least this many independent sources (lineages) are drafted."""
    max_stories: int = 10
    """Draft at most this many stories, the best ranked first."""
    generator: str | None = None
    """Generator name; None uses the workspace setting."""
    max_pins: int = 10
    """Passages from the story's own items pinned into every section's retrieval."""
    max_exclude: int = 1500
    """Most passages of other items excluded from a story's retrieval (each costs a candidate)."""
    cluster: ClusterParams | None = None
    """`None`: the measured defaults for the window's items (`ClusterParams.for_documents`)."""
    vectors: str = "auto"
    """`title_lead`: embed each item's title and lead afresh (the headline is not in the stored
    passages, and on real wire it is most of what an item says); `passages`: mean of each
    item's stored lead-passage vectors (no new embedding); `auto`: `title_lead` for a window
    of short items, `passages` for articles (see `ClusterParams.for_documents`)."""
    rank: RankWeights = RankWeights()
    """How stories are ordered: outlets, then news, novelty against the previous window,
    recency and lineages (`assistant.batch.ranking`)."""
    background: BackgroundParams | None = BackgroundParams()
    """Earlier items on a story's event (before the window) pinned as background
    (`assistant.batch.background`); `None` drafts each story from its own items only."""

    def __post_init__(self) -> None:
        if self.min_sources < 1:
            raise BatchConfigError(f"--min-sources must be at least 1, got {self.min_sources}")
        if self.vectors not in ("auto", "passages", "title_lead"):
            raise BatchConfigError(
                f"vectors must be 'auto', 'passages' or 'title_lead', got {self.vectors!r}"
            )
        if self.max_stories < 1:
            raise BatchConfigError(f"--max-stories must be at least 1, got {self.max_stories}")


@dataclass
class BatchReport:
    """What a run did: the `run.json` content, and the exit code for schedulers."""

    out_dir: Path
    run: dict[str, Any]
    exit_code: int

    @property
    def failures(self) -> list[dict[str, str]]:
        return self.run["failures"]

    @property
    def stories(self) -> list[dict[str, Any]]:
        return self.run["stories"]


class BatchRunner:
    """Runs one batch over a workspace's parts (`core`, e.g. a `DeskService`); the service's
    `batch(...)` is the usual way in."""

    def __init__(
        self,
        core: BatchCore,
        options: BatchOptions,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self.core = core
        self.options = options
        self.progress = progress or NullProgress()
        self.cancel = cancel
        self.outputs = BatchOutputs(options.out_dir)
        self.clock = StageClock(STAGES)
        self.generator = options.generator or core.settings.generator
        self.cluster_params = options.cluster or ClusterParams()
        self.vectors_used = options.vectors
        self._drafter: Drafter | None = None
        self._verifier: TimedVerifier | None = None
        self._doc_vectors: DocVectors | None = None
        self.background: dict[str, list[Document]] = {}
        """Each drafted story's background items (`assistant.batch.background`)."""
        self.signals: dict[str, StorySignals] = {}
        """Each ranked story's rank signals (written into run.json)."""

    @property
    def verifier(self) -> TimedVerifier:
        """The workspace's verifier, each call timed as the verify stage."""
        if self._verifier is None:
            self._verifier = TimedVerifier(self.core.verifier, self.clock)
        return self._verifier

    @property
    def drafter(self) -> Drafter:
        """The run's own drafter, verifying through the timed verifier (built on first draft:
        it needs the index, which must not exist before clustering's imports)."""
        if self._drafter is None:
            from assistant.drafting.drafter import Drafter
            from assistant.index.retriever import Retriever

            core = self.core
            retriever = Retriever(core.store, core.index, core.settings)
            self._drafter = Drafter(core.store, retriever, self.verifier, core.settings)
        return self._drafter

    def finalize(self, draft: Draft) -> Draft:
        from assistant.provenance.finalize import finalize

        with self.clock.stage("verify"):
            return finalize(draft, self.core.store, self.verifier)

    # --- stages ------------------------------------------------------------------------------
    def select(self) -> list[Document]:
        w = self.options.window
        docs = self._documents(w.since, w.until)
        if not docs:
            log.warning(
                "no documents published in %s (%s): the digest will be empty", w.label, w.tz
            )
        log.info("selected %d documents in %s (%s)", len(docs), w.label, w.tz)
        return docs

    def _documents(self, since: datetime, until: datetime) -> list[Document]:
        return [
            # An undated fetched item is placed by its fetch time (its date_flag says so).
            d.model_copy(update={"published_at": d.fetched_at})
            if d.published_at is None and d.fetched_at is not None
            else d
            for d in self.core.store.documents(SearchFilters(since=since, until=until))
        ]

    def previous(self) -> list[Document]:
        """The documents of the window of the same length just before this one (the day
        before, for a day): what the desk already carried, for the novelty signal."""
        w = self.options.window
        return self._documents(w.since - (w.until - w.since), w.since)

    def cluster(self, docs: list[Document]) -> list[Story]:
        # numpy and scikit-learn are imported here, before the index exists: PassageIndex
        # imports chromadb (and numpy) in a background thread, and two threads importing numpy
        # at once fail with "partially initialized module" errors. Then `index.vectors` waits
        # for that thread to finish its import under the index's lock.
        import numpy  # noqa: F401
        import sklearn.cluster  # type: ignore[import-untyped]  # noqa: F401

        kind = self.options.vectors
        if kind == "auto":
            kind = "title_lead" if ClusterParams.for_documents(docs) == WIRE else "passages"
        self.vectors_used = kind
        if kind == "passages":
            index = self.core.index
            _ = index.vectors
            vectors = passage_vectors(self.core.store, index)
        else:
            from assistant.index.embedder import Embedder

            vectors = title_lead_vectors(Embedder.for_settings(self.core.settings).encode)
        vectors = _memo(vectors)
        self._doc_vectors = vectors
        self.cluster_params = self.options.cluster or ClusterParams.for_documents(docs)
        stories = StoryClusterer(vectors, self.cluster_params).cluster(docs)
        w = self.options.window
        ranker = StoryRanker(self.options.rank, vectors, self.previous())
        by_id = {d.id: d for d in docs}
        pairs = ranker.rank(stories, by_id, w.since, w.until)
        self.signals = {s.id: g for s, g in pairs}
        ranked = [s for s, _ in pairs]
        log.info("%d documents form %d stories", len(docs), len(ranked))
        return ranked

    def eligible(self, stories: list[Story]) -> list[Story]:
        return [s for s in stories if s.sources >= self.options.min_sources][
            : self.options.max_stories
        ]

    def fingerprint(self, story: Story) -> str:
        """What produced a story's files: members, generator, settings, pins."""
        parts = [
            story.id,
            story.title,
            self.generator,
            str(self.options.max_pins),
            str(self.options.max_exclude),
            repr(self.options.background),
            self.core.settings.model_dump_json(),
        ]
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()

    def pins(self, story: Story) -> list[str]:
        """Passages of the story's own items, pinned into every section's retrieval: each
        lineage's lead passage first (the central item's lineage first, then by time), then
        each one's next passage, and so on up to `max_pins`."""
        store = self.core.store
        first_of: dict[str, Document] = {}
        for doc_id in story.doc_ids:
            d = store.get_document(doc_id)
            if d is not None:
                first_of.setdefault(d.lineage_id or d.id, d)
        central = self._lineage_of(story)
        order = sorted(
            first_of.values(),
            key=lambda d: (
                (d.lineage_id or d.id) != central,
                d.published_at or d.fetched_at or d.ingested_at,
                d.id,
            ),
        )
        queues = [[p.id for p in store.passages_of(d.id)] for d in order]
        pins: list[str] = []
        depth = 0
        while len(pins) < self.options.max_pins and any(len(q) > depth for q in queues):
            for q in queues:
                if len(q) > depth and len(pins) < self.options.max_pins:
                    pins.append(q[depth])
            depth += 1
        return pins + self.background_pins(story)

    def background_pins(self, story: Story) -> list[str]:
        """Lead passages of earlier items on the story's event, after the story's own pins."""
        params = self.options.background
        if params is None or self._doc_vectors is None:
            return []
        finder = BackgroundFinder(self.core.store, self._doc_vectors, params)
        earlier = finder.earlier(story)
        self.background[story.id] = earlier
        if earlier:
            log.info("story %s background: %s", story.id, background_of(earlier))
        return [p.id for d in earlier for p in self.core.store.passages_of(d.id)[:1]]

    def _lineage_of(self, story: Story) -> str:
        doc = self.core.store.get_document(story.central_doc_id)
        return (doc.lineage_id or doc.id) if doc is not None else story.central_doc_id

    def filters(self, story: Story) -> SearchFilters:
        """The story's own time span and outlets, minus the passages of other items in that
        span (up to `max_exclude`): retrieval stays within the story's own items. Beyond the
        cap (a story spanning a busy day on a busy outlet) the span and outlets alone apply."""
        from datetime import timedelta

        span = SearchFilters(
            since=story.start, until=story.end + timedelta(seconds=1), outlets=story.outlets
        )
        members = set(story.doc_ids)
        store = self.core.store
        others = [d.id for d in store.documents(span) if d.id not in members]
        excluded: list[str] = []
        for doc_id in others:
            excluded += [p.id for p in store.passages_of(doc_id)]
            if len(excluded) > self.options.max_exclude:
                return span
        return span.model_copy(update={"exclude_passages": tuple(sorted(excluded))})

    def draft_story(self, story: Story) -> Draft:
        """Draft (its verifier calls timed as verify), then finalize (verify)."""
        with self.clock.stage("draft"):
            draft = self.drafter.draft(
                story.title,
                self.filters(story),
                self.generator,
                pinned=self.pins(story),
                cancel=self.cancel,
                # The sections draw on this story's items, as `desk draft` on its own topic.
                story=self.drafter.story_of(story.doc_ids, self.cluster_params == WIRE),
            )
        return self.finalize(draft).model_copy(update={"id": story.id})

    def render(self, draft: Draft) -> dict[str, str]:
        """Markdown, HTML and JSON of a finalised draft."""
        renderer = self.core.renderer
        with self.clock.stage("render"):
            return {fmt: renderer.render(draft, fmt) for fmt in FORMATS}

    # --- the run -----------------------------------------------------------------------------
    def run(self) -> BatchReport:
        started = utcnow()
        self.outputs.prepare()
        failures: list[dict[str, str]] = []
        reused: list[str] = []
        with self.clock.stage("select"):
            docs = self.select()
        self.progress.start(f"clustering {len(docs)} documents into stories")
        with self.clock.stage("cluster"):
            stories = self.cluster(docs) if docs else []
        self.progress.done()
        selected = self.eligible(stories)
        results: dict[str, dict[str, Any]] = {}
        done: list[tuple[Story, Draft]] = []
        interrupted = False
        story_seconds: dict[str, float] = {}
        self.progress.start("drafting stories", total=len(selected))
        try:
            for story in selected:
                check_cancel(self.cancel)
                t0 = time.perf_counter()
                outcome = self._one_story(story, reused, failures)
                story_seconds[story.id] = round(time.perf_counter() - t0, 3)
                results[story.id] = outcome["entry"]
                if outcome["draft"] is not None:
                    done.append((story, outcome["draft"]))
                self.progress.advance()
        except Cancelled:
            interrupted = True
            log.warning(
                "interrupted after %d of %d stories; rerun to resume", len(results), len(selected)
            )
        finally:
            self.progress.done()
        digest_paths: dict[str, str] = {}
        digest_metrics: dict[str, Any] | None = None
        if not interrupted:
            digest_paths, digest_metrics = self._digest(done, failures)
        run = self._run_json(
            docs, stories, selected, results, digest_paths, digest_metrics, failures
        )
        run["run"] = {
            "note": "run-dependent: timestamps, timings, reuse; all else is reproducible",
            "started_at": started.isoformat(),
            "finished_at": utcnow().isoformat(),
            "interrupted": interrupted,
            "reused_stories": sorted(reused),
            "timings_s": {k: round(v, 3) for k, v in self.clock.seconds.items()},
            "story_seconds": story_seconds,
        }
        from assistant.batch.outputs import atomic_write

        atomic_write(self.outputs.run_path, dumps(run))
        report = BatchReport(self.options.out_dir, run, 1 if failures else 0)
        if interrupted:
            raise BatchInterrupted(report)
        return report

    def _one_story(
        self, story: Story, reused: list[str], failures: list[dict[str, str]]
    ) -> dict[str, Any]:
        fingerprint = self.fingerprint(story)
        entry: dict[str, Any] = {"status": "ok", "files": self.outputs.story_paths(story.id)}
        stage = "draft"
        try:
            if self.outputs.story_done(story.id, fingerprint):
                draft = Draft.model_validate_json(
                    self.outputs.story_path(story.id, "json").read_text(encoding="utf-8")
                )
                reused.append(story.id)
                log.info("story %s already done, reused", story.id)
            else:
                log.info(
                    "drafting story %s (%d items, %d sources): %s",
                    story.id,
                    story.size,
                    story.sources,
                    story.title,
                )
                draft = self.draft_story(story)
                stage = "render"
                rendered = self.render(draft)
                stage = "write"
                self.outputs.write_story(story.id, rendered, fingerprint)
            entry["citation_recall"] = round(draft.metrics.citation_recall, 4)
            entry["citation_precision"] = round(draft.metrics.citation_precision, 4)
            entry["sentences"] = draft.metrics.sentences
            entry["headline"] = _headline(draft, story.title)
            if story.id not in self.background:  # a reused story: found again, not drafted
                self.background_pins(story)
            entry["background"] = [d.id for d in self.background.get(story.id, [])]
            return {"entry": entry, "draft": draft}
        except Cancelled:
            raise
        except Exception as exc:  # one story failing must not stop the others
            reason = f"{type(exc).__name__}: {exc}"
            log.error("story %s failed at %s: %s", story.id, stage, reason)
            failures.append({"story_id": story.id, "stage": stage, "reason": reason})
            return {"entry": {"status": "failed", "stage": stage, "reason": reason}, "draft": None}

    def _digest(
        self, done: list[tuple[Story, Draft]], failures: list[dict[str, str]]
    ) -> tuple[dict[str, str], dict[str, Any] | None]:
        try:
            builder = DigestBuilder(self.core.store.passages_of)
            digest = self.finalize(builder.build(done, self.options.window, self.generator))
            rejected = builder.unsupported(digest)
            if rejected:
                # Once: the lines the verifier refused are left out and the digest re-verified.
                builder = dataclasses.replace(builder, rejected=rejected)
                digest = self.finalize(builder.build(done, self.options.window, self.generator))
            rendered = self.render(digest)
            rendered["md"] = link_markdown(
                rendered["md"],
                digest,
                {s.id: self.outputs.story_paths(s.id)["md"] for s, _ in done},
            )
            rendered["html"] = link_html(
                rendered["html"],
                digest,
                {s.id: self.outputs.story_paths(s.id)["html"] for s, _ in done},
            )
            paths = self.outputs.write_digest(rendered)
            m = digest.metrics
            return paths, {
                "stories": len(digest.sections),
                "sentences": m.sentences,
                "citations": len(digest.citations),
                "citation_recall": round(m.citation_recall, 4),
                "citation_precision": round(m.citation_precision, 4),
            }
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            log.error("digest failed: %s", reason)
            failures.append({"story_id": "digest", "stage": "digest", "reason": reason})
            return {}, None

    def _run_json(
        self, docs, stories, selected, results, digest_paths, digest_metrics, failures
    ) -> dict[str, Any]:  # noqa: ANN001
        o = self.options
        chosen = {s.id for s in selected}
        return {
            "schema_version": RUN_SCHEMA,
            "window": o.window.as_dict(),
            "options": {
                "min_sources": o.min_sources,
                "max_stories": o.max_stories,
                "generator": self.generator,
                # Which verifier marked the sentences, and why if it fell back to the lexical one.
                "verifier": _describe(self.core.verifier),
                "max_pins": o.max_pins,
                "max_exclude": o.max_exclude,
                "vectors": self.vectors_used,
                "cluster": dataclasses.asdict(self.cluster_params),
            },
            "documents": len(docs),
            "stories_found": len(stories),
            "stories": [
                {
                    "id": s.id,
                    "rank": s.rank,
                    "score": s.score,
                    "title": s.title,
                    "size": s.size,
                    "sources": s.sources,
                    "outlets": list(s.outlets),
                    "start": s.start.isoformat(),
                    "end": s.end.isoformat(),
                    "doc_ids": list(s.doc_ids),
                    "selected": s.id in chosen,
                    **(
                        {"signals": _signals_json(self.signals[s.id])}
                        if s.id in self.signals
                        else {}
                    ),
                    **({"synthesis": results[s.id]} if s.id in results else {}),
                }
                for s in stories
            ],
            "digest": {"files": digest_paths, "metrics": digest_metrics},
            "failures": sorted(failures, key=lambda f: f["story_id"]),
        }


class BatchInterrupted(Cancelled):
    """The run was cancelled between stories; `report` holds what was done (rerun to resume)."""

    def __init__(self, report: BatchReport) -> None:
        super().__init__("batch interrupted; rerun with the same options to resume")
        self.report = report


def _headline(draft: Draft, fallback: str) -> str:
    from assistant.batch.digest import headline_of

    return headline_of(draft, fallback)


def _memo(vectors: DocVectors) -> DocVectors:
    """`vectors` computed once per document: ranking reuses clustering's rows."""
    cache: dict[str, Any] = {}

    def rows(docs):  # noqa: ANN001, ANN202
        import numpy as np

        missing = [d for d in docs if d.id not in cache]
        if missing:
            cache.update(zip([d.id for d in missing], vectors(missing), strict=True))
        return np.vstack([cache[d.id] for d in docs]) if docs else vectors(docs)

    return rows


def _signals_json(sig: StorySignals) -> dict[str, Any]:
    return {
        "outlets": sig.outlets,
        "news": round(sig.news, 4),
        "novelty": round(sig.novelty, 4),
        "recency": round(sig.recency, 4),
        "lineages": round(sig.lineages, 4),
        "covered_by": sig.covered_by,
    }


def _describe(verifier: object) -> str:
    describe = getattr(verifier, "describe", None)
    return str(describe()) if callable(describe) else type(verifier).__name__
