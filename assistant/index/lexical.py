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

What changed since the full build lives in a `DeltaSegment` beside it (`delta.py`), saved to
its own folder (`<index>-delta`) that names the build it extends; a full build gets a new build
id, so a stale segment is never applied to it.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.files import fsync_dir
from assistant.index import delta as delta_rules
from assistant.index.clusters import VectorClusters
from assistant.index.delta import DeltaSegment
from assistant.index.partitions import Partitions, partitioned
from assistant.models import Passage, SearchFilters
from assistant.text import STOPWORDS, words

if TYPE_CHECKING:
    import numpy as np

_STATE = "desk_lexical.json"
_FORMAT = 2
"""2: rows sorted by (outlet, time, id), filter columns as integer codes (`Partitions`)."""


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
        self,
        ids: list[str],
        model: object | None,
        generation: int,
        parts: Partitions,
        build_id: str = "",
        seq: int | None = None,
        avgdl: float | None = None,
    ) -> None:
        import numpy as np

        self.ids = ids
        self._model = model
        self.generation = generation
        """The store generation this index answers for (its delta's, when it has one)."""
        self.parts = parts
        self.build_id = build_id or uuid.uuid4().hex
        self.seq = seq
        """The passage-log position the index covers; None: unknown, so never extended."""
        self.avgdl = avgdl
        self.delta: DeltaSegment | None = None
        self.dead = np.zeros(0, dtype=np.int64)
        """Base rows of passages changed or deleted since the full build (sorted)."""
        self._dead_ids: frozenset[str] = frozenset()
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
        out: dict[str, np.ndarray] = {}
        delta = self.delta
        if delta is not None and delta.vectors is not None and len(delta):
            for pid in ids:
                if (r := delta.row_of.get(pid)) is not None:
                    out[pid] = np.array(delta.vectors[r], dtype=np.float32)
        row_of = self._rows()
        for pid in ids:
            if pid not in out and pid not in self._dead_ids and (r := row_of.get(pid)) is not None:
                out[pid] = np.array(self.vectors[r], dtype=np.float32)
        return out

    def _rows(self) -> dict[str, int]:
        if self._row_of is None:
            self._row_of = {pid: i for i, pid in enumerate(self.ids)}
        return self._row_of

    def __len__(self) -> int:
        return len(self.ids) - len(self.dead) + (len(self.delta) if self.delta else 0)

    # --- changes since the full build ---------------------------------------------------------
    def with_changes(
        self,
        touched: set[str],
        fetch: Callable[[list[str]], dict[str, Passage]],
        fetch_vectors: Callable[[list[str]], dict[str, np.ndarray]],
        generation: int,
        seq: int,
    ) -> LexicalIndex | None:
        """This index with the passages in `touched` (ids the store's log names since
        `self.seq`) taken in: those still in the store (`fetch(ids)` returns them) go to the
        delta segment, with their vectors (`fetch_vectors`) when this index keeps a vector
        copy, and their old base rows, like those of deleted passages, become dead. None when
        a full build is due instead: a small base, a segment or dead rows past `DELTA_SHARE`
        of it, no log position, or a vector missing."""
        import numpy as np

        base_rows = len(self.ids)
        if self.seq is None or self.avgdl is None or base_rows < delta_rules.INCREMENTAL_FROM:
            return None
        old = self.delta
        keep = [pid for pid in (old.ids if old else []) if pid not in touched]
        if len(keep) + len(touched) > 2 * delta_rules.DELTA_SHARE * base_rows:
            return None  # not worth fetching: the segment would be far too large anyway
        passages = fetch(sorted(set(keep) | touched))
        added = sorted(pid for pid in touched if pid in passages)
        if any(pid not in passages for pid in keep):
            return None  # the log missed a deletion: do not trust it
        if len(keep) + len(added) > delta_rules.DELTA_SHARE * base_rows:
            return None
        vectors: dict[str, np.ndarray] | None = None
        if self.vectors is not None:
            vectors = fetch_vectors(added) if added else {}
            if any(pid not in vectors for pid in added):
                return None
            if old is not None and old.vectors is not None:
                for r, pid in enumerate(old.ids):
                    vectors.setdefault(pid, old.vectors[r])
        row_of = self._rows()
        dead_rows = np.fromiter((row_of[pid] for pid in touched if pid in row_of), dtype=np.int64)
        dead = np.union1d(self.dead, dead_rows)
        if len(dead) > delta_rules.DELTA_SHARE * base_rows:
            # Searches fetch as many extra rows as there are dead ones: a big deletion (a
            # forgotten feed) is a full build instead.
            return None
        segment = DeltaSegment.build([passages[pid] for pid in keep + added], vectors, tokenize)
        out = copy.copy(self)
        out.delta = segment
        out.dead = dead
        out._dead_ids = frozenset(self.ids[r] for r in out.dead.tolist())
        out.generation = generation
        out.seq = seq
        return out

    # --- build / persist -------------------------------------------------------------------
    @classmethod
    def build(
        cls, passages: list[Passage], generation: int, seq: int | None = None
    ) -> LexicalIndex:
        """A full build over `passages`, the store at `generation` and passage-log position
        `seq` (None: the log is not known, so the index will never be extended)."""
        import bm25s  # type: ignore[import-untyped]

        passages, parts = partitioned(passages)
        model = None
        avgdl = None
        if passages:
            model = bm25s.BM25(k1=delta_rules.K1, b=delta_rules.B)
            # An empty token list would make bm25s drop the document and shift every id after
            # it; a placeholder token keeps positions aligned and matches no real query.
            corpus = [tokenize(p.text) or ["\x00"] for p in passages]
            model.index(corpus, show_progress=False)
            # bm25s does not keep the mean length; a delta segment scores with it.
            avgdl = sum(len(c) for c in corpus) / len(corpus)
        return cls([p.id for p in passages], model, generation, parts, seq=seq, avgdl=avgdl)

    @staticmethod
    def delta_dir(target: Path) -> Path:
        return target.with_name(f"{target.name}-delta")

    def save(self, target: Path) -> None:
        """Write to a fresh temp dir beside `target`, then swap it in by rename."""
        import numpy as np

        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            if self._model is not None:
                self._model.save(str(tmp / "bm25"), show_progress=False)  # type: ignore[attr-defined]
            self.parts.save(tmp)
            if self.vectors is not None:
                np.save(tmp / "vectors.npy", self.vectors)
            if self.clusters is not None:
                self.clusters.save(tmp)
            (tmp / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
            # The state file is written last: a directory without it is not an index.
            (tmp / _STATE).write_text(
                json.dumps(
                    {
                        "format": _FORMAT,
                        "generation": self.generation,
                        "count": len(self.ids),
                        "build": self.build_id,
                        "seq": self.seq,
                        "avgdl": self.avgdl,
                    }
                ),
                encoding="utf-8",
            )
            _swap_in(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        # The old build's segment names the old build id, so it is already ignored.
        shutil.rmtree(self.delta_dir(target), ignore_errors=True)

    def save_delta(self, target: Path) -> None:
        """Write the delta segment and dead rows of this index (whose full build is saved at
        `target`) to their own folder, swapped in by rename like the full build."""
        import numpy as np

        folder = self.delta_dir(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
        try:
            if self.delta is not None:
                self.delta.save(tmp)
            np.save(tmp / "dead.npy", self.dead)
            (tmp / _STATE).write_text(
                json.dumps(
                    {
                        "format": _FORMAT,
                        "base": self.build_id,
                        "generation": self.generation,
                        "seq": self.seq,
                        "rows": len(self.delta) if self.delta is not None else 0,
                    }
                ),
                encoding="utf-8",
            )
            _swap_in(tmp, folder)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    @staticmethod
    def _state(folder: Path) -> dict[str, object] | None:
        try:
            state = json.loads((folder / _STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            return None
        return state

    @classmethod
    def stored_generation(cls, target: Path) -> int | None:
        """The store generation the saved index answers for (its delta segment's, when one
        extends the saved build), or None when there is no readable index."""
        state = cls._state(target)
        if state is None:
            return None
        extra = cls._state(cls.delta_dir(target))
        if extra is not None and state.get("build") and extra.get("base") == state.get("build"):
            return int(extra["generation"])  # type: ignore[call-overload]
        return int(state["generation"])  # type: ignore[call-overload]

    @classmethod
    def load(cls, target: Path) -> LexicalIndex | None:
        """The persisted index, or None if there is none (or it is unreadable: rebuild it)."""
        import bm25s  # type: ignore[import-untyped]
        import numpy as np

        state = cls._state(target)
        if state is None:
            return None
        generation = int(state["generation"])  # type: ignore[call-overload]
        try:
            ids = json.loads((target / "ids.json").read_text(encoding="utf-8"))
            parts = Partitions.load(target, len(ids))
            model = bm25s.BM25.load(str(target / "bm25"), show_progress=False) if ids else None
        except (OSError, ValueError, KeyError):
            return None
        seq, avgdl = state.get("seq"), state.get("avgdl")
        index = cls(
            ids,
            model,
            generation,
            parts,
            build_id=str(state.get("build") or ""),
            seq=int(seq) if isinstance(seq, int) else None,
            avgdl=float(avgdl) if isinstance(avgdl, (int, float)) else None,
        )
        try:
            vectors = np.load(target / "vectors.npy", mmap_mode="r")
            if vectors.shape[0] == len(ids):
                index.vectors = vectors
                index.clusters = VectorClusters.load(target, len(ids))
        except (OSError, ValueError):
            pass
        if state.get("build"):
            index._load_delta(cls.delta_dir(target))
        return index

    def with_saved_delta(self, target: Path) -> LexicalIndex | None:
        """This full build with the delta segment saved beside it at `target`, when the full
        build saved there is this one; None otherwise (load the whole index)."""
        import numpy as np

        state = self._state(target)
        if state is None or not self.build_id or state.get("build") != self.build_id:
            return None
        out = copy.copy(self)
        out.delta, out.dead, out._dead_ids = None, np.zeros(0, dtype=np.int64), frozenset()
        out.generation = int(state["generation"])  # type: ignore[call-overload]
        seq = state.get("seq")
        out.seq = int(seq) if isinstance(seq, int) else None
        out._load_delta(self.delta_dir(target))
        return out

    def _load_delta(self, folder: Path) -> None:
        """Take in the saved delta segment when it extends this build; a damaged one is
        dropped, and the index then answers for its full build's generation (older than the
        store's, so the next sync brings it up to date)."""
        import numpy as np

        state = self._state(folder)
        if state is None or state.get("base") != self.build_id:
            return
        try:
            segment = None
            if int(state.get("rows") or 0) > 0:  # type: ignore[call-overload]
                segment = DeltaSegment.load(folder, with_vectors=self.vectors is not None)
            dead = np.load(folder / "dead.npy")
            if dead.size and (dead.min() < 0 or dead.max() >= len(self.ids)):
                raise ValueError("dead rows out of range")
        except (OSError, ValueError, KeyError):
            return
        self.delta = segment
        self.dead = dead.astype(np.int64)
        self._dead_ids = frozenset(self.ids[r] for r in self.dead.tolist())
        self.generation = int(state["generation"])  # type: ignore[call-overload]
        seq = state.get("seq")
        self.seq = int(seq) if isinstance(seq, int) else None

    def dense_scan(
        self, query_vec: np.ndarray, k: int, filters: SearchFilters
    ) -> tuple[list[tuple[str, float]], dict[str, np.ndarray]] | None:
        """Cosine top-`k` among the passages passing `filters`, from the kept vectors; None
        when this index keeps none. Exact (a scan of the row ranges that can pass) when those
        ranges hold at most `SCAN_ROWS` rows, else from the clusters (approximate). The delta
        segment is always scanned exactly."""
        import numpy as np

        from assistant.index import clusters

        vectors = self.vectors
        if vectors is None:
            return None
        if k <= 0:
            return [], {}
        # Dead rows are dropped after ranking, so ask for as many more.
        wanted = k + len(self.dead)
        slices = self.parts.slices(filters)
        if self.clusters is not None and sum(b - a for a, b in slices) > clusters.SCAN_ROWS:
            keep = self.parts.mask(filters)
            rows, sims = self.clusters.search(
                query_vec,
                wanted,
                None if keep is None else keep > 0,
                clusters.PROBES if keep is None else clusters.FILTERED_PROBES,
            )
        else:
            rows, sims = top_rows(
                self.parts,
                lambda a, b: clusters.similarities(vectors, a, b, query_vec),
                wanted,
                filters,
                slices,
            )
        found = [
            (self.ids[r], float(s), vectors[r])
            for r, s in zip(rows, sims, strict=True)
            if self.ids[r] not in self._dead_ids
        ]
        found += self._delta_dense(query_vec, k, filters)
        found = sorted(found, key=lambda hit: -hit[1])[:k]
        hits = [(pid, sim) for pid, sim, _ in found]
        vecs = {pid: np.array(vec, dtype=np.float32) for pid, _, vec in found}
        return hits, vecs

    def _delta_dense(
        self, query_vec: np.ndarray, k: int, filters: SearchFilters
    ) -> list[tuple[str, float, np.ndarray]]:
        from assistant.index import clusters

        delta = self.delta
        if delta is None or delta.vectors is None or not len(delta):
            return []
        dvecs = delta.vectors
        rows, sims = top_rows(
            delta.parts, lambda a, b: clusters.similarities(dvecs, a, b, query_vec), k, filters
        )
        return [(delta.ids[r], float(s), dvecs[r]) for r, s in zip(rows, sims, strict=True)]

    def exact_scan(
        self, query_vec: np.ndarray, k: int, filters: SearchFilters
    ) -> list[tuple[str, float]]:
        """The exact top-`k` by a scan of every passing row (what the clusters are measured
        against)."""

        from assistant.index import clusters

        vectors = self.vectors
        if vectors is None:
            raise ValueError("this index keeps no vectors")
        rows, sims = top_rows(
            self.parts,
            lambda a, b: clusters.similarities(vectors, a, b, query_vec),
            k + len(self.dead),
            filters,
        )
        found = [
            (self.ids[r], float(s))
            for r, s in zip(rows, sims, strict=True)
            if self.ids[r] not in self._dead_ids
        ]
        found += [(pid, sim) for pid, sim, _ in self._delta_dense(query_vec, k, filters)]
        return sorted(found, key=lambda hit: -hit[1])[:k]

    # --- search ------------------------------------------------------------------------------
    def search(self, query: str, k: int, filters: SearchFilters | None = None) -> list[LexicalHit]:
        """BM25 top-`k` among the passages passing `filters` (the base's and the delta
        segment's, on one scale: see `delta.py`)."""
        if k <= 0:
            return []
        filters = filters or SearchFilters()
        tokens = tokenize(query)
        found: list[tuple[str, float]] = []
        model = self._model
        if model is not None:
            vocab = model.vocab_dict  # type: ignore[attr-defined]
            known = [t for t in tokens if t in vocab]
            if known:
                scores = model.get_scores(known)  # type: ignore[attr-defined]
                if len(self.dead):
                    scores[self.dead] = 0.0  # a fresh array per query
                rows, best = top_rows(self.parts, lambda a, b: scores[a:b], k, filters)
                found = [(self.ids[r], float(s)) for r, s in zip(rows, best, strict=True)]
        delta = self.delta
        if delta is not None and len(delta) and self.avgdl:
            dscores = delta.bm25(tokens, self._doc_freq, len(self.ids), self.avgdl)
            rows, best = top_rows(delta.parts, lambda a, b: dscores[a:b], k, filters)
            found += [(delta.ids[r], float(s)) for r, s in zip(rows, best, strict=True)]
        found = sorted(found, key=lambda hit: -hit[1])[:k]
        return [LexicalHit(pid, score) for pid, score in found if score > 0]

    def _doc_freq(self, token: str) -> int:
        """Base documents holding `token` (bm25s keeps one posting per document and term)."""
        model = self._model
        if model is None:
            return 0
        t = model.vocab_dict.get(token)  # type: ignore[attr-defined]
        if t is None:
            return 0
        indptr = model.scores["indptr"]  # type: ignore[attr-defined]
        return int(indptr[t + 1] - indptr[t])

    def outlets(self) -> set[str]:
        names = set(self.parts.outlet.names)
        if self.delta is not None:
            names |= set(self.delta.parts.outlet.names)
        return names


def top_rows(
    parts: Partitions,
    score: Callable[[int, int], np.ndarray],
    k: int,
    filters: SearchFilters,
    slices: list[tuple[int, int]] | None = None,
) -> tuple[list[int], list[float]]:
    """The best `k` rows of `parts` (best first, ties by row) among those passing `filters`,
    where `score(a, b)` scores rows `a:b`; failing rows are never ranked."""
    import numpy as np

    rows: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for a, b in parts.slices(filters) if slices is None else slices:
        got = score(a, b)
        keep = parts.residual(filters, a, b)
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


def _swap_in(tmp: Path, target: Path) -> None:
    """Replace `target` by the finished folder `tmp` with renames (fsynced), so a reader or a
    crash never sees half a folder; leftovers of runs killed mid-swap are removed (a temp
    folder younger than an hour may be another process's build in progress: left alone)."""
    fsync_dir(tmp)
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{tmp.name[-8:]}")
        os.replace(target, old)
    os.replace(tmp, target)
    fsync_dir(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    for stale in target.parent.glob(f".{target.name}.*"):
        if stale == tmp:
            continue
        try:
            if ".old-" in stale.name or time.time() - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            pass
