"""`StoryClusterer`: groups a window's documents into stories on meaning and time.

A document's vector is either the mean of its lead passages' vectors, read back from the index
(`passage_vectors`: free, they were computed at ingest) or its title and lead embedded afresh
(`title_lead_vectors`: one batched `Embedder.encode` call). Clustering runs on *lineages*,
not documents: a lineage (an item and its reposts, updates and
write-throughs) is one unit whose vector is the mean of its documents' vectors, so all versions
of an item always land in the same story. The distance between two lineages is their cosine
distance plus a time penalty that grows linearly with the gap between their first publication
times up to `time_scale_h` hours (`time_weight` at most): two items on the same words a week
apart are less likely the same story. scikit-learn's `AgglomerativeClustering` with average
linkage on that precomputed matrix cuts the tree at `distance_threshold`; nothing depends on
input order or randomness beyond a sort by (time, id), so the same documents give the same
stories.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from assistant.models import Document
from assistant.text import split_sentences

if TYPE_CHECKING:
    import numpy as np

    from assistant.index.passage_index import PassageIndex
    from assistant.store import Store

LEAD_CHARS = 400
"""How much of the body is embedded with the title: the lead carries what the item is about."""


def lead_text(doc: Document, max_chars: int = LEAD_CHARS) -> str:
    """Title plus the body's first sentences up to `max_chars`: what a doc is clustered on."""
    lead = ""
    for sentence in split_sentences(doc.text):
        if lead and len(lead) + len(sentence) > max_chars:
            break
        lead = f"{lead} {sentence}".strip()
    lead = lead[: max_chars * 2]
    title = (doc.title or "").strip()
    if title and not lead.lower().startswith(title.lower()):
        return f"{title}. {lead}".strip()
    return lead or title


def story_id(doc_ids: Sequence[str]) -> str:
    """Deterministic: the same member documents always give the same id."""
    digest = hashlib.sha256("\n".join(sorted(doc_ids)).encode("utf-8")).hexdigest()
    return f"story-{digest[:12]}"


class Story(BaseModel):
    """A group of documents about one event, with what ranking and drafting need to know."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    doc_ids: tuple[str, ...]
    """Members, oldest first."""
    lineage_ids: tuple[str, ...]
    outlets: tuple[str, ...]
    central_doc_id: str
    """The member closest to all the others: its title names the story."""
    title: str
    start: datetime
    end: datetime
    score: float = 0.0
    rank: int = 0

    @property
    def sources(self) -> int:
        """Independent sources: lineages, so reposts and updates of one item count once."""
        return len(self.lineage_ids)

    @property
    def size(self) -> int:
        return len(self.doc_ids)


@dataclass(frozen=True)
class ClusterParams:
    """The clustering knobs; defaults chosen on allsides titles/leads (see bench/eval_batch.py)."""

    distance_threshold: float = 0.6
    """Average-linkage cut: cosine distance (+ time penalty) above which clusters stay apart."""
    time_weight: float = 0.5
    """Largest time penalty added to the distance of two lineages far apart in time."""
    time_scale_h: float = 24.0
    linkage: str = "average"
    """scikit-learn linkage on the precomputed distances: average, complete or single."""
    """Gap in hours at which the time penalty reaches `time_weight`."""


DocVectors = Callable[[Sequence[Document]], "np.ndarray"]
"""Documents -> one unit-length row per document, in order."""


def title_lead_vectors(encode: Callable[[Sequence[str]], np.ndarray]) -> DocVectors:
    """Embed each document's title and lead with `encode` (e.g. `Embedder.encode`), batched."""

    def vectors(docs: Sequence[Document]) -> np.ndarray:
        return encode([lead_text(d) for d in docs])

    return vectors


def passage_vectors(
    store: Store,
    index: PassageIndex,
    lead_passages: int = 3,
    encode: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> DocVectors:
    """Mean of the stored vectors of each document's first `lead_passages` passages; documents
    without passages are embedded from their title and lead with `encode` (or the index's)."""

    def vectors(docs: Sequence[Document]) -> np.ndarray:
        import numpy as np

        leads = {d.id: store.passages_of(d.id)[:lead_passages] for d in docs}
        stored = index.passage_vectors([p for ps in leads.values() for p in ps])
        fallback = [d for d in docs if not any(p.id in stored for p in leads[d.id])]
        fresh = (
            (encode or index.embedder.encode)([lead_text(d) for d in fallback])
            if fallback
            else None
        )
        fresh_row = {d.id: i for i, d in enumerate(fallback)}
        rows = []
        for d in docs:
            if d.id in fresh_row:
                assert fresh is not None
                rows.append(fresh[fresh_row[d.id]])
            else:
                v = np.mean([stored[p.id] for p in leads[d.id] if p.id in stored], axis=0)
                rows.append(v / max(float(np.linalg.norm(v)), 1e-12))
        return np.vstack(rows).astype(np.float32)

    return vectors


@dataclass
class StoryClusterer:
    """Clusters documents' lineages into `Story`s on their vectors and publication times."""

    doc_vectors: DocVectors
    params: ClusterParams = field(default_factory=ClusterParams)

    def cluster(self, docs: Sequence[Document]) -> list[Story]:
        import numpy as np

        dated = sorted(
            (d for d in docs if d.published_at is not None), key=lambda d: (d.published_at, d.id)
        )
        if not dated:
            return []
        vectors = self.doc_vectors(dated)
        row_of = {d.id: i for i, d in enumerate(dated)}

        lineages: dict[str, list[Document]] = {}
        for d in dated:
            lineages.setdefault(d.lineage_id or d.id, []).append(d)
        units = sorted(lineages.items(), key=lambda kv: (kv[1][0].published_at, kv[0]))
        unit_vecs = np.vstack(
            [vectors[[row_of[d.id] for d in members]].mean(axis=0) for _, members in units]
        )
        unit_vecs /= np.maximum(np.linalg.norm(unit_vecs, axis=1, keepdims=True), 1e-12)
        hours = np.array([_hours(members[0]) for _, members in units])
        labels = self._labels(unit_vecs, hours)

        groups: dict[int, list[Document]] = {}
        for (_, members), label in zip(units, labels, strict=True):
            groups.setdefault(int(label), []).extend(members)
        stories = [
            self._story(sorted(members, key=lambda d: (d.published_at, d.id)), vectors, row_of)
            for members in groups.values()
        ]
        return sorted(stories, key=lambda s: s.id)

    def _labels(self, vecs: np.ndarray, hours: np.ndarray) -> list[int]:
        import numpy as np

        if len(vecs) == 1:
            return [0]
        from sklearn.cluster import AgglomerativeClustering  # type: ignore[import-untyped]

        p = self.params
        dist = 1.0 - np.clip(vecs @ vecs.T, -1.0, 1.0)
        gap = np.abs(hours[:, None] - hours[None, :])
        dist = dist + p.time_weight * np.minimum(1.0, gap / p.time_scale_h)
        np.fill_diagonal(dist, 0.0)
        model = AgglomerativeClustering(
            n_clusters=None,
            metric="precomputed",
            linkage=p.linkage,
            distance_threshold=p.distance_threshold,
        )
        return [int(x) for x in model.fit_predict(dist)]

    @staticmethod
    def _story(members: list[Document], vectors: np.ndarray, row_of: dict[str, int]) -> Story:
        rows = vectors[[row_of[d.id] for d in members]]
        centrality = (rows @ rows.T).mean(axis=1)
        # Highest mean similarity to the others; ties go to the earlier (then smaller) id.
        best = max(range(len(members)), key=lambda i: (round(float(centrality[i]), 6), -i))
        central = members[best]
        title = (central.title or "").strip() or (split_sentences(central.text) or [central.text])[
            0
        ][:160]
        lineage_ids = tuple(dict.fromkeys(d.lineage_id or d.id for d in members))
        return Story(
            id=story_id([d.id for d in members]),
            doc_ids=tuple(d.id for d in members),
            lineage_ids=lineage_ids,
            outlets=tuple(sorted({d.outlet for d in members})),
            central_doc_id=central.id,
            title=title,
            start=members[0].published_at,  # type: ignore[arg-type]
            end=members[-1].published_at,  # type: ignore[arg-type]
        )


def _hours(doc: Document) -> float:
    assert doc.published_at is not None  # undated documents never reach clustering
    return doc.published_at.timestamp() / 3600.0


def rank_stories(stories: Sequence[Story], since: datetime, until: datetime) -> list[Story]:
    """Order by independent sources, then recency and volume, as one documented score.

    `score = sources + 0.5 * recency + 0.25 * log2(1 + documents) / log2(1 + max documents)`,
    where recency is the story's newest item's position in the window (0 = start, 1 = end).
    The bonus terms stay below 1, so a story with more independent sources always ranks
    first; among equals the fresher and bigger one wins; the id breaks exact ties.
    """
    span = max((until - since).total_seconds(), 1.0)
    max_docs = max((s.size for s in stories), default=1)
    scored = []
    for s in stories:
        recency = min(1.0, max(0.0, (s.end - since).total_seconds() / span))
        volume = math.log2(1 + s.size) / math.log2(1 + max_docs) if max_docs > 0 else 0.0
        scored.append(
            s.model_copy(update={"score": round(s.sources + 0.5 * recency + 0.249 * volume, 6)})
        )
    scored.sort(key=lambda s: (-s.score, s.id))
    return [s.model_copy(update={"rank": i + 1}) for i, s in enumerate(scored)]
