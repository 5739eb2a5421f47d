"""`StoryClusterer`: groups a window's documents into stories on meaning and time.

On the real wire (`bench/eval_wire.py`: four labelled days of FT, WSJ, Economist and NYT feed
items) the headline carries most of what an item is about, so batch embeds title+lead. Three
more signals measured well there (pooled pairwise F1 0.73 -> 0.80; the stored passage vectors
with the old cut scored 0.34):
- a density correction (`hub_k`, `hub_weight`; CSLS, as in cross-lingual word retrieval): a
  pair's similarity is lowered by the mean of each item's similarities to its `hub_k` nearest
  items, so a busy theme (five Fed items) needs more to merge than a lone pair on one event;
- opinion or analysis next to news (`framing_bonus`): a column about an event belongs to its
  story although it is worded as argument, not report;
- two markets wraps of one outlet within a day (`markets_bonus`) are one story updated;
- two items whose headlines name different countries, neither naming the other's
  (`place_penalty`), are apart: vectors alone merged the Turkish and Philippine central banks'
  rate cuts, and a South Korean sentence with a Hong Kong one.
Shared rare names and figures (`entity_weight`), a same-outlet penalty (`outlet_penalty`) and a
time penalty inside one day cost F1 there, so they are off (the eval prints the ablation); the
time penalty applies from `time_grace_h` on, so one day's items are judged on meaning alone.

A document's vector is either the mean of its lead passages' vectors, read back from the index
(`passage_vectors`: free, they were computed at ingest) or its title and lead embedded afresh
(`title_lead_vectors`: one batched `Embedder.encode` call). Clustering runs on *lineages*,
not documents: a lineage (an item and its reposts, updates and
write-throughs) is one unit whose vector is the mean of its documents' vectors, so all versions
of an item always land in the same story. The distance between two lineages is their cosine
distance plus a time penalty that grows linearly with the gap between their first publication
times up to `time_scale_h` hours (`time_weight` at most): two items on the same words a week
apart are less likely the same story. scikit-learn's `AgglomerativeClustering` with average
linkage on that precomputed matrix cuts the tree at `distance_threshold`; nothing depends on
input order or randomness beyond a sort by (time, id), so the same documents give the same
stories.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from assistant.models import Document
from assistant.places import countries_in, with_regions
from assistant.text import split_sentences

if TYPE_CHECKING:
    import numpy as np

    from assistant.index.passage_index import PassageIndex
    from assistant.store import Store

LEAD_CHARS = 400
"""How much of the body is embedded with the title: the lead carries what the item is about."""


def lead_text(doc: Document, max_chars: int = LEAD_CHARS) -> str:
    """Title plus the body's first sentences up to `max_chars`: what a doc is clustered on."""
    lead = ""
    title = (doc.title or "").strip()
    text = doc.text
    if title and doc.format in ("rss", "atom"):
        # Feed items open with their headline (`feeds.with_title`): the lead is what follows.
        from assistant.ingest.loaders.feeds import with_title

        head = with_title(title, "")
        if head and text.startswith(head) and text != head:
            text = text[len(head) :].lstrip()
    for sentence in split_sentences(text):
        if lead and len(lead) + len(sentence) > max_chars:
            break
        lead = f"{lead} {sentence}".strip()
    lead = lead[: max_chars * 2]
    if title and not lead.lower().startswith(title.lower()):
        return f"{title}. {lead}".strip()
    return lead or title


def story_id(doc_ids: Sequence[str]) -> str:
    """Deterministic: the same member documents always give the same id."""
    digest = hashlib.sha256("\n".join(sorted(doc_ids)).encode("utf-8")).hexdigest()
    return f"story-{digest[:12]}"


class Story(BaseModel):
    """A group of documents about one event, with what ranking and drafting need to know."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    doc_ids: tuple[str, ...]
    """Members, oldest first."""
    lineage_ids: tuple[str, ...]
    outlets: tuple[str, ...]
    lineage_outlets: tuple[str, ...] = ()
    """The outlet of each lineage's first document, in `lineage_ids` order."""
    central_doc_id: str
    """The member closest to all the others: its title names the story."""
    title: str
    start: datetime
    end: datetime
    score: float = 0.0
    rank: int = 0

    @property
    def sources(self) -> int:
        """Independent sources: lineages, so reposts, updates and one outlet's feeds carrying
        the same GUID (folded at ingest) count once."""
        return len(self.lineage_ids)

    @property
    def outlet_sources(self) -> int:
        """Distinct outlets among the lineages: an outlet's news item and its column on the
        same event count once. Batch eligibility and ranking still use `sources`: on a
        single-outlet wire (the BBC liveblogs) every story has one outlet, and `--min-sources 2`
        would draft nothing."""
        if self.lineage_outlets:
            return len(set(self.lineage_outlets))
        return len(self.lineage_ids)

    @property
    def size(self) -> int:
        return len(self.doc_ids)


@dataclass(frozen=True)
class ClusterParams:
    """The clustering knobs; defaults chosen on allsides titles/leads (see bench/eval_batch.py)."""

    distance_threshold: float = 0.65
    """Average-linkage cut: distance (1 - cosine, + density correction and penalties) above
    which clusters stay apart. Chosen on any three of the wire's labelled days it is 0.65 for
    every held-out day (leave-one-day-out, `bench/eval_wire.py`)."""
    hub_k: int = 5
    """Neighbours whose mean similarity measures how crowded an item's neighbourhood is; the
    correction applies to windows of more than `2 * hub_k` lineages."""
    hub_weight: float = 0.5
    """Share of the two items' mean neighbourhood similarity added to their distance (0: off)."""
    framing_bonus: float = 0.05
    """Subtracted from the distance of an opinion or analysis item and a news item."""
    markets_bonus: float = 0.2
    """Subtracted from the distance of two markets wraps of one outlet less than a day apart."""
    time_weight: float = 0.5
    """Largest time penalty added to the distance of two lineages far apart in time."""
    time_scale_h: float = 24.0
    """Gap in hours past the grace period at which the time penalty reaches `time_weight`."""
    time_grace_h: float = 24.0
    """Gap in hours below which no time penalty applies (past it, the full penalty for the gap):
    one day's items on one event are often hours apart (a morning news item, an evening
    column), and any in-day penalty cost recall on the wire, while items a day or more apart
    keep the penalty that separates AllSides' day-dated stories."""
    linkage: str = "average"
    """scikit-learn linkage on the precomputed distances: average, complete or single."""
    entity_weight: float = 0.0
    """Bonus subtracted from the distance of two items sharing a rare name or figure (scaled by
    its rarity in the window, see `entities`). Off: it cost F1 on the labelled days."""
    place_penalty: float = 0.1
    """Added to the distance of two lineages whose headlines name countries the other never
    names (`place_conflicts`): the same kind of event in two countries is two stories. Any
    value from 0.1 to 0.5 scores the same on the labelled days (0.05 is too little to part two
    central banks' rate cuts); the smallest is kept."""
    outlet_penalty: float = 0.0
    """Added to the distance of two lineages from one outlet (one outlet rarely runs two items on
    one event a day). Off: on the labelled days a third of true pairs are one outlet's news and
    column on the same event."""

    @classmethod
    def for_documents(cls, docs: Sequence[Document]) -> ClusterParams:
        """The measured defaults for the kind of items in a window: `WIRE` for short feed items
        (median body up to `SHORT_ITEM_CHARS`: a standfirst, a post), `ARTICLES` for long-form
        articles, whose stories the density correction would split (AllSides: ARI 0.97 with
        `ARTICLES`, 0.78 with `WIRE`)."""
        lengths = sorted(len(d.text) for d in docs)
        if lengths and lengths[len(lengths) // 2] > SHORT_ITEM_CHARS:
            return ARTICLES
        return WIRE


SHORT_ITEM_CHARS = 300
"""Median body length up to which a window is treated as a wire of short items (the archive's
feed items have a median of about 110 characters, AllSides' article leads about 570)."""
WIRE = ClusterParams()
"""Chosen on the wire archive's labelled days (`bench/eval_wire.py`)."""
ARTICLES = ClusterParams(
    distance_threshold=0.6,
    time_grace_h=0.0,
    hub_weight=0.0,
    framing_bonus=0.0,
    markets_bonus=0.0,
    place_penalty=0.0,
)
"""The earlier defaults, chosen on AllSides' multi-outlet articles (`bench/eval_batch.py`)."""


DocVectors = Callable[[Sequence[Document]], "np.ndarray"]
"""Documents -> one unit-length row per document, in order."""


def title_lead_vectors(encode: Callable[[Sequence[str]], np.ndarray]) -> DocVectors:
    """Embed each document's title and lead with `encode` (e.g. `Embedder.encode`), batched."""

    def vectors(docs: Sequence[Document]) -> np.ndarray:
        return encode([lead_text(d) for d in docs])

    return vectors


def passage_vectors(
    store: Store,
    index: PassageIndex,
    lead_passages: int = 3,
    encode: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> DocVectors:
    """Mean of the stored vectors of each document's first `lead_passages` passages; documents
    without passages are embedded from their title and lead with `encode` (or the index's)."""

    def vectors(docs: Sequence[Document]) -> np.ndarray:
        import numpy as np

        leads = {d.id: store.passages_of(d.id)[:lead_passages] for d in docs}
        stored = index.passage_vectors([p for ps in leads.values() for p in ps])
        fallback = [d for d in docs if not any(p.id in stored for p in leads[d.id])]
        fresh = (
            (encode or index.embedder.encode)([lead_text(d) for d in fallback])
            if fallback
            else None
        )
        fresh_row = {d.id: i for i, d in enumerate(fallback)}
        rows = []
        for d in docs:
            if d.id in fresh_row:
                assert fresh is not None
                rows.append(fresh[fresh_row[d.id]])
            else:
                v = np.mean([stored[p.id] for p in leads[d.id] if p.id in stored], axis=0)
                rows.append(v / max(float(np.linalg.norm(v)), 1e-12))
        return np.vstack(rows).astype(np.float32)

    return vectors


@dataclass
class StoryClusterer:
    """Clusters documents' lineages into `Story`s on their vectors and publication times."""

    doc_vectors: DocVectors
    params: ClusterParams | None = None
    """`None`: `ClusterParams.for_documents` of the documents clustered."""

    def cluster(self, docs: Sequence[Document]) -> list[Story]:
        import numpy as np

        dated = sorted(
            (d for d in docs if d.published_at is not None), key=lambda d: (d.published_at, d.id)
        )
        if not dated:
            return []
        vectors = self.doc_vectors(dated)
        row_of = {d.id: i for i, d in enumerate(dated)}

        lineages: dict[str, list[Document]] = {}
        for d in dated:
            lineages.setdefault(d.lineage_id or d.id, []).append(d)
        units = sorted(lineages.items(), key=lambda kv: (kv[1][0].published_at, kv[0]))
        unit_vecs = np.vstack(
            [vectors[[row_of[d.id] for d in members]].mean(axis=0) for _, members in units]
        )
        unit_vecs /= np.maximum(np.linalg.norm(unit_vecs, axis=1, keepdims=True), 1e-12)
        hours = np.array([_hours(members[0]) for _, members in units])
        labels = self._labels(unit_vecs, hours, [members for _, members in units])

        groups: dict[int, list[Document]] = {}
        for (_, members), label in zip(units, labels, strict=True):
            groups.setdefault(int(label), []).extend(members)
        stories = [
            self._story(sorted(members, key=lambda d: (d.published_at, d.id)), vectors, row_of)
            for members in groups.values()
        ]
        return sorted(stories, key=lambda s: s.id)

    def _labels(
        self, vecs: np.ndarray, hours: np.ndarray, units: Sequence[Sequence[Document]]
    ) -> list[int]:
        import numpy as np

        if len(vecs) == 1:
            return [0]
        from sklearn.cluster import AgglomerativeClustering  # type: ignore[import-untyped]

        p = self.params or ClusterParams.for_documents([d for u in units for d in u])
        sims = np.clip(vecs @ vecs.T, -1.0, 1.0)
        dist = 1.0 - sims
        n = len(vecs)
        # A neighbourhood's crowding means something only with a crowd: a handful of items
        # (a test, a quiet hour) are judged on plain cosine.
        if p.hub_weight and n > 2 * p.hub_k:
            others = sims.copy()
            np.fill_diagonal(others, -1.0)
            k = min(p.hub_k, n - 1)
            crowd = np.sort(others, axis=1)[:, -k:].mean(axis=1)
            dist = dist + p.hub_weight * (crowd[:, None] + crowd[None, :]) / 2
        genres = np.array([u[0].genre or "news" for u in units], dtype=object)
        if p.framing_bonus:
            framing = np.isin(genres, ("opinion", "analysis"))
            news = genres == "news"
            mixed = (framing[:, None] & news[None, :]) | (news[:, None] & framing[None, :])
            dist = dist - p.framing_bonus * mixed
        if p.markets_bonus:
            outlet = np.array([u[0].outlet for u in units], dtype=object)
            wraps = genres == "markets"
            same_day = np.abs(hours[:, None] - hours[None, :]) < 24.0
            pair = wraps[:, None] & wraps[None, :] & (outlet[:, None] == outlet[None, :]) & same_day
            dist = dist - p.markets_bonus * pair
        gap = np.abs(hours[:, None] - hours[None, :])
        penalty = p.time_weight * np.minimum(1.0, gap / max(p.time_scale_h, 1e-9))
        dist = dist + np.where(gap < p.time_grace_h, 0.0, penalty)
        if p.entity_weight:
            dist = dist - p.entity_weight * _entity_overlap([_unit_entities(u) for u in units])
        if p.place_penalty:
            dist = dist + p.place_penalty * place_conflicts(units)
        if p.outlet_penalty:
            outlets = np.array([u[0].outlet for u in units], dtype=object)
            dist = dist + p.outlet_penalty * (outlets[:, None] == outlets[None, :])
        dist = np.maximum(dist, 0.0)
        np.fill_diagonal(dist, 0.0)
        model = AgglomerativeClustering(
            n_clusters=None,
            metric="precomputed",
            linkage=p.linkage,
            distance_threshold=p.distance_threshold,
        )
        return [int(x) for x in model.fit_predict(dist)]

    @staticmethod
    def _story(members: list[Document], vectors: np.ndarray, row_of: dict[str, int]) -> Story:
        rows = vectors[[row_of[d.id] for d in members]]
        centrality = (rows @ rows.T).mean(axis=1)
        # A news item before opinion, analysis and round-ups: the story's title is the news,
        # and the draft's topic (read on the archive: a two-item story titled by its Lex-style
        # commentary, "Lessons from a stablecoin IPO", over "Circle Internet shares soar 168%
        # on NYSE debut"). Then the highest mean similarity to the others; ties go to the
        # earlier (then smaller) id.
        best = max(
            range(len(members)),
            key=lambda i: (
                members[i].genre in (None, "news"),
                round(float(centrality[i]), 6),
                -i,
            ),
        )
        central = members[best]
        title = (central.title or "").strip() or (split_sentences(central.text) or [central.text])[
            0
        ][:160]
        first_of: dict[str, Document] = {}
        for d in members:
            first_of.setdefault(d.lineage_id or d.id, d)
        lineage_ids = tuple(first_of)
        return Story(
            id=story_id([d.id for d in members]),
            doc_ids=tuple(d.id for d in members),
            lineage_ids=lineage_ids,
            outlets=tuple(sorted({d.outlet for d in members})),
            lineage_outlets=tuple(first_of[lin].outlet for lin in lineage_ids),
            central_doc_id=central.id,
            title=title,
            start=members[0].published_at,  # type: ignore[arg-type]
            end=members[-1].published_at,  # type: ignore[arg-type]
        )


_TOKEN = re.compile(r"[A-Za-z][\w'’&.-]*\w|[A-Za-z]|[$€£]?\d[\d.,]*(?:%|bn|tn|m)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_NOT_NAMES = frozenset(
    "the a an and or of in on at to for by with from as is are was were be its it this that "
    "these those his her their our new says said after over amid how why what who will may can "
    "could would should not no than more most up down out into about but opinion plus monday "
    "tuesday wednesday thursday friday saturday sunday january february march april may june "
    "july august september october november december".split()
)


def entities(doc: Document) -> set[str]:
    """Names and figures of an item, cheaply: capitalised words that do not open a sentence,
    acronyms, and figures of two or more digits other than years, lower-cased. A Title Case
    headline ("Trade Deficit Declined in August") capitalises every word, so from such a title
    only acronyms and words the body also names count."""
    body = names_in(doc.text)
    title = doc.title or ""
    words = [w for w in re.findall(r"[A-Za-z]+", title) if len(w) > 3]
    if words and sum(w[0].isupper() for w in words) / len(words) >= 0.5:
        return body | {x for x in names_in(title) if x in body or x.isupper()}
    return body | names_in(title)


def names_in(text: str) -> set[str]:
    """Capitalised words that do not open a sentence, acronyms and figures (not years) of
    `text`, lower-cased."""
    found: set[str] = set()
    for sentence in _SENTENCE.split(text):
        for k, tok in enumerate(_TOKEN.findall(sentence)):
            t = tok.rstrip(".").removesuffix("’s").removesuffix("'s")
            if not t:
                continue
            if t[0].isdigit() or t[0] in "$€£":
                digits = re.sub(r"\D", "", t)
                if len(digits) >= 2 and not re.fullmatch(r"(19|20)\d\d", t):
                    found.add(t.lower())
            elif t.lower() not in _NOT_NAMES and (
                (t.isupper() and len(t) > 1) or (k and t[0].isupper())
            ):
                found.add(t.lower())
    return found


def _unit_entities(members: Sequence[Document]) -> set[str]:
    return set().union(*(entities(d) for d in members))


def _entity_overlap(sets: Sequence[set[str]]) -> np.ndarray:
    """Per pair: the rarity (idf scaled to 0..1 over the window) of the rarest shared name."""
    import numpy as np

    n = len(sets)
    df: dict[str, int] = {}
    for s in sets:
        for x in s:
            df[x] = df.get(x, 0) + 1
    scale = math.log(n) if n > 1 else 1.0
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            shared = sets[i] & sets[j]
            if shared:
                out[i, j] = out[j, i] = max(math.log(n / df[x]) for x in shared) / scale
    return out


def place_conflicts(units: Sequence[Sequence[Document]]) -> np.ndarray:
    """1 where two units' headlines name countries and neither unit names any country of the
    other's headline (`places.countries_in`; a headline is a member's title, else its first
    sentence), else 0: "Turkish Central Bank Cuts Rates Again …" and "Philippine Central Bank
    Cuts Rates Again …". Headlines, because a standfirst often names the other side of a
    two-country story ("Trump Says He Is Terminating Trade Negotiations With Canada" beside an
    Ontario item whose standfirst names only the U.S.): only the headline says whose story it is."""
    import numpy as np

    def headline(d: Document) -> str:
        if d.title:
            return d.title
        first = split_sentences(d.text)
        return first[0] if first else ""

    heads = [with_regions(set().union(*(countries_in(headline(d)) for d in u))) for u in units]
    named = [
        with_regions(heads[k].union(*(countries_in(d.text) for d in u)))
        for k, u in enumerate(units)
    ]
    n = len(units)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            if heads[i] and heads[j] and not heads[i] & named[j] and not heads[j] & named[i]:
                out[i, j] = out[j, i] = 1.0
    return out


def _hours(doc: Document) -> float:
    assert doc.published_at is not None  # undated documents never reach clustering
    return doc.published_at.timestamp() / 3600.0


def rank_stories(stories: Sequence[Story], since: datetime, until: datetime) -> list[Story]:
    """Order by independent sources, then recency and volume, as one documented score.

    `score = sources + 0.5 * recency + 0.25 * log2(1 + documents) / log2(1 + max documents)`,
    where recency is the story's newest item's position in the window (0 = start, 1 = end).
    The bonus terms stay below 1, so a story with more independent sources always ranks
    first; among equals the fresher and bigger one wins; the id breaks exact ties.
    """
    span = max((until - since).total_seconds(), 1.0)
    max_docs = max((s.size for s in stories), default=1)
    scored = []
    for s in stories:
        recency = min(1.0, max(0.0, (s.end - since).total_seconds() / span))
        volume = math.log2(1 + s.size) / math.log2(1 + max_docs) if max_docs > 0 else 0.0
        scored.append(
            s.model_copy(update={"score": round(s.sources + 0.5 * recency + 0.249 * volume, 6)})
        )
    scored.sort(key=lambda s: (-s.score, s.id))
    return [s.model_copy(update={"rank": i + 1}) for i, s in enumerate(scored)]
