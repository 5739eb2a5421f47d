"""`StoryFocus`: keeps a draft on its story by gating the passages offered to each section.

Section queries add words ("reaction", "unclear", ...) to the topic, and once a story's own
sentences are used up, retrieval happily offers the next story's. So each passage gets a story
relevance — the better of its own and its document title's cosine with the topic — and a section
is offered only passages whose relevance reaches `ratio` of the best passage found for the bare
topic (and an absolute `floor`). On AllSides stories (252 of them, several per week on
overlapping themes) the own story's passages score 0.51 on average against 0.18 for others.
Pinned passages are always offered.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from assistant.index.embedder import Embedder
    from assistant.models import Hit, Passage


class StoryFocus:
    def __init__(self, embedder: Embedder, ratio: float = 0.8, floor: float = 0.3) -> None:
        self.embedder = embedder
        self.ratio = ratio
        self.floor = floor
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def _vecs(self, texts: Sequence[str]) -> list[np.ndarray]:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
            if missing:
                for t, v in zip(missing, self.embedder.encode(missing), strict=True):
                    self._vectors[t] = v
                if len(self._vectors) > 50_000:  # a long batch run: start afresh
                    keep = {t: self._vectors[t] for t in texts}
                    self._vectors = keep
            return [self._vectors[t] for t in texts]

    def relevance(self, topic: str, passages: Sequence[Passage]) -> list[float]:
        """Per passage: max(cos(passage, topic), cos(document title, topic))."""
        if not passages:
            return []
        texts = [topic, *(p.text for p in passages), *(p.title for p in passages if p.title)]
        vecs = dict(zip(texts, self._vecs(texts), strict=True))
        tv = vecs[topic]
        out = []
        for p in passages:
            r = float(vecs[p.text] @ tv)
            if p.title:
                r = max(r, float(vecs[p.title] @ tv))
            out.append(r)
        return out

    def threshold(self, topic: str, anchor_hits: Sequence[Hit]) -> float:
        best = max(self.relevance(topic, [h.passage for h in anchor_hits]), default=0.0)
        return max(self.floor, self.ratio * best)

    def keep(
        self, topic: str, hits: Sequence[Hit], threshold: float, pinned: Sequence[str] = ()
    ) -> list[Hit]:
        rel = self.relevance(topic, [h.passage for h in hits])
        return [
            h for h, r in zip(hits, rel, strict=True) if r >= threshold or h.passage.id in pinned
        ]
