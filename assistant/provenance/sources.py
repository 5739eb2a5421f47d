"""`cited_sources(draft, store)`: the distinct sources a draft rests on, shared by the provenance
footer and the desk note so both count the same things.

A *source* is a story lineage (all versions of one item, `Document.lineage_id`) together with its
verbatim reposts (store sightings). Lineages that share a URL are merged into one source too: one
page is one source, even if it was ingested with two different texts (an edited page, or a
channel-level URL such as `https://t.me/s/<channel>`), so the footer never lists a URL twice.
Only citations that some sentence actually uses count; a citation nobody cites is not a source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from assistant.models import Citation, Document, Draft, SourceKind
from assistant.store import Store

_TG_HOSTS = {"t.me", "telegram.me", "telegram.dog"}


def canonical_url(url: str | None) -> str | None:
    """The form two URLs are compared in: scheme/host case, default ports, `www.`, fragments,
    tracking parameters (courlan's list: `utm_*`, `fbclid`, `ref` ...), query order and
    trailing slashes do not make a different page; `http` is `https`; `t.me/s/<ch>/<id>` (the
    web preview) is the permalink `t.me/<ch>/<id>`."""
    if not url or not url.strip():
        return None
    raw = url.strip()
    parts = urlsplit(raw)
    if not parts.scheme or not parts.netloc:
        return raw
    from courlan import normalize_url

    try:
        parts = urlsplit(normalize_url(parts))
    except ValueError:  # e.g. a port that is not a number: compare it as written
        pass
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    if host in _TG_HOSTS:
        host = "t.me"
        path = re.sub(r"^/s/", "/", path)
    scheme = "https" if parts.scheme in ("http", "https") else parts.scheme
    return urlunsplit((scheme, host, path, parts.query, ""))


def display_url(
    doc_url: str | None, kind: SourceKind, channel: str | None, item: str | None
) -> str | None:
    """The URL shown for an item: a Telegram post as its permalink `https://t.me/<channel>/<id>`
    (built from the channel and message id when the loader gave no URL); others as given."""
    if doc_url:
        canon = canonical_url(doc_url)
        return canon if canon and canon.startswith("https://t.me/") else doc_url
    if kind == "telegram" and channel and item and item.isdigit():
        return f"https://t.me/{channel.lstrip('@')}/{item}"
    return None


@dataclass
class CitedSource:
    """One distinct source: its cited documents, the citations into it and where they are used."""

    lineage_ids: list[str]
    citations: list[Citation]
    documents: list[Document] = field(default_factory=list)
    """Cited documents found in the store (missing ones are described by their citations)."""
    cited_by: list[str] = field(default_factory=list)
    """Places the source is cited, in reading order, e.g. `lede ¶1`."""

    @property
    def markers(self) -> tuple[int, ...]:
        return tuple(sorted({c.n for c in self.citations}))

    @property
    def primary(self) -> Document | None:
        """The earliest published cited document (undated last): the item the footer names."""
        if not self.documents:
            return None
        return min(
            self.documents,
            key=lambda d: (d.published_at is None, d.published_at or datetime.max, d.id),
        )

    @property
    def kind(self) -> SourceKind:
        return self.primary.kind if self.primary else self.citations[0].kind

    @property
    def outlet(self) -> str:
        return self.primary.outlet if self.primary else self.citations[0].outlet

    @property
    def published_at(self) -> datetime | None:
        if self.primary is not None:
            return self.primary.published_at
        dated = [c.published_at for c in self.citations if c.published_at is not None]
        return min(dated) if dated else None

    def sort_key(self) -> tuple[bool, datetime, str]:
        published = self.published_at
        return (published is None, published or datetime.max, self.outlet.casefold())


def paragraph_label(section_id: str, index: int) -> str:
    """How a paragraph is named in the footer and the desk note: `lede ¶1`, `body_2 ¶3`."""
    return f"{section_id} ¶{index + 1}"


def used_markers(draft: Draft) -> dict[int, list[str]]:
    """Marker n -> the paragraphs that cite it, in reading order (only markers that resolve)."""
    known = {c.n for c in draft.citations}
    used: dict[int, list[str]] = {}
    for section in draft.sections:
        for i, paragraph in enumerate(section.paragraphs):
            label = paragraph_label(section.id, i)
            for sentence in paragraph.sentences:
                for n in sentence.citations:
                    if n in known and label not in used.setdefault(n, []):
                        used[n].append(label)
    return used


def _urls_of(doc: Document, store: Store) -> set[str]:
    urls = {canonical_url(doc.url)}
    urls |= {canonical_url(s.url) for s in store.sightings(doc.id)}
    return {u for u in urls if u}


def cited_sources(draft: Draft, store: Store | None) -> list[CitedSource]:
    """The distinct sources of the draft's used citations, in chronological order."""
    used = used_markers(draft)
    citations = [c for c in draft.citations if c.n in used]
    docs: dict[str, Document] = {}
    if store is not None:
        for c in citations:
            if c.doc_id not in docs and (doc := store.get_document(c.doc_id)) is not None:
                docs[c.doc_id] = doc
    # Union-find over lineages; lineages sharing a URL (of any version or repost) are one source.
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def lineage_of(c: Citation) -> str:
        # The store's lineage wins: an earlier version may have arrived after the draft was made.
        doc = docs.get(c.doc_id)
        return (doc.lineage_id if doc else None) or c.lineage_id

    url_owner: dict[str, str] = {}
    for c in citations:
        lineage = lineage_of(c)
        find(lineage)
        urls = {canonical_url(c.url)} - {None}
        if store is not None:
            for doc in store.lineage_documents(lineage) or (
                [docs[c.doc_id]] if c.doc_id in docs else []
            ):
                urls |= _urls_of(doc, store)
        for url in urls:
            assert url is not None
            if url in url_owner:
                parent[find(lineage)] = find(url_owner[url])
            else:
                url_owner[url] = lineage
    groups: dict[str, CitedSource] = {}
    for c in citations:
        lineage = lineage_of(c)
        group = groups.setdefault(find(lineage), CitedSource(lineage_ids=[], citations=[]))
        if lineage not in group.lineage_ids:
            group.lineage_ids.append(lineage)
        group.citations.append(c)
        if c.doc_id in docs and docs[c.doc_id] not in group.documents:
            group.documents.append(docs[c.doc_id])
    reading = _reading_order(draft)
    for group in groups.values():
        labels = {lbl for c in group.citations for lbl in used[c.n]}
        group.cited_by = sorted(labels, key=reading.__getitem__)
    return sorted(groups.values(), key=CitedSource.sort_key)


def _reading_order(draft: Draft) -> dict[str, int]:
    order: dict[str, int] = {}
    for section in draft.sections:
        for i, _ in enumerate(section.paragraphs):
            order[paragraph_label(section.id, i)] = len(order)
    return order
