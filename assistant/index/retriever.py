"""`Retriever`: hybrid passage retrieval — dense (Chroma) and BM25 candidates fused by reciprocal
rank, filtered, diversified with MMR, one passage per lineage, pinned passages first.

How a search runs:
1. the query is embedded; Chroma returns the nearest `candidates` passages under the filters
   (a `where` clause), BM25 the best `candidates` passages under the same filters (a mask);
2. reciprocal rank fusion: `score = sum(1 / (rrf_k + rank))` over the two lists
   (`Settings.rrf_k`; larger flattens the gap between ranks);
3. candidates are re-read from the store — ids with no row (vectors orphaned by a crash, a BM25
   index older than the store) are dropped, and the filters are checked again on the stored
   passage, which is the source of truth — and `filters.exclude_passages` are removed;
4. MMR (`Settings.mmr_lambda`: 1.0 = relevance only, 0.0 = diversity only) picks greedily by
   `lambda * relevance - (1 - lambda) * max cosine to what is already picked`, relevance being
   the mean of the fused score and the query cosine, each scaled to [0, 1]; with
   `one_per_lineage` a lineage (a story's versions and reposts) contributes at most one
   passage, so one source is never counted twice;
5. pinned passages come first, whatever the filters (an excluded passage is never returned).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.config import Settings
from assistant.index.vector_store import where_for
from assistant.models import Hit, Passage, SearchFilters
from assistant.store import Store

if TYPE_CHECKING:
    import numpy as np

    from assistant.index.passage_index import PassageIndex


def passes(p: Passage, filters: SearchFilters) -> bool:
    """The filter semantics, on one stored passage (undated passages fail any time window)."""
    if filters.since is not None or filters.until is not None:
        if p.published_at is None:
            return False
        if filters.since is not None and p.published_at < filters.since:
            return False
        if filters.until is not None and p.published_at >= filters.until:
            return False
    if filters.outlets and p.outlet not in filters.outlets:
        return False
    if filters.kinds and p.kind not in filters.kinds:
        return False
    return not (filters.languages and (p.language or "") not in filters.languages)


class Retriever:
    """Hybrid retrieval over one workspace's store and indexes."""

    def __init__(self, store: Store, index: PassageIndex, settings: Settings | None = None) -> None:
        self.store = store
        self.index = index
        self.settings = settings or index.settings

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int | None = None,
        one_per_lineage: bool = True,
        mmr: bool = True,
        pinned: Sequence[str] = (),
        candidates: int | None = None,
    ) -> list[Hit]:
        """The best `k` passages for `query` (plus any pinned ones first)."""
        filters = self._canonical(filters or SearchFilters())
        k = k or self.settings.retrieval_k
        excluded = set(filters.exclude_passages)
        n_cand = candidates or max(4 * k, 40)
        n_cand += len(excluded)

        fused: dict[str, float] = {}
        dense_rank: dict[str, int] = {}
        lexical_rank: dict[str, int] = {}
        vectors: dict[str, np.ndarray] = {}
        query = query.strip()
        qvec = None
        if query:
            qvec = self.index.embed_query(query)
            dense, vectors = self.index.dense_search(qvec, n_cand, where_for(filters), filters)
            for rank, d in enumerate(dense, 1):
                dense_rank[d.id] = rank
                fused[d.id] = fused.get(d.id, 0.0) + 1.0 / (self.settings.rrf_k + rank)
            for rank, lex in enumerate(self.index.lexical_search(query, n_cand, filters), 1):
                lexical_rank[lex.id] = rank
                fused[lex.id] = fused.get(lex.id, 0.0) + 1.0 / (self.settings.rrf_k + rank)

        pinned_ids = [pid for pid in dict.fromkeys(pinned) if pid not in excluded]
        stored = self.store.get_passages([*pinned_ids, *fused])
        sizes = self.index.lineage_sizes()

        def hit(p: Passage, rank: int) -> Hit:
            return Hit(
                passage=p,
                score=round(fused.get(p.id, 0.0), 6),
                rank=rank,
                dense_rank=dense_rank.get(p.id),
                lexical_rank=lexical_rank.get(p.id),
                lineage_size=sizes.get(p.lineage_id, 1),
            )

        out = [stored[pid] for pid in pinned_ids if pid in stored]
        taken_ids = {p.id for p in out}
        taken_lineages = {p.lineage_id for p in out}
        pool = [
            stored[pid]
            for pid in sorted(fused, key=lambda i: (-fused[i], i))
            if pid in stored
            and pid not in excluded
            and pid not in taken_ids
            and passes(stored[pid], filters)
        ]
        want = max(0, k - len(out))
        if mmr and want and len(pool) > 1 and qvec is not None:
            chosen = self._mmr(qvec, pool, fused, vectors, want, one_per_lineage, out)
        else:
            chosen = []
            for p in pool:
                if len(chosen) >= want:
                    break
                if one_per_lineage and p.lineage_id in taken_lineages:
                    continue
                chosen.append(p)
                taken_lineages.add(p.lineage_id)
        return [hit(p, rank) for rank, p in enumerate([*out, *chosen], 1)]

    def _mmr(
        self,
        qvec: np.ndarray,
        pool: list[Passage],
        fused: dict[str, float],
        vectors: dict[str, np.ndarray],
        want: int,
        one_per_lineage: bool,
        pinned: list[Passage],
    ) -> list[Passage]:
        import numpy as np

        lam = self.settings.mmr_lambda
        missing = [p for p in pool if p.id not in vectors]
        if missing:
            vectors = {**vectors, **self.index.passage_vectors(missing)}
        mat = np.vstack([vectors[p.id] for p in pool])
        # RRF scores are flat (rank 1 and rank 20 differ by a third at rrf_k=60), too flat to
        # weigh against redundancy alone; blending in the cosine to the query (the space the
        # redundancy is measured in) keeps a relevant near-neighbour above an off-topic passage.
        fused_rel = _minmax(np.array([fused[p.id] for p in pool], dtype=np.float32))
        relevance = 0.5 * fused_rel + 0.5 * _minmax(mat @ qvec)
        max_sim = np.full(len(pool), -np.inf, dtype=np.float32)
        if pinned:  # what the editor pinned counts as already picked: do not repeat it
            pinned_vecs = self.index.passage_vectors(pinned)
            max_sim = np.max(mat @ np.vstack([pinned_vecs[p.id] for p in pinned]).T, axis=1)
        alive = np.ones(len(pool), dtype=bool)
        chosen: list[Passage] = []
        lineages = {p.lineage_id for p in pinned}
        if one_per_lineage:
            for i, p in enumerate(pool):
                alive[i] = p.lineage_id not in lineages
        while len(chosen) < want and alive.any():
            redundancy = np.where(np.isfinite(max_sim), max_sim, 0.0)
            value = lam * relevance - (1.0 - lam) * redundancy
            value[~alive] = -np.inf
            best = int(np.argmax(value))
            p = pool[best]
            chosen.append(p)
            alive[best] = False
            if one_per_lineage:
                lineages.add(p.lineage_id)
                for i, other in enumerate(pool):
                    if alive[i] and other.lineage_id == p.lineage_id:
                        alive[i] = False
            max_sim = np.maximum(max_sim, mat @ mat[best])
        return chosen

    def canonical(self, filters: SearchFilters) -> SearchFilters:
        """`filters` as `search` applies them (outlet names in their stored spelling)."""
        return self._canonical(filters)

    def _canonical(self, filters: SearchFilters) -> SearchFilters:
        """Outlet names as the editor typed them ('reuters') mapped to the stored spelling."""
        if not filters.outlets:
            return filters
        known = {o.casefold(): o for o in self.index.lexical().outlets()}
        outlets = tuple(dict.fromkeys(known.get(o.casefold(), o) for o in filters.outlets))
        return filters.model_copy(update={"outlets": outlets})


def _minmax(x: np.ndarray) -> np.ndarray:
    import numpy as np

    spread = float(x.max() - x.min())
    return (x - x.min()) / spread if spread > 0 else np.ones_like(x)
