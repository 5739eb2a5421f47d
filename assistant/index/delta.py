"""`DeltaSegment`: the passages added or changed since BM25 and the vector copy were last built
in full, searched beside them until the next full build.

A year of wire is about a million passages, and building BM25, the vector copy and its clusters
from all of them takes minutes. A feed poll adds a few dozen. So `LexicalIndex` keeps its full
build (the *base*) and, beside it, a small segment of what the store's passage log says changed
since: new and changed passages live here, and base rows of changed or deleted passages are
*dead* (never returned). The segment is rebuilt whole at every change (it is small); the base is
rebuilt in full once the segment outgrows `DELTA_SHARE` of it.

BM25 scores of the segment's passages use the base's statistics (document count, document
frequencies, mean length), so its scores sit on the same scale as the base's and the two lists
merge by score. A full rebuild would also count the new passages in those statistics; with the
segment held under 5% of the base the difference is a small shift of idf, and
`tests/test_index_delta.py` measures the rankings against a full rebuild.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.index.partitions import Partitions, partitioned
from assistant.models import Passage

if TYPE_CHECKING:
    import numpy as np

INCREMENTAL_FROM = 20_000
"""Below this many base passages a full build takes a second or two: always rebuild (exact)."""
DELTA_SHARE = 0.05
"""The segment may hold up to this share of the base's rows before a full rebuild."""
K1, B = 1.5, 0.75
"""bm25s's defaults (method "lucene"), which the base is built with."""


class DeltaSegment:
    """Passages (sorted by outlet, time, id like the base), their term counts and vectors."""

    def __init__(
        self,
        ids: list[str],
        parts: Partitions,
        vocab: dict[str, int],
        terms: np.ndarray,
        counts: np.ndarray,
        offsets: np.ndarray,
        vectors: np.ndarray | None,
    ) -> None:
        import numpy as np

        self.ids = ids
        self.parts = parts
        self.vocab = vocab
        # Postings per term: rows `rows_of[offsets[t]:offsets[t + 1]]` hold term t, each
        # `counts` times; `lengths[r]` is row r's token count.
        self.rows_of = terms
        self.counts = counts
        self.offsets = offsets
        self.vectors = vectors
        self.row_of = {pid: i for i, pid in enumerate(ids)}
        """Row of each passage id (the vector lookup for MMR, every search)."""
        self.lengths = np.zeros(len(ids), dtype=np.float32)
        np.add.at(self.lengths, terms, counts)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(
        cls,
        passages: Sequence[Passage],
        vectors: dict[str, np.ndarray] | None,
        tokenize: Callable[[str], list[str]],
    ) -> DeltaSegment:
        import numpy as np

        ordered, parts = partitioned(passages)
        vocab: dict[str, int] = {}
        postings: list[dict[int, int]] = []
        for row, p in enumerate(ordered):
            # The same placeholder as the base, so a token-less passage has length 1 there too.
            for token in tokenize(p.text) or ["\x00"]:
                t = vocab.setdefault(token, len(vocab))
                if t == len(postings):
                    postings.append({})
                postings[t][row] = postings[t].get(row, 0) + 1
        offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(p) for p in postings])
        rows = np.fromiter((r for p in postings for r in p), dtype=np.int64, count=offsets[-1])
        counts = np.fromiter(
            (c for p in postings for c in p.values()), dtype=np.float32, count=offsets[-1]
        )
        matrix = None
        if vectors is not None and ordered:
            matrix = np.stack([np.asarray(vectors[p.id], dtype=np.float32) for p in ordered])
        return cls([p.id for p in ordered], parts, vocab, rows, counts, offsets, matrix)

    def bm25(
        self, tokens: Sequence[str], doc_freq: Callable[[str], int], n_docs: int, avgdl: float
    ) -> np.ndarray:
        """BM25 of every row for `tokens` (repeats count, as in bm25s), with the base's
        statistics: `doc_freq(token)` documents of `n_docs` hold it, mean length `avgdl`."""
        import numpy as np

        scores = np.zeros(len(self.ids), dtype=np.float32)
        for token in tokens:
            t = self.vocab.get(token)
            if t is None:
                continue
            df = doc_freq(token)
            idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
            a, b = self.offsets[t], self.offsets[t + 1]
            rows, tf = self.rows_of[a:b], self.counts[a:b]
            norm = K1 * ((1 - B) + B * self.lengths[rows] / avgdl)
            scores[rows] += (idf * tf / (norm + tf)).astype(np.float32)
        return scores

    # --- persist -------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        import numpy as np

        (folder / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
        (folder / "vocab.json").write_text(json.dumps(list(self.vocab)), encoding="utf-8")
        np.save(folder / "rows.npy", self.rows_of)
        np.save(folder / "counts.npy", self.counts)
        np.save(folder / "offsets.npy", self.offsets)
        self.parts.save(folder)
        if self.vectors is not None:
            np.save(folder / "vectors.npy", self.vectors)

    @classmethod
    def load(cls, folder: Path, with_vectors: bool) -> DeltaSegment:
        """Raises OSError / ValueError / KeyError when the folder is incomplete or damaged."""
        import numpy as np

        ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        vocab = {t: i for i, t in enumerate(json.loads((folder / "vocab.json").read_text("utf-8")))}
        parts = Partitions.load(folder, len(ids))
        offsets = np.load(folder / "offsets.npy")
        vectors = np.load(folder / "vectors.npy") if with_vectors else None
        if len(offsets) != len(vocab) + 1 or (vectors is not None and len(vectors) != len(ids)):
            raise ValueError(f"{folder}: the parts of the delta segment disagree")
        return cls(
            ids,
            parts,
            vocab,
            np.load(folder / "rows.npy"),
            np.load(folder / "counts.npy"),
            offsets,
            vectors,
        )
