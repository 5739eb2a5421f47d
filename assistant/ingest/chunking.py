"""Passages: sentence-aware chunks of a document with exact character offsets.

A passage is a run of whole sentences (from `assistant.text.sentence_spans`) up to
`max_chars`, preferring to end at a paragraph break once it holds `min_chars`; a single sentence
longer than `max_chars` is cut at whitespace. `passage.text == document.text[start:end]` always
holds, so a citation points at an exact span.
"""

from __future__ import annotations

from assistant.models import Document, Passage, sha256_hex
from assistant.text import sentence_spans


def chunk_spans(
    text: str, max_chars: int = 700, min_chars: int | None = None
) -> list[tuple[int, int]]:
    min_chars = max_chars // 3 if min_chars is None else min_chars
    pieces: list[tuple[int, int]] = []
    for a, b in sentence_spans(text):
        while b - a > max_chars:  # an overlong "sentence" (lists, tables): cut at whitespace
            cut = text.rfind(" ", a + max_chars // 2, a + max_chars)
            cut = cut if cut > a else a + max_chars
            pieces.append((a, cut))
            a = cut
            while a < b and text[a].isspace():
                a += 1
        if b > a:
            pieces.append((a, b))
    chunks: list[tuple[int, int]] = []
    start = end = None
    for a, b in pieces:
        if start is None:
            start, end = a, b
            continue
        assert end is not None
        paragraph_break = "\n\n" in text[end:a]
        if b - start > max_chars or (paragraph_break and end - start >= min_chars):
            chunks.append((start, end))
            start = a
        end = b
    if start is not None and end is not None:
        chunks.append((start, end))
    return chunks


def make_passages(doc: Document, max_chars: int) -> list[Passage]:
    lineage = doc.lineage_id or doc.id
    return [
        Passage(
            id=f"{doc.id}:{a}-{b}",
            doc_id=doc.id,
            lineage_id=lineage,
            text=doc.text[a:b],
            start=a,
            end=b,
            content_hash=sha256_hex(doc.text[a:b]),
            outlet=doc.outlet,
            kind=doc.kind,
            title=doc.title,
            url=doc.url,
            published_at=doc.published_at,
            language=doc.language,
        )
        for a, b in chunk_spans(doc.text, max_chars)
    ]
