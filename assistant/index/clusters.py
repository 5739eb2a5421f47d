"""`VectorClusters`: an inverted-file (IVF) index over the vector copy kept beside BM25, for the
searches an exact scan is too slow for — an unfiltered query, or a filter passing a large
share, over hundreds of thousands of passages.

The vectors are grouped by spherical k-means into about `sqrt(n)` clusters and copied in
cluster order, so a cluster is a contiguous range of one memory-mapped file. A query scores the
centroids, scans the `probes` nearest clusters exactly (a filter is a row mask applied inside
them) and returns their best rows: the answer is approximate — a neighbour in an unprobed
cluster is missed — and the retrieval benchmark reports its recall@10 against the exact scan.

Tuning knobs (module constants, read by `LexicalIndex`):
- `SCAN_ROWS`: a search whose filters leave at most this many rows is an exact scan of their
  ranges (about 20 ms per 100k rows on this class of machine); above it, the clusters answer.
  No clusters are built for an index of at most this many passages.
- `PROBES` / `FILTERED_PROBES`: clusters scanned per query, unfiltered and filtered (a filter
  keeps only part of each cluster, so it looks a little wider).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np

SCAN_ROWS = 120_000
PROBES = 48
FILTERED_PROBES = 96
_TRAIN_ROWS = 64
"""k-means trains on this many sampled rows per cluster (the rest are only assigned)."""
_ITERATIONS = 8
_BLOCK = 1024
"""Rows per matrix-vector product in a scan (see `similarities`)."""


class VectorClusters:
    """Centroids, the vectors in cluster order, and which copy row each one is."""

    def __init__(
        self, centroids: np.ndarray, offsets: np.ndarray, rows: np.ndarray, vectors: np.ndarray
    ) -> None:
        self.centroids = centroids
        self.offsets = offsets
        """Cluster `c` holds positions `offsets[c]:offsets[c + 1]` of `vectors` and `rows`."""
        self.rows = rows
        self.vectors = vectors

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def build(cls, vectors: np.ndarray, seed: int = 0) -> VectorClusters:
        """Spherical k-means on a sample, then every row assigned to its nearest centroid."""
        import numpy as np

        n = len(vectors)
        n_clusters = max(1, int(round(np.sqrt(n))))
        rng = np.random.default_rng(seed)
        sample = vectors[np.sort(rng.choice(n, min(n, n_clusters * _TRAIN_ROWS), replace=False))]
        sample = np.asarray(sample, dtype=np.float32)
        centroids = sample[rng.choice(len(sample), n_clusters, replace=False)].copy()
        for _ in range(_ITERATIONS):
            labels = _nearest(sample, centroids)
            order = np.argsort(labels, kind="stable")
            counts = np.bincount(labels, minlength=n_clusters)
            sums = np.zeros_like(centroids)
            present = np.flatnonzero(counts)
            starts = np.r_[0, np.cumsum(counts)][present]
            sums[present] = np.add.reduceat(sample[order], starts, axis=0)
            empty = counts == 0
            # An empty cluster restarts on a random sample row rather than dying.
            sums[empty] = sample[rng.choice(len(sample), int(empty.sum()))]
            centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        labels = _nearest(vectors, centroids)
        order = np.argsort(labels, kind="stable")
        counts = np.bincount(labels, minlength=n_clusters)
        offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
        return cls(
            centroids.astype(np.float32),
            offsets,
            order.astype(np.int64),
            np.ascontiguousarray(vectors[order], dtype=np.float32),
        )

    def save(self, folder: Path) -> None:
        import numpy as np

        np.save(folder / "clusters_centroids.npy", self.centroids)
        np.save(folder / "clusters_offsets.npy", self.offsets)
        np.save(folder / "clusters_rows.npy", self.rows)
        np.save(folder / "clusters_vectors.npy", self.vectors)

    @classmethod
    def load(cls, folder: Path, rows: int) -> VectorClusters | None:
        """The saved clusters of a copy of `rows` vectors, memory-mapped; None if absent or
        not of that copy."""
        import numpy as np

        try:
            clusters = cls(
                np.load(folder / "clusters_centroids.npy"),
                np.load(folder / "clusters_offsets.npy"),
                np.load(folder / "clusters_rows.npy", mmap_mode="r"),
                np.load(folder / "clusters_vectors.npy", mmap_mode="r"),
            )
        except (OSError, ValueError):
            return None
        if len(clusters.rows) != rows or clusters.offsets[-1] != rows:
            return None
        return clusters

    def search(
        self, query: np.ndarray, k: int, keep: np.ndarray | None, probes: int
    ) -> tuple[list[int], list[float]]:
        """The best `k` copy rows (best first) in the `probes` clusters nearest `query`, among
        rows with `keep[row]` true (every row when `keep` is None)."""
        import numpy as np

        probes = min(probes, len(self.centroids))
        scores = similarities(self.centroids, 0, len(self.centroids), query)
        near = np.argpartition(-scores, probes - 1)[:probes]
        found_rows: list[np.ndarray] = []
        found_sims: list[np.ndarray] = []
        for c in np.sort(near):  # in file order: the reads walk forward
            a, b = int(self.offsets[c]), int(self.offsets[c + 1])
            if b == a:
                continue
            rows = np.asarray(self.rows[a:b])
            sims = similarities(self.vectors, a, b, query)
            if keep is not None:
                passing = keep[rows]
                rows, sims = rows[passing], sims[passing]
            if sims.size > k:
                best = np.argpartition(-sims, k - 1)[:k]
                rows, sims = rows[best], sims[best]
            found_rows.append(rows)
            found_sims.append(sims)
        if not found_rows:
            return [], []
        all_rows, all_sims = np.concatenate(found_rows), np.concatenate(found_sims)
        order = np.lexsort((all_rows, -all_sims))[:k]
        return all_rows[order].tolist(), all_sims[order].tolist()


def similarities(vectors: np.ndarray, start: int, end: int, query: np.ndarray) -> np.ndarray:
    """`vectors[start:end] @ query` as float32, computed in blocks of `_BLOCK` rows.

    One big matrix-vector product lets OpenBLAS split it over its threads, and on a machine
    whose cores are busy with other work those threads wait on each other: 30k rows took 20 ms
    that way against 1.7 ms in blocks small enough to stay on one thread."""
    import numpy as np

    out = np.empty(end - start, dtype=np.float32)
    for a in range(start, end, _BLOCK):
        b = min(end, a + _BLOCK)
        np.matmul(vectors[a:b], query, out=out[a - start : b - start])
    return out


def _nearest(vectors: np.ndarray, centroids: np.ndarray, step: int = 8192) -> np.ndarray:
    """Index of the most similar centroid for every row, in blocks (bounded memory)."""
    import numpy as np

    out = np.empty(len(vectors), dtype=np.int64)
    for i in range(0, len(vectors), step):
        block = np.asarray(vectors[i : i + step], dtype=np.float32)
        out[i : i + step] = np.argmax(block @ centroids.T, axis=1)
    return out
