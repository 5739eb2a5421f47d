"""The search benchmark's archive, from real passages: `SearchCorpus.build(target)`.

Real part: every item of the wire archive (`../shared/data/wire-archive/items.jsonl`: title and
standfirst, one passage, its outlet and publication time) and every allsides article
(`allsides/allsides_dev.jsonl`, packed into passages of whole sentences up to 700 characters,
dated by the story), each embedded by the real model (ONNX Runtime, the same vectors as torch)
— about 20k passages. Embedding a million passages here would take over an hour (~200/s), so
past the real ones the archive grows by a documented scheme:

- copy `j` repeats the text of real passage `j mod n_real`, so BM25 sees real text with real
  term statistics;
- its vector is that passage's vector plus Gaussian noise of norm ~0.5, re-normalised (cosine
  ~0.9 to its source: near it, not on it, so copies do not tie);
- its time is uniform over the archive's span (April 2024 – February 2026) and its outlet that
  of a real passage drawn at random, so outlets keep their real shares and every month holds
  copies of every story.

Queries are real headlines: titles of wire items drawn at random. The vectors of the real
passages are cached in the user's cache folder (keyed by the texts and the model's weights).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.batch_data import DATA

WIRE_ITEMS = DATA / "wire-archive" / "items.jsonl"
ALLSIDES = DATA / "allsides" / "allsides_dev.jsonl"
SPAN_START = datetime(2024, 4, 1, tzinfo=UTC)
SPAN_END = datetime(2026, 3, 1, tzinfo=UTC)
NOISE = 0.5
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class RealPassage:
    text: str
    outlet: str
    kind: str
    published_at: datetime
    title: str


def _clean(text: str) -> str:
    return " ".join(html.unescape(_TAGS.sub(" ", text or "")).split())


def real_passages() -> list[RealPassage]:
    from assistant.text import sentence_spans

    out = []
    with WIRE_ITEMS.open(encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            title, desc = _clean(item["title"]), _clean(item["description"])
            text = f"{title}\n\n{desc}" if desc else title
            when = datetime.fromisoformat(item["published"].replace("Z", "+00:00"))
            out.append(RealPassage(text, item["outlet"], "wire", when, title))
    with ALLSIDES.open(encoding="utf-8") as fh:
        for line in fh:
            story = json.loads(line)
            when = datetime.fromisoformat(story["date"]).astimezone(UTC)
            for art in story["news"].values():
                body = "\n\n".join(p.strip() for p in art["newBody"] if p.strip())
                spans = sentence_spans(body)
                i = 0
                while i < len(spans):
                    start, end = spans[i]
                    j = i + 1
                    while j < len(spans) and spans[j][1] - start <= 700:
                        end = spans[j][1]
                        j += 1
                    out.append(
                        RealPassage(
                            body[start:end], art["newsSource"], "outlet", when, art["newsTitle"]
                        )
                    )
                    i = j
    return out


def real_vectors(texts: list[str], cache: Path) -> tuple[np.ndarray, float]:
    """Vectors of `texts` by the real model (ONNX), cached; and the seconds spent embedding
    (0 when cached)."""
    import time

    from assistant.index.embedder import Embedder, resolve_model_path
    from assistant.index.model_identity import weights_digest

    model = resolve_model_path("default")
    digest = weights_digest(model, cache / "model-digests.json")
    key = hashlib.sha256(("\x00".join(texts) + digest).encode()).hexdigest()[:16]
    path = cache / f"search-corpus-{key}.npy"
    if path.is_file():
        return np.load(path), 0.0
    t0 = time.perf_counter()
    vectors = Embedder(model, 64, backend="onnx").encode(texts)
    took = time.perf_counter() - t0
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors.astype(np.float32))
    return vectors.astype(np.float32), took


class SearchCorpus:
    """Real passages and their vectors, and the documented copies past them."""

    def __init__(self, real: list[RealPassage], vectors: np.ndarray, target: int) -> None:
        self.real = real
        self.real_vectors = vectors
        self.target = max(target, 1)
        self.n_real = min(len(real), self.target)

    @classmethod
    def build(cls, target: int, cache: Path) -> tuple[SearchCorpus, float]:
        real = real_passages()
        vectors, took = real_vectors([p.text for p in real], cache)
        return cls(real, vectors, target), took

    def describe(self) -> str:
        copies = self.target - self.n_real
        return (
            f"{self.n_real:,} real passages ({len(self.real):,} available: wire-archive items and "
            f"allsides articles, embedded by the model) + {copies:,} copies (real text, vector "
            f"+ noise {NOISE} re-normalised, time uniform over "
            f"{SPAN_START:%Y-%m}–{SPAN_END:%Y-%m}, outlet of a random real passage)"
        )

    def batches(
        self, size: int = 10_000, seed: int = 3, first: int = 0
    ) -> Iterator[tuple[list, np.ndarray]]:
        """(documents with their passages, vectors) in batches: one passage per document,
        from row `first` (later rows are new documents, e.g. for an update after the build)."""
        from assistant.models import Document, Passage, SourceLocation, sha256_hex

        rng = np.random.default_rng(seed)
        span = int((SPAN_END - SPAN_START).total_seconds())
        dim = self.real_vectors.shape[1]
        for start in range(first, self.target, size):
            stop = min(self.target, start + size)
            idx = np.arange(start, stop)
            src = idx % len(self.real)
            vecs = self.real_vectors[src].copy()
            copy = idx >= self.n_real
            if copy.any():
                noise = rng.standard_normal((int(copy.sum()), dim)).astype(np.float32)
                vecs[copy] += NOISE * noise / np.sqrt(dim)
                vecs[copy] /= np.linalg.norm(vecs[copy], axis=1, keepdims=True)
            offsets = rng.integers(0, span, stop - start)
            outlet_of = rng.integers(0, len(self.real), stop - start)
            batch = []
            for n, j in enumerate(idx.tolist()):
                base = self.real[int(src[n])]
                if copy[n]:
                    when = SPAN_START + timedelta(seconds=int(offsets[n]))
                    outlet = self.real[int(outlet_of[n])].outlet
                else:
                    when, outlet = base.published_at, base.outlet
                digest = sha256_hex(f"{j}:{base.text}")
                doc_id = f"doc_{digest[:16]}"
                doc = Document(
                    id=doc_id,
                    kind=base.kind,  # type: ignore[arg-type]
                    format="markdown",
                    outlet=outlet,
                    title=base.title,
                    text=base.text,
                    url=f"https://example.org/{doc_id}",
                    published_at=when,
                    language="en",
                    content_hash=digest,
                    location=SourceLocation(path="bench-search", item=str(j)),
                    lineage_id=doc_id,
                )
                passage = Passage(
                    id=f"{doc_id}:0-{len(base.text)}",
                    doc_id=doc_id,
                    lineage_id=doc_id,
                    text=base.text,
                    start=0,
                    end=len(base.text),
                    content_hash=sha256_hex(base.text),
                    outlet=outlet,
                    kind=base.kind,
                    title=base.title,
                    url=doc.url,
                    published_at=when,
                    language="en",
                )
                batch.append((doc, [passage]))
            yield batch, vecs

    def queries(self, n: int, seed: int = 11) -> list[tuple[str, str, datetime]]:
        """(headline, its outlet, its time) of `n` wire items drawn at random."""
        import random

        rng = random.Random(seed)
        wire = [p for p in self.real[: self.n_real] if p.kind == "wire"] or [
            p for p in self.real if p.kind == "wire"
        ]
        return [(p.title, p.outlet, p.published_at) for p in rng.sample(wire, min(n, len(wire)))]
