"""`LexicalIndex`: BM25 (bm25s) over the store's passages, persisted in the workspace.

The index is derived data: it is rebuilt from the store whenever `Store.generation()` moved
since it was built, and it records that generation beside the bm25s files. A rebuild is
written to a temporary directory and swapped in by rename, so a reader (or a crash) never sees
half an index; if a crash lands between the two renames the index is simply missing and the
next `sync()` rebuilds it.

Next to the BM25 matrix we keep, per passage, the fields retrieval filters on (published time,
outlet, kind, language) as arrays, so filtered BM25 ranks only passages that pass the filters
(a weight mask over all scores) instead of filtering a short top list that could come back
empty.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.files import fsync_dir
from assistant.models import Passage, SearchFilters
from assistant.text import STOPWORDS, words

if TYPE_CHECKING:
    import numpy as np

_STATE = "desk_lexical.json"
_FORMAT = 1


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
        ts: np.ndarray,
        outlets: np.ndarray,
        kinds: np.ndarray,
        languages: np.ndarray,
    ) -> None:
        self.ids = ids
        self._model = model
        self.generation = generation
        self._ts = ts
        self._outlets = outlets
        self._kinds = kinds
        self._languages = languages
        self.vectors: np.ndarray | None = None
        """The passages' vectors in `ids` order, when the index keeps a copy (embedded Chroma):
        a filtered dense search is then an exact scan of the passing rows, which is faster
        than Chroma's filtered HNSW query on tens of thousands of passages."""

    def __len__(self) -> int:
        return len(self.ids)

    # --- build / persist -------------------------------------------------------------------
    @classmethod
    def build(cls, passages: list[Passage], generation: int) -> LexicalIndex:
        import bm25s  # type: ignore[import-untyped]
        import numpy as np

        from assistant.index.vector_store import passage_metadata

        passages = sorted(passages, key=lambda p: p.id)
        metas = [passage_metadata(p) for p in passages]
        model = None
        if passages:
            model = bm25s.BM25()
            # An empty token list would make bm25s drop the document and shift every id after
            # it; a placeholder token keeps positions aligned and matches no real query.
            corpus = [tokenize(p.text) or ["\x00"] for p in passages]
            model.index(corpus, show_progress=False)
        return cls(
            [p.id for p in passages],
            model,
            generation,
            np.array([m["published_ts"] for m in metas], dtype=np.int64),
            np.array([m["outlet"] for m in metas], dtype=object),
            np.array([m["kind"] for m in metas], dtype=object),
            np.array([m["language"] for m in metas], dtype=object),
        )

    def save(self, target: Path) -> None:
        """Write to a fresh temp dir beside `target`, then swap it in by rename."""
        import numpy as np

        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            if self._model is not None:
                self._model.save(str(tmp / "bm25"), show_progress=False)  # type: ignore[attr-defined]
            np.save(tmp / "ts.npy", self._ts)
            if self.vectors is not None:
                np.save(tmp / "vectors.npy", self.vectors)
            columns = {
                "outlet": self._outlets.tolist(),
                "kind": self._kinds.tolist(),
                "language": self._languages.tolist(),
            }
            (tmp / "columns.json").write_text(json.dumps(columns), encoding="utf-8")
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
            model = bm25s.BM25.load(str(target / "bm25"), show_progress=False) if ids else None
        except (OSError, ValueError, KeyError):
            return None
        index = cls(
            ids,
            model,
            generation,
            ts,
            np.array(columns["outlet"], dtype=object),
            np.array(columns["kind"], dtype=object),
            np.array(columns["language"], dtype=object),
        )
        try:
            vectors = np.load(target / "vectors.npy", mmap_mode="r")
            if vectors.shape[0] == len(ids):
                index.vectors = vectors
        except (OSError, ValueError):
            pass
        return index

    def dense_scan(
        self, query_vec: np.ndarray, k: int, filters: SearchFilters
    ) -> tuple[list[tuple[str, float]], dict[str, np.ndarray]] | None:
        """Exact cosine top-`k` among the passages passing `filters`, from the kept vectors;
        None when this index keeps none."""
        import numpy as np

        if self.vectors is None:
            return None
        mask = self.mask(filters)
        rows = np.arange(len(self.ids)) if mask is None else np.flatnonzero(mask)
        if rows.size == 0 or k <= 0:
            return [], {}
        sims = np.asarray(self.vectors[rows] @ query_vec, dtype=np.float32)
        k = min(k, rows.size)
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        hits = [(self.ids[rows[i]], float(sims[i])) for i in top]
        vecs = {self.ids[rows[i]]: np.asarray(self.vectors[rows[i]]) for i in top}
        return hits, vecs

    # --- search ------------------------------------------------------------------------------
    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        """1.0 for passages passing the filters, 0.0 otherwise; None when nothing is filtered."""
        import numpy as np

        keep = np.ones(len(self.ids), dtype=bool)
        filtered = False
        if filters.since is not None or filters.until is not None:
            filtered = True
            keep &= self._ts >= 0
            if filters.since is not None:
                keep &= self._ts >= int(filters.since.timestamp())
            if filters.until is not None:
                keep &= self._ts < int(filters.until.timestamp())
        for column, values in (
            (self._outlets, filters.outlets),
            (self._kinds, filters.kinds),
            (self._languages, filters.languages),
        ):
            if values:
                filtered = True
                keep &= np.isin(column, list(values))
        return keep.astype(np.float32) if filtered else None

    def search(self, query: str, k: int, filters: SearchFilters | None = None) -> list[LexicalHit]:
        import numpy as np

        if self._model is None or k <= 0:
            return []
        vocab = self._model.vocab_dict  # type: ignore[attr-defined]
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens:
            return []
        scores = self._model.get_scores(tokens)  # type: ignore[attr-defined]
        if filters is not None:
            mask = self.mask(filters)
            if mask is not None:
                scores = scores * mask
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [LexicalHit(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def outlets(self) -> set[str]:
        return set(self._outlets.tolist())
