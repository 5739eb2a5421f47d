"""`LexicalIndex`: BM25 (bm25s) over the store's passages, persisted in the workspace.

The index is derived data: it is rebuilt from the store whenever `Store.generation()` moved
since it was built, and it records that generation beside the bm25s files. A rebuild is
written to a temporary directory and swapped in by rename, so a reader (or a crash) never sees
half an index; if a crash lands between the two renames the index is simply missing and the
next `sync()` rebuilds it.

Rows are sorted by (outlet, published time, id), and next to the BM25 matrix we keep, per
passage, the fields retrieval filters on (`Partitions`): an outlet is a block of rows and a time
window a range inside each block. Filtered BM25 ranks only the rows that pass (instead of
filtering a short top list that could come back empty), and so does the dense scan of the
vector copy kept here for embedded Chroma, which reads those ranges as views of a memory-mapped
file: its cost follows the rows that pass, not the size of the archive.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.files import fsync_dir
from assistant.index.clusters import VectorClusters
from assistant.index.partitions import Column, Partitions
from assistant.models import Passage, SearchFilters
from assistant.text import STOPWORDS, words

if TYPE_CHECKING:
    import numpy as np

_STATE = "desk_lexical.json"
_FORMAT = 2
"""2: rows sorted by (outlet, time, id), filter columns as integer codes (`Partitions`)."""
_COLUMNS = ("outlet", "kind", "language")


def tokenize(text: str) -> list[str]:
    """Casefolded words without stopwords; the same function for passages and queries."""
    return [w for w in words(text) if w not in STOPWORDS]


@dataclass(frozen=True)
class LexicalHit:
    id: str
    score: float


class LexicalIndex:
    """A loaded BM25 index: passage ids, the bm25s model, filter columns and its generation."""

    def __init__(
        self, ids: list[str], model: object | None, generation: int, parts: Partitions
    ) -> None:
        self.ids = ids
        self._model = model
        self.generation = generation
        self.parts = parts
        self.vectors: np.ndarray | None = None
        """The passages' vectors in `ids` order, when the index keeps a copy (embedded Chroma):
        a filtered dense search is then an exact scan of the row ranges that pass, which is
        faster than Chroma's filtered HNSW query and needs no recall check."""
        self.clusters: VectorClusters | None = None
        """Clusters of `vectors` for searches leaving more than `SCAN_ROWS` rows."""
        self._row_of: dict[str, int] | None = None

    def keep_vectors(self, vectors: np.ndarray | None) -> None:
        """Keep `vectors` (in `ids` order) for dense search, clustered when an exact scan of
        all of them would be slow."""
        from assistant.index import clusters

        self.vectors, self.clusters = vectors, None
        if vectors is not None and len(vectors) > clusters.SCAN_ROWS:
            self.clusters = clusters.VectorClusters.build(vectors)

    def stored_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The kept vectors of those `ids` this index holds."""
        import numpy as np

        if self.vectors is None:
            return {}
        if self._row_of is None:
            self._row_of = {pid: i for i, pid in enumerate(self.ids)}
        rows = [(pid, self._row_of.get(pid)) for pid in ids]
        return {
            pid: np.array(self.vectors[r], dtype=np.float32) for pid, r in rows if r is not None
        }

    def __len__(self) -> int:
        return len(self.ids)

    # --- build / persist -------------------------------------------------------------------
    @classmethod
    def build(cls, passages: list[Passage], generation: int) -> LexicalIndex:
        import bm25s  # type: ignore[import-untyped]
        import numpy as np

        from assistant.index.vector_store import passage_metadata

        metas = [passage_metadata(p) for p in passages]
        order = Partitions.order(
            [str(m["outlet"]) for m in metas],
            [int(m["published_ts"]) for m in metas],
            [p.id for p in passages],
        )
        passages = [passages[i] for i in order]
        metas = [metas[i] for i in order]
        model = None
        if passages:
            model = bm25s.BM25()
            # An empty token list would make bm25s drop the document and shift every id after
            # it; a placeholder token keeps positions aligned and matches no real query.
            corpus = [tokenize(p.text) or ["\x00"] for p in passages]
            model.index(corpus, show_progress=False)
        parts = Partitions(
            np.array([m["published_ts"] for m in metas], dtype=np.int64),
            Column.of([str(m["outlet"]) for m in metas]),
            Column.of([str(m["kind"]) for m in metas]),
            Column.of([str(m["language"]) for m in metas]),
        )
        return cls([p.id for p in passages], model, generation, parts)

    def save(self, target: Path) -> None:
        """Write to a fresh temp dir beside `target`, then swap it in by rename."""
        import numpy as np

        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            if self._model is not None:
                self._model.save(str(tmp / "bm25"), show_progress=False)  # type: ignore[attr-defined]
            np.save(tmp / "ts.npy", self.parts.ts)
            if self.vectors is not None:
                np.save(tmp / "vectors.npy", self.vectors)
            if self.clusters is not None:
                self.clusters.save(tmp)
            names = {}
            for name in _COLUMNS:
                column = getattr(self.parts, name)
                np.save(tmp / f"{name}.npy", column.codes)
                names[name] = column.names
            (tmp / "columns.json").write_text(json.dumps(names), encoding="utf-8")
            (tmp / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
            # The state file is written last: a directory without it is not an index.
            (tmp / _STATE).write_text(
                json.dumps(
                    {"format": _FORMAT, "generation": self.generation, "count": len(self.ids)}
                ),
                encoding="utf-8",
            )
            fsync_dir(tmp)
            old = None
            if target.exists():
                old = target.with_name(f".{target.name}.old-{os.getpid()}-{tmp.name[-8:]}")
                os.replace(target, old)
            os.replace(tmp, target)
            fsync_dir(target.parent)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        # Leftovers of runs killed mid-swap (a temp dir younger than an hour may be another
        # process's build in progress, so it is left alone).
        for stale in target.parent.glob(f".{target.name}.*"):
            try:
                if ".old-" in stale.name or time.time() - stale.stat().st_mtime > 3600:
                    shutil.rmtree(stale, ignore_errors=True)
            except OSError:
                pass

    @staticmethod
    def stored_generation(target: Path) -> int | None:
        try:
            state = json.loads((target / _STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if state.get("format") != _FORMAT:
            return None
        return int(state["generation"])

    @classmethod
    def load(cls, target: Path) -> LexicalIndex | None:
        """The persisted index, or None if there is none (or it is unreadable: rebuild it)."""
        import bm25s  # type: ignore[import-untyped]
        import numpy as np

        generation = cls.stored_generation(target)
        if generation is None:
            return None
        try:
            ids = json.loads((target / "ids.json").read_text(encoding="utf-8"))
            columns = json.loads((target / "columns.json").read_text(encoding="utf-8"))
            ts = np.load(target / "ts.npy")
            cols = [Column(columns[n], np.load(target / f"{n}.npy")) for n in _COLUMNS]
            if any(len(c.codes) != len(ids) for c in cols) or len(ts) != len(ids):
                return None
            parts = Partitions(ts, *cols)
            model = bm25s.BM25.load(str(target / "bm25"), show_progress=False) if ids else None
        except (OSError, ValueError, KeyError):
            return None
        index = cls(ids, model, generation, parts)
        try:
            vectors = np.load(target / "vectors.npy", mmap_mode="r")
            if vectors.shape[0] == len(ids):
                index.vectors = vectors
                index.clusters = VectorClusters.load(target, len(ids))
        except (OSError, ValueError):
            pass
        return index

    def dense_scan(
        self, query_vec: np.ndarray, k: int, filters: SearchFilters
    ) -> tuple[list[tuple[str, float]], dict[str, np.ndarray]] | None:
        """Cosine top-`k` among the passages passing `filters`, from the kept vectors; None
        when this index keeps none. Exact (a scan of the row ranges that can pass) when those
        ranges hold at most `SCAN_ROWS` rows, else from the clusters (approximate)."""
        import numpy as np

        from assistant.index import clusters

        vectors = self.vectors
        if vectors is None:
            return None
        if k <= 0:
            return [], {}
        slices = self.parts.slices(filters)
        if self.clusters is not None and sum(b - a for a, b in slices) > clusters.SCAN_ROWS:
            keep = self.parts.mask(filters)
            rows, sims = self.clusters.search(
                query_vec,
                k,
                None if keep is None else keep > 0,
                clusters.PROBES if keep is None else clusters.FILTERED_PROBES,
            )
        else:
            rows, sims = self._top_rows(
                lambda a, b: clusters.similarities(vectors, a, b, query_vec),
                k,
                filters,
                slices,
            )
        hits = [(self.ids[r], float(s)) for r, s in zip(rows, sims, strict=True)]
        vecs = {self.ids[r]: np.array(vectors[r], dtype=np.float32) for r in rows}
        return hits, vecs

    def exact_scan(
        self, query_vec: np.ndarray, k: int, filters: SearchFilters
    ) -> list[tuple[str, float]]:
        """The exact top-`k` by a scan of every passing row (what the clusters are measured
        against)."""

        from assistant.index import clusters

        vectors = self.vectors
        if vectors is None:
            raise ValueError("this index keeps no vectors")
        rows, sims = self._top_rows(
            lambda a, b: clusters.similarities(vectors, a, b, query_vec), k, filters
        )
        return [(self.ids[r], float(s)) for r, s in zip(rows, sims, strict=True)]

    def _top_rows(
        self,
        score: Callable[[int, int], np.ndarray],
        k: int,
        filters: SearchFilters,
        slices: list[tuple[int, int]] | None = None,
    ) -> tuple[list[int], list[float]]:
        """The best `k` rows (best first, ties by row) among those passing `filters`, where
        `score(a, b)` scores rows `a:b`; failing rows are never ranked."""
        import numpy as np

        rows: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        for a, b in self.parts.slices(filters) if slices is None else slices:
            got = score(a, b)
            keep = self.parts.residual(filters, a, b)
            idx = np.arange(a, b)
            if keep is not None:
                got, idx = got[keep], idx[keep]
            if got.size > k:
                best = np.argpartition(-got, k - 1)[:k]
                got, idx = got[best], idx[best]
            rows.append(idx)
            scores.append(got)
        if not rows:
            return [], []
        all_rows, all_scores = np.concatenate(rows), np.concatenate(scores)
        order = np.lexsort((all_rows, -all_scores))[:k]
        return all_rows[order].tolist(), all_scores[order].tolist()

    # --- search ------------------------------------------------------------------------------
    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        """1.0 for passages passing the filters, 0.0 otherwise; None when nothing is filtered."""
        return self.parts.mask(filters)

    def search(self, query: str, k: int, filters: SearchFilters | None = None) -> list[LexicalHit]:
        if self._model is None or k <= 0:
            return []
        vocab = self._model.vocab_dict  # type: ignore[attr-defined]
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens:
            return []
        scores = self._model.get_scores(tokens)  # type: ignore[attr-defined]
        rows, best = self._top_rows(lambda a, b: scores[a:b], k, filters or SearchFilters())
        return [LexicalHit(self.ids[r], float(s)) for r, s in zip(rows, best, strict=True) if s > 0]

    def outlets(self) -> set[str]:
        return set(self.parts.outlet.names)
