"""The records passed between layers: documents, passages, citations, verdicts, drafts, provenance.

All are pydantic models so they serialise to JSON losslessly (drafts, sessions and batch outputs
are stored as JSON). Times are timezone-aware UTC. Ids are content-derived so that re-ingesting
the same text produces the same ids (idempotent embedding, stable citations).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.migrations.documents import DRAFT, PROVENANCE

SourceKind = Literal["wire", "official", "outlet", "telegram", "blog"]
"""Who published it: a wire/agency, an official body, a news outlet, a Telegram channel, a blog."""

SourceFormat = Literal[
    "text",
    "markdown",
    "html",
    "rss",
    "atom",
    "telegram_export",
    "telegram_preview",
    "telegram_json",
    "jsonl",
]
"""Which loader produced it."""

Genre = Literal["news", "opinion", "analysis", "markets", "newsletter", "live"]
"""What kind of piece: opinion and analysis are framing, markets wraps, newsletters and live blogs
are round-ups (see `assistant/ingest/genre.py`)."""

VerdictLabel = Literal["supported", "weak", "unsupported", "uncited"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceLocation(_Frozen):
    """Where an item came from: the file and, for multi-item files, the item's index or id."""

    path: str
    item: str | None = None

    def __str__(self) -> str:
        return f"{self.path}#{self.item}" if self.item is not None else self.path


class Document(_Frozen):
    """One normalized source item (an article, a feed item, a channel post, a wire item)."""

    id: str
    """`doc_` + first 16 hex of the content hash: an exact repost is the same document."""
    kind: SourceKind
    format: SourceFormat
    outlet: str
    """Outlet or channel display name (e.g. `Reuters`, `OSINTdefender`)."""
    channel: str | None = None
    """Telegram channel username, when the item is a channel post."""
    author: str | None = None
    title: str | None = None
    text: str
    url: str | None = None
    """Canonical URL or Telegram permalink `https://t.me/<channel>/<id>`."""
    published_at: datetime | None = None
    """Timezone-aware UTC; `None` when the source gave no usable date (never invented)."""
    date_flag: str | None = None
    """Why `published_at` is missing or doubtful, e.g. `unparseable date 'yesterday'`."""
    ingested_at: datetime = Field(default_factory=utcnow)
    language: str | None = None
    content_hash: str
    """sha256 of the normalized text."""
    location: SourceLocation
    lineage_id: str | None = None
    """Id of the earliest document of the story this is a version of (itself if original)."""
    genre: Genre | None = None
    """News, opinion, analysis, markets wrap, newsletter or live blog; `None` when the source
    format gave nothing to go on (documents stored before this field existed, too)."""
    section: str | None = None
    """The feed or section the item came through (`World News`, `Markets`), apart from `outlet`."""
    fetched_at: datetime | None = None
    """When desk fetched it from its URL (`desk ingest URL`, `desk watch`); `None` for files. A
    batch window places an undated fetched document by this time (its `date_flag` says so)."""


class Sighting(_Frozen):
    """Another place an identical document was seen (a verbatim repost)."""

    doc_id: str
    outlet: str
    channel: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    location: SourceLocation
    fetched_at: datetime | None = None
    """When it was fetched, for a sighting fetched by URL (`location.path` is that URL)."""
    http_status: int | None = None
    """The HTTP status the fetch was answered with."""


class Passage(_Frozen):
    """A sentence-aware chunk of a document with exact character offsets into `Document.text`."""

    id: str
    """`<doc_id>:<start>-<end>`."""
    doc_id: str
    lineage_id: str
    text: str
    start: int
    end: int
    content_hash: str
    # Denormalized document metadata, so retrieval filters and citations need no join.
    outlet: str
    kind: SourceKind
    title: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    language: str | None = None


class SearchFilters(_Frozen):
    """What the editor narrows retrieval to. Empty lists mean no restriction."""

    since: datetime | None = None
    until: datetime | None = None
    outlets: tuple[str, ...] = ()
    kinds: tuple[SourceKind, ...] = ()
    languages: tuple[str, ...] = ()
    exclude_passages: tuple[str, ...] = ()


class Hit(_Frozen):
    """A retrieved passage with its fused score and how many documents its lineage holds."""

    passage: Passage
    score: float
    rank: int
    dense_rank: int | None = None
    lexical_rank: int | None = None
    lineage_size: int = 1


class Citation(_Frozen):
    """A numbered reference `[n]` in a draft, resolving to an exact span of a source document."""

    n: int
    passage_id: str
    doc_id: str
    lineage_id: str
    start: int
    end: int
    content_hash: str
    """Hash of the passage text when cited; a mismatch later means the source changed."""
    text: str
    outlet: str
    kind: SourceKind
    title: str | None = None
    url: str | None = None
    published_at: datetime | None = None

    @classmethod
    def from_passage(cls, passage: Passage, n: int) -> Citation:
        """Citation `[n]` of a passage; the hash is taken of the text as cited now, so a later
        change of the source shows up as a mismatch."""
        return cls(
            n=n,
            passage_id=passage.id,
            doc_id=passage.doc_id,
            lineage_id=passage.lineage_id,
            start=passage.start,
            end=passage.end,
            content_hash=sha256_hex(passage.text),
            text=passage.text,
            outlet=passage.outlet,
            kind=passage.kind,
            title=passage.title,
            url=passage.url,
            published_at=passage.published_at,
        )


class Verdict(_Frozen):
    """The verifier's judgement of one sentence against the passages it cites."""

    label: VerdictLabel
    score: float = 0.0
    reasons: tuple[str, ...] = ()
    """Human-readable, e.g. `'Russia' not in [2]`."""
    signals: dict[str, float] = Field(default_factory=dict)
    supporting: dict[int, tuple[tuple[int, int], ...]] = Field(default_factory=dict)
    """Per cited marker, character spans within the citation text whose words support the
    sentence (for highlighting)."""
    overcited: tuple[int, ...] = ()
    """Markers that neither support the sentence alone nor are needed by the others (ALCE's
    irrelevant citations); they count against citation precision."""


class Sentence(BaseModel):
    """One sentence of a paragraph, with its citation markers and verdict."""

    model_config = ConfigDict(extra="forbid")

    text: str
    """The sentence without its `[n]` markers."""
    citations: list[int] = Field(default_factory=list)
    verdict: Verdict | None = None


class Paragraph(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    sentences: list[Sentence] = Field(default_factory=list)
    locked: bool = False
    edited: bool = False
    repaired: list[str] = Field(default_factory=list)
    """What repair did to LLM output (retried, replaced by source sentence, dropped)."""


class CandidatePassage(_Frozen):
    """A passage offered to the editor for a section the sources do not fill (an analysis or
    opinion item, a hedged statement): source text, never part of the draft's sentences."""

    passage_id: str
    doc_id: str
    outlet: str
    text: str
    why: str
    """Why it is a candidate, e.g. `opinion item`, `hedged: "may"`."""
    published_at: datetime | None = None


class NotProvided(_Frozen):
    """The flag on a section the sources cannot fill: said plainly, with the strongest
    candidate passages. Not a sentence: kept out of the citation metrics."""

    reason: str = "not provided by the sources"
    candidates: tuple[CandidatePassage, ...] = ()


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    """From the house format: headline, dek, lede, body_1.., structural_frame, uncertain, ..."""
    title: str | None = None
    """Printed title (body sections get theirs from the drafter); None for untitled parts."""
    paragraphs: list[Paragraph] = Field(default_factory=list)
    query: str | None = None
    """The retrieval query the section was drafted from."""
    not_provided: NotProvided | None = None
    """Set when the sources do not speak to the section (it then has no paragraphs); absent in
    drafts stored before the flag existed."""


class Metrics(_Frozen):
    """ALCE-style citation metrics of a draft."""

    sentences: int = 0
    citation_recall: float = 0.0
    """Share of sentences fully supported by their citations."""
    citation_precision: float = 0.0
    """Share of citations that support their sentence."""
    supported: int = 0
    weak: int = 0
    unsupported: int = 0
    uncited: int = 0


class ProvenanceEntry(_Frozen):
    """One distinct source (a lineage) in the wire provenance footer."""

    key: str
    """Stable anchor id, e.g. `src-1`."""
    lineage_id: str
    doc_id: str
    outlet: str
    kind: SourceKind
    author: str | None = None
    title: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    ingested_at: datetime | None = None
    short_hash: str
    also_carried_by: tuple[str, ...] = ()
    """Other outlets/channels/URLs carrying the same item or a version of it."""
    cited_by: tuple[str, ...] = ()
    """Where it is cited, e.g. `lede ¶1`, `body_2 ¶1`."""
    markers: tuple[int, ...] = ()


class Provenance(_Frozen):
    schema_version: str = PROVENANCE.version

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        # Older stored versions are migrated before validation (`assistant.migrations`).
        return PROVENANCE.upgrade(data)

    as_of: datetime | None = None
    entries: tuple[ProvenanceEntry, ...] = ()


class DeskNote(_Frozen):
    """The computed sourcing note: independent sources, kinds, span, single-source claims."""

    text: str
    """The note as prose, with `[n]` citations."""
    independent_sources: int = 0
    kinds: dict[str, int] = Field(default_factory=dict)
    span_start: datetime | None = None
    span_end: datetime | None = None
    single_source_claims: tuple[str, ...] = ()
    telegram_only_claims: tuple[str, ...] = ()
    disagreements: tuple[str, ...] = ()


class Draft(BaseModel):
    """A desk synthesis: sections of cited, verified sentences plus everything to reproduce it."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = DRAFT.version
    id: str
    topic: str
    filters: SearchFilters = Field(default_factory=SearchFilters)
    generator: str
    model: str | None = None
    prompt_versions: dict[str, str] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    sections: list[Section] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    metrics: Metrics = Field(default_factory=Metrics)
    desk_note: DeskNote | None = None
    provenance: Provenance | None = None

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        # Older stored versions are migrated before validation (`assistant.migrations`).
        return DRAFT.upgrade(data)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def citation(self, n: int) -> Citation | None:
        return next((c for c in self.citations if c.n == n), None)
