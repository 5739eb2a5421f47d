"""`Partitions`: the filter columns of the passages kept beside BM25, laid out so that the two
filters an editor uses most — a time window and an outlet — select contiguous row ranges.

`LexicalIndex` stores its passages sorted by (outlet, published time, id): every outlet is one
block of rows and, inside a block, rows run oldest to newest (undated passages, time -1, first).
An outlet filter is then a choice of blocks, and a time window is one binary search per block,
so a filtered search (BM25 or the dense scan of the vector copy) reads only the rows that can
pass, as views — never a masked copy of every row. Filters on kind and language, rarer and
less selective, are a mask over the selected ranges only.

Categorical columns (outlet, kind, language) are held as small integer codes into a sorted list
of names, so a mask over a million rows compares integers, not Python strings.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.models import Passage, SearchFilters

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Column:
    """One categorical filter column: `codes[i]` indexes `names` for row `i`."""

    names: list[str]
    codes: np.ndarray

    @classmethod
    def of(cls, values: list[str]) -> Column:
        import numpy as np

        names = sorted(set(values))
        lookup = {name: i for i, name in enumerate(names)}
        return cls(names, np.array([lookup[v] for v in values], dtype=np.int32))

    def wanted(self, values: tuple[str, ...]) -> np.ndarray:
        """Codes of `values` present in the column (unknown names match nothing)."""
        import numpy as np

        lookup = {name: i for i, name in enumerate(self.names)}
        return np.array([lookup[v] for v in values if v in lookup], dtype=np.int32)


_COLUMNS = ("outlet", "kind", "language")


class Partitions:
    """Row ranges of the passages passing a filter, for rows sorted by (outlet, time, id)."""

    def __init__(self, ts: np.ndarray, outlet: Column, kind: Column, language: Column) -> None:
        import numpy as np

        self.ts = ts
        self.outlet = outlet
        self.kind = kind
        self.language = language
        self.rows = len(ts)
        # Block boundaries: where the outlet code changes (rows are sorted by it).
        codes = outlet.codes
        starts = (
            np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
            if self.rows
            else np.zeros(0, dtype=np.int64)
        )
        ends = np.r_[starts[1:], self.rows] if self.rows else starts
        self.blocks: dict[int, tuple[int, int]] = {
            int(codes[s]): (int(s), int(e)) for s, e in zip(starts, ends, strict=True)
        }
        if self.rows and (
            np.any(np.diff(codes) < 0) or len(self.blocks) != len(starts)  # sorted by outlet
        ):
            raise ValueError("partition rows are not sorted by outlet")

    @staticmethod
    def order(outlets: list[str], ts: list[int], ids: list[str]) -> list[int]:
        """The row order `Partitions` needs: positions sorted by (outlet, time, id)."""
        return sorted(range(len(ids)), key=lambda i: (outlets[i], ts[i], ids[i]))

    # --- persist -------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Times and the categorical columns, beside the index that owns these rows."""
        import numpy as np

        np.save(folder / "ts.npy", self.ts)
        names = {}
        for name in _COLUMNS:
            column: Column = getattr(self, name)
            np.save(folder / f"{name}.npy", column.codes)
            names[name] = column.names
        (folder / "columns.json").write_text(json.dumps(names), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, rows: int) -> Partitions:
        """The saved columns of an index of `rows` rows. Raises OSError / ValueError /
        KeyError when they are missing, damaged or of another size."""
        import numpy as np

        names = json.loads((folder / "columns.json").read_text(encoding="utf-8"))
        ts = np.load(folder / "ts.npy")
        cols = [Column(names[n], np.load(folder / f"{n}.npy")) for n in _COLUMNS]
        if len(ts) != rows or any(len(c.codes) != rows for c in cols):
            raise ValueError(f"{folder}: filter columns of {len(ts)} rows, not {rows}")
        return cls(ts, *cols)

    # --- which rows pass ----------------------------------------------------------------------
    def slices(self, filters: SearchFilters) -> list[tuple[int, int]]:
        """Contiguous (start, end) row ranges holding every row that passes the outlet and time
        filters (all of them pass those two); kind and language are left to `residual`."""
        import numpy as np

        if filters.outlets:
            blocks = [self.blocks[int(c)] for c in self.outlet.wanted(filters.outlets)]
            blocks.sort()
        else:
            blocks = sorted(self.blocks.values())
        if filters.since is None and filters.until is None:
            return _merged([(a, b) for a, b in blocks if b > a])
        # A time window excludes undated passages (time -1), as the store's SQL does.
        low = 0 if filters.since is None else max(0, int(filters.since.timestamp()))
        high = None if filters.until is None else int(filters.until.timestamp())
        out = []
        for a, b in blocks:
            block = self.ts[a:b]
            lo = a + int(np.searchsorted(block, low, side="left"))
            hi = b if high is None else a + int(np.searchsorted(block, high, side="left"))
            if hi > lo:
                out.append((lo, hi))
        return _merged(out)

    def residual(self, filters: SearchFilters, start: int, end: int) -> np.ndarray | None:
        """Boolean mask over rows `start:end` for the kind and language filters; None when
        neither is set."""
        import numpy as np

        keep: np.ndarray | None = None
        for column, values in ((self.kind, filters.kinds), (self.language, filters.languages)):
            if values:
                passing = np.isin(column.codes[start:end], column.wanted(values))
                keep = passing if keep is None else keep & passing
        return keep

    def filtered(self, filters: SearchFilters) -> bool:
        return bool(
            filters.since is not None
            or filters.until is not None
            or filters.outlets
            or filters.kinds
            or filters.languages
        )

    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        """1.0 for every row passing `filters`, 0.0 otherwise; None when nothing is filtered."""
        import numpy as np

        if not self.filtered(filters):
            return None
        keep = np.zeros(self.rows, dtype=np.float32)
        for a, b in self.slices(filters):
            extra = self.residual(filters, a, b)
            keep[a:b] = 1.0 if extra is None else extra
        return keep


def partitioned(passages: Sequence[Passage]) -> tuple[list[Passage], Partitions]:
    """`passages` in the row order `Partitions` needs (outlet, time, id), and their filter
    columns: the layout of both BM25's full build and its delta segment."""
    import numpy as np

    from assistant.index.vector_store import passage_metadata

    metas = [passage_metadata(p) for p in passages]
    order = Partitions.order(
        [str(m["outlet"]) for m in metas],
        [int(m["published_ts"]) for m in metas],
        [p.id for p in passages],
    )
    metas = [metas[i] for i in order]
    parts = Partitions(
        np.array([m["published_ts"] for m in metas], dtype=np.int64),
        Column.of([str(m["outlet"]) for m in metas]),
        Column.of([str(m["kind"]) for m in metas]),
        Column.of([str(m["language"]) for m in metas]),
    )
    return [passages[i] for i in order], parts


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted ranges with touching neighbours joined (all outlets unfiltered: one range)."""
    out: list[tuple[int, int]] = []
    for a, b in ranges:
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out
