"""`StoryRanker`: orders a window's stories the way a desk decides what to lead with.

Signals, each computed per story (`StorySignals`):
- `outlets`: distinct normalised outlets among the story's lineages (`ingest/outlets.py`), so
  WSJ World and WSJ Economy, or an outlet's news item and its own column, count once;
- `news`: the share of the story's lineages that are news (or a live blog), not opinion,
  analysis, a markets wrap or a newsletter (`ingest/genre.py`);
- `novelty`: 1 minus how closely the story matches an item of the previous window of the same
  length (the day before, for a day's batch), from the same title+lead vectors that clustering
  used: a story already carried the day before ranks lower. With no items in the previous
  window (a first day, or a liveblog of one day) every story is new;
- `recency`: the story's newest item's position in the window (0 = start, 1 = end);
- `lineages`: how many separate items carry it (log-scaled against the window's largest story).

`score = outlets + w.news * news + w.novelty * novelty + w.recency * recency
         + w.lineages * lineages`.
Each bonus weight is at most 0.24 and their sum below 1, so one more independent outlet always
outranks any mix of the other signals, and among stories with as many outlets the news story
carried first today leads. The weights are a documented ordering, not fitted: the labelled
data (four archive days with story labels; ten one-outlet BBC liveblogs) cannot fit an outlet
or novelty weight. `bench/eval_batch.py` measures the one choice the liveblogs can judge (how
lineage count and recency trade off among one-outlet stories) by leave-one-day-out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from assistant.batch.clustering import Story
from assistant.models import Document

if TYPE_CHECKING:
    import numpy as np

NEWS_GENRES = frozenset({"news", "live"})
"""Genres that report (a live blog is running news); `None` (the loader had no sign) counts as
news. Opinion, analysis, markets wraps and newsletters do not."""


@dataclass(frozen=True)
class RankWeights:
    """Weights of the bonus signals; the outlet count has weight 1."""

    news: float = 0.24
    """Share of news lineages (opinion, analysis, markets wraps and newsletters count 0)."""
    novelty: float = 0.24
    """1 - coverage by the previous window's items."""
    recency: float = 0.06
    """Newest item's position in the window: a tie-break among stories alike otherwise (on the
    liveblogs any larger weight put routine late updates first; leave-one-day-out in
    `bench/eval_batch.py`)."""
    lineages: float = 0.24
    """log2(1 + lineages) / log2(1 + the window's most lineages)."""
    covered_from: float = 0.55
    """Cosine between a story and a previous-window item below which it is not covered at all."""
    covered_at: float = 0.8
    """Cosine at or above which the story counts as fully covered the day before (novelty 0)."""

    def __post_init__(self) -> None:
        bonus = (self.news, self.novelty, self.recency, self.lineages)
        if any(w < 0 for w in bonus) or sum(bonus) >= 1.0:
            raise ValueError(
                f"rank weights must be >= 0 and sum below 1 (an outlet outranks them): {bonus}"
            )
        if not 0.0 <= self.covered_from < self.covered_at <= 1.0:
            raise ValueError(
                "covered_from must be below covered_at, both in [0, 1]: "
                f"{self.covered_from}, {self.covered_at}"
            )


@dataclass(frozen=True)
class StorySignals:
    """What a story's rank is made of, each signal in its own unit (see the module docstring)."""

    outlets: int
    news: float
    novelty: float
    recency: float
    lineages: float
    covered_by: str | None = None
    """Id of the previous window's document closest to the story, when it covers it at all."""


def news_share(story: Story, docs: Mapping[str, Document]) -> float:
    """Share of the story's lineages whose first document is news (unknown genre counts)."""
    firsts: dict[str, Document] = {}
    for doc_id in story.doc_ids:
        d = docs.get(doc_id)
        if d is not None:
            firsts.setdefault(d.lineage_id or d.id, d)
    if not firsts:
        return 1.0
    return sum(d.genre is None or d.genre in NEWS_GENRES for d in firsts.values()) / len(firsts)


def coverage(similarity: float, weights: RankWeights) -> float:
    """0 below `covered_from`, 1 from `covered_at`, linear between."""
    span = weights.covered_at - weights.covered_from
    return min(1.0, max(0.0, (similarity - weights.covered_from) / span))


@dataclass
class StoryRanker:
    """Scores and orders stories; `previous` and `vectors` enable the novelty signal."""

    weights: RankWeights = RankWeights()
    vectors: Callable[[Sequence[Document]], np.ndarray] | None = None
    """Documents -> unit rows (`clustering.DocVectors`); needed only with `previous`."""
    previous: Sequence[Document] = ()
    """The previous window's documents: what the desk carried the day before."""

    def signals(
        self,
        stories: Sequence[Story],
        docs: Mapping[str, Document],
        since: datetime,
        until: datetime,
    ) -> list[StorySignals]:
        span = max((until - since).total_seconds(), 1.0)
        most = max((s.sources for s in stories), default=1)
        best = self._closest_previous(stories, docs)
        out = []
        for s, (sim, prev_id) in zip(stories, best, strict=True):
            covered = coverage(sim, self.weights)
            out.append(
                StorySignals(
                    outlets=s.outlet_sources,
                    news=news_share(s, docs),
                    novelty=1.0 - covered,
                    recency=min(1.0, max(0.0, (s.end - since).total_seconds() / span)),
                    lineages=math.log2(1 + s.sources) / math.log2(1 + most) if most else 0.0,
                    covered_by=prev_id if covered > 0 else None,
                )
            )
        return out

    def score(self, sig: StorySignals) -> float:
        w = self.weights
        return (
            sig.outlets
            + w.news * sig.news
            + w.novelty * sig.novelty
            + w.recency * sig.recency
            + w.lineages * sig.lineages
        )

    def rank(
        self,
        stories: Sequence[Story],
        docs: Mapping[str, Document],
        since: datetime,
        until: datetime,
    ) -> list[tuple[Story, StorySignals]]:
        """Stories with `score` and `rank` set, best first, each with its signals; the id
        breaks exact ties."""
        sigs = self.signals(stories, docs, since, until)
        scored = [
            (s.model_copy(update={"score": round(self.score(g), 6)}), g)
            for s, g in zip(stories, sigs, strict=True)
        ]
        scored.sort(key=lambda sg: (-sg[0].score, sg[0].id))
        return [(s.model_copy(update={"rank": i + 1}), g) for i, (s, g) in enumerate(scored)]

    def _closest_previous(
        self, stories: Sequence[Story], docs: Mapping[str, Document]
    ) -> list[tuple[float, str | None]]:
        """Per story: the highest cosine between its centroid and a previous-window item."""
        previous = [d for d in self.previous if d.published_at is not None]
        if not previous or self.vectors is None or not stories:
            return [(0.0, None)] * len(stories)
        import numpy as np

        members = [[docs[i] for i in s.doc_ids if i in docs] for s in stories]
        flat = [d for m in members for d in m]
        if not flat:
            return [(0.0, None)] * len(stories)
        rows = self.vectors(flat + previous)
        mine, theirs = rows[: len(flat)], rows[len(flat) :]
        out: list[tuple[float, str | None]] = []
        start = 0
        for m in members:
            if not m:
                out.append((0.0, None))
                continue
            centroid = mine[start : start + len(m)].mean(axis=0)
            start += len(m)
            centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
            sims = theirs @ centroid
            j = int(np.argmax(sims))
            out.append((float(sims[j]), previous[j].id))
        return out
