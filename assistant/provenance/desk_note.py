"""`build_desk_note(draft, store)`: the draft's sourcing, computed from its citations — never
written by a model — and `with_disagreements(draft, disagreements)`, which states where sources
disagree as cited sentences in "What remains genuinely uncertain".

The note counts independent sources (lineages, see `sources.cited_sources`), the mix by kind, the
time span the cited material covers, the sentences resting on a single source or only on Telegram,
and the disagreements; every source, claim and disagreement it names carries its `[n]` markers.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from assistant.models import DeskNote, Draft, Paragraph, Section, Sentence
from assistant.provenance.disagreements import Disagreement, find_disagreements
from assistant.provenance.footer import utc_label
from assistant.provenance.sources import CitedSource, cited_sources, paragraph_label
from assistant.store import Store
from assistant.text import strip_markers

DISAGREEMENT_PARAGRAPH = "uncertain-disagreements"
"""Id of the paragraph `with_disagreements` writes (and rewrites on the next finalize)."""
UNCERTAIN = "uncertain"
LISTED_CLAIMS = 4
"""How many single-source / Telegram-only claims the prose names; the record keeps them all."""
CLAIM_CHARS = 90
"""Sentences quoted in the prose are cut to about this many characters (the record keeps all)."""

KIND_LABELS = {
    "wire": ("wire/agency", "wires/agencies"),
    "official": ("official source", "official sources"),
    "outlet": ("news outlet", "news outlets"),
    "telegram": ("Telegram channel", "Telegram channels"),
    "blog": ("blog", "blogs"),
}


def _markers(ns: tuple[int, ...] | list[int]) -> str:
    return "".join(f"[{n}]" for n in ns)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def build_desk_note(
    draft: Draft, store: Store | None, disagreements: list[Disagreement] | None = None
) -> DeskNote:
    """The desk note of `draft` (pass `disagreements` when already computed)."""
    sources = cited_sources(draft, store)
    if disagreements is None:
        disagreements = find_disagreements(draft, store, sources)
    source_of = {c.n: i for i, s in enumerate(sources) for c in s.citations}
    kinds: Counter[str] = Counter(s.kind for s in sources)
    dated = [d.published_at for s in sources for d in s.documents if d.published_at is not None]
    dated += [
        c.published_at for s in sources if not s.documents for c in s.citations if c.published_at
    ]
    span_start, span_end = (min(dated), max(dated)) if dated else (None, None)

    single: list[str] = []
    telegram_only: list[str] = []
    cited_sentences = uncited = 0
    for section in draft.sections:
        for i, paragraph in enumerate(section.paragraphs):
            for sentence in paragraph.sentences:
                ns = [n for n in sentence.citations if n in source_of]
                if not ns:
                    uncited += 1
                    continue
                cited_sentences += 1
                claim = f"{paragraph_label(section.id, i)}: “{sentence.text}” {_markers(ns)}"
                # One outlet is one source, however many of its items are cited.
                if len({sources[source_of[n]].outlet for n in ns}) == 1:
                    single.append(claim)
                if all(sources[source_of[n]].kind == "telegram" for n in ns):
                    telegram_only.append(claim)

    text = _prose(
        sources,
        kinds,
        span_start,
        span_end,
        cited_sentences,
        uncited,
        single,
        telegram_only,
        disagreements,
    )
    return DeskNote(
        text=text,
        independent_sources=len({s.outlet for s in sources}),
        kinds={k: kinds[k] for k in KIND_LABELS if kinds[k]},
        span_start=span_start,
        span_end=span_end,
        single_source_claims=tuple(single),
        telegram_only_claims=tuple(telegram_only),
        disagreements=tuple(d.note() for d in disagreements),
    )


def _prose(
    sources: list[CitedSource],
    kinds: Counter[str],
    span_start: datetime | None,
    span_end: datetime | None,
    cited_sentences: int,
    uncited: int,
    single: list[str],
    telegram_only: list[str],
    disagreements: list[Disagreement],
) -> str:
    if not sources:
        return "This draft cites no sources; every sentence in it is unsourced."
    # Independent sources are distinct lineages from distinct (normalised) outlets.
    outlets = len({s.outlet for s in sources})
    parts = [f"This draft rests on {_plural(outlets, 'independent source', 'independent sources')}"]
    mix = []
    for kind, (one, many) in KIND_LABELS.items():
        members = [s for s in sources if s.kind == kind]
        if members:
            # One name per outlet: "Meridian Wire, 3 items [1][2][6]" rather than three names.
            by_outlet: dict[str, list[CitedSource]] = {}
            for s in members:
                by_outlet.setdefault(s.outlet, []).append(s)
            names = ", ".join(
                f"{outlet}{f', {len(group)} items' if len(group) > 1 else ''} "
                f"{_markers(sorted(n for g in group for n in g.markers))}"
                for outlet, group in by_outlet.items()
            )
            mix.append(f"{_plural(len(by_outlet), one, many)} ({names})")
    parts[0] += ": " + "; ".join(mix) + "."
    if span_start and span_end:
        parts.append(
            f"The cited material spans {utc_label(span_start)} {_markers_at(sources, span_start)} "
            f"to {utc_label(span_end)} {_markers_at(sources, span_end)}."
            if span_start != span_end
            else f"All cited material is from {utc_label(span_start)}."
        )
    else:
        parts.append("No cited source carries a usable date.")
    undated = [s for s in sources if s.published_at is None]
    if undated and span_start:
        parts.append(
            "Undated: " + ", ".join(f"{s.outlet} {_markers(s.markers)}" for s in undated) + "."
        )
    parts.append(
        _claims(
            f"Of {cited_sentences} cited sentences, ", single, "rests", "rest", "on a single source"
        )
    )
    if telegram_only:
        parts.append(_claims("", telegram_only, "rests", "rest", "only on Telegram channels"))
    if uncited:
        parts.append(f"{_plural(uncited, 'sentence carries', 'sentences carry')} no citation.")
    if disagreements:
        parts.append(
            "Sources give different figures, dates or names (check whether they describe the same "
            "thing; see “What remains genuinely uncertain”): "
            + "; ".join(d.note() for d in disagreements)
            + "."
        )
    else:
        parts.append(
            "No disagreement in numbers, dates or names was found among the cited passages."
        )
    return " ".join(parts)


def _markers_at(sources: list[CitedSource], when: datetime) -> str:
    """The markers of the citations into documents published at `when` (a span's ends)."""
    ns = set()
    for s in sources:
        published = {d.id: d.published_at for d in s.documents}
        for c in s.citations:
            if published.get(c.doc_id, c.published_at) == when:
                ns.add(c.n)
    return _markers(sorted(ns))


def _claims(prefix: str, claims: list[str], one: str, many: str, what: str) -> str:
    count = len(claims)
    head = f"{prefix}{count} {one if count == 1 else many} {what}"
    if not claims:
        return head + "."
    shown = "; ".join(_shorten(c) for c in claims[:LISTED_CLAIMS])
    more = f"; and {count - LISTED_CLAIMS} more" if count > LISTED_CLAIMS else ""
    return f"{head}: {shown}{more}."


def _shorten(claim: str, limit: int = CLAIM_CHARS) -> str:
    """`lede ¶1: “a long sentence …” [1]`: the quoted sentence cut at a word, markers kept."""
    head, sep, rest = claim.partition(": “")
    quote, _, markers = rest.rpartition("” ")
    if not sep or len(quote) <= limit:
        return claim
    cut = quote[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{head}: “{cut} …” {markers}"


def with_disagreements(draft: Draft, disagreements: list[Disagreement]) -> Draft:
    """A copy of `draft` whose "uncertain" section ends with one cited sentence per disagreement.

    The paragraph is rewritten on every call (so finalising twice does not add it twice), unless
    the editor locked or edited it; an empty list removes a stale one."""
    out = draft.model_copy(deep=True)
    section = out.section(UNCERTAIN)
    existing = (
        next((p for p in section.paragraphs if p.id == DISAGREEMENT_PARAGRAPH), None)
        if section
        else None
    )
    if existing is not None and (existing.locked or existing.edited):
        return out
    if section is not None and existing is not None:
        section.paragraphs = [p for p in section.paragraphs if p.id != DISAGREEMENT_PARAGRAPH]
    if not disagreements:
        return out
    if section is None:
        section = Section(id=UNCERTAIN)
        _insert_section(out, section)
    sentences = []
    for d in disagreements:
        text, markers = strip_markers(d.sentence())
        sentences.append(Sentence(text=text, citations=markers))
    section.paragraphs.append(Paragraph(id=DISAGREEMENT_PARAGRAPH, sentences=sentences))
    return out


def _insert_section(draft: Draft, section: Section) -> None:
    # House order: "uncertain" comes before "serious_point" when that exists, else at the end.
    ids = [s.id for s in draft.sections]
    at = ids.index("serious_point") if "serious_point" in ids else len(ids)
    draft.sections.insert(at, section)
