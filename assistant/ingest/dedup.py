"""Deduplication: bodies that repeat themselves, verbatim reposts, and near-duplicate versions.

- `collapse_repeats(text)`: syndicated copies sometimes carry the body twice (seed 001: the
  article, its source line, then paragraphs 2..n again). The trailing repeat is cut, at paragraph
  level first and sentence level second, and only when it runs to the end of the text.
- Exact reposts share a document id (the hash of the normalised text); the pipeline records
  another sighting instead of a second document.
- Near-duplicates (an updated item, a write-through, the same item on two channels) are found
  with MinHash over word 3-shingles: the share of equal signature slots estimates the Jaccard
  similarity of the shingle sets. Implemented with numpy so no extra dependency is needed;
  the hash family is multiply-shift with fixed seeds, so signatures are stable across runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from assistant.text import normalize_for_hash, sentence_spans, words

NUM_PERM = 128
SHINGLE = 3
_rng = np.random.default_rng(20250815)
# Multiply-shift hashing: h(x) = (a*x + b) >> 32 over uint64 arithmetic (wrapping is intended).
_A = _rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    toks = words(text)
    if len(toks) < k:
        return {" ".join(toks)} if toks else set()
    return {" ".join(toks[i : i + k]) for i in range(len(toks) - k + 1)}


def minhash(text: str) -> np.ndarray:
    """A `NUM_PERM` uint32 signature of the text's word shingles."""
    sh = shingles(text)
    if not sh:
        return np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    x = np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=4).digest(), "little")
            for s in sh
        ),
        dtype=np.uint64,
        count=len(sh),
    )
    with np.errstate(over="ignore"):
        hv = (_A[:, None] * x[None, :] + _B[:, None]) >> np.uint64(32)
    return hv.min(axis=1).astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


def to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4").astype(np.uint32)


# LSH banding: 42 bands of 3 slots. Two documents become candidates when any band matches,
# with probability 1 - (1 - s^3)^42 at similarity s: 0.98 at the default threshold 0.45,
# above 0.9999 from s = 0.6 (updates and write-throughs sit well above that); unrelated news
# (s ≈ 0.02) almost never collides.
BANDS, ROWS = 42, 3


class NearDuplicates:
    """Signatures of the stored documents, searchable for the most similar one.

    Rows live in one growable matrix (capacity doubles). Up to `exact_below` documents a lookup
    compares the new signature with every stored one in a single vectorised step (well under a
    millisecond). Past that the full scan grows with the archive (~6 ms at 50,000 documents,
    about a quarter of embedding one), so only the candidates sharing an LSH band with the new
    signature are compared, exactly, instead."""

    def __init__(self, threshold: float, exact_below: int = 4096) -> None:
        self.threshold = threshold
        self.exact_below = exact_below
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._lineage: dict[str, str] = {}
        self._matrix = np.empty((0, NUM_PERM), dtype=np.uint32)
        # Per band: slot values → ids of the documents having them (ids, not rows: rows move).
        self._bands: list[dict[bytes, list[str]]] = [{} for _ in range(BANDS)]

    def load(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        for doc_id, lineage_id, blob in rows:
            self.add(doc_id, lineage_id, from_bytes(blob))

    def add(self, doc_id: str, lineage_id: str, sig: np.ndarray) -> None:
        self._lineage[doc_id] = lineage_id
        if doc_id in self._row:
            return
        n = len(self._ids)
        if n == len(self._matrix):
            grown = np.empty((max(64, 2 * n), NUM_PERM), dtype=np.uint32)
            grown[:n] = self._matrix[:n]
            self._matrix = grown
        self._matrix[n] = sig
        self._row[doc_id] = n
        self._ids.append(doc_id)
        for band, key in zip(self._bands, self._band_keys(sig), strict=True):
            band.setdefault(key, []).append(doc_id)

    def _band_keys(self, sig: np.ndarray) -> list[bytes]:
        return [sig[b * ROWS : (b + 1) * ROWS].tobytes() for b in range(BANDS)]

    def relabel(self, old_lineage: str, new_lineage: str) -> None:
        for doc_id, lin in self._lineage.items():
            if lin == old_lineage:
                self._lineage[doc_id] = new_lineage

    def remove(self, doc_ids: Iterable[str]) -> None:
        gone = set(doc_ids) & set(self._row)
        if not gone:
            return
        for doc_id in gone:
            keys = self._band_keys(self._matrix[self._row[doc_id]])
            for band, key in zip(self._bands, keys, strict=True):
                members = [d for d in band[key] if d != doc_id]
                if members:
                    band[key] = members
                else:
                    del band[key]
        keep = [i for i, d in enumerate(self._ids) if d not in gone]
        self._matrix = self._matrix[keep].copy()
        self._ids = [self._ids[i] for i in keep]
        self._row = {d: i for i, d in enumerate(self._ids)}
        for d in gone:
            del self._lineage[d]

    def best_match(self, sig: np.ndarray) -> tuple[str, str, float] | None:
        """(doc_id, lineage_id, similarity) of the closest stored document above the threshold."""
        n = len(self._ids)
        if not n:
            return None
        if n < self.exact_below:
            rows = np.arange(n)
            block = self._matrix[:n]
        else:
            found: set[str] = set()
            for band, key in zip(self._bands, self._band_keys(sig), strict=True):
                found.update(band.get(key, ()))
            if not found:
                return None
            # Sorted rows: on a tie the earliest stored document wins, as in a full scan.
            rows = np.fromiter(
                sorted(self._row[d] for d in found), dtype=np.int64, count=len(found)
            )
            block = self._matrix[rows]
        sims = (block == sig[None, :]).mean(axis=1)
        best = int(np.argmax(sims))
        if sims[best] < self.threshold:
            return None
        doc_id = self._ids[int(rows[best])]
        return doc_id, self._lineage[doc_id], float(sims[best])


# --- bodies that repeat themselves -----------------------------------------------------------
_MIN_REPEAT_CHARS = 200


def collapse_repeats(text: str) -> tuple[str, bool]:
    """Cut a trailing repeat of earlier content. Returns (text, whether anything was cut)."""
    paragraphs = _paragraph_spans(text)
    for spans in (paragraphs, sentence_spans(text)):
        cut = _repeat_start(text, spans)
        if cut is not None:
            return text[:cut].rstrip(), True
    return text, False


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for block in text.split("\n\n"):
        start = pos + (len(block) - len(block.lstrip()))
        end = pos + len(block.rstrip())
        if end > start:
            spans.append((start, end))
        pos += len(block) + 2
    return spans


def _repeat_start(text: str, spans: list[tuple[int, int]]) -> int | None:
    """Where the trailing repeat starts: the first unit `j` whose run to the end (`units[j:]`)
    also occurs, whole, before `j` — or, for a truncated copy, all but its last unit does and
    that last unit is a cut-off prefix of the unit that followed the earlier occurrence.

    Linear in the number of units (the obvious pairwise scan was cubic: a 200 KB line of one
    repeated sentence took a minute). Both conditions only get easier as `j` grows (a shorter
    tail fits wherever a longer one did, one unit further on), while the size rule (two units or
    `_MIN_REPEAT_CHARS`, and at least 40 characters) only gets harder. So the answer is the
    smallest `j` meeting either condition, if it meets the size rule, and those smallest `j`
    come from the Z-array of the reversed units: `z[p]` units of the reversed sequence at `p`
    match its start, i.e. a tail of that length also ends `p` units before the end."""
    if not spans:
        return None
    ids: dict[str, int] = {}  # normalised unit -> id
    raw_ids: dict[str, int] = {}  # a repeated unit is normalised once
    units = []
    for a, b in spans:
        raw = text[a:b]
        uid = raw_ids.get(raw)
        if uid is None:
            uid = raw_ids[raw] = ids.setdefault(normalize_for_hash(raw), len(ids))
        units.append(uid)
    n = len(units)
    best = n  # the smallest qualifying j so far (n: none)

    # A whole copy of units[j:] (m = n - j units) ending at e = n - p, with p >= m so that it
    # ends before j: m can be as large as min(p, z[p]) for any p.
    z = _z_array(units[::-1])
    m = max((min(p, z[p]) for p in range(1, n)), default=0)
    if m:
        best = n - m

    # A truncated copy: units[j:n-1] (k = m - 1 >= 1 units) occurs ending at e, with e + k < j,
    # and the unit at e starts with the (cut-off) last unit without being equal to it.
    last = normalize_for_hash(text[spans[-1][0] : spans[-1][1]])
    if n >= 3 and len(last) >= 20:
        longer = {
            uid
            for u, uid in ids.items()
            if uid != units[-1] and len(u) > len(last) and u.startswith(last)
        }
        if longer:
            zt = _z_array(units[-2::-1])  # the units without the last one, reversed
            k = max(
                (min(p - 1, zt[p]) for p in range(2, n - 1) if units[n - 1 - p] in longer),
                default=0,
            )
            if k >= 1:
                best = min(best, n - 1 - k)

    if best == n:
        return None
    repeated_chars = spans[-1][1] - spans[best][0]
    if (n - best >= 2 or repeated_chars >= _MIN_REPEAT_CHARS) and repeated_chars >= 40:
        return spans[best][0]
    return None


def _z_array(seq: list[int]) -> list[int]:
    """z[p]: how many items from `p` on equal the items from the start (z[0] = len(seq))."""
    n = len(seq)
    z = [0] * n
    if n:
        z[0] = n
    left = right = 0
    for p in range(1, n):
        if p < right:
            z[p] = min(right - p, z[p - left])
        while p + z[p] < n and seq[z[p]] == seq[p + z[p]]:
            z[p] += 1
        if p + z[p] > right:
            left, right = p, p + z[p]
    return z
