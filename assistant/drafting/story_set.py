"""`StorySet` and `StoryAssembler`: the items behind a `desk draft` or TUI draft, assembled the
way `desk batch` assembles a story.

Batch clusters a window's items into stories (`assistant/batch/clustering.py`); a draft on a
topic used to gather, per section, whatever hybrid retrieval found above a cosine gate
(`focus.StoryFocus`), so on real wire another story's items that merely share words ("Fed",
"tariffs") got in. Now, for a topic:
1. the bare topic is retrieved under the editor's filters (the drafter's anchor retrieval);
2. the documents of the best hit's day (the `desk batch --date` window in the workspace's
   time zone, narrowed by the editor's filters) are clustered by batch's own `StoryClusterer`
   on batch's title+lead vectors with `ClusterParams.for_documents` knobs: exactly the stories
   a batch run of that day forms. A wider neighbourhood (two days around the hit) lowered the
   recall of a story's items on a week's workspace (0.87 -> 0.72; the density correction sees
   a busier crowd), so the day it is;
3. the story is the cluster holding the best hit (pinned passages do not choose it).
The drafter then offers each section only that story's passages (plus pinned ones); its
opinion and analysis items are marked as framing (`ingest/genre.py`), so the composer treats
them as argument about the event, not as its facts.

Long articles (`ClusterParams.for_documents` gives `ARTICLES`: the demo corpus, AllSides)
keep the cosine gate: there one article often covers several events a year apart ("Anchorage
talks and the Ankara NATO summit"), which story clustering splits on time by design.
Measured on the wire archive's labelled days by `bench/eval_wire.py` (`--storyset`): for the 21
labelled stories of two or more items, drafted on their first item's headline, the items offered
are the story's with pooled precision 1.000 and recall 0.870 (the cosine gate: 1.000 and 0.500;
it kept an item and dropped the other outlets' differently worded items on the same event).
Nothing is tuned here: batch's clustering with batch's knobs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.models import Document, Hit, Passage, SearchFilters

if TYPE_CHECKING:
    import numpy as np

    from assistant.store import Store

FRAMING_GENRES = ("opinion", "analysis")
"""Genres whose items belong to a story as framing, not as the event's facts."""


@dataclass(frozen=True)
class StorySet:
    """The documents a draft may cite, beyond what the editor pinned."""

    doc_ids: frozenset[str]
    framing: frozenset[str] = frozenset()
    """Members that are opinion or analysis about the event (`FRAMING_GENRES`)."""
    anchor_doc_id: str | None = None
    """The best hit's document, whose story this is (`None` for a story given by batch)."""
    wire: bool = True
    """Short feed items: sections are offered the story's passages whatever their cosine to
    the topic. `False` (long articles): the cosine gate (`StoryFocus`) still applies inside."""

    def holds(self, passage: Passage) -> bool:
        return passage.doc_id in self.doc_ids

    def is_framing(self, passage: Passage) -> bool:
        return passage.doc_id in self.framing

    @classmethod
    def of(
        cls, docs: Sequence[Document], anchor_doc_id: str | None = None, wire: bool | None = None
    ) -> StorySet:
        """The set of `docs` (e.g. a batch `Story`'s members). `wire`: whether the window they
        were clustered in is short feed items (`None`: judged on `docs` alone, as batch's
        `ClusterParams.for_documents` judges a window; one long feed item in a wire story is
        still wire)."""
        from assistant.batch.clustering import WIRE, ClusterParams

        return cls(
            doc_ids=frozenset(d.id for d in docs),
            framing=frozenset(d.id for d in docs if d.genre in FRAMING_GENRES),
            anchor_doc_id=anchor_doc_id,
            wire=ClusterParams.for_documents(docs) == WIRE if wire is None else wire,
        )


class StoryAssembler:
    """Picks the story a topic is about from its retrieved hits; see the module docstring.

    `encode` embeds texts (`Embedder.encode`); title+lead vectors are kept per document, so a
    TUI redraft or the next section re-clusters without embedding again."""

    def __init__(
        self,
        store: Store,
        encode: Callable[[Sequence[str]], np.ndarray],
        tz: str = "UTC",
        max_context: int = 400,
    ) -> None:
        self.store = store
        self.encode = encode
        self.tz = tz
        """The zone whose calendar day around the best hit is clustered (`Settings.timezone`,
        as `desk batch --date` uses it)."""
        self.max_context = max_context
        """At most this many documents clustered (those nearest in time to the best hit), so a
        busy multi-outlet workspace costs one bounded embedding call."""
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def assemble(
        self, hits: Sequence[Hit], filters: SearchFilters, pinned: Sequence[str] = ()
    ) -> StorySet | None:
        """The story of the best non-pinned hit, or `None` when there is nothing to assemble
        from (no hit) or the items are long articles (the caller keeps the cosine gate)."""
        from assistant.batch.clustering import WIRE, ClusterParams, StoryClusterer

        pins = set(pinned)
        retrieved: dict[str, Document] = {}
        for h in hits:
            if h.passage.id in pins or h.passage.doc_id in retrieved:
                continue
            doc = self.store.get_document(h.passage.doc_id)
            if doc is not None:
                retrieved[doc.id] = _placed(doc)
        if not retrieved:
            return None
        best = next(iter(retrieved.values()))
        if best.published_at is None:
            # Undated items never reach clustering (batch leaves them out too): the story is
            # the best item's own lineage.
            lineage = best.lineage_id or best.id
            docs = [d for d in retrieved.values() if (d.lineage_id or d.id) == lineage]
            return StorySet.of(docs, best.id)
        context = self._context(best, filters, retrieved)
        params = ClusterParams.for_documents(context)
        if params != WIRE:
            return None
        stories = StoryClusterer(self._doc_vectors, params).cluster(context)
        story = next(s for s in stories if best.id in s.doc_ids)
        by_id = {d.id: d for d in context}
        return StorySet.of([by_id[i] for i in story.doc_ids], best.id, wire=True)

    def _context(
        self, best: Document, filters: SearchFilters, retrieved: dict[str, Document]
    ) -> list[Document]:
        """The documents of the best hit's day under the editor's filters (the best hit always
        among them); the `max_context` nearest in time to it when there are more."""
        from assistant.batch.window import BatchWindow
        from assistant.dates import zone

        assert best.published_at is not None
        day = best.published_at.astimezone(zone(self.tz)).date().isoformat()
        window = BatchWindow.resolve(day=day, tz=self.tz)
        since = max(window.since, filters.since) if filters.since else window.since
        until = min(window.until, filters.until) if filters.until else window.until
        scope = SearchFilters(
            since=since, until=until, outlets=filters.outlets, kinds=filters.kinds
        )
        around = {d.id: _placed(d) for d in self.store.documents(scope)}
        if filters.languages:
            around = {i: d for i, d in around.items() if (d.language or "") in filters.languages}
        around[best.id] = best
        docs = list(around.values())
        if len(docs) > self.max_context:
            t = best.published_at

            def gap(d: Document) -> float:
                assert d.published_at is not None
                return abs((d.published_at - t).total_seconds())

            keep = sorted(docs, key=lambda d: (d.id not in retrieved, gap(d), d.id))
            docs = keep[: self.max_context]
        return docs

    def _doc_vectors(self, docs: Sequence[Document]) -> np.ndarray:
        """Batch's title+lead vectors (`clustering.title_lead_vectors`), cached per document
        version (id and content hash)."""
        import numpy as np

        from assistant.batch.clustering import title_lead_vectors

        with self._lock:
            missing = [d for d in docs if _key(d) not in self._vectors]
            if missing:
                rows = title_lead_vectors(self.encode)(missing)
                for d, v in zip(missing, rows, strict=True):
                    self._vectors[_key(d)] = v
                if len(self._vectors) > 50_000:  # a long session: start afresh
                    self._vectors = {_key(d): self._vectors[_key(d)] for d in docs}
            return np.vstack([self._vectors[_key(d)] for d in docs]).astype(np.float32)


def _key(doc: Document) -> str:
    return f"{doc.id}\x00{doc.content_hash}"


def _placed(doc: Document) -> Document:
    """An undated fetched item placed by its fetch time, as batch's `select` places it."""
    if doc.published_at is None and doc.fetched_at is not None:
        return doc.model_copy(update={"published_at": doc.fetched_at})
    return doc
