"""`build_provenance(draft, store)`: the wire provenance footer, as data.

One entry per distinct source (see `sources.cited_sources`): the earliest cited document names
the entry; verbatim reposts (store sightings) and the other versions of the story (same lineage)
are folded into `also_carried_by`. No URL appears twice anywhere in the footer — the defect of
the seed synthesis, whose footer listed `https://t.me/s/OSINTdefender` twice. Entries are in
chronological order of publication (undated last) and keyed `src-1`, `src-2`, ... in that order;
`as_of` is the newest publication time among the cited sources.

The machine-readable form is `Provenance.model_dump(mode="json")`, described by the versioned
JSON Schema `provenance.schema.json` beside this module (`PROVENANCE_SCHEMA_PATH`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.models import Document, Draft, Provenance, ProvenanceEntry, Sighting
from assistant.provenance.sources import CitedSource, canonical_url, cited_sources, display_url
from assistant.store import Store

PROVENANCE_SCHEMA_PATH = Path(__file__).with_name("provenance.schema.json")
SHORT_HASH = 12


def provenance_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the machine-readable footer."""
    return json.loads(PROVENANCE_SCHEMA_PATH.read_text(encoding="utf-8"))


def utc_label(value: datetime | None) -> str:
    """`2026-06-29 18:26 UTC`, or `undated`."""
    if value is None:
        return "undated"
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def build_provenance(draft: Draft, store: Store | None) -> Provenance:
    """The footer of `draft`, computed from its used citations and the store's documents."""
    seen_urls: set[str] = set()
    entries: list[ProvenanceEntry] = []
    sources = cited_sources(draft, store)
    for i, source in enumerate(sources, start=1):
        entries.append(_entry(f"src-{i}", source, store, seen_urls))
    # As of the newest cited item, which may be a later version inside an entry.
    dated = [d.published_at for s in sources for d in s.documents if d.published_at is not None]
    dated += [
        c.published_at for s in sources if not s.documents for c in s.citations if c.published_at
    ]
    return Provenance(as_of=max(dated) if dated else None, entries=tuple(entries))


def _entry(
    key: str, source: CitedSource, store: Store | None, seen_urls: set[str]
) -> ProvenanceEntry:
    primary = source.primary
    first = source.citations[0]
    if primary is not None:
        url = display_url(primary.url, primary.kind, primary.channel, primary.location.item)
    else:
        url = display_url(first.url, first.kind, None, None)
    if url is not None:
        if (canonical_url(url) or url) in seen_urls:
            url = None  # shown under an earlier entry already (sources merge on shared URLs, so
            # this only happens for permalinks built from channel and message id)
        else:
            seen_urls.add(canonical_url(url) or url)
    carried = _also_carried_by(source, store, primary, seen_urls)
    return ProvenanceEntry(
        key=key,
        lineage_id=source.lineage_ids[0],
        doc_id=primary.id if primary else first.doc_id,
        outlet=source.outlet,
        kind=source.kind,
        author=primary.author if primary else None,
        title=primary.title if primary else first.title,
        url=url,
        published_at=source.published_at,
        ingested_at=primary.ingested_at if primary else None,
        short_hash=(primary.content_hash if primary else first.content_hash)[:SHORT_HASH],
        also_carried_by=tuple(carried),
        cited_by=tuple(source.cited_by),
        markers=source.markers,
    )


def _also_carried_by(
    source: CitedSource, store: Store | None, primary: Document | None, seen_urls: set[str]
) -> list[str]:
    """Reposts and other versions, oldest first, each once and never with a URL already shown."""
    if store is None or primary is None:
        return []
    others: list[tuple[datetime | None, str, str | None, str]] = []  # (time, outlet, url, note)
    cited_ids = {d.id for d in source.documents}
    for lineage in source.lineage_ids:
        for doc in store.lineage_documents(lineage):
            note = _version_note(doc, primary) if doc.id != primary.id else ""
            if doc.id in cited_ids and doc.id != primary.id:
                note += ", also cited"  # a version the draft quotes too, shown under this entry
            sightings: list[Sighting] = store.sightings(doc.id)
            if doc.id != primary.id:
                url = display_url(doc.url, doc.kind, doc.channel, doc.location.item)
                others.append((doc.published_at, doc.outlet, url, note))
            for s in sightings:
                url = display_url(s.url, doc.kind, s.channel, s.location.item)
                others.append((s.published_at or doc.published_at, s.outlet, url, note or "repost"))
    carried: list[str] = []
    seen_plain: set[str] = {primary.outlet.casefold()}
    for published, outlet, url, note in sorted(
        others, key=lambda o: (o[0] is None, o[0] or datetime.max, o[1])
    ):
        if url is not None:
            canon = canonical_url(url) or url
            if canon in seen_urls:
                continue
            seen_urls.add(canon)
            label = f"{outlet} <{url}>"
        else:
            # Without a URL an outlet is worth naming once, and not when it is the entry's own.
            if outlet.casefold() in seen_plain:
                continue
            seen_plain.add(outlet.casefold())
            label = outlet
        details = [d for d in (note if note != "repost" else "", _when(published)) if d]
        carried.append(f"{label} ({', '.join(details)})" if details else label)
    return carried


def _version_note(doc: Document, primary: Document) -> str:
    if doc.published_at and primary.published_at:
        return "earlier version" if doc.published_at < primary.published_at else "later version"
    return "version"


def _when(value: datetime | None) -> str:
    return utc_label(value) if value is not None else ""
